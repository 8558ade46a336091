import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { JWK } from '@countersign/platform/crypto';
import { GrantKeys } from '../grant-keys.js';

/** Targets fetch this to verify grants offline (the redeem call is still what makes a grant single-use). */
@Controller('.well-known')
export class JwksController {
  constructor(@Inject(GrantKeys) private readonly keys: GrantKeys) {}

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks(): { keys: JWK[] } {
    return this.keys.jwks();
  }
}
