import { Controller, Get, Inject, Param, Query, Res, UseGuards } from '@nestjs/common';
import { IntentState } from '@countersign/contracts';
import type { VerifiedIdentity } from '@countersign/platform/auth';
import { z } from 'zod';
import { BearerAuthGuard, CurrentIdentity } from '../../auth/bearer-auth.guard.js';
import { fieldIssues, validationFailed } from '../../errors/intake-error.js';
import { GetIntent } from './get-intent.use-case.js';

export const MAX_WAIT_SECONDS = 60;

const GetIntentParams = z.object({
  id: z.uuid(),
  wait: z.coerce.number().min(0).max(MAX_WAIT_SECONDS).default(0),
  state: IntentState.optional(),
});

/** Fastify's reply; its node response (`raw`) reports the client hanging up. */
interface ClosableResponse {
  raw: { once(event: 'close', listener: () => void): unknown };
}

@Controller('v1/intents')
@UseGuards(BearerAuthGuard)
export class GetIntentController {
  constructor(@Inject(GetIntent) private readonly getIntent: GetIntent) {}

  @Get(':id')
  async get(
    @CurrentIdentity() identity: VerifiedIdentity,
    @Param('id') id: string,
    @Query('wait') wait: unknown,
    @Query('state') state: unknown,
    @Res({ passthrough: true }) res: ClosableResponse,
  ) {
    const parsed = GetIntentParams.safeParse({ id, wait, state });
    if (!parsed.success) throw validationFailed(fieldIssues(parsed.error.issues), 'request');
    const aborted = new AbortController();
    // 'close' on the response fires when the client hangs up mid-wait (and harmlessly after we answer).
    res.raw.once('close', () => aborted.abort());
    return this.getIntent.execute({
      id: parsed.data.id,
      identity,
      waitSeconds: parsed.data.wait,
      lastSeenState: parsed.data.state,
      signal: aborted.signal,
    });
  }
}
