import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import type pg from 'pg';
import { AUDIT_EXPORT_FORMAT, type AuditExportHeader } from '@countersign/platform/crypto';
import { EventKeyRing } from '@countersign/platform/event-keys';
import { ApiError, PG_POOL } from '@countersign/platform/nest';
import { AuditorAccess } from '../../auth/auditor-access.js';
import { checkpointStore } from '../../checkpoints/merkle-log.js';
import { CHECKPOINT_ORIGIN, PublishCheckpoint } from '../../checkpoints/publish-checkpoint.use-case.js';
import { AuditSigningKey } from '../../signing/audit-signing-key.js';
import { AUDIT_COLUMNS, toChainEntry, type AuditRow } from '../audit-rows.js';

const PAGE = 1_000;

// Only what this controller touches; express's types are not a dependency here.
interface StreamResponse {
  setHeader(name: string, value: string): unknown;
  write(chunk: string): boolean;
  end(): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * The whole log up to a checkpoint signed now, as JSON Lines (`countersign audit verify` checks it
 * offline). Streamed page by page, so a long log never sits in memory.
 */
@Controller('v1/audit')
export class ExportLogController {
  constructor(
    private readonly access: AuditorAccess,
    private readonly publish: PublishCheckpoint,
    private readonly signing: AuditSigningKey,
    @Inject(CHECKPOINT_ORIGIN) private readonly origin: string,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly eventKeys: EventKeyRing,
  ) {}

  @Get('export')
  async export(@Headers('authorization') authorization: string | undefined, @Res() res: StreamResponse): Promise<void> {
    await this.access.authorize(authorization);
    // A log that can no longer be checkpointed (a row deleted or rewritten under us) is still exported
    // up to its last signed checkpoint: the auditor's verifier then names what is wrong.
    const checkpoint = await this.publish.execute().catch(() => checkpointStore.latest(this.pool));
    if (!checkpoint) throw new ApiError('CHECKPOINT_NOT_FOUND', 404, 'the log is empty');
    const header: AuditExportHeader = { format: AUDIT_EXPORT_FORMAT, origin: this.origin, keys: this.signing.jwks().keys, eventKeys: this.eventKeys.jwks(), checkpoint: checkpoint.note };
    res.setHeader('Content-Type', 'application/x-ndjson');
    res.setHeader('Content-Disposition', `attachment; filename="audit-${checkpoint.treeSize}.jsonl"`);
    res.setHeader('Cache-Control', 'no-store');
    const write = async (line: string) => {
      if (!res.write(`${line}\n`)) await new Promise<void>((resolve) => res.once('drain', resolve));
    };
    await write(JSON.stringify(header));
    for (let after = 0; after < checkpoint.treeSize; after += PAGE) {
      const { rows } = await this.pool.query<AuditRow>(
        `SELECT ${AUDIT_COLUMNS} FROM audit.events WHERE seq > $1 AND seq <= $2 ORDER BY seq`,
        [after, Math.min(after + PAGE, checkpoint.treeSize)],
      );
      for (const row of rows) await write(JSON.stringify(toChainEntry(row)));
    }
    res.end();
  }
}
