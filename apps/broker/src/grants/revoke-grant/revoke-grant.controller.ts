import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import type { RevokedGrantResponse } from '@countersign/contracts';
import { TokenVerifier } from '@countersign/platform/auth';
import { parseBody } from '@countersign/platform/nest';
import { z } from 'zod';
import { RevokeGrant } from './revoke-grant.use-case.js';

const RevokeGrantRequest = z.strictObject({
  intentId: z.uuid(),
  reason: z.string().trim().min(1, 'a reason is required').max(2000),
});

@Controller('v1/grants')
export class RevokeGrantController {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(RevokeGrant) private readonly revokeGrant: RevokeGrant,
  ) {}

  @Post('revoke')
  @HttpCode(200)
  async revoke(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<RevokedGrantResponse> {
    const identity = await this.verifier.verifyBearer(authorization);
    const { intentId, reason } = parseBody(RevokeGrantRequest, body);
    return this.revokeGrant.execute(identity, intentId, reason);
  }
}
