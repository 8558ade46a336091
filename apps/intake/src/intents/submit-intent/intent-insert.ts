import type { Intent } from '@countersign/contracts';
import { intentColumns } from '../intent-record.js';

/** The values of a new intent row, in the order of INSERT_COLUMNS / insertValues(). */
export interface NewIntent {
  id: string;
  intent: Intent;
  intentHash: string;
  submittedEventId: string;
  now: Date;
}

const INSERT_COLUMNS =
  'id, requester_subject, requester, action, resource, args, justification, dedupe_key, intent_hash, state, ' +
  'submitted_event_id, created_at, updated_at';
// Explicit casts: the same list serves VALUES and INSERT … SELECT, where Postgres cannot infer the types.
const INSERT_PARAMS =
  "$1::uuid, $2::text, $3::jsonb, $4::text, $5::jsonb, $6::jsonb, $7::text, $8::text, $9::char(64), 'submitted', " +
  '$10::uuid, $11::timestamptz, $11::timestamptz';

export function insertValues(n: NewIntent): unknown[] {
  const { intent } = n;
  return [
    n.id,
    intent.requester.subject,
    JSON.stringify(intent.requester),
    intent.action,
    JSON.stringify(intent.resource),
    JSON.stringify(intent.args),
    intent.justification,
    intent.dedupeKey ?? null,
    n.intentHash,
    n.submittedEventId,
    n.now,
  ];
}

/** One autocommit statement: the intent row. */
export const INSERT_INTENT = `INSERT INTO intake.intents (${INSERT_COLUMNS}) VALUES (${INSERT_PARAMS})
  RETURNING ${intentColumns()}`;

/**
 * One autocommit statement: the idempotency key ($12, hash $13) and, only if the key was new, the intent
 * row. ON CONFLICT waits for a concurrent first use of the key to commit, so two racing retries cannot both
 * create an intent; no row back means the key was taken.
 */
export const INSERT_INTENT_WITH_KEY = `WITH key AS (
    INSERT INTO intake.idempotency_keys (requester_subject, key, request_hash, intent_id, created_at)
    VALUES ($2::text, $12::text, $13::char(64), $1::uuid, $11::timestamptz)
    ON CONFLICT (requester_subject, key) DO NOTHING
    RETURNING intent_id)
  INSERT INTO intake.intents (${INSERT_COLUMNS}) SELECT ${INSERT_PARAMS} WHERE EXISTS (SELECT 1 FROM key)
  RETURNING ${intentColumns()}`;

/** The key's first use: its request hash and the intent it created. */
export const SELECT_BY_KEY = `SELECT k.request_hash AS "requestHash", ${intentColumns('i')}
  FROM intake.idempotency_keys k JOIN intake.intents i ON i.id = k.intent_id
  WHERE k.requester_subject = $1 AND k.key = $2`;
