import type {
  Requester,
  ReviewRequirement,
  VoteChannel,
  VoteDecision,
  Voter,
  VoteRefusal,
  StepUpAssertion,
} from '@countersign/contracts';
import type { StepUpCheck } from './step-up.js';

/** withdrawn: the requester withdrew every intent the review was open for. */
export type ReviewState = 'pending' | 'approved' | 'rejected' | 'expired' | 'withdrawn';

export interface CountedVote {
  voter: Voter;
  decision: VoteDecision;
  channel: VoteChannel;
  breakGlass: boolean;
  reason?: string;
  /** The passkey assertion of a step-up vote. */
  stepUp?: StepUpAssertion;
}

/** What a decision about a review needs to know; loaded under a row lock, so votes never race. */
export interface ReviewSnapshot {
  id: string;
  intentHash: string;
  requester: Requester;
  requirement: ReviewRequirement;
  state: ReviewState;
  openedAt: Date;
  expiresAt: Date;
  votes: readonly CountedVote[];
  /** How many escalation steps have fired; their groups may vote from then on. */
  escalatedSteps: number;
  reminded: boolean;
}

export interface VoteRequest {
  decision: VoteDecision;
  reason?: string;
  voter: Voter;
  channel: VoteChannel;
  breakGlass: boolean;
  /** The service's verification of a passkey assertion sent with the vote (none from chat). */
  stepUp: StepUpCheck;
}

export type VoteResult =
  | { kind: 'refused'; code: VoteRefusal; reason: string }
  | { kind: 'recorded'; vote: CountedVote; approvals: number; outcome?: 'approved' | 'rejected' };

const refuse = (code: VoteRefusal, reason: string): VoteResult => ({ kind: 'refused', code, reason });

function samePerson(voter: Voter, requester: Requester): boolean {
  return voter.subject === requester.subject && voter.issuer === requester.issuer;
}

/** Groups whose members may vote now: the approver groups and those of escalation steps already fired. */
export function eligibleGroups(review: ReviewSnapshot): Set<string> {
  const fired = review.requirement.escalation.slice(0, review.escalatedSteps).flatMap((s) => s.groups);
  return new Set([...review.requirement.approverGroups, ...fired]);
}

/**
 * Whether the approvals satisfy the requirement: every approver group has its own approver (one
 * person never fills two groups — a bipartite matching, found by augmenting paths), and there are at
 * least `quorum` distinct approvers.
 */
export function quorumReached(requirement: ReviewRequirement, approvers: readonly Voter[]): boolean {
  const people = [...new Map(approvers.map((v) => [`${v.issuer}|${v.subject}`, v])).values()];
  if (people.length < requirement.quorum) return false;
  const holder = new Map<number, string>();
  const assign = (group: string, seen: Set<number>): boolean => {
    for (let p = 0; p < people.length; p += 1) {
      if (seen.has(p) || !people[p]!.groups.includes(group)) continue;
      seen.add(p);
      const current = holder.get(p);
      if (current === undefined || assign(current, seen)) {
        holder.set(p, group);
        return true;
      }
    }
    return false;
  };
  return requirement.approverGroups.every((g) => assign(g, new Set()));
}

/**
 * Whether a vote counts, and what it decides. Pure: the caller holds the review's row lock, records
 * the result (a counted vote or a refusal, both audit events) and publishes the outcome.
 */
