import { html, type SafeHtml } from '../http/html.js';
import { reviewDetails, type InboxReview } from '../inbox/inbox-page.js';

export interface StepUpOptions {
  publicKey: unknown;
  binding: { reviewId: string; intentHash: string; decision: 'approve' | 'reject'; nonce: string };
}

/**
 * The step-up vote: the review, what the passkey will sign (intent hash and decision), and a form
 * that /assets/webauthn.js completes with the assertion before posting it.
 */
export function stepUpPage(p: { review: InboxReview; options: StepUpOptions; csrf: string }): SafeHtml {
  const { decision, intentHash } = p.options.binding;
  const verb = decision === 'approve' ? 'Approve' : 'Reject';
  return html`<h1>${verb} with your passkey</h1>
<section class="card" data-testid="review" data-review-id="${p.review.id}">${reviewDetails(p.review)}</section>
<p>Your passkey will sign <b>${decision}</b> for intent hash <code data-testid="intent-hash">${intentHash}</code>, nothing else.</p>
<form method="post" action="/reviews/${p.review.id}/step-up" data-webauthn="assert" data-options="${JSON.stringify(p.options.publicKey)}">
<input type="hidden" name="csrf" value="${p.csrf}"><input type="hidden" name="decision" value="${decision}"><input type="hidden" name="credential" value="">
${decision === 'reject' ? html`<label>Reason for rejecting (required)<textarea name="reason" required maxlength="2000" data-testid="reject-reason"></textarea></label>` : ''}
<button type="submit" data-testid="step-up-submit">${verb} with passkey</button>
<p class="muted" role="status" data-webauthn-status data-testid="webauthn-status"></p>
</form>
<p><a href="/">Back to the inbox</a></p>`;
}

export function noPasskeyPage(): SafeHtml {
  return html`<h1>Register a passkey first</h1><p class="flash bad" role="alert" data-testid="no-passkey">This review needs a step-up vote with a passkey, and you have none yet.</p>
<p><a href="/passkeys">Register a passkey</a>, then come back to the review.</p>`;
}
