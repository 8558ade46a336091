import { consoleReviewLink, STEP_UP_NOTE } from '../console-link.js';
import { outcomeLead, type ChannelOutcome, type ChannelReview } from '../review-channel.js';

export const ADAPTIVE_CARD_TYPE = 'application/vnd.microsoft.card.adaptive';
export const APPROVE_VERB = 'approve';
export const REJECT_VERB = 'reject';
/** The id of the card's reason box: Action.Execute / Action.Submit send it next to the action's data. */
export const REASON_INPUT = 'reason';
export const REASON_MAX = 2000;

/** What an action carries: the review and the delivery's nonce, nothing about the request. */
export interface CardActionData {
  reviewId: string;
  nonce: string;
}

type CardElement = Record<string, unknown>;

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  body: CardElement[];
  actions?: CardElement[];
}

const FACT_MAX = 500;
const TEXT_MAX = 2000;
const ARG_FACTS_MAX = 30;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * TextBlock and FactSet values are rendered as a markdown subset: requester text must not turn into
 * links or emphasis. Backslash escapes of the characters that build them (and line breaks flattened,
 * so no list or heading can start). Free text that may span lines goes into TextRuns, which are plain.
 */
export function escapeCardMarkdown(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]()~<>#|]/g, '\\$&');
}

const md = (text: string, max = FACT_MAX) => escapeCardMarkdown(clip(text, max));

function card(body: CardElement[], actions?: CardElement[]): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    body,
    ...(actions ? { actions } : {}),
  };
}

const heading = (text: string): CardElement => ({ type: 'TextBlock', text: md(text, 150), size: 'Medium', weight: 'Bolder', wrap: true });
const label = (text: string): CardElement => ({ type: 'TextBlock', text, weight: 'Bolder', wrap: true, spacing: 'Medium' });
/** Plain text (TextRun has no markdown), for anything the requester wrote. */
const plain = (text: string, subtle = false): CardElement => ({
  type: 'RichTextBlock',
  inlines: [{ type: 'TextRun', text: clip(text, TEXT_MAX), ...(subtle ? { isSubtle: true } : {}) }],
});
const facts = (pairs: Array<[string, string]>): CardElement => ({
  type: 'FactSet',
  facts: pairs.map(([title, value]) => ({ title: md(title, 100), value: md(value) })),
});

function summary(r: ChannelReview): string {
  const { action, resource, requester } = r.review.intent;
  return `${action} on ${resource.kind}/${resource.id} (${resource.env}) by ${requester.subject}`;
}

function argValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The request as a reviewer sees it, with the values policy masked shown as their tokens. */
function contextElements(r: ChannelReview): CardElement[] {
  const { intent, masked, reasons, ruleIds, expiresAt, requirement } = r.review;
  const { resource, requester } = intent;
  const elements: CardElement[] = [
    facts([
      ['Action', intent.action],
      ['Resource', `${resource.kind}/${resource.id}`],
      ['Environment', resource.env],
      ...(resource.tags.length > 0 ? [['Tags', resource.tags.join(', ')] as [string, string]] : []),
      ['Requester', `${requester.subject} (${requester.kind}${requester.owner ? `, owner ${requester.owner}` : ''})`],
      ['Expires', expiresAt],
    ]),
    label('Justification'),
    plain(intent.justification),
  ];
  const args = Object.entries(intent.args);
  if (args.length > 0) {
    const shown: Array<[string, string]> = args.slice(0, ARG_FACTS_MAX).map(([k, v]) => [k, argValue(v)]);
    if (args.length > ARG_FACTS_MAX) shown.push(['…', `${args.length - ARG_FACTS_MAX} more`]);
    elements.push(label('Arguments'), facts(shown));
  }
  if (masked.length > 0) {
    elements.push(plain(`Masked by policy: ${masked.map((m) => `${m.path} (${m.reason})`).join(', ')}`, true));
  }
  const why = reasons.length > 0 ? reasons.map((x) => `• ${x}`).join('\n') : '• the policy asks for a review';
  const rules = ruleIds.length > 0 ? `\nRules: ${ruleIds.join(', ')}` : '';
  elements.push(label('Why a review'), plain(`${why}${rules}`));
  elements.push(plain(`Needs ${requirement.quorum} approval(s) from ${requirement.approverGroups.join(', ')}`, true));
  return elements;
}

