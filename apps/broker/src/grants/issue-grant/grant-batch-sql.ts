import type pg from 'pg';
import type { IntentRecord, NewGrant } from '../grant-store.js';

/** Records intents in one statement; an intent recorded before keeps its first record. */
export async function insertIntents(client: pg.ClientBase, records: readonly IntentRecord[]): Promise<void> {
  if (records.length === 0) return;
  await client.query(
    `INSERT INTO broker.intents (intent_id, intent_hash, requester_subject, requester_issuer, action, resource)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[])
     ON CONFLICT (intent_id) DO NOTHING`,
    [
      records.map((r) => r.intentId),
      records.map((r) => r.intentHash),
      records.map((r) => r.requesterSubject),
      records.map((r) => r.requesterIssuer),
      records.map((r) => r.action),
      records.map((r) => JSON.stringify(r.resource)),
    ],
  );
}

/** intent id → recorded hash, for the ids that are recorded. */
export async function findIntentHashes(db: pg.Pool | pg.ClientBase, intentIds: readonly string[]): Promise<Map<string, string>> {
  if (intentIds.length === 0) return new Map();
  const { rows } = await db.query<{ intent_id: string; intent_hash: string }>(
    `SELECT intent_id::text, intent_hash FROM broker.intents WHERE intent_id = ANY($1::uuid[])`,
    [intentIds],
  );
  return new Map(rows.map((r) => [r.intent_id, r.intent_hash]));
}

/**
 * Inserts the grants whose intent is recorded with the same hash and has no grant yet; returns the
 * ids of the grants inserted. The requester, action and resource come from the recorded intent
 * (the first one recorded), never from the allowing event.
 */
export async function insertGrants(
  client: pg.ClientBase,
  grants: ReadonlyArray<Pick<NewGrant, 'id' | 'intentId' | 'jti' | 'intentHash' | 'audience' | 'claimBy' | 'useTtlSeconds'>>,
): Promise<Set<string>> {
  if (grants.length === 0) return new Set();
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO broker.grants (id, intent_id, jti, intent_hash, requester_subject, requester_issuer,
       audience, action, resource, state, claim_by, use_ttl_seconds)
     SELECT t.id, i.intent_id, t.jti, i.intent_hash, i.requester_subject, i.requester_issuer,
       t.audience, i.action, i.resource, 'issued', t.claim_by, t.use_ttl_seconds
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::int[])
       AS t(id, intent_id, jti, intent_hash, audience, claim_by, use_ttl_seconds)
     JOIN broker.intents i ON i.intent_id = t.intent_id AND i.intent_hash = t.intent_hash
     ON CONFLICT (intent_id) DO NOTHING
     RETURNING id::text`,
    [
      grants.map((g) => g.id),
      grants.map((g) => g.intentId),
      grants.map((g) => g.jti),
      grants.map((g) => g.intentHash),
      grants.map((g) => g.audience),
      grants.map((g) => g.claimBy.toISOString()),
      grants.map((g) => g.useTtlSeconds),
    ],
  );
  return new Set(rows.map((r) => r.id));
}
