import type pg from 'pg';
import type { DecisionRow, ReviewRow } from './plan-classifications.js';

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

/**
 * One multi-row INSERT for the whole batch. Returns the intents whose decision this call inserted:
 * an intent decided before (a replayed or forged second submission) keeps its first decision.
 */
export async function insertDecisions(
  client: pg.ClientBase,
  policyVersion: string,
  rows: readonly DecisionRow[],
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const result = await client.query<{ intent_id: string }>(
    `INSERT INTO policy.decisions
       (intent_id, intent_hash, decision, policy_version, rule_ids, reasons, review, grant_terms)
     SELECT t.intent_id, t.intent_hash, t.decision, $4, t.rule_ids, t.reasons, t.review, t.grant_terms
     FROM unnest($1::uuid[], $2::text[], $3::text[], $5::jsonb[], $6::jsonb[], $7::jsonb[], $8::jsonb[])
       AS t(intent_id, intent_hash, decision, rule_ids, reasons, review, grant_terms)
     ON CONFLICT (intent_id) DO NOTHING
     RETURNING intent_id::text`,
    [
      rows.map((r) => r.intentId),
      rows.map((r) => r.intentHash),
      rows.map((r) => r.decision),
      policyVersion,
      rows.map((r) => json(r.ruleIds)),
      rows.map((r) => json(r.reasons)),
      rows.map((r) => json(r.review)),
      rows.map((r) => json(r.grantTerms)),
    ],
  );
  return new Set(result.rows.map((r) => r.intent_id));
}

/** Reviews of newly decided intents only, so no conflict is expected: one would be a real error. */
export async function insertReviews(client: pg.ClientBase, rows: readonly ReviewRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO policy.reviews (id, intent_id, state, requirement, expires_at)
     SELECT t.id, t.intent_id, 'pending', t.requirement, t.expires_at
     FROM unnest($1::uuid[], $2::uuid[], $3::jsonb[], $4::timestamptz[]) AS t(id, intent_id, requirement, expires_at)`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.intentId),
      rows.map((r) => JSON.stringify(r.requirement)),
      rows.map((r) => r.expiresAt.toISOString()),
    ],
  );
}