function progressElements(r: ChannelReview): CardElement[] {
  if (r.votes.length === 0) return [];
  const approvers = r.votes.filter((v) => v.decision === 'approve').map((v) => v.subject);
  return [plain(`Approvals so far: ${r.approvals} of ${r.quorum}${approvers.length > 0 ? ` (${approvers.join(', ')})` : ''}`)];
}

/**
 * Universal Actions (Action.Execute, with a verb) for Teams; hosts without them fall back to
 * Action.Submit, whose data must also say which button it was (it has no verb field).
 */
function voteAction(verb: typeof APPROVE_VERB | typeof REJECT_VERB, data: CardActionData): CardElement {
  const approve = verb === APPROVE_VERB;
  const title = approve ? 'Approve' : 'Reject';
  const style = approve ? 'positive' : 'destructive';
  return {
    type: 'Action.Execute',
    title,
    verb,
    style,
    data: { reviewId: data.reviewId, nonce: data.nonce },
    // Only Reject sends the reason box (and the client checks it is filled in).
    associatedInputs: approve ? 'none' : 'auto',
    fallback: { type: 'Action.Submit', title, style, data: { verb, reviewId: data.reviewId, nonce: data.nonce }, associatedInputs: approve ? 'none' : 'auto' },
  };
}

/** The review as posted: context, votes so far, a reason box and Approve / Reject (a console link for step-up). */
export function reviewCard(r: ChannelReview, consoleUrl: string): AdaptiveCard {
  const link = consoleReviewLink(r, consoleUrl);
  if (link) {
    return card([heading(`Review requested: ${r.review.intent.action}`), ...contextElements(r), ...progressElements(r), plain(STEP_UP_NOTE)], [
      { type: 'Action.OpenUrl', title: 'Review in the console', url: link },
    ]);
  }
  if (!r.nonce) throw new Error(`review ${r.reviewId} has no nonce: a Teams delivery always gets one`);
  const data = { reviewId: r.reviewId, nonce: r.nonce };
  return card(
    [
      heading(`Review requested: ${r.review.intent.action}`),
      ...contextElements(r),
      ...progressElements(r),
      {
        type: 'Input.Text',
        id: REASON_INPUT,
        label: 'Reason (required to reject)',
        placeholder: 'Why do you reject it?',
        isMultiline: true,
        maxLength: REASON_MAX,
        isRequired: true,
        errorMessage: 'A reason is required to reject.',
      },
    ],
    [voteAction(APPROVE_VERB, data), voteAction(REJECT_VERB, data)],
  );
}

const OUTCOME_TITLE = { approved: 'Approved', rejected: 'Rejected', expired: 'Expired', withdrawn: 'Withdrawn' } as const;
const OUTCOME_COLOR = { approved: 'Good', rejected: 'Attention', expired: 'Warning', withdrawn: 'Accent' } as const;

/** The decided review: the outcome, who decided and why, the same context, and no actions or inputs. */
export function outcomeCard(o: ChannelOutcome): AdaptiveCard {
  const title = OUTCOME_TITLE[o.kind];
  const who = o.decidedBy.length > 0 ? ` by ${o.decidedBy.join(', ')}` : '';
  const lead = outcomeLead(o.kind, title, who);
  return card([
    heading(`${title}: ${o.review.review.intent.action}`),
    { type: 'TextBlock', text: md(lead, 300), weight: 'Bolder', color: OUTCOME_COLOR[o.kind], wrap: true },
    ...(o.reason ? [plain(`Reason: ${o.reason}`)] : []),
    ...contextElements(o.review),
  ]);
}

/** A short card answering a click (Action.Execute): shown to the person who clicked, in place of the review. */
export function noteCard(title: string, text: string): AdaptiveCard {
  return card([heading(title), plain(text)]);
}

export function cardSummary(r: ChannelReview): string {
  return `Review requested: ${summary(r)}`;
}

export function outcomeSummary(o: ChannelOutcome): string {
  return `${OUTCOME_TITLE[o.kind]}: ${summary(o.review)}`;
}
