import type pg from 'pg';
import { merkleLeafHash, type Hash } from '@countersign/platform/crypto';

/**
 * The Merkle tree over audit.events: leaf i is the event with seq i + 1, and its leaf data is the
 * event's chain leaf hash (SHA-256 of its canonical JSON), so a verifier holding an event recomputes
 * its leaf without trusting us. Leaves are read from the table for each request: O(n) time in the tree
 * size; checkpoints and proofs stream them (O(log n) memory), the evidence export loads them.
 */
export async function merkleLeaves(pool: pg.Pool, size: number): Promise<Hash[]> {
  const { rows } = await pool.query<{ leaf_hash: string }>('SELECT leaf_hash FROM audit.events WHERE seq <= $1 ORDER BY seq', [size]);
  if (rows.length !== size) throw new Error(`audit.events holds ${rows.length} rows up to seq ${size}; the log has a gap`);
  return rows.map((r) => merkleLeafHash(Buffer.from(r.leaf_hash, 'hex')));
}

/** Leaves per page when streamed: 50,000 hashes are a few MB of rows. */
const LEAF_PAGE = 50_000;

/**
 * The first `size` leaves, page by page (keyset pagination on seq), so that roots and proofs over a
 * log of millions of events need a few MB instead of the whole tree. Throws on a gap, like merkleLeaves.
 */
export async function* leafPages(pool: pg.Pool, size: number): AsyncGenerator<Hash[]> {
  let after = 0;
  while (after < size) {
    const { rows } = await pool.query<{ seq: string; leaf_hash: string }>(
      'SELECT seq, leaf_hash FROM audit.events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3',
      [after, size, LEAF_PAGE],
    );
    if (rows.length === 0 || Number(rows[0]!.seq) !== after + 1 || Number(rows.at(-1)!.seq) !== after + rows.length) {
      throw new Error(`audit.events has a gap after seq ${after} (tree size ${size})`);
    }
    after += rows.length;
    yield rows.map((r) => merkleLeafHash(Buffer.from(r.leaf_hash, 'hex')));
  }
}

export async function treeSize(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string | null }>('SELECT max(seq) AS n FROM audit.events');
  return Number(rows[0]?.n ?? 0);
}

export interface CheckpointRow {
  treeSize: number;
  rootHash: string;
  origin: string;
  note: string;
  kid: string;
  createdAt: string;
}

type Row = { tree_size: string; root_hash: string; origin: string; note: string; kid: string; created_at: Date };
const toRow = (r: Row): CheckpointRow => ({
  treeSize: Number(r.tree_size),
  rootHash: r.root_hash,
  origin: r.origin,
  note: r.note,
  kid: r.kid,
  createdAt: r.created_at.toISOString(),
});

export const checkpointStore = {
  async latest(pool: pg.Pool): Promise<CheckpointRow | undefined> {
    const { rows } = await pool.query<Row>('SELECT * FROM audit.checkpoints ORDER BY tree_size DESC LIMIT 1');
    return rows[0] ? toRow(rows[0]) : undefined;
  },
  async atSize(pool: pg.Pool, size: number): Promise<CheckpointRow | undefined> {
    const { rows } = await pool.query<Row>('SELECT * FROM audit.checkpoints WHERE tree_size = $1', [size]);
    return rows[0] ? toRow(rows[0]) : undefined;
  },
  async insert(pool: pg.Pool, row: Omit<CheckpointRow, 'createdAt'>): Promise<void> {
    await pool.query(
      'INSERT INTO audit.checkpoints (tree_size, root_hash, origin, note, kid) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tree_size) DO NOTHING',
      [row.treeSize, row.rootHash, row.origin, row.note, row.kid],
    );
  },
};
