import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { intentHash } from './intent-hash.js';

const base = {
  action: 'db.export',
  resource: { kind: 'db', id: 'customers', env: 'prod', tags: ['pii'] },
  args: { table: 'customers', limit: 10, filter: { country: 'DE', active: true } },
};

describe('intent hash', () => {
  it('is the SHA-256 of the RFC 8785 canonical form (a pinned value)', () => {
    // Pinned so that a change of canonicalisation or hashed fields is a deliberate, visible break:
    // every approval and grant in a running system is bound to this value. The expected value was
    // computed independently (Python: sorted keys, compact separators, which equals JCS for this input).
    expect(intentHash(base)).toBe('7211dbf66712b11414c2a7ab0aa4373be9ddd1deb67bea4b4c0541125f19fd82');
  });

  it('does not depend on key order', () => {
    const reordered = {
      args: { filter: { active: true, country: 'DE' }, limit: 10, table: 'customers' },
      resource: { tags: ['pii'], env: 'prod', id: 'customers', kind: 'db' },
      action: 'db.export',
    };
    expect(intentHash(reordered)).toBe(intentHash(base));
  });

  it('changes when any bound field changes', () => {
    const h = intentHash(base);
    expect(intentHash({ ...base, action: 'db.query' })).not.toBe(h);
    expect(intentHash({ ...base, resource: { ...base.resource, env: 'staging' } })).not.toBe(h);
    expect(intentHash({ ...base, args: { ...base.args, limit: 11 } })).not.toBe(h);
  });

  it('ignores fields outside action, resource and args', () => {
    const withExtras = { ...base, justification: 'x', requester: { subject: 'a' } };
    expect(intentHash(withExtras)).toBe(intentHash(base));
  });

  it('canonicalises numbers and unicode as RFC 8785 says', () => {
    expect(canonicalJson({ b: 1e21, a: 'é', c: 1.0 })).toBe('{"a":"é","b":1e+21,"c":1}');
  });
});
