import { describe, expect, it } from 'vitest';
import type { ReviewRequirement, Voter } from '@countersign/contracts';
import { decideVote, dueTimers, nextTimerAt, quorumReached, type ReviewSnapshot, type VoteRequest } from './review.js';
import { NO_STEP_UP, type StepUpCheck } from './step-up.js';

const opened = new Date('2026-03-02T10:00:00Z');
const at = (minutes: number) => new Date(opened.getTime() + minutes * 60_000);

const person = (subject: string, groups: string[]): Voter => ({ subject, issuer: 'urn:idp', groups, authMethod: 'oidc' });
const bob = person('bob', ['security']);
const dana = person('dana', ['security']);
const alice = person('alice', ['platform']);
const erin = person('erin', ['security', 'platform']);
const mallory = person('mallory', ['marketing']);
const lead = person('lee', ['security-leads']);

function requirement(over: Partial<ReviewRequirement> = {}): ReviewRequirement {
  return { approverGroups: ['security'], quorum: 1, ttlSeconds: 3600, escalation: [], stepUp: false, breakGlass: false, ...over };
}

function given(over: Partial<ReviewSnapshot> = {}): ReviewSnapshot {
  return {
    id: '0190f5a0-0000-7000-8000-000000000001',
    intentHash: 'a'.repeat(64),
    requester: { kind: 'pipeline', subject: 'ci-deployer', issuer: 'urn:idp', groups: ['pipelines'], owner: 'carl' },
    requirement: requirement(),
    state: 'pending',
    openedAt: opened,
    expiresAt: at(60),
    votes: [],
    escalatedSteps: 0,
    reminded: false,
    ...over,
  };
}

const approve = (voter: Voter, over: Partial<VoteRequest> = {}): VoteRequest => ({
  decision: 'approve',
  voter,
  channel: 'api',
  breakGlass: false,
  stepUp: NO_STEP_UP,
  ...over,
});

/** Applies votes one after the other as the service would, recording each counted one. */
function when(review: ReviewSnapshot, ...votes: VoteRequest[]) {
  let current = review;
  const results = votes.map((v) => {
    const r = decideVote(current, v, at(5));
    if (r.kind === 'recorded') {
      current = { ...current, votes: [...current.votes, r.vote], ...(r.outcome ? { state: r.outcome } : {}) };
    }
    return r;
  });
  return { results, review: current };
}

