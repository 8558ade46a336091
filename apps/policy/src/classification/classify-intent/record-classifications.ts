import type { CountersignEvent } from '@countersign/contracts';
import type pg from 'pg';
import { requesterKey, type PlannedClassification } from './plan-classifications.js';

// Hot-path statements are named: each pooled connection prepares them once instead of parsing and
// planning them on every call (Postgres CPU per execution fell from ~0.25 ms to ~0.1 ms; see README).

export interface RecordInput {
  consumer: string;
  now: Date;
  policyVersion: string;
  /** Every distinct event id of the batch (lower case), each with its intent (null when it has none). */
  events: readonly { eventId: string; intentId: string | null }[];
  planned: readonly PlannedClassification[];
}

export interface RecordedEvent {
  /** True when this statement wrote the marker; false when it was there before. */
  fresh: boolean;
  outgoing: CountersignEvent[];
}

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

/**
 * The whole batch in ONE autocommit statement, so markers, decisions, reviews and the stored outgoing
 * events commit together or not at all:
 * - `d`: decisions of planned events not marked before; `ON CONFLICT (intent_id)` keeps an earlier
 *   decision (a replayed or forged second submission for the intent);
 * - `j`/`guard`: the pending reviews this batch joins, share-locked, or the statement fails (retried);
 * - `r`: reviews of the intents `d` really decided; `l`: every reviewed intent's link to its review,
 *   new or joined (identical pending intents of one requester share a review);
 * - `m`: markers for every event, storing the planned events only where `d` decided the intent, so a
 *   redelivery republishes exactly what was published.
 * Decisions go before markers because what a marker stores depends on them. Both inserts run in key
 * order so that overlapping batches wait for each other rather than deadlock.
 *
 * The final SELECT also reads the markers that were there before (this statement's snapshot cannot
 * see what `m` wrote, so the two halves never overlap). A marker committed by a concurrent twin after
 * the snapshot is in neither: the caller reads it again.
 */
