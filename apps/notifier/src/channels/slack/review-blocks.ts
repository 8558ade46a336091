import type { KnownBlock } from '@slack/types';
import { consoleReviewLink, STEP_UP_NOTE } from '../console-link.js';
import { noticeText, outcomeLead, type ChannelNotice, type ChannelOutcome, type ChannelReview } from '../review-channel.js';

export const APPROVE_ACTION = 'countersign_approve';
export const REJECT_ACTION = 'countersign_reject';
export const VOTE_BLOCK = 'countersign_vote';
/** A link button; Slack still posts an interaction for it, which the handler ignores (not a vote). */
export const OPEN_CONSOLE_ACTION = 'countersign_open_console';

export interface SlackMessage {
  /** Notification and screen-reader fallback; Slack shows blocks when present. */
  text: string;
  blocks: KnownBlock[];
}

// Block Kit limits: header 150 chars, section text 3000, a field 2000, context element 2000.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** mrkdwn treats &, < and > as markup (links, mentions): a requester's text must not become one. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inside a code span or block a backtick would end it early. */
function code(text: string): string {
  return escapeMrkdwn(text).replace(/`/g, 'ˋ');
}

/** `<reviewId>.<nonce>`: the only thing a button carries, so a forwarded payload reveals nothing. */
export function buttonValue(reviewId: string, nonce: string): string {
  return `${reviewId}.${nonce}`;
}

function requesterText(r: ChannelReview['review']['intent']['requester']): string {
  const owner = r.owner ? `, owner ${code(r.owner)}` : '';
  return `\`${code(r.subject)}\` (${r.kind}${owner})`;
}

function resourceText(res: ChannelReview['review']['intent']['resource']): string {
  const tags = res.tags.length > 0 ? ` [${res.tags.map(code).join(', ')}]` : '';
  return `\`${code(`${res.kind}/${res.id}`)}\` in \`${code(res.env)}\`${tags}`;
}

function summary(r: ChannelReview): string {
  const { action, resource, requester } = r.review.intent;
  return `${action} on ${resource.kind}/${resource.id} (${resource.env}) by ${requester.subject}`;
}

/** What every rendering shows: the request, with the values policy masked shown as their tokens. */
function contextBlocks(r: ChannelReview): KnownBlock[] {
  const { intent, masked, reasons, ruleIds, expiresAt, requirement } = r.review;
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: clip(`*Action*\n\`${code(intent.action)}\``, FIELD_MAX) },
        { type: 'mrkdwn', text: clip(`*Resource*\n${resourceText(intent.resource)}`, FIELD_MAX) },
        { type: 'mrkdwn', text: clip(`*Requester*\n${requesterText(intent.requester)}`, FIELD_MAX) },
        { type: 'mrkdwn', text: `*Expires*\n${escapeMrkdwn(expiresAt)}` },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: clip(`*Justification*\n>${escapeMrkdwn(intent.justification).replace(/\n/g, '\n>')}`, SECTION_MAX) } },
  ];
  const args = JSON.stringify(intent.args, null, 2);
  if (args !== '{}') {
    const body = clip(code(args), SECTION_MAX - 40);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Arguments*\n\`\`\`${body}\`\`\`` } });
  }
  if (masked.length > 0) {
    const list = masked.map((m) => `\`${code(m.path)}\` (${code(m.reason)})`).join(', ');
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(`:lock: Masked by policy: ${list}`, FIELD_MAX) }] });
  }
  const why = reasons.length > 0 ? reasons.map((x) => `• ${escapeMrkdwn(x)}`).join('\n') : '• the policy asks for a review';
  const rules = ruleIds.length > 0 ? `\nRules: ${ruleIds.map((x) => `\`${code(x)}\``).join(', ')}` : '';
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*Why a review*\n${why}${rules}`, SECTION_MAX) } });
  const groups = requirement.approverGroups.map((g) => `\`${code(g)}\``).join(', ');
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(`Needs ${requirement.quorum} approval(s) from ${groups}`, FIELD_MAX) }] });
  return blocks;
}

function progressBlock(r: ChannelReview): KnownBlock[] {
  if (r.votes.length === 0) return [];
  const approvers = r.votes.filter((v) => v.decision === 'approve').map((v) => `\`${code(v.subject)}\``);
  const text = `Approvals so far: ${r.approvals} of ${r.quorum}${approvers.length > 0 ? ` (${approvers.join(', ')})` : ''}`;
  return [{ type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, FIELD_MAX) }] }];
}

function voteBlocks(r: ChannelReview, consoleUrl: string): KnownBlock[] {
  const link = consoleReviewLink(r, consoleUrl);
  if (link) {
    return [
      { type: 'context', elements: [{ type: 'mrkdwn', text: `:closed_lock_with_key: ${STEP_UP_NOTE}` }] },
      {
        type: 'actions',
        block_id: VOTE_BLOCK,
        elements: [{ type: 'button', action_id: OPEN_CONSOLE_ACTION, style: 'primary', text: { type: 'plain_text', text: 'Review in the console' }, url: link }],
      },
    ];
  }
  if (!r.nonce) throw new Error(`review ${r.reviewId} has no nonce: a Slack delivery always gets one`);
  const value = buttonValue(r.reviewId, r.nonce);
  return [
    {
      type: 'actions',
      block_id: VOTE_BLOCK,
      elements: [
        { type: 'button', action_id: APPROVE_ACTION, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value },
        { type: 'button', action_id: REJECT_ACTION, style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value },
      ],
    },
  ];
}

/** The review as posted: context, votes so far, and the Approve / Reject buttons (a console link for step-up). */
export function reviewMessage(r: ChannelReview, consoleUrl: string): SlackMessage {
  return {
    text: `Review requested: ${summary(r)}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(`Review requested: ${r.review.intent.action}`, HEADER_MAX) } },
      ...contextBlocks(r),
      ...progressBlock(r),
      ...voteBlocks(r, consoleUrl),
    ],
  };
}

const OUTCOME_TITLE = { approved: 'Approved', rejected: 'Rejected', expired: 'Expired', withdrawn: 'Withdrawn' } as const;
const OUTCOME_ICON = { approved: ':white_check_mark:', rejected: ':x:', expired: ':hourglass:', withdrawn: ':leftwards_arrow_with_hook:' } as const;

/** The decided review: the same context, the outcome and who decided, and no buttons left. */
export function outcomeMessage(o: ChannelOutcome): SlackMessage {
  const title = OUTCOME_TITLE[o.kind];
  const who = o.decidedBy.length > 0 ? ` by ${o.decidedBy.map((s) => `\`${code(s)}\``).join(', ')}` : '';
  const lead = outcomeLead(o.kind, title, who);
  const reason = o.reason ? `\n*Reason:* ${escapeMrkdwn(o.reason)}` : '';
  return {
    text: `${title}: ${summary(o.review)}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(`${title}: ${o.review.review.intent.action}`, HEADER_MAX) } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(`${OUTCOME_ICON[o.kind]} *${lead}*${reason}`, SECTION_MAX) } },
      ...contextBlocks(o.review),
    ],
  };
}

/** A reminder or escalation notice, posted as a reply in the review's thread. */
export function noticeMessage(n: ChannelNotice): SlackMessage {
  const icon = n.kind === 'reminder' ? ':alarm_clock:' : ':arrow_up:';
  const text = noticeText(n);
  const groups = n.kind === 'escalated' ? `\nNow also: ${n.groups.map((g) => `\`${code(g)}\``).join(', ')}` : '';
  return {
    text,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clip(`${icon} ${escapeMrkdwn(text)}${groups}`, SECTION_MAX) } }],
  };
}
