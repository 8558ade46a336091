import { Inject, Injectable } from '@nestjs/common';
import type { Intent, Requester, SubmitIntentRequest } from '@countersign/contracts';
import { intentHash } from '@countersign/domain';
import { PrismaClient, type Prisma } from '@countersign/platform/db';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import { IntakeError } from '../../errors/intake-error.js';
import type { IntentRow } from '../intent-record.js';
import { SubmittedPublisher } from '../publish-submitted/submitted-publisher.js';
import { decideOnExistingKey, requestHashOf } from './idempotency.js';

export interface SubmitIntentCommand {
  request: SubmitIntentRequest;
  /** From the verified token only. */
  requester: Requester;
  idempotencyKey?: string | undefined;
}

export interface SubmitIntentResult {
  /** False when an idempotent retry returned the intent created earlier. */
  created: boolean;
  row: IntentRow;
}

/**
 * Commit first, publish second: the intent row and its pre-assigned event id are stored in one transaction
 * with the idempotency key, then the event is published with that id. A crash in between leaves a row with
 * published_at null that a retry or the republisher sends; NATS dedup makes a double send harmless.
 */
@Injectable()
export class SubmitIntent {
  constructor(
    @Inject(PrismaClient) private readonly prisma: PrismaClient,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdGenerator) private readonly ids: IdGenerator,
    @Inject(SubmittedPublisher) private readonly publisher: SubmittedPublisher,
  ) {}

  async execute(cmd: SubmitIntentCommand): Promise<SubmitIntentResult> {
    const result = await this.prisma.$transaction((tx) => this.store(tx, cmd));
    if (result.created || result.row.publishedAt === null) await this.publisher.publishOrFail(result.row);
    return result;
  }

  private async store(tx: Prisma.TransactionClient, cmd: SubmitIntentCommand): Promise<SubmitIntentResult> {
    const { request, requester, idempotencyKey } = cmd;
    const id = this.ids.next();
    const now = this.clock.now();
    if (idempotencyKey !== undefined) {
      const requestHash = requestHashOf(request, requester);
      // ON CONFLICT waits for a concurrent first use of the key to commit, so two racing retries cannot
      // both create an intent.
      const inserted = await tx.$executeRaw`
        INSERT INTO intake.idempotency_keys (requester_subject, key, request_hash, intent_id, created_at)
        VALUES (${requester.subject}, ${idempotencyKey}, ${requestHash}, ${id}::uuid, ${now})
        ON CONFLICT (requester_subject, key) DO NOTHING`;
      if (inserted === 0) {
        const existing = await tx.idempotencyKey.findUniqueOrThrow({
          where: { requesterSubject_key: { requesterSubject: requester.subject, key: idempotencyKey } },
        });
        const decision = decideOnExistingKey(existing, requestHash);
        if (decision.kind === 'conflict') {
          throw new IntakeError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
        }
        return { created: false, row: await tx.intent.findUniqueOrThrow({ where: { id: decision.intentId } }) };
      }
    }
    const intent: Intent = {
      action: request.action,
      resource: request.resource,
      args: request.args,
      justification: request.justification,
      requester,
      ...(request.dedupeKey !== undefined ? { dedupeKey: request.dedupeKey } : {}),
    };
    const row = await tx.intent.create({
      data: {
        id,
        requesterSubject: requester.subject,
        requester: intent.requester,
        action: intent.action,
        resource: intent.resource,
        args: intent.args,
        justification: intent.justification,
        dedupeKey: intent.dedupeKey ?? null,
        intentHash: intentHash(intent),
        state: 'submitted',
        submittedEventId: this.ids.next(),
        createdAt: now,
        updatedAt: now,
      },
    });
    return { created: true, row };
  }
}
