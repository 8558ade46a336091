import { createHash } from 'node:crypto';
import type { Intent } from '@countersign/contracts';
import { canonicalJson } from './canonical-json.js';

export type HashedPart = Pick<Intent, 'action' | 'resource' | 'args'>;

/**
 * SHA-256 over the RFC 8785 canonical JSON of action, resource and args. Approvals and grants are bound
 * to this value, so it must not depend on key order or on anything the requester cannot see (requester,
 * justification and dedupe key are deliberately left out).
 */
export function intentHash(intent: HashedPart): string {
  const canonical = canonicalJson({ action: intent.action, resource: intent.resource, args: intent.args });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
