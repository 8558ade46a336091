import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { generateAuthenticationOptions, verifyAuthenticationResponse, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type pg from 'pg';
import type { z } from 'zod';
import type { VoteDecision } from '@countersign/contracts';
import { stepUpChallenge, type StepUpCheck } from '@countersign/domain';
import type { VerifiedIdentity } from '@countersign/platform/auth';
import { inTransaction } from '@countersign/platform/db';
import { ApiError, PG_POOL } from '@countersign/platform/nest';
import { Clock } from '@countersign/platform/runtime';
import { ownerOf, passkeyStore } from '../../passkeys/passkey-store.js';
import { asAssertionJson, challengeOf, type AssertionCredential } from '../../passkeys/webauthn-json.js';
import { WEBAUTHN_SETTINGS, type WebauthnSettings } from '../../passkeys/webauthn-settings.js';
import { reviewStore } from '../review-store.js';

/** The random part of step-up challenges, injectable so that tests can pin it. */
export abstract class StepUpNonces {
  abstract next(): string;
}
export class RandomStepUpNonces extends StepUpNonces {
  next(): string {
    return randomBytes(18).toString('base64url');
  }
}

export interface StepUpOptions {
  publicKey: PublicKeyCredentialRequestOptionsJSON;
  /** What the challenge binds, so that the page (and anyone) can show what is being signed. */
  binding: { reviewId: string; intentHash: string; decision: VoteDecision; nonce: string };
}

const invalid = (reason: string): StepUpCheck => ({ kind: 'failed', code: 'PASSKEY_INVALID', reason });

/**
 * Step-up for votes on `stepUp` reviews: a one-time WebAuthn challenge that is the hash of the review,
 * its intent hash, the decision and a nonce (libs/domain `stepUpChallenge`), and the check of the
 * assertion answering it. The check's verdict is what decideVote reads; it never throws for a bad proof.
 */
@Injectable()
export class StepUp {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(StepUpNonces) private readonly nonces: StepUpNonces,
    @Inject(WEBAUTHN_SETTINGS) private readonly settings: WebauthnSettings,
  ) {}

  async options(identity: VerifiedIdentity, reviewId: string, decision: VoteDecision): Promise<StepUpOptions> {
    const owner = ownerOf(identity);
    const review = await inTransaction(this.pool, (client) => reviewStore.find(client, reviewId));
    if (!review) throw new ApiError('REVIEW_NOT_FOUND', 404, 'no review with this id');
    const passkeys = await passkeyStore.listOf(this.pool, owner);
    if (passkeys.length === 0) throw new ApiError('PASSKEY_NOT_REGISTERED', 409, 'register a passkey first (POST /v1/passkeys)');
    const binding = { reviewId, intentHash: review.snapshot.intentHash, decision, nonce: this.nonces.next() };
    const challenge = stepUpChallenge(binding);
    const publicKey = await generateAuthenticationOptions({
      rpID: this.settings.rpId,
      challenge: Buffer.from(challenge, 'base64url'),
      allowCredentials: passkeys.map((p) => ({ id: p.credentialId })),
      userVerification: 'required',
      timeout: this.settings.challengeTtlSeconds * 1000,
    });
    const now = this.clock.now();
    await passkeyStore.saveChallenge(
      this.pool,
      { challenge, purpose: 'step_up', ...owner, reviewId, decision, nonce: binding.nonce },
      new Date(now.getTime() + this.settings.challengeTtlSeconds * 1000),
      now,
    );
    return { publicKey, binding };
  }

  /**
   * Counts only a fresh sign-in, a challenge of this voter for this review and decision (consumed, so
   * a replay fails), that still matches the review's intent hash, answered by one of the voter's own
   * passkeys with user verification and a valid signature.
   */
  async check(identity: VerifiedIdentity, reviewId: string, decision: VoteDecision, credential: z.infer<typeof AssertionCredential>): Promise<StepUpCheck> {
    const owner = ownerOf(identity);
    const now = this.clock.now();
    const authTime = identity.authTime;
    if (!authTime || now.getTime() - authTime.getTime() > this.settings.stepUpMaxAgeSeconds * 1000) {
      const age = authTime ? `${Math.round((now.getTime() - authTime.getTime()) / 1000)} s ago` : 'at an unknown time (no auth_time in the token)';
      return { kind: 'failed', code: 'STEP_UP_STALE_LOGIN', reason: `a step-up vote needs a sign-in within ${this.settings.stepUpMaxAgeSeconds} s; this one was ${age}` };
    }
    const challenge = challengeOf(credential.response.clientDataJSON);
    const stored = challenge ? await passkeyStore.consumeChallenge(this.pool, challenge, 'step_up', owner, now) : undefined;
    if (!stored || !stored.nonce) return invalid('the assertion answers no open step-up challenge of yours (expired, already used, or never issued)');
    if (stored.reviewId !== reviewId || stored.decision !== decision) return invalid('the challenge was issued for another review or decision');
    const review = await inTransaction(this.pool, (client) => reviewStore.find(client, reviewId));
    if (!review || stepUpChallenge({ reviewId, intentHash: review.snapshot.intentHash, decision, nonce: stored.nonce }) !== stored.challenge) {
      return invalid('the challenge no longer matches the review and its intent hash');
    }
    const passkey = await passkeyStore.findOwned(this.pool, owner, credential.id);
    if (!passkey) return invalid('the assertion was made with a passkey that is not registered to you');
    try {
      const verified = await verifyAuthenticationResponse({
        response: asAssertionJson(credential),
        expectedChallenge: stored.challenge,
        expectedOrigin: this.settings.origins,
        expectedRPID: this.settings.rpId,
        credential: { id: passkey.credentialId, publicKey: passkey.publicKey, counter: passkey.signCount },
        requireUserVerification: true,
      });
      if (!verified.verified) return invalid('the passkey signature does not verify');
      await passkeyStore.markUsed(this.pool, passkey.credentialId, verified.authenticationInfo.newCounter, now);
    } catch (error) {
      return invalid(`the assertion does not verify: ${error instanceof Error ? error.message : 'unknown reason'}`);
    }
    const r = credential.response;
    return {
      kind: 'verified',
      assertion: {
        credentialId: credential.id,
        authenticatorData: r.authenticatorData,
        clientDataJSON: r.clientDataJSON,
        signature: r.signature,
        ...(r.userHandle ? { userHandle: r.userHandle } : {}),
        nonce: stored.nonce,
        authTime: authTime.toISOString(),
      },
    };
  }
}
