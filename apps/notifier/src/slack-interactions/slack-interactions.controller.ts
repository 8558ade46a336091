import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { HandleSlackInteraction, type InteractionAnswer } from './handle-interaction.use-case.js';

export const SLACK_INTERACTIONS_PATH = 'v1/slack/interactions';

/** Slack's interactivity Request URL. The body stays raw bytes (see bootstrap) until the signature is checked. */
@Controller(SLACK_INTERACTIONS_PATH)
export class SlackInteractionsController {
  constructor(private readonly handle: HandleSlackInteraction) {}

  @Post()
  @HttpCode(200)
  async interact(
    @Req() req: { body?: unknown },
    @Headers('x-slack-request-timestamp') timestamp: string | undefined,
    @Headers('x-slack-signature') signature: string | undefined,
  ): Promise<InteractionAnswer['body']> {
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const answer = await this.handle.execute({ rawBody, timestamp, signature });
    return answer.body;
  }
}
