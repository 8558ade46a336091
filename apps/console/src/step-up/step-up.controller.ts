import { Body, Controller, Get, Header, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { z } from 'zod';
import { CountersignApi } from '../api/countersign-api.js';
import { ConsoleError } from '../http/console-error.js';
import { layout } from '../http/layout.js';
import { WEBAUTHN_PAGE_CSP } from '../http/security-headers.js';
import { pendingReview } from '../inbox/pending-review.js';
import { WebSessions, type WebRequest } from '../session/web-sessions.js';
import { castVote } from '../vote/vote.controller.js';
import { formJson } from '../http/form-json.js';
import { noPasskeyPage, stepUpPage, type StepUpOptions } from './step-up-page.js';

const ReviewId = z.uuid();
const Decision = z.enum(['approve', 'reject']);
const StepUpForm = z.object({ decision: Decision, reason: z.string().trim().max(2000).optional(), credential: z.string().min(2).max(40_000) });

/**
 * Step-up votes: a fresh sign-in (prompt=login), then policy's one-time challenge for this review and
 * decision, answered by the user's passkey in the browser, then the vote with the assertion, all with
 * the user's own token. Policy verifies everything; the console only carries it.
 */
@Controller('reviews')
export class StepUpController {
  constructor(
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(CountersignApi) private readonly api: CountersignApi,
  ) {}

  @Get(':id/step-up')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', WEBAUTHN_PAGE_CSP)
  async page(@Req() req: WebRequest, @Param('id') id: string, @Query('decision') decision: unknown): Promise<string> {
    const session = this.sessions.requireFresh(req);
    const reviewId = ReviewId.safeParse(id);
    const chosen = Decision.safeParse(decision);
    if (!reviewId.success || !chosen.success) throw new ConsoleError('NOT_FOUND', 404, 'There is no such review or decision.');
    const review = await pendingReview(this.api, session.accessToken, reviewId.data);
    if (!review.canDecide) throw new ConsoleError(review.whyNot?.code ?? 'NOT_APPROVER', 403, review.whyNot?.reason ?? 'You may not decide this review.');
    const options = await this.api.post<StepUpOptions>('policy', `/v1/reviews/${reviewId.data}/step-up-options`, session.accessToken, { decision: chosen.data });
    const user = this.sessions.pageUser(session);
    if (!options.ok && options.code === 'PASSKEY_NOT_REGISTERED') return layout('Register a passkey', user, noPasskeyPage());
    if (!options.ok) throw new ConsoleError(options.code, options.status, options.message);
    return layout('Step-up vote', user, stepUpPage({ review, options: options.body, csrf: session.csrf }), { script: true });
  }

  @Post(':id/step-up')
  async vote(@Req() req: WebRequest, @Param('id') id: string, @Body() body: unknown, @Res() res: { redirect(status: number, url: string): void }): Promise<void> {
    const session = this.sessions.requireForm(req, body);
    const reviewId = ReviewId.safeParse(id);
    if (!reviewId.success) throw new ConsoleError('NOT_FOUND', 404, 'There is no such review.');
    const form = StepUpForm.safeParse(body);
    const assertion = formJson(form.success ? form.data.credential : undefined);
    const problem = !form.success || assertion === undefined ? 'The passkey answer was missing or malformed; try again.' : form.data.decision === 'reject' && !form.data.reason ? 'A rejection needs a reason.' : undefined;
    if (!form.success || problem) {
      session.flash = { kind: 'bad', text: problem ?? '' };
      res.redirect(303, '/');
      return;
    }
    const { decision, reason } = form.data;
    await castVote(this.api, session, reviewId.data, { decision, ...(reason ? { reason } : {}), assertion });
    res.redirect(303, '/');
  }
}
