import { html, type SafeHtml } from '../http/html.js';

export interface EvidenceSummary {
  period: { from: string; to: string };
  headSeq: number;
  events: number;
  figures: Array<[string, number]>;
  exceptions: string[][];
  grantBeforeApproval: number;
}

export function auditorPage(p: { from: string; to: string; summary: EvidenceSummary | null }): SafeHtml {
  const s = p.summary;
  const query = `from=${encodeURIComponent(p.from)}&to=${encodeURIComponent(p.to)}`;
  return html`<h1>Evidence</h1>
<form method="get" action="/audit"><label>From (UTC, inclusive) <input type="date" name="from" value="${p.from}" required></label>
<label>to (exclusive) <input type="date" name="to" value="${p.to}" required></label> <button type="submit">Show</button></form>
${
  s
    ? html`<h2>${s.period.from.slice(0, 10)} to ${s.period.to.slice(0, 10)}</h2>
<table data-testid="figures"><tbody>${s.figures.map(([label, n]) => html`<tr><td>${label}</td><td data-figure="${label}">${n}</td></tr>`)}</tbody></table>
<p>Grants issued before their approval: <b>${s.grantBeforeApproval}</b>. Events of the period's intents: ${s.events} (log head ${s.headSeq}).</p>
<h3>Exceptions</h3>${
        s.exceptions.length === 0
          ? html`<p>None.</p>`
          : html`<table data-testid="exceptions"><thead><tr><th>intent</th><th>exception</th><th>detail</th></tr></thead><tbody>${s.exceptions.map(
              ([intent, kind, detail]) => html`<tr><td><a href="/intents/${intent ?? ''}">${intent}</a></td><td>${kind}</td><td>${detail}</td></tr>`,
            )}</tbody></table>`
      }
<p><a href="/audit/evidence.zip?${query}" data-testid="download" download>Download the evidence ZIP</a> (population, events with inclusion proofs, signed checkpoint and manifest, report; check it with <code>countersign evidence verify</code>).</p>`
    : ''
}`;
}