describe('votes', () => {
  it('given quorum 2 in one group, when two members approve, then the second vote approves', () => {
    const { results } = when(given({ requirement: requirement({ quorum: 2 }) }), approve(bob), approve(dana));
    expect(results[0]).toMatchObject({ kind: 'recorded', approvals: 1 });
    expect(results[0]).not.toHaveProperty('outcome');
    expect(results[1]).toMatchObject({ kind: 'recorded', approvals: 2, outcome: 'approved' });
  });

  it('given two approver groups, one person in both cannot fill both', () => {
    const both = given({ requirement: requirement({ approverGroups: ['platform', 'security'], quorum: 2 }) });
    const { results } = when(both, approve(erin), approve(dana));
    expect(results.map((r) => (r.kind === 'recorded' ? r.outcome ?? 'counted' : r.code))).toEqual(['counted', 'approved']);
    // erin + dana: erin takes platform, dana security. Two security people alone never satisfy platform.
    expect(quorumReached(both.requirement, [bob, dana])).toBe(false);
    expect(quorumReached(both.requirement, [erin, bob])).toBe(true);
    expect(quorumReached({ ...both.requirement, quorum: 1 }, [erin])).toBe(false);
  });

  it('given one approval counted, when the same person clicks again, then ALREADY_VOTED', () => {
    const { results } = when(given({ requirement: requirement({ quorum: 2 }) }), approve(bob), approve(bob));
    expect(results[1]).toMatchObject({ kind: 'refused', code: 'ALREADY_VOTED' });
  });

  it('refuses the requester, the owner of the requesting pipeline, and a non-member, each with its reason', () => {
    const review = given();
    expect(decideVote(review, approve(person('ci-deployer', ['security'])), at(5))).toMatchObject({ code: 'SELF_APPROVAL' });
    expect(decideVote(review, approve(person('carl', ['security'])), at(5))).toMatchObject({ code: 'OWNER_APPROVAL' });
    expect(decideVote(review, approve(mallory), at(5))).toMatchObject({ code: 'NOT_APPROVER', reason: 'only members of security may vote' });
  });

  it('a requester from another issuer with the same name is another person', () => {
    const namesake = { ...person('ci-deployer', ['security']), issuer: 'urn:other' };
    expect(decideVote(given(), approve(namesake), at(5))).toMatchObject({ kind: 'recorded', outcome: 'approved' });
  });

  it('one reject ends the review, and a reject needs a reason', () => {
    const review = given({ requirement: requirement({ quorum: 2 }) });
    expect(decideVote(review, approve(bob, { decision: 'reject' }), at(5))).toMatchObject({ code: 'REASON_REQUIRED' });
    const { results, review: after } = when(review, approve(dana), approve(bob, { decision: 'reject', reason: 'wrong table' }));
    expect(results[1]).toMatchObject({ kind: 'recorded', outcome: 'rejected', vote: { reason: 'wrong table' } });
    expect(decideVote(after, approve(erin), at(6))).toMatchObject({ code: 'REVIEW_DECIDED', reason: 'the review is already rejected' });
  });

  it('refuses any vote at or after expiry', () => {
    expect(decideVote(given(), approve(bob), at(60))).toMatchObject({ code: 'REVIEW_EXPIRED' });
    expect(decideVote(given({ state: 'expired' }), approve(bob), at(1))).toMatchObject({ code: 'REVIEW_EXPIRED' });
  });

  describe('step-up', () => {
    const assertion = { credentialId: 'cred', authenticatorData: 'ad', clientDataJSON: 'cd', signature: 'sig', nonce: 'n', authTime: '2026-03-02T10:04:00.000Z' };
    const verified: StepUpCheck = { kind: 'verified', assertion };
    const stepUpReview = () => given({ requirement: requirement({ stepUp: true }) });

    it('given a step-up rule, when a chat vote arrives without a passkey proof, then STEP_UP_REQUIRED', () => {
      expect(decideVote(stepUpReview(), approve(bob, { channel: 'slack' }), at(5))).toMatchObject({ code: 'STEP_UP_REQUIRED' });
    });

    it('given a step-up rule, when the vote carries a verified assertion, then it counts and the counted vote keeps the assertion', () => {
      const result = decideVote(stepUpReview(), approve(bob, { stepUp: verified }), at(5));
      expect(result).toMatchObject({ kind: 'recorded', outcome: 'approved', vote: { stepUp: assertion } });
    });

    it('given a failed check (stale sign-in, bad passkey), then its own code, even where the rule needs no step-up', () => {
      const stale: StepUpCheck = { kind: 'failed', code: 'STEP_UP_STALE_LOGIN', reason: 'signed in 20 min ago' };
      const invalid: StepUpCheck = { kind: 'failed', code: 'PASSKEY_INVALID', reason: 'signature does not verify' };
      expect(decideVote(stepUpReview(), approve(bob, { stepUp: stale }), at(5))).toMatchObject({ code: 'STEP_UP_STALE_LOGIN' });
      expect(decideVote(stepUpReview(), approve(bob, { stepUp: invalid }), at(5))).toMatchObject({ code: 'PASSKEY_INVALID' });
      expect(decideVote(given(), approve(bob, { stepUp: invalid }), at(5))).toMatchObject({ code: 'PASSKEY_INVALID' });
    });

    it('given a step-up rule, then the other refusals come first: STEP_UP_REQUIRED means everything else would count', () => {
      expect(decideVote(stepUpReview(), approve(mallory), at(5))).toMatchObject({ code: 'NOT_APPROVER' });
      expect(decideVote(stepUpReview(), approve(person('ci-deployer', ['security'])), at(5))).toMatchObject({ code: 'SELF_APPROVAL' });
      expect(decideVote(stepUpReview(), { ...approve(bob), decision: 'reject' }, at(5))).toMatchObject({ code: 'REASON_REQUIRED' });
    });

    it('a step-up rejection with a reason and a verified assertion ends the review', () => {
      const result = decideVote(stepUpReview(), { ...approve(bob, { stepUp: verified }), decision: 'reject', reason: 'not now' }, at(5));
      expect(result).toMatchObject({ kind: 'recorded', outcome: 'rejected', vote: { decision: 'reject', stepUp: assertion } });
    });
  });

  it('break-glass: the requester approves alone with a reason, only where the rule allows it', () => {
    const requester = person('ci-deployer', []);
    const glass = given({ requirement: requirement({ breakGlass: true, quorum: 2, approverGroups: ['platform', 'security'] }) });
    expect(decideVote(glass, approve(requester, { breakGlass: true }), at(5))).toMatchObject({ code: 'REASON_REQUIRED' });
    expect(decideVote(glass, approve(requester, { breakGlass: true, reason: 'prod is down' }), at(5))).toMatchObject({
      kind: 'recorded',
      outcome: 'approved',
      vote: { breakGlass: true, reason: 'prod is down' },
    });
    expect(decideVote(given(), approve(requester, { breakGlass: true, reason: 'x' }), at(5))).toMatchObject({ code: 'BREAK_GLASS_NOT_ALLOWED' });
    expect(decideVote(glass, approve(bob, { breakGlass: true, reason: 'x' }), at(5))).toMatchObject({ code: 'BREAK_GLASS_NOT_ALLOWED' });
  });

  it('members of an escalation group may vote once their step has fired, not before', () => {
    const ladder = requirement({ escalation: [{ afterSeconds: 600, groups: ['security-leads'] }] });
    expect(decideVote(given({ requirement: ladder }), approve(lead), at(5))).toMatchObject({ code: 'NOT_APPROVER' });
    // The lead counts toward the quorum but never stands in for a required group.
    const fired = given({ requirement: { ...ladder, approverGroups: ['security'], quorum: 2 }, escalatedSteps: 1 });
    const { results } = when(fired, approve(lead), approve(bob));
    expect(results.map((r) => (r.kind === 'recorded' ? r.outcome ?? 'counted' : r.code))).toEqual(['counted', 'approved']);
  });
});

