import type { EventOf, SignatureRejectedV1 } from '@countersign/contracts';
import { evidenceFigures } from './figures.js';
import type { PopulationRow } from './population.js';

export interface ReportInput {
  origin: string;
  from: string;
  to: string;
  generatedAt: string;
  checkpoint: { size: number; root: string };
  events: { count: number; firstSeq: number | null; lastSeq: number | null };
  population: readonly PopulationRow[];
  /** Events a consumer refused for a missing, forged or foreign signature in the period. */
  rejectedSignatures?: ReadonlyArray<EventOf<typeof SignatureRejectedV1>>;
}

const esc = (v: unknown) =>
  String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const CONTROLS: ReadonlyArray<[string, string, string]> = [
  ['SOC 2 CC6.1', 'Logical access is restricted by policy', 'population.csv: decision, ruleIds, policyVersion; policy.activated events'],
  ['SOC 2 CC6.2', 'Access is authorised before it is granted', 'population.csv: approvers, approverIsNotRequester, decidedAt before grantIssuedAt'],
  ['SOC 2 CC6.3', 'Access is least-privilege and removed when no longer needed', 'population.csv: grant audience and windows; grantRedeemedAt / grantExpiredAt'],
  ['SOC 2 CC7.2', 'Anomalies are detected and investigated', 'Exceptions below: refused votes, break-glass, expiries, rejected signatures'],
  ['SOC 2 CC8.1', 'Changes are authorised', 'population.csv for change actions; policy versions in force'],
  ['ISO 27001:2022 A.5.15', 'Access control', 'population.csv: every decision with its rule ids'],
  ['ISO 27001:2022 A.5.18', 'Access rights', 'Grants bound to one intent, single use, short-lived'],
  ['ISO 27001:2022 A.8.2', 'Privileged access rights', 'Reviews with quorum and separation of duties'],
  ['ISO 27001:2022 A.8.15', 'Logging', 'events.jsonl with inclusion proofs; signed checkpoint'],
  ['ISO 27001:2022 A.8.16', 'Monitoring activities', 'Exceptions below'],
  ['ISO 27001:2022 A.8.32', 'Change management', 'Approvals of change actions; policy.activated history'],
];

/** The human-readable summary; every figure in it is computed from population.csv and the checkpoint. */
export function reportHtml(input: ReportInput): string {
  const rows = input.population;
  const count = (pred: (r: PopulationRow) => boolean) => rows.filter(pred).length;
  const { figures, exceptions, grantBeforeApproval } = evidenceFigures(rows, input.rejectedSignatures);
  const table = (head: string[], body: unknown[][]) =>
    `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body
      .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Countersign evidence ${esc(input.from)} – ${esc(input.to)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}code{font-size:12px}</style>
</head><body>
<h1>Privileged-action approvals: evidence report</h1>
<p>Log <code>${esc(input.origin)}</code>, period ${esc(input.from)} to ${esc(input.to)} (UTC, end exclusive), generated ${esc(input.generatedAt)}.</p>
<h2>Integrity</h2>
<p>Signed checkpoint: tree size ${esc(input.checkpoint.size)}, root <code>${esc(input.checkpoint.root)}</code>. The ${esc(input.events.count)} events of this period's intents
(sequence ${esc(input.events.firstSeq ?? '–')} to ${esc(input.events.lastSeq ?? '–')}) are in <code>events.jsonl</code>, each with its inclusion proof against that checkpoint;
each event carries the signature of the service that emitted it (<code>serviceSignature</code>, keys in <code>event-keys.json</code>); <code>countersign audit verify</code> checks a full export offline, and <code>manifest.json</code> (signed in <code>manifest.sig</code>) lists the SHA-256 of every file here.</p>
<h2>Figures</h2>${table(['', 'count'], figures)}
<p>Approved intents whose grant was issued before the approval: ${esc(grantBeforeApproval)}. Approvals by the requester or the owner of the requesting agent or pipeline (outside break-glass): ${esc(count((r) => r.approverIsNotRequester === 'NO'))}.</p>
<h2>Exceptions</h2>${exceptions.length === 0 ? '<p>None.</p>' : table(['intent', 'exception', 'detail'], exceptions)}
<h2>Control mapping</h2>${table(['control', 'objective', 'evidence'], CONTROLS.map((c) => [...c]))}
</body></html>
`;
}
