import type { EventOf, SignatureRejectedV1 } from '@countersign/contracts';
import type { PopulationRow } from './population.js';

export interface EvidenceFigures {
  figures: Array<[string, number]>;
  /** [intent id, exception, detail] */
  exceptions: string[][];
  grantBeforeApproval: number;
}

/**
 * The report's figures and exceptions, computed from the population and the period's rejected
 * signatures (report.html and the summary share them).
 */
export function evidenceFigures(rows: readonly PopulationRow[], rejectedSignatures: ReadonlyArray<EventOf<typeof SignatureRejectedV1>> = []): EvidenceFigures {
  const count = (pred: (r: PopulationRow) => boolean) => rows.filter(pred).length;
  const figures: Array<[string, number]> = [
    ['intents submitted', rows.length],
    ['allowed by policy', count((r) => r.outcome === 'allowed')],
    ['denied by policy', count((r) => r.outcome === 'denied')],
    ['sent to review', count((r) => r.decision === 'review')],
    ['approved', count((r) => r.outcome === 'approved')],
    ['rejected', count((r) => r.outcome === 'rejected')],
    ['expired without decision', count((r) => r.outcome === 'expired')],
    ['still pending', count((r) => r.outcome === 'pending')],
    ['grants issued', count((r) => r.grantIssuedAt !== '')],
    ['grants redeemed', count((r) => r.grantRedeemedAt !== '')],
    ['events refused for their signature', rejectedSignatures.length],
  ];
  const grantBeforeApproval = rows.filter((r) => r.outcome === 'approved' && r.grantIssuedAt !== '' && r.grantIssuedAt < r.decidedAt);
  const exceptions = [
    ...rows.filter((r) => /SELF_APPROVAL|OWNER_APPROVAL/.test(r.refusedVotes)).map((r) => [r.intentId, 'self-approval attempt refused', r.refusedVotes]),
    ...rows.filter((r) => r.breakGlass === 'yes').map((r) => [r.intentId, 'break-glass approval', r.outcomeReason]),
    ...rows.filter((r) => r.outcome === 'expired').map((r) => [r.intentId, 'review expired', r.outcomeReason]),
    ...rows.filter((r) => r.approverIsNotRequester === 'NO').map((r) => [r.intentId, 'APPROVED BY REQUESTER OR OWNER', r.approvers]),
    ...grantBeforeApproval.map((r) => [r.intentId, 'GRANT BEFORE APPROVAL', `${r.grantIssuedAt} < ${r.decidedAt}`]),
    ...rejectedSignatures.map((e) => [
      e.intentId ?? '–',
      'EVENT SIGNATURE REJECTED',
      `${e.data.eventType} refused by ${e.data.consumer}${e.data.signer ? ` (signed by ${e.data.signer})` : ''}: ${e.data.reason}`,
    ]),
  ];
  return { figures, exceptions, grantBeforeApproval: grantBeforeApproval.length };
}
