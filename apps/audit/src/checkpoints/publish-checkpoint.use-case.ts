import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { signCheckpoint, streamedRangeRoots } from '@countersign/platform/crypto';
import { ApiError, PG_POOL } from '@countersign/platform/nest';
import { AuditSigningKey } from '../signing/audit-signing-key.js';
import { checkpointStore, leafPages, treeSize, type CheckpointRow } from './merkle-log.js';

export const CHECKPOINT_ORIGIN = Symbol('audit.checkpoint-origin');

/** A 500 with its own code: the log's integrity failed, which no request of the caller can fix. */
export class InconsistentLogError extends ApiError<'LOG_INCONSISTENT'> {
  constructor(from: number, to: number) {
    super('LOG_INCONSISTENT', 500, `the log of size ${to} does not extend the signed checkpoint of size ${from}; refusing to sign`);
    this.name = 'InconsistentLogError';
  }
}

/**
 * Signs a checkpoint of the log as it is now, unless the last one already covers it. Before signing,
 * the new tree must prove consistent with the last signed one: the service never signs two
 * checkpoints that contradict each other, even if someone rewrote rows under it.
 */
@Injectable()
export class PublishCheckpoint {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(AuditSigningKey) private readonly signing: AuditSigningKey,
    @Inject(CHECKPOINT_ORIGIN) private readonly origin: string,
  ) {}

  async execute(): Promise<CheckpointRow | undefined> {
    const size = await treeSize(this.pool);
    const last = await checkpointStore.latest(this.pool);
    if (size === 0 || (last && last.treeSize >= size)) return last;
    // One pass over the leaves: the root of the whole log and of the prefix the last checkpoint signed.
    // The prefix hashing to the signed root is what a consistency proof would show.
    const ranges = [{ from: 0, to: size }, ...(last ? [{ from: 0, to: last.treeSize }] : [])];
    const [root, prefix] = (await streamedRangeRoots(leafPages(this.pool, size), ranges)) as [Buffer, Buffer | undefined];
    if (last && !prefix?.equals(Buffer.from(last.rootHash, 'hex'))) throw new InconsistentLogError(last.treeSize, size);
    const note = signCheckpoint(this.signing.key, { origin: this.origin, size, root });
    await checkpointStore.insert(this.pool, { treeSize: size, rootHash: root.toString('hex'), origin: this.origin, note, kid: this.signing.kid });
    return (await checkpointStore.atSize(this.pool, size))!;
  }
}
