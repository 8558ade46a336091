import type { CountersignEvent } from '@countersign/contracts';

/**
 * The population an auditor samples from: one row per intent submitted in the period, folded from the
 * audit log's own events (so it reconciles with the signed checkpoint), with who asked, what policy
 * decided and why, who approved through which channel and how they were authenticated, whether every
 * approver was someone other than the requester (and the human behind an agent), and when each step
 * happened. Pure: the caller reads the events.
 */
export interface PopulationRow {
  intentId: string;
  submittedAt: string;
  requester: string;
  requesterKind: string;
  owner: string;
  action: string;
  resource: string;
  tags: string;
  ruleIds: string;
  policyVersion: string;
  decision: string;
  reasons: string;
  reviewId: string;
  approverGroups: string;
  quorum: string;
  approvers: string;
  approverIsNotRequester: string;
  refusedVotes: string;
  breakGlass: string;
  outcome: string;
  outcomeReason: string;
  notifiedAt: string;
  decidedAt: string;
  grantAudience: string;
  grantClaimWithinSeconds: string;
  grantUseWithinSeconds: string;
  grantIssuedAt: string;
  grantClaimedAt: string;
  grantRedeemedAt: string;
  grantExpiredAt: string;
  grantRevokedAt: string;
  grantRevokedBy: string;
  /** When what the credential provider made (a database role…) ceased to exist: the end of the privilege. */
  credentialRemovedAt: string;
  credentialRemovedReason: string;
}

export const POPULATION_COLUMNS: ReadonlyArray<keyof PopulationRow> = [
  'intentId', 'submittedAt', 'requester', 'requesterKind', 'owner', 'action', 'resource', 'tags', 'ruleIds',
  'policyVersion', 'decision', 'reasons', 'reviewId', 'approverGroups', 'quorum', 'approvers',
  'approverIsNotRequester', 'refusedVotes', 'breakGlass', 'outcome', 'outcomeReason', 'notifiedAt',
  'decidedAt', 'grantAudience', 'grantClaimWithinSeconds', 'grantUseWithinSeconds', 'grantIssuedAt',
  'grantClaimedAt', 'grantRedeemedAt', 'grantExpiredAt', 'grantRevokedAt', 'grantRevokedBy',
  'credentialRemovedAt', 'credentialRemovedReason',
];

interface Acc {
  row: PopulationRow;
  requesterSubject: string;
  requesterIssuer: string;
  approvers: Array<{ subject: string; issuer: string; text: string; breakGlass: boolean }>;
  refused: string[];
}

const empty = (intentId: string): PopulationRow => Object.fromEntries(POPULATION_COLUMNS.map((c) => [c, c === 'intentId' ? intentId : ''])) as unknown as PopulationRow;
const first = (current: string, value: string) => current || value;

/** Events in log order; only intents whose intent.submitted is among them get a row. */
export function buildPopulation(events: readonly CountersignEvent[]): PopulationRow[] {
  const byIntent = new Map<string, Acc>();
  for (const e of events) {
    if (e.intentId === null) continue;
    if (e.type === 'intent.submitted') {
      const { intent } = e.data;
      const row = empty(e.intentId);
      row.submittedAt = e.occurredAt;
      row.requester = intent.requester.subject;
      row.requesterKind = intent.requester.kind;
      row.owner = intent.requester.owner ?? '';
      row.action = intent.action;
      row.resource = `${intent.resource.kind}:${intent.resource.env}/${intent.resource.id}`;
      byIntent.set(e.intentId, { row, requesterSubject: intent.requester.subject, requesterIssuer: intent.requester.issuer, approvers: [], refused: [] });
      continue;
    }
    const acc = byIntent.get(e.intentId);
    if (!acc) continue;
    const { row } = acc;
    switch (e.type) {
      case 'intent.classified':
        row.decision = e.data.decision;
        row.ruleIds = e.data.ruleIds.join(' ');
        row.reasons = e.data.reasons.join('; ');
        row.policyVersion = e.data.policyVersion;
        row.tags = e.data.tags.join(' ');
        row.reviewId = e.data.reviewId ?? '';
        row.approverGroups = e.data.review?.approverGroups.join(' ') ?? '';
        row.quorum = e.data.review ? String(e.data.review.quorum) : '';
        row.grantAudience = e.data.grant?.audience ?? '';
        row.grantClaimWithinSeconds = e.data.grant ? String(e.data.grant.claimTtlSeconds) : '';
        row.grantUseWithinSeconds = e.data.grant ? String(e.data.grant.useTtlSeconds) : '';
        if (e.data.decision !== 'review') {
          row.outcome = e.data.decision === 'allow' ? 'allowed' : 'denied';
          row.decidedAt = e.occurredAt;
          if (e.data.decision === 'deny') row.outcomeReason = e.data.reasons.join('; ');
        }
        break;
      case 'review.notified':
        row.notifiedAt = first(row.notifiedAt, e.occurredAt);
        break;
      case 'review.vote_recorded':
        if (e.data.decision === 'approve') {
          acc.approvers.push({
            subject: e.data.voter.subject,
            issuer: e.data.voter.issuer,
            text: `${e.data.voter.subject} (${e.data.channel}, ${e.data.voter.authMethod})`,
            breakGlass: e.data.breakGlass,
          });
        }
        break;
      case 'review.vote_refused':
        acc.refused.push(`${e.data.voter.subject}: ${e.data.code}`);
        break;
      case 'intent.approved':
        row.outcome = 'approved';
        row.decidedAt = e.occurredAt;
        row.breakGlass = e.data.breakGlass ? 'yes' : 'no';
        row.outcomeReason = e.data.reason ?? '';
        break;
      case 'intent.rejected':
      case 'intent.expired':
        row.outcome = e.type === 'intent.rejected' ? 'rejected' : 'expired';
        row.decidedAt = e.occurredAt;
        row.outcomeReason = e.data.reason ?? '';
        break;
      case 'grant.issued':
        row.grantIssuedAt = first(row.grantIssuedAt, e.occurredAt);
        break;
      case 'grant.claimed':
        row.grantClaimedAt = first(row.grantClaimedAt, e.occurredAt);
        break;
      case 'grant.redeemed':
        row.grantRedeemedAt = first(row.grantRedeemedAt, e.occurredAt);
        break;
      case 'grant.expired':
        row.grantExpiredAt = first(row.grantExpiredAt, e.occurredAt);
        break;
      case 'grant.revoked':
        if (!row.grantRevokedAt) {
          row.grantRevokedAt = e.occurredAt;
          row.grantRevokedBy = `${e.actor.id} (${e.data.reason})`;
        }
        break;
      case 'grant.credential_removed':
        if (!row.credentialRemovedAt) {
          row.credentialRemovedAt = e.occurredAt;
          row.credentialRemovedReason = e.data.reason;
        }
        break;
      default:
        break;
    }
  }
  return [...byIntent.values()].map(({ row, approvers, refused, requesterSubject, requesterIssuer }) => {
    row.approvers = approvers.map((a) => a.text).join('; ');
    row.refusedVotes = refused.join('; ');
    if (approvers.length === 0) row.approverIsNotRequester = 'n/a';
    else if (approvers.some((a) => a.breakGlass)) row.approverIsNotRequester = 'no (break-glass)';
    else {
      const self = approvers.some((a) => (a.subject === requesterSubject && a.issuer === requesterIssuer) || (row.owner !== '' && a.subject === row.owner));
      row.approverIsNotRequester = self ? 'NO' : 'yes';
    }
    if (!row.outcome) row.outcome = row.decision === 'review' ? 'pending' : '';
    return row;
  });
}
