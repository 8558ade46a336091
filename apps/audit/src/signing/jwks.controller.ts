import { Controller, Get, Header } from '@nestjs/common';
import type { JWK } from '@countersign/platform/crypto';
import { AuditSigningKey } from './audit-signing-key.js';

/** Public: verifiers of exported evidence fetch the entry-signing keys here. */
@Controller('.well-known')
export class JwksController {
  constructor(private readonly signing: AuditSigningKey) {}

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks(): { keys: JWK[] } {
    return this.signing.jwks();
  }
}
