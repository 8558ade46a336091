import { Body, Controller, Get, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { requireScope, TokenVerifier } from '@countersign/platform/auth';
import { parseBody, PG_POOL } from '@countersign/platform/nest';
import type pg from 'pg';
import { z } from 'zod';
import { ownerOf, passkeyStore } from '../passkey-store.js';
import { RegistrationCredential } from '../webauthn-json.js';
import { RegisterPasskey, type RegisteredPasskey } from './register-passkey.use-case.js';

/** Passkeys are for step-up votes: only approvers register them. */
const PASSKEY_SCOPE = 'reviews:vote';
const RegisterBody = z.strictObject({ credential: RegistrationCredential });

/** The caller's own passkeys, always: the owner is the token's subject and issuer, never the body. */
@Controller('v1/passkeys')
export class PasskeysController {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(RegisterPasskey) private readonly registerPasskey: RegisterPasskey,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {}

  @Get()
  async list(@Headers('authorization') authorization: string | undefined): Promise<{ passkeys: Array<{ credentialId: string; createdAt: string; lastUsedAt: string | null }> }> {
    const identity = await this.verifier.verifyBearer(authorization);
    requireScope(identity, PASSKEY_SCOPE);
    const found = await passkeyStore.listOf(this.pool, ownerOf(identity));
    return { passkeys: found.map((p) => ({ credentialId: p.credentialId, createdAt: p.createdAt.toISOString(), lastUsedAt: p.lastUsedAt?.toISOString() ?? null })) };
  }

  @Post('registration-options')
  @HttpCode(200)
  async options(@Headers('authorization') authorization: string | undefined): Promise<unknown> {
    const identity = await this.verifier.verifyBearer(authorization);
    requireScope(identity, PASSKEY_SCOPE);
    return this.registerPasskey.options(identity);
  }

  @Post()
  @HttpCode(201)
  async register(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<RegisteredPasskey> {
    const identity = await this.verifier.verifyBearer(authorization);
    requireScope(identity, PASSKEY_SCOPE);
    return this.registerPasskey.register(identity, parseBody(RegisterBody, body).credential);
  }
}
