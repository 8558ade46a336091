import { Body, Controller, Header, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { TokenVerifier } from '@countersign/platform/auth';
import { z } from 'zod';
import { parseBody } from '@countersign/platform/nest';
import { ClaimGrant, type ClaimedGrant } from './claim-grant.use-case.js';

const ClaimGrantRequest = z.strictObject({ intentId: z.uuid() });

@Controller('v1/grants')
export class ClaimGrantController {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(ClaimGrant) private readonly claimGrant: ClaimGrant,
  ) {}

  @Post('claim')
  @HttpCode(200)
  // The answer carries the grant: no cache may keep it.
  @Header('Cache-Control', 'no-store')
  async claim(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<ClaimedGrant> {
    const identity = await this.verifier.verifyBearer(authorization);
    const { intentId } = parseBody(ClaimGrantRequest, body);
    return this.claimGrant.execute(identity, intentId);
  }
}
