import { Body, Controller, Headers, HttpCode, Inject, Post, Res, UseGuards } from '@nestjs/common';
import { SubmitIntentRequest } from '@countersign/contracts';
import type { VerifiedIdentity } from '@countersign/platform/auth';
import { BearerAuthGuard, CurrentIdentity, RequireScopes } from '../../auth/bearer-auth.guard.js';
import { fieldIssues, IntakeError, validationFailed } from '../../errors/intake-error.js';
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from './idempotency.js';
import { SubmitIntent } from './submit-intent.use-case.js';

interface StatusResponse {
  status(code: number): unknown;
}

@Controller('v1/intents')
@UseGuards(BearerAuthGuard)
export class SubmitIntentController {
  constructor(@Inject(SubmitIntent) private readonly submitIntent: SubmitIntent) {}

  @Post()
  @HttpCode(202)
  @RequireScopes('intents:write')
  async submit(
    @CurrentIdentity() identity: VerifiedIdentity,
    @Body() body: unknown,
    @Headers(IDEMPOTENCY_KEY_HEADER) keyHeader: string | undefined,
    @Res({ passthrough: true }) res: StatusResponse,
  ) {
    const idempotencyKey = parseIdempotencyKey(keyHeader);
    if (body === undefined || body === null || typeof body !== 'object') {
      throw new IntakeError('INVALID_JSON', 'send a JSON object with Content-Type: application/json');
    }
    const parsed = SubmitIntentRequest.safeParse(body);
    if (!parsed.success) throw validationFailed(fieldIssues(parsed.error.issues), 'intent');

    const { created, row } = await this.submitIntent.execute({
      request: parsed.data,
      requester: identity.requester,
      idempotencyKey,
    });
    if (!created) res.status(200);
    return {
      id: row.id,
      state: row.state,
      intentHash: row.intentHash,
      links: { self: `/v1/intents/${row.id}`, wait: `/v1/intents/${row.id}?wait=30` },
    };
  }
}