export function decideVote(review: ReviewSnapshot, vote: VoteRequest, now: Date): VoteResult {
  if (review.state === 'expired') return refuse('REVIEW_EXPIRED', 'the review has expired');
  if (review.state !== 'pending') return refuse('REVIEW_DECIDED', `the review is already ${review.state}`);
  if (now.getTime() >= review.expiresAt.getTime()) return refuse('REVIEW_EXPIRED', 'the review has expired');

  if (samePerson(vote.voter, review.requester)) {
    if (!vote.breakGlass) return refuse('SELF_APPROVAL', 'a requester cannot vote on their own intent');
    if (!review.requirement.breakGlass) return refuse('BREAK_GLASS_NOT_ALLOWED', 'the rule does not allow break-glass');
    if (vote.decision !== 'approve') return refuse('BREAK_GLASS_NOT_ALLOWED', 'break-glass only approves');
    if (!vote.reason) return refuse('REASON_REQUIRED', 'break-glass needs a reason');
    const counted: CountedVote = { voter: vote.voter, decision: 'approve', channel: vote.channel, breakGlass: true, reason: vote.reason };
    return { kind: 'recorded', vote: counted, approvals: 1, outcome: 'approved' };
  }
  if (vote.breakGlass) return refuse('BREAK_GLASS_NOT_ALLOWED', 'only the requester can break glass');
  if (review.requester.owner !== undefined && vote.voter.subject === review.requester.owner) {
    return refuse('OWNER_APPROVAL', `${vote.voter.subject} owns the requesting ${review.requester.kind} and cannot approve its intents`);
  }
  const eligible = eligibleGroups(review);
  if (!vote.voter.groups.some((g) => eligible.has(g))) {
    return refuse('NOT_APPROVER', `only members of ${[...eligible].sort().join(', ')} may vote`);
  }
  if (review.votes.some((v) => v.voter.subject === vote.voter.subject && v.voter.issuer === vote.voter.issuer)) {
    return refuse('ALREADY_VOTED', 'this person has already voted on this review');
  }
  if (vote.decision === 'reject' && !vote.reason) return refuse('REASON_REQUIRED', 'a rejection needs a reason');
  // Checked last, so that a STEP_UP_REQUIRED refusal means "everything else would count" (the inbox relies on it).
  // A failed proof is refused even where none is needed: a bad signature is never quietly ignored.
  if (vote.stepUp.kind === 'failed') return refuse(vote.stepUp.code, vote.stepUp.reason);
  if (review.requirement.stepUp && vote.stepUp.kind !== 'verified') {
    return refuse('STEP_UP_REQUIRED', 'this review needs a vote from the console with a fresh sign-in and a passkey');
  }
  const proof = vote.stepUp.kind === 'verified' ? { stepUp: vote.stepUp.assertion } : {};
  const approvers = review.votes.filter((v) => v.decision === 'approve').map((v) => v.voter);
  if (vote.decision === 'reject') {
    const counted: CountedVote = { voter: vote.voter, decision: 'reject', channel: vote.channel, breakGlass: false, reason: vote.reason!, ...proof };
    // One reject ends the review: a single informed "no" outweighs any number of approvals.
    return { kind: 'recorded', vote: counted, approvals: approvers.length, outcome: 'rejected' };
  }
  const counted: CountedVote = {
    voter: vote.voter,
    decision: 'approve',
    channel: vote.channel,
    breakGlass: false,
    ...(vote.reason ? { reason: vote.reason } : {}),
    ...proof,
  };
  const all = [...approvers, vote.voter];
  return { kind: 'recorded', vote: counted, approvals: all.length, ...(quorumReached(review.requirement, all) ? { outcome: 'approved' as const } : {}) };
}

/** Reminders go out when this share of the ttl has passed without a decision. */
export const REMIND_AT_SHARE = 0.8;

export interface DueTimers {
  expire: boolean;
  /** Indexes of escalation steps now due, in order. */
  escalate: number[];
  remind: boolean;
}

/** What time has made due for a pending review. */
export function dueTimers(review: ReviewSnapshot, now: Date): DueTimers {
  if (review.state !== 'pending') return { expire: false, escalate: [], remind: false };
  const t = now.getTime();
  if (t >= review.expiresAt.getTime()) return { expire: true, escalate: [], remind: false };
  const elapsed = (t - review.openedAt.getTime()) / 1000;
  const escalate = review.requirement.escalation
    .map((step, i) => ({ step, i }))
    .filter(({ step, i }) => i >= review.escalatedSteps && step.afterSeconds <= elapsed)
    .map(({ i }) => i);
  const ttl = (review.expiresAt.getTime() - review.openedAt.getTime()) / 1000;
  return { expire: false, escalate, remind: !review.reminded && elapsed >= ttl * REMIND_AT_SHARE };
}

/** When the sweeper must look at a pending review next: its reminder, next escalation step or expiry. */
export function nextTimerAt(review: Pick<ReviewSnapshot, 'openedAt' | 'expiresAt' | 'requirement' | 'escalatedSteps' | 'reminded'>): Date {
  const opened = review.openedAt.getTime();
  const candidates = [review.expiresAt.getTime()];
  const ttlMs = review.expiresAt.getTime() - opened;
  if (!review.reminded) candidates.push(opened + ttlMs * REMIND_AT_SHARE);
  const step = review.requirement.escalation[review.escalatedSteps];
  if (step) candidates.push(opened + step.afterSeconds * 1000);
  return new Date(Math.min(...candidates));
}
