import { Injectable } from '@nestjs/common';
import { ForbiddenError, TokenVerifier, type VerifiedIdentity } from '@countersign/platform/auth';

export const AUDITORS_GROUP = 'auditors';
export const AUDIT_READ_SCOPE = 'audit:read';

/**
 * Who may read the audit log: members of `auditors` or holders of `audit:read` (an export job).
 * Requesters reading their own intent's trail go through intake's read model, not here.
 */
@Injectable()
export class AuditorAccess {
  constructor(private readonly verifier: TokenVerifier) {}

  async authorize(authorization: string | undefined): Promise<VerifiedIdentity> {
    const identity = await this.verifier.verifyBearer(authorization);
    const { groups } = identity.requester;
    if (groups.includes(AUDITORS_GROUP) || identity.scopes.includes(AUDIT_READ_SCOPE)) return identity;
    throw new ForbiddenError('AUDITOR_REQUIRED', `requires group ${AUDITORS_GROUP} or scope ${AUDIT_READ_SCOPE}`);
  }
}