export async function recordClassifications(pool: pg.Pool, input: RecordInput): Promise<Map<string, RecordedEvent>> {
  const outgoingOf = new Map(input.planned.map((p) => [p.eventId.toLowerCase(), p.outgoing]));
  const reviews = input.planned.flatMap((p) => (p.review ? [p.review] : []));
  const decisions = input.planned.map((p) => ({ eventId: p.eventId, ...p.decision }));
  const links = input.planned.flatMap((p) => (p.reviewId ? [{ intentId: p.intentId, reviewId: p.reviewId }] : []));
  const joinedExisting = [...new Set(input.planned.flatMap((p) => (p.joinedExisting && p.reviewId ? [p.reviewId] : [])))];
  const result = await pool.query<{ event_id: string; outgoing: CountersignEvent[]; fresh: boolean }>(
    { name: 'policy.record-classifications', text: `WITH j AS (
       SELECT id FROM policy.reviews WHERE id = ANY($23::uuid[]) AND state = 'pending' FOR SHARE
     ), guard AS (
       -- A review joined by an identical intent must still be pending when the link is written, or
       -- that intent would wait for a decision already taken. Division by zero fails the statement
       -- (nothing commits) and the batch is retried, when the lookup opens a new review instead.
       SELECT 1 / (CASE WHEN (SELECT count(*) FROM j) = cardinality($23::uuid[]) THEN 1 ELSE 0 END) AS ok
     ), d AS (
       INSERT INTO policy.decisions
         (intent_id, intent_hash, decision, policy_version, rule_ids, reasons, review, grant_terms)
       SELECT t.intent_id, t.intent_hash, t.decision, $4, t.rule_ids, t.reasons, t.review, t.grant_terms
       FROM unnest($5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::jsonb[], $10::jsonb[], $11::jsonb[], $12::jsonb[])
         AS t(event_id, intent_id, intent_hash, decision, rule_ids, reasons, review, grant_terms)
       WHERE NOT EXISTS (SELECT 1 FROM policy.processed_events p WHERE p.event_id = t.event_id)
         AND (SELECT ok FROM guard) = 1
       ORDER BY t.intent_id
       ON CONFLICT (intent_id) DO NOTHING
       RETURNING intent_id
     ), r AS (
       INSERT INTO policy.reviews (id, intent_id, state, requirement, expires_at, intent_hash, requester, next_timer_at, created_at, requester_key, masked)
       SELECT t.id, t.intent_id, 'pending', t.requirement, t.expires_at, t.intent_hash, t.requester, t.next_timer_at, $21, t.requester_key, t.masked
       FROM unnest($13::uuid[], $14::uuid[], $15::jsonb[], $16::timestamptz[], $18::text[], $19::jsonb[], $20::timestamptz[], $22::text[], $26::jsonb[])
         AS t(id, intent_id, requirement, expires_at, intent_hash, requester, next_timer_at, requester_key, masked)
       WHERE t.intent_id IN (SELECT intent_id FROM d)
       RETURNING id
     ), l AS (
       INSERT INTO policy.review_intents (intent_id, review_id)
       SELECT t.intent_id, t.review_id FROM unnest($24::uuid[], $25::uuid[]) AS t(intent_id, review_id)
       WHERE t.intent_id IN (SELECT intent_id FROM d)
     ), m AS (
       INSERT INTO policy.processed_events (event_id, consumer, outgoing)
       SELECT u.event_id, $1, CASE WHEN u.intent_id IN (SELECT intent_id FROM d) THEN u.outgoing ELSE '[]'::jsonb END
       FROM unnest($2::uuid[], $3::uuid[], $17::jsonb[]) AS u(event_id, intent_id, outgoing)
       ORDER BY u.event_id
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id, outgoing
     )
     SELECT event_id::text, outgoing, true AS fresh FROM m
     UNION ALL
     SELECT p.event_id::text, p.outgoing, false FROM policy.processed_events p WHERE p.event_id = ANY($2::uuid[])` },
    [
      input.consumer,
      input.events.map((e) => e.eventId),
      input.events.map((e) => e.intentId),
      input.policyVersion,
      decisions.map((r) => r.eventId),
      decisions.map((r) => r.intentId),
      decisions.map((r) => r.intentHash),
      decisions.map((r) => r.decision),
      decisions.map((r) => json(r.ruleIds)),
      decisions.map((r) => json(r.reasons)),
      decisions.map((r) => json(r.review)),
      decisions.map((r) => json(r.grantTerms)),
      reviews.map((r) => r.id),
      reviews.map((r) => r.intentId),
      reviews.map((r) => JSON.stringify(r.requirement)),
      reviews.map((r) => r.expiresAt.toISOString()),
      input.events.map((e) => JSON.stringify(outgoingOf.get(e.eventId) ?? [])),
      reviews.map((r) => r.intentHash),
      reviews.map((r) => JSON.stringify(r.requester)),
      reviews.map((r) => r.nextTimerAt.toISOString()),
      // The review opens when it was planned, so that its timers and its stored expiry agree exactly.
      input.now.toISOString(),
      reviews.map((r) => requesterKey(r.requester)),
      joinedExisting,
      links.map((p) => p.intentId),
      links.map((p) => p.reviewId),
      reviews.map((r) => JSON.stringify(r.masked)),
    ],
  );
  return new Map(result.rows.map((r) => [r.event_id, { fresh: r.fresh, outgoing: r.outgoing }]));
}

/** Markers a concurrent twin committed after the statement's snapshot; a new statement sees them. */
export async function readStoredOutgoing(pool: pg.Pool, eventIds: readonly string[]): Promise<Map<string, CountersignEvent[]>> {
  const result = await pool.query<{ event_id: string; outgoing: CountersignEvent[] }>(
    'SELECT event_id::text, outgoing FROM policy.processed_events WHERE event_id = ANY($1::uuid[])',
    [eventIds],
  );
  return new Map(result.rows.map((r) => [r.event_id, r.outgoing]));
}
