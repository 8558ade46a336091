import { Body, Controller, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { z } from 'zod';
import { CountersignApi } from '../api/countersign-api.js';
import { ConsoleError } from '../http/console-error.js';
import type { Session } from '../session/session-store.js';
import { WebSessions, type WebRequest } from '../session/web-sessions.js';

const VoteForm = z.object({ decision: z.enum(['approve', 'reject']), reason: z.string().trim().max(2000).optional() });
const ReviewId = z.uuid();

interface VoteAnswer {
  state: string;
  approvals: number;
  quorum: number;
}

/**
 * One click: the form posts here, the vote goes to policy's POST /v1/reviews/:id/votes with the
 * reviewer's token, and the inbox shows the outcome at once (post/redirect/get).
 */
@Controller('reviews')
export class VoteController {
  constructor(
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(CountersignApi) private readonly api: CountersignApi,
  ) {}

  @Post(':id/vote')
  async vote(@Req() req: WebRequest, @Param('id') id: string, @Body() body: unknown, @Res() res: { redirect(status: number, url: string): void }): Promise<void> {
    const session = this.sessions.requireForm(req, body);
    const reviewId = ReviewId.safeParse(id);
    if (!reviewId.success) throw new ConsoleError('NOT_FOUND', 404, 'There is no such review.');
    const form = VoteForm.safeParse(body);
    // Said here before policy says REASON_REQUIRED: the reviewer sees it in words, and nothing is recorded.
    const problem = !form.success ? 'Choose approve or reject (a reason is at most 2000 characters).' : form.data.decision === 'reject' && !form.data.reason ? 'A rejection needs a reason.' : undefined;
    if (!form.success || problem) {
      session.flash = { kind: 'bad', text: problem ?? '' };
      res.redirect(303, '/');
      return;
    }
    const { decision, reason } = form.data;
    await castVote(this.api, session, reviewId.data, { decision, ...(reason ? { reason } : {}) });
    res.redirect(303, '/');
  }
}

/** Sends a vote to policy with the user's token and leaves the outcome, in words, for the next page. */
export async function castVote(api: CountersignApi, session: Session, reviewId: string, vote: { decision: 'approve' | 'reject'; reason?: string; assertion?: unknown }): Promise<void> {
  const answer = await api.post<VoteAnswer>('policy', `/v1/reviews/${reviewId}/votes`, session.accessToken, vote);
  session.flash = answer.ok
    ? { kind: 'ok', text: outcomeText(vote.decision, answer.body) }
    : { kind: 'bad', text: `Your vote was not counted: ${answer.message} (${answer.code}).` };
}

function outcomeText(decision: 'approve' | 'reject', v: VoteAnswer): string {
  if (v.state === 'approved') return `Approved: the review is decided (${v.approvals} of ${v.quorum}); the requester can now claim the grant.`;
  if (v.state === 'rejected') return 'Rejected: the review is decided and the requester has been told why.';
  return decision === 'approve' ? `Your approval counted: ${v.approvals} of ${v.quorum} so far.` : `Your vote counted; the review is ${v.state}.`;
}
