import { html, type SafeHtml } from '../http/html.js';

export interface AuditEvent {
  seq: number;
  eventId: string;
  type: string;
  occurredAt: string;
  payload: { actor?: { kind: string; id: string }; data?: Record<string, unknown> };
  leafHash: string;
  /** The W3C trace id audit recorded from the event's NATS headers (null when it carried none). */
  traceId?: string | null;
}

/** The one line that says what an event did, from the fields a reader looks for first. */
function summary(e: AuditEvent): string {
  const d = e.payload.data ?? {};
  const pick = (k: string) => (d[k] === undefined ? [] : [`${k}: ${typeof d[k] === 'object' ? JSON.stringify(d[k]) : String(d[k])}`]);
  const voter = typeof d['voter'] === 'object' && d['voter'] !== null ? [`voter: ${(d['voter'] as { subject?: string }).subject ?? ''}`] : [];
  // A step-up vote: the passkey that signed this intent hash and decision (the full assertion is in the event).
  const stepUp = typeof d['stepUp'] === 'object' && d['stepUp'] !== null ? [`signed with passkey ${(d['stepUp'] as { credentialId?: string }).credentialId ?? ''}`] : [];
  return [...pick('decision'), ...pick('code'), ...voter, ...pick('channel'), ...stepUp, ...pick('reason'), ...pick('reviewId'), ...pick('ruleIds'), ...pick('state')].join('; ');
}

const traceOf = (e: AuditEvent) => e.traceId ?? '';

export function timelinePage(intentId: string, events: AuditEvent[]): SafeHtml {
  return html`<h1>Intent <code>${intentId}</code></h1>
<p class="muted">Every event of this intent in the signed audit log, from submission to redemption.</p>
${
  events.length === 0
    ? html`<p>No events recorded for this intent (yet).</p>`
    : html`<table data-testid="timeline"><thead><tr><th>#</th><th>time (UTC)</th><th>event</th><th>by</th><th>details</th><th>trace</th><th>proof</th></tr></thead><tbody>
${events.map(
  (e) => html`<tr data-testid="event" data-type="${e.type}"><td>${e.seq}</td><td>${e.occurredAt}</td><td><code>${e.type}</code></td><td>${e.payload.actor ? `${e.payload.actor.id} (${e.payload.actor.kind})` : ''}</td>
<td>${summary(e)}</td><td><code>${traceOf(e)}</code></td><td><a href="/intents/${intentId}/proof/${e.seq}">inclusion proof</a></td></tr>`,
)}</tbody></table>`
}`;
}

/** What audit's GET /v1/audit/proofs/inclusion answers. */
export interface Inclusion {
  seq: number;
  leafIndex: number;
  treeSize: number;
  rootHash: string;
  proof: string[];
  checkpoint: string;
}

export interface InclusionView extends Inclusion {
  verified: boolean;
  eventType: string;
}

export function proofPage(intentId: string, p: InclusionView): SafeHtml {
  return html`<h1>Inclusion proof of event ${p.seq}</h1>
<p><a href="/intents/${intentId}">Back to the timeline</a></p>
<p class="flash ${p.verified ? 'ok' : 'bad'}" data-testid="proof-verdict">${
    p.verified
      ? `Verified here: the ${p.eventType} event (leaf ${p.leafIndex}) hashes up to the root of the signed tree of ${p.treeSize} events.`
      : 'This proof does NOT lead from the event to the signed root.'
  }</p>
<table><tr><th>tree size</th><td>${p.treeSize}</td></tr><tr><th>root</th><td><code>${p.rootHash}</code></td></tr>
<tr><th>proof</th><td>${p.proof.map((h) => html`<code>${h}</code><br>`)}</td></tr></table>
<h2>Signed checkpoint</h2><pre>${p.checkpoint}</pre>
<p class="muted">The checkpoint's signature is checked offline by <code>countersign audit verify</code> against the audit service's published key.</p>`;
}
