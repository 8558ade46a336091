import { Body, Controller, HttpCode, Inject, Param, Post, Res, UseGuards } from '@nestjs/common';
import { WithdrawIntentRequest } from '@countersign/contracts';
import type { VerifiedIdentity } from '@countersign/platform/auth';
import { z } from 'zod';
import { BearerAuthGuard, CurrentIdentity, RequireScopes } from '../../auth/bearer-auth.guard.js';
import { fieldIssues, validationFailed } from '../../errors/intake-error.js';
import { WithdrawIntent } from './withdraw-intent.use-case.js';

const IntentId = z.uuid();

interface StatusResponse {
  status(code: number): unknown;
}

@Controller('v1/intents')
@UseGuards(BearerAuthGuard)
export class WithdrawIntentController {
  constructor(@Inject(WithdrawIntent) private readonly withdrawIntent: WithdrawIntent) {}

  /** 200 withdrawn; 202 when the withdrawal is published but not applied yet; 409 INTENT_DECIDED. */
  @Post(':id/withdraw')
  @HttpCode(200)
  @RequireScopes('intents:write')
  async withdraw(
    @CurrentIdentity() identity: VerifiedIdentity,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: StatusResponse,
  ) {
    const parsedId = IntentId.safeParse(id);
    if (!parsedId.success) throw validationFailed([{ path: 'id', message: 'must be a UUID' }], 'request');
    const parsed = WithdrawIntentRequest.safeParse(body ?? {});
    if (!parsed.success) throw validationFailed(fieldIssues(parsed.error.issues), 'withdrawal');
    const result = await this.withdrawIntent.execute({ id: parsedId.data, identity, reason: parsed.data.reason });
    if (!result.settled) res.status(202);
    return result.view;
  }
}
