import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { z } from 'zod';
import { parseBody } from '@countersign/platform/nest';
import { RedeemGrant, type RedeemedGrant } from './redeem-grant.use-case.js';

const RedeemGrantRequest = z.strictObject({
  grant: z.string().min(1).max(8192),
  audience: z.string().min(1).max(512),
});

@Controller('v1/grants')
export class RedeemGrantController {
  constructor(@Inject(RedeemGrant) private readonly redeemGrant: RedeemGrant) {}

  @Post('redeem')
  @HttpCode(200)
  async redeem(@Body() body: unknown): Promise<RedeemedGrant> {
    const { grant, audience } = parseBody(RedeemGrantRequest, body);
    return this.redeemGrant.execute(grant, audience);
  }
}
