import { Inject, Injectable } from '@nestjs/common';
import { createEvent, IntentWithdrawnV1, Requester } from '@countersign/contracts';
import type { VerifiedIdentity } from '@countersign/platform/auth';
import type { Logger } from '@countersign/platform/logging';
import { EventPublisher } from '@countersign/platform/nats';
import { PG_POOL } from '@countersign/platform/nest';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import type pg from 'pg';
import { IntakeError } from '../../errors/intake-error.js';
import { LOGGER } from '../../infra/tokens.js';
import { GetIntent } from '../get-intent/get-intent.use-case.js';
import { canRead, intentColumns, sameRequester, toView, type IntentRow, type IntentView } from '../intent-record.js';

/** States an intent can still be withdrawn from (the state machine's rule, libs/domain). */
const UNDECIDED: ReadonlySet<string> = new Set(['submitted', 'pending_review']);

/** How long the request waits for the read model to show the withdrawal (or a decision that crossed it). */
export const SETTLE_WAIT_MS = 5_000;

export interface WithdrawIntentCommand {
  id: string;
  identity: VerifiedIdentity;
  reason?: string | undefined;
}

export interface WithdrawIntentResult {
  /** False when the read model had not applied the withdrawal within SETTLE_WAIT_MS (it is on its way). */
  settled: boolean;
  view: IntentView;
}

/**
 * Publishes `intent.withdrawn` for an undecided intent of the caller's own. The stream orders it against
 * a decision published at the same moment, and every consumer (read model, policy, broker, audit)
 * applies whichever comes first: the answer waits for the read model and says which one that was.
 */
@Injectable()
export class WithdrawIntent {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(GetIntent) private readonly getIntent: GetIntent,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdGenerator) private readonly ids: IdGenerator,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(cmd: WithdrawIntentCommand): Promise<WithdrawIntentResult> {
    const { rows } = await this.pool.query<IntentRow>(`SELECT ${intentColumns()} FROM intake.intents WHERE id = $1`, [cmd.id]);
    const row = rows[0];
    if (!row || !canRead(row, cmd.identity)) throw new IntakeError('NOT_FOUND', `no intent ${cmd.id}`);
    const requester = Requester.parse(row.requester);
    // Auditors may read every intent, but only its requester may take it back.
    if (!sameRequester(requester, cmd.identity.requester)) throw new IntakeError('NOT_REQUESTER', 'only the requester may withdraw an intent');
    if (row.state === 'withdrawn') return { settled: true, view: toView(row) };
    if (!UNDECIDED.has(row.state)) throw decided(cmd.id, row.state);

    await this.publish(row, requester, cmd.reason);
    return this.awaitSettled(cmd, row.state);
  }

  private async publish(row: IntentRow, requester: Requester, reason: string | undefined): Promise<void> {
    const event = createEvent(IntentWithdrawnV1, {
      id: this.ids.next(),
      occurredAt: this.clock.now(),
      intentId: row.id,
      actor: { kind: requester.kind, id: requester.subject, issuer: requester.issuer },
      data: reason ? { reason } : {},
    });
    try {
      await this.publisher.publish(event);
    } catch (error) {
      this.logger.warn({ intentId: row.id, err: error instanceof Error ? error.message : String(error) }, 'publishing intent.withdrawn failed');
      throw new IntakeError('PUBLISH_FAILED', 'the withdrawal could not be queued; retry', { retryAfterSeconds: 1 });
    }
  }

  private async awaitSettled(cmd: WithdrawIntentCommand, from: string): Promise<WithdrawIntentResult> {
    const deadline = Date.now() + SETTLE_WAIT_MS;
    let state = from;
    for (;;) {
      const remaining = deadline - Date.now();
      const view = await this.getIntent.execute({ id: cmd.id, identity: cmd.identity, waitSeconds: Math.max(0, remaining) / 1000, lastSeenState: state as IntentView['state'] });
      if (view.state === 'withdrawn') return { settled: true, view };
      // A decision published before the withdrawal wins everywhere; say so rather than pretend.
      if (!UNDECIDED.has(view.state)) throw decided(cmd.id, view.state);
      state = view.state;
      if (Date.now() >= deadline) return { settled: false, view };
    }
  }
}

function decided(id: string, state: string): IntakeError {
  return new IntakeError('INTENT_DECIDED', `intent ${id} is ${state}: only an undecided intent can be withdrawn`);
}
