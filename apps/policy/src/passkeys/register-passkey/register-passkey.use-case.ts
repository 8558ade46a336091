import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { generateRegistrationOptions, verifyRegistrationResponse, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { cose, decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import type pg from 'pg';
import type { z } from 'zod';
import { createEvent, PasskeyRegisteredV1, type CountersignEvent } from '@countersign/contracts';
import type { VerifiedIdentity } from '@countersign/platform/auth';
import { inTransaction, PgOutbox } from '@countersign/platform/db';
import { ApiError, PG_POOL } from '@countersign/platform/nest';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import { ownerOf, passkeyStore } from '../passkey-store.js';
import { asRegistrationJson, challengeOf, type RegistrationCredential } from '../webauthn-json.js';
import { WEBAUTHN_SETTINGS, type WebauthnSettings } from '../webauthn-settings.js';

export interface RegisteredPasskey {
  credentialId: string;
  createdAt: string;
}


/**
 * Registers a passkey for the caller (never anyone else: the owner is the token's subject and issuer).
 * Options carry a stored one-time challenge; the answer is verified by simplewebauthn against it, the
 * RP id and the console's origins, with user verification required. The passkey and its
 * `passkey.registered` event (with the public key, for offline checks) commit together.
 */
@Injectable()
export class RegisterPasskey {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(PgOutbox) private readonly outbox: PgOutbox,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdGenerator) private readonly ids: IdGenerator,
    @Inject(WEBAUTHN_SETTINGS) private readonly settings: WebauthnSettings,
  ) {}

  async options(identity: VerifiedIdentity): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const owner = ownerOf(identity);
    const existing = await passkeyStore.listOf(this.pool, owner);
    const options = await generateRegistrationOptions({
      rpName: this.settings.rpName,
      rpID: this.settings.rpId,
      userName: owner.subject,
      // Stable per person and issuer, and reveals neither.
      userID: new Uint8Array(createHash('sha256').update(`${owner.issuer}\n${owner.subject}`).digest()),
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credentialId })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      supportedAlgorithmIDs: [-7, -8, -257],
      timeout: this.settings.challengeTtlSeconds * 1000,
    });
    const now = this.clock.now();
    await passkeyStore.saveChallenge(
      this.pool,
      { challenge: options.challenge, purpose: 'register', ...owner, reviewId: null, decision: null, nonce: null },
      new Date(now.getTime() + this.settings.challengeTtlSeconds * 1000),
      now,
    );
    return options;
  }

  async register(identity: VerifiedIdentity, credential: z.infer<typeof RegistrationCredential>): Promise<RegisteredPasskey> {
    const owner = ownerOf(identity);
    const now = this.clock.now();
    // A stolen session must not be able to add its own passkey: registering wants a recent sign-in too.
    if (!identity.authTime || now.getTime() - identity.authTime.getTime() > this.settings.stepUpMaxAgeSeconds * 1000) {
      throw new ApiError('STEP_UP_STALE_LOGIN', 403, `registering a passkey needs a sign-in within ${this.settings.stepUpMaxAgeSeconds} s; sign in again`);
    }
    const challenge = challengeOf(credential.response.clientDataJSON);
    const stored = challenge ? await passkeyStore.consumeChallenge(this.pool, challenge, 'register', owner, now) : undefined;
    if (!stored) throw new ApiError('PASSKEY_CHALLENGE_UNKNOWN', 400, 'the registration answers no open challenge of yours (expired, used, or never issued): ask for new options');
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({
        response: asRegistrationJson(credential),
        expectedChallenge: stored.challenge,
        expectedOrigin: this.settings.origins,
        expectedRPID: this.settings.rpId,
        requireUserVerification: true,
        supportedAlgorithmIDs: [-7, -8, -257],
      });
    } catch (error) {
      throw new ApiError('PASSKEY_INVALID', 400, `the passkey registration does not verify: ${error instanceof Error ? error.message : 'unknown reason'}`);
    }
    if (!verified.verified) throw new ApiError('PASSKEY_INVALID', 400, 'the passkey registration does not verify');
    const info = verified.registrationInfo;
    const algorithm = Number(decodeCredentialPublicKey(info.credential.publicKey).get(cose.COSEKEYS.alg));
    const event = createEvent(PasskeyRegisteredV1, {
      id: this.ids.next(),
      occurredAt: now,
      intentId: null,
      actor: { kind: identity.requester.kind, id: owner.subject, issuer: owner.issuer },
      data: {
        owner,
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
        algorithm,
        aaguid: info.aaguid,
        userVerified: info.userVerified,
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        rpId: info.rpID ?? this.settings.rpId,
        origin: info.origin,
      },
    });
    const events: CountersignEvent[] = [event];
    await inTransaction(this.pool, async (client) => {
      const fresh = await passkeyStore.insert(client, owner, {
        credentialId: info.credential.id,
        publicKey: info.credential.publicKey,
        signCount: info.credential.counter,
        transports: info.credential.transports ?? [],
      });
      if (!fresh) throw new ApiError('PASSKEY_EXISTS', 409, 'this passkey is already registered');
      await this.outbox.write(client, events);
    });
    await this.outbox.publish(this.pool, events);
    return { credentialId: info.credential.id, createdAt: now.toISOString() };
  }
}
