import { Action, Intent, IntentState, Requester, Resource } from '@countersign/contracts';
import type { VerifiedIdentity } from '@countersign/platform/auth';

/** A row of intake.intents as `intentColumns()` selects it (JSON columns still unvalidated). */
export interface IntentRow {
  id: string;
  requesterSubject: string;
  requester: unknown;
  action: string;
  resource: unknown;
  args: unknown;
  justification: string;
  dedupeKey: string | null;
  intentHash: string;
  state: string;
  decision: string | null;
  reasons: unknown;
  ruleIds: unknown;
  policyVersion: string | null;
  reviewId: string | null;
  grantId: string | null;
  grantJti: string | null;
  claimBy: Date | null;
  submittedEventId: string;
  publishedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS: ReadonlyArray<readonly [column: string, field: keyof IntentRow]> = [
  ['id', 'id'],
  ['requester_subject', 'requesterSubject'],
  ['requester', 'requester'],
  ['action', 'action'],
  ['resource', 'resource'],
  ['args', 'args'],
  ['justification', 'justification'],
  ['dedupe_key', 'dedupeKey'],
  ['intent_hash', 'intentHash'],
  ['state', 'state'],
  ['decision', 'decision'],
  ['reasons', 'reasons'],
  ['rule_ids', 'ruleIds'],
  ['policy_version', 'policyVersion'],
  ['review_id', 'reviewId'],
  ['grant_id', 'grantId'],
  ['grant_jti', 'grantJti'],
  ['claim_by', 'claimBy'],
  ['submitted_event_id', 'submittedEventId'],
  ['published_at', 'publishedAt'],
  ['created_at', 'createdAt'],
  ['updated_at', 'updatedAt'],
];

/** The select list that makes pg return an IntentRow (pg maps timestamptz to Date and jsonb to values). */
export function intentColumns(table?: string): string {
  const prefix = table ? `${table}.` : '';
  return COLUMNS.map(([column, field]) => `${prefix}${column} AS "${field}"`).join(', ');
}

/** Members of this group may read every intent (audit and compliance staff). */
export const READ_ALL_GROUP = 'auditors';

/** The intent as submitted, rebuilt from its row (JSON columns are re-validated, not trusted blindly). */
export function intentOf(row: IntentRow): Intent {
  return Intent.parse({
    action: row.action,
    resource: row.resource,
    args: row.args,
    justification: row.justification,
    requester: row.requester,
    ...(row.dedupeKey !== null ? { dedupeKey: row.dedupeKey } : {}),
  });
}

export function sameRequester(a: Requester, b: Requester): boolean {
  return a.subject === b.subject && a.issuer === b.issuer;
}

export function canRead(row: IntentRow, identity: VerifiedIdentity): boolean {
  if (identity.requester.groups.includes(READ_ALL_GROUP)) return true;
  // Only the requester column is needed here (the view parses the whole intent once, afterwards).
  const requester = Requester.safeParse(row.requester);
  return requester.success && sameRequester(requester.data, identity.requester);
}

export interface IntentView {
  id: string;
  state: IntentState;
  action: string;
  resource: Intent['resource'];
  intentHash: string;
  decision: string | null;
  reasons: string[] | null;
  ruleIds: string[] | null;
  policyVersion: string | null;
  /** The review that decides the intent, when it needs one (vote at policy's /v1/reviews/:id/votes). */
  reviewId: string | null;
  grant: { id: string; jti: string | null; claimBy: string | null } | null;
  createdAt: string;
  updatedAt: string;
}

function strings(value: unknown): string[] | null {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null;
}

export function toView(row: IntentRow): IntentView {
  return {
    id: row.id,
    state: IntentState.parse(row.state),
    action: Action.parse(row.action),
    // Only what the view shows is re-validated: parsing the whole intent (args included) on every
    // long-poll answer cost more than the rest of the view.
    resource: Resource.parse(row.resource),
    intentHash: row.intentHash,
    decision: row.decision,
    reasons: strings(row.reasons),
    ruleIds: strings(row.ruleIds),
    policyVersion: row.policyVersion,
    reviewId: row.reviewId,
    grant:
      row.grantId === null
        ? null
        : { id: row.grantId, jti: row.grantJti, claimBy: row.claimBy ? row.claimBy.toISOString() : null },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
