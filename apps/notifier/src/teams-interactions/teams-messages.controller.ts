import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { HandleTeamsActivity, type InvokeResponse } from './handle-teams-activity.use-case.js';

export const TEAMS_MESSAGES_PATH = 'v1/teams/messages';

/** The bot's messaging endpoint (Azure Bot resource → Configuration → Messaging endpoint). */
@Controller(TEAMS_MESSAGES_PATH)
export class TeamsMessagesController {
  constructor(private readonly handle: HandleTeamsActivity) {}

  @Post()
  @HttpCode(200)
  async receive(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<InvokeResponse | undefined> {
    const answer = await this.handle.execute(authorization, body);
    return answer.body;
  }
}
