import { Body, Controller, Header, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { SubmitIntentRequest } from '@countersign/contracts';
import type { Explanation } from '@countersign/domain';
import { requireScope, TokenVerifier } from '@countersign/platform/auth';
import { parseBody } from '@countersign/platform/nest';
import { ExplainIntent } from './explain-intent.use-case.js';

export const EXPLAIN_SCOPE = 'policy:explain';

@Controller('v1/policy')
export class ExplainIntentController {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(ExplainIntent) private readonly explainIntent: ExplainIntent,
  ) {}

  /** The body is what POST /v1/intents takes; the requester is the token's subject, as it would be there. */
  @Post('explain')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async explain(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<Explanation> {
    const identity = await this.verifier.verifyBearer(authorization);
    requireScope(identity, EXPLAIN_SCOPE);
    return this.explainIntent.execute(identity, parseBody(SubmitIntentRequest, body));
  }
}
