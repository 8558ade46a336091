import { Controller, Get, Header, Inject, Param, Req } from '@nestjs/common';
import { z } from 'zod';
import { CountersignApi } from '../api/countersign-api.js';
import { ConsoleError } from '../http/console-error.js';
import { layout } from '../http/layout.js';
import { WebSessions, type WebRequest } from '../session/web-sessions.js';
import { inboxPage, reviewPage, signedOutPage, type InboxReview } from './inbox-page.js';
import { pendingReview } from './pending-review.js';

@Controller()
export class InboxController {
  constructor(
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(CountersignApi) private readonly api: CountersignApi,
  ) {}

  /** The reviewer's inbox, from policy's GET /v1/reviews with the reviewer's own token. */
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  async inbox(@Req() req: WebRequest): Promise<string> {
    const session = this.sessions.current(req);
    if (!session) return layout('Sign in', null, signedOutPage());
    const answer = await this.api.get<{ reviews: InboxReview[] }>('policy', '/v1/reviews?limit=100', session.accessToken);
    if (!answer.ok) throw new ConsoleError(answer.code, answer.status, answer.message);
    return layout('Inbox', this.sessions.pageUser(session), inboxPage({ reviews: answer.body.reviews, csrf: session.csrf, flash: this.sessions.takeFlash(session) }));
  }

  /** One review: where chat messages of step-up reviews send the reviewer. */
  @Get('reviews/:id')
  @Header('content-type', 'text/html; charset=utf-8')
  async review(@Req() req: WebRequest, @Param('id') id: string): Promise<string> {
    const session = this.sessions.require(req);
    if (!z.uuid().safeParse(id).success) throw new ConsoleError('NOT_FOUND', 404, 'There is no such review.');
    const review = await pendingReview(this.api, session.accessToken, id);
    return layout('Review', this.sessions.pageUser(session), reviewPage(review, session.csrf));
  }
}
