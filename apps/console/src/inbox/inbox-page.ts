import { html, type SafeHtml } from '../http/html.js';

/** A review as policy's GET /v1/reviews answers it (the fields the page shows). */
export interface InboxReview {
  id: string;
  kind: string;
  intentIds: string[];
  requester: { kind: string; subject: string; owner: string | null };
  requirement: { approverGroups: string[]; quorum: number };
  openedAt: string;
  view: {
    intent: { action: string; resource: { kind: string; id: string; env: string }; args: unknown; justification?: string };
    ruleIds: string[];
    reasons: string[];
    tags: string[];
  } | null;
  votes: Array<{ subject: string; decision: string; channel: string; reason: string | null; passkey?: string | null }>;
  secondsLeft: number;
  stepUp: boolean;
  canDecide: boolean;
  whyNot: { code: string; reason: string } | null;
}

const WHY: Record<string, string> = {
  NOT_APPROVER: 'You are not in an approver group of this review.',
  SELF_APPROVAL: 'This is your own request: someone else must decide it.',
  OWNER_APPROVAL: 'You own the pipeline or agent that asked: someone else must decide it.',
  ALREADY_VOTED: 'You have already voted on this review.',
};

function timeLeft(seconds: number): string {
  if (seconds <= 0) return 'expired';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min left` : m > 0 ? `${m} min left` : `${seconds} s left`;
}

function decision(r: InboxReview, csrf: string): SafeHtml {
  if (!r.canDecide) return html`<p class="why" data-testid="why-not">${WHY[r.whyNot?.code ?? ''] ?? r.whyNot?.reason ?? ''} <span class="muted">(${r.whyNot?.code ?? ''})</span></p>`;
  if (r.stepUp) {
    return html`<p class="why" data-testid="step-up-note">This rule needs a step-up vote: you sign in again, then confirm with your passkey, which signs this exact request.</p>
<p class="actions"><a href="/reviews/${r.id}/step-up?decision=approve" data-testid="approve-passkey">Approve with passkey</a> <a href="/reviews/${r.id}/step-up?decision=reject" data-testid="reject-passkey">Reject with passkey</a></p>`;
  }
  return html`<div class="actions">
<form method="post" action="/reviews/${r.id}/vote"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="decision" value="approve"><button type="submit" data-testid="approve">Approve</button></form>
<form method="post" action="/reviews/${r.id}/vote"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="decision" value="reject">
<label>Reason for rejecting (required)<textarea name="reason" required maxlength="2000" data-testid="reject-reason"></textarea></label><button type="submit" data-testid="reject">Reject</button></form></div>`;
}

/** What a reviewer must see before deciding: action, resource, requester, masked arguments, risk, votes, time. */
export function reviewDetails(r: InboxReview): SafeHtml {
  const intent = r.view?.intent;
  const approvals = r.votes.filter((v) => v.decision === 'approve').length;
  return html`
<h2>${intent ? html`<code>${intent.action}</code> on <code>${intent.resource.kind}:${intent.resource.env}/${intent.resource.id}</code>` : 'review'}${r.kind === 'post_hoc' ? ' (post-hoc review of a break-glass approval)' : ''}</h2>
<table>
<tr><th>requested by</th><td>${r.requester.subject} (${r.requester.kind})${r.requester.owner ? html`, on behalf of <b>${r.requester.owner}</b>` : ''}</td></tr>
<tr><th>justification</th><td>${intent?.justification ?? ''}</td></tr>
<tr><th>arguments (masked)</th><td><pre>${JSON.stringify(intent?.args ?? {}, null, 2)}</pre></td></tr>
<tr><th>risk</th><td>${r.view?.tags.length ? html`tags ${r.view.tags.join(', ')}; ` : ''}rules ${r.view?.ruleIds.join(', ') ?? ''}<br>${(r.view?.reasons ?? []).map((x) => html`${x}<br>`)}</td></tr>
<tr><th>votes</th><td data-testid="votes">${approvals} of ${r.requirement.quorum} approvals (groups ${r.requirement.approverGroups.join(', ')})${r.votes.map((v) => html`<br>${v.subject}: ${v.decision} via ${v.channel}${v.passkey ? ' with a passkey' : ''}${v.reason ? html` — ${v.reason}` : ''}`)}</td></tr>
<tr><th>time left</th><td>${timeLeft(r.secondsLeft)}</td></tr>
<tr><th>intent</th><td>${r.intentIds.map((id) => html`<a href="/intents/${id}">${id}</a> `)}</td></tr>
</table>`;
}

function card(r: InboxReview, csrf: string): SafeHtml {
  return html`<section class="card" data-testid="review" data-review-id="${r.id}">
${reviewDetails(r)}
${decision(r, csrf)}
</section>`;
}

/** One review (the page chat messages of step-up reviews link to). */
export function reviewPage(r: InboxReview, csrf: string): SafeHtml {
  return html`<h1>Review</h1>${card(r, csrf)}<p><a href="/">Back to the inbox</a></p>`;
}

export function inboxPage(p: { reviews: InboxReview[]; csrf: string; flash?: { kind: 'ok' | 'bad'; text: string } | undefined }): SafeHtml {
  const mine = p.reviews.filter((r) => r.canDecide);
  const others = p.reviews.filter((r) => !r.canDecide);
  return html`<h1>Reviews waiting for you</h1>
${p.flash ? html`<p class="flash ${p.flash.kind}" role="status" data-testid="flash">${p.flash.text}</p>` : ''}
${mine.length === 0 ? html`<p class="muted">Nothing waits for your decision.</p>` : mine.map((r) => card(r, p.csrf))}
${others.length ? html`<h2>Other pending reviews</h2>${others.map((r) => card(r, p.csrf))}` : ''}`;
}

export function signedOutPage(): SafeHtml {
  return html`<h1>Countersign review console</h1><p>Approve or reject privileged actions, follow an intent's audit trail, download evidence.</p>
<p><a href="/auth/login" data-testid="sign-in">Sign in</a></p>`;
}
