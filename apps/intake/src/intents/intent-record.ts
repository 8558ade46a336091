import { Intent, IntentState, type Requester } from '@countersign/contracts';
import type { VerifiedIdentity } from '@countersign/platform/auth';
import type { Prisma } from '@countersign/platform/db';

export type IntentRow = Prisma.IntentModel;

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
  return sameRequester(intentOf(row).requester, identity.requester);
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
  grant: { id: string; jti: string | null; claimBy: string | null } | null;
  createdAt: string;
  updatedAt: string;
}

function strings(value: Prisma.JsonValue | null): string[] | null {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null;
}

export function toView(row: IntentRow): IntentView {
  const intent = intentOf(row);
  return {
    id: row.id,
    state: IntentState.parse(row.state),
    action: intent.action,
    resource: intent.resource,
    intentHash: row.intentHash,
    decision: row.decision,
    reasons: strings(row.reasons),
    ruleIds: strings(row.ruleIds),
    policyVersion: row.policyVersion,
    grant:
      row.grantId === null
        ? null
        : { id: row.grantId, jti: row.grantJti, claimBy: row.claimBy ? row.claimBy.toISOString() : null },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