describe('timers', () => {
  const ladder = requirement({ escalation: [{ afterSeconds: 600, groups: ['leads'] }, { afterSeconds: 1800, groups: ['cto'] }] });

  it('fires due escalation steps in order, reminds at 80% of the ttl, expires at the ttl', () => {
    const review = given({ requirement: ladder });
    expect(dueTimers(review, at(5))).toEqual({ expire: false, escalate: [], remind: false });
    expect(dueTimers(review, at(31))).toEqual({ expire: false, escalate: [0, 1], remind: false });
    expect(dueTimers({ ...review, escalatedSteps: 1 }, at(31)).escalate).toEqual([1]);
    expect(dueTimers({ ...review, escalatedSteps: 2 }, at(48))).toEqual({ expire: false, escalate: [], remind: true });
    expect(dueTimers({ ...review, escalatedSteps: 2, reminded: true }, at(48)).remind).toBe(false);
    expect(dueTimers(review, at(60))).toEqual({ expire: true, escalate: [], remind: false });
  });

  it('a decided review has no timers', () => {
    expect(dueTimers(given({ state: 'approved' }), at(90))).toEqual({ expire: false, escalate: [], remind: false });
  });
});

describe('nextTimerAt', () => {
  it('is the earliest of the next escalation step, the reminder and the expiry', () => {
    const ladder = requirement({ escalation: [{ afterSeconds: 600, groups: ['leads'] }] });
    expect(nextTimerAt(given({ requirement: ladder }))).toEqual(at(10));
    expect(nextTimerAt(given({ requirement: ladder, escalatedSteps: 1 }))).toEqual(at(48));
    expect(nextTimerAt(given({ requirement: ladder, escalatedSteps: 1, reminded: true }))).toEqual(at(60));
  });
});
