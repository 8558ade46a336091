import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { consistencyProofRanges, inclusionProofRanges, streamedRangeRoots } from '@countersign/platform/crypto';
import { ApiError, PG_POOL } from '@countersign/platform/nest';
import { checkpointStore, leafPages, type CheckpointRow } from './merkle-log.js';

const hex = (hashes: readonly Buffer[]) => hashes.map((h) => h.toString('hex'));

/** Proofs against signed checkpoints only: a proof to an unsigned root would prove nothing to an auditor. */
@Injectable()
export class ProveLog {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  private async checkpoint(size: number | undefined): Promise<CheckpointRow> {
    const cp = size === undefined ? await checkpointStore.latest(this.pool) : await checkpointStore.atSize(this.pool, size);
    if (!cp) throw new ApiError('CHECKPOINT_NOT_FOUND', 404, size === undefined ? 'no checkpoint has been signed yet' : `no signed checkpoint of size ${size}`);
    return cp;
  }

  /** The event with sequence number `seq` is leaf seq - 1. */
  async inclusion(seq: number, size?: number) {
    const cp = await this.checkpoint(size);
    if (seq < 1 || seq > cp.treeSize) throw new ApiError('NOT_IN_TREE', 404, `event ${seq} is not in the tree of size ${cp.treeSize}`);
    const ranges = inclusionProofRanges(seq - 1, cp.treeSize);
    const [root, ...proof] = await streamedRangeRoots(leafPages(this.pool, cp.treeSize), [{ from: 0, to: cp.treeSize }, ...ranges]);
    return { seq, leafIndex: seq - 1, treeSize: cp.treeSize, rootHash: root!.toString('hex'), proof: hex(proof), checkpoint: cp.note };
  }

  async consistency(from: number, to?: number) {
    const newer = await this.checkpoint(to);
    const older = await this.checkpoint(from);
    if (older.treeSize > newer.treeSize) throw new ApiError('VALIDATION_FAILED', 400, 'from must not be larger than to');
    const proof = await streamedRangeRoots(leafPages(this.pool, newer.treeSize), consistencyProofRanges(older.treeSize, newer.treeSize));
    return {
      from: older.treeSize,
      to: newer.treeSize,
      proof: hex(proof),
      checkpoints: { from: older.note, to: newer.note },
    };
  }
}
