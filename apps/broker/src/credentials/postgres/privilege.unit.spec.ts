import { describe, expect, it } from 'vitest';
import { CredentialError } from '../credential-provider.js';
import { requestedPrivilege } from './privilege.js';

const refusal = (args: Record<string, unknown>) => {
  try {
    requestedPrivilege(args);
    return 'accepted';
  } catch (e) {
    return e instanceof CredentialError ? e.reason : String(e);
  }
};

describe('requestedPrivilege', () => {
  it('reads one table or one function from the arguments, literally (no case folding)', () => {
    expect(requestedPrivilege({ table: 'orders', sql: 'ignored' })).toEqual({ kind: 'table', schema: 'public', name: 'orders' });
    expect(requestedPrivilege({ table: 'Sales.Q4 Orders' })).toEqual({ kind: 'table', schema: 'Sales', name: 'Q4 Orders' });
    expect(requestedPrivilege({ function: 'refresh' })).toEqual({ kind: 'function', schema: 'public', name: 'refresh', argTypes: undefined });
    expect(requestedPrivilege({ function: 'ops.refresh(integer, text)' })).toEqual({ kind: 'function', schema: 'ops', name: 'refresh', argTypes: 'integer, text' });
    expect(requestedPrivilege({ function: 'ops.vacuum_all()' })).toEqual({ kind: 'function', schema: 'ops', name: 'vacuum_all', argTypes: '' });
  });

  it('refuses anything but exactly one well-formed name', () => {
    for (const args of [{}, { table: 'a', function: 'b' }, { table: 'a.b.c' }, { table: '' }, { table: 'x'.repeat(64) }, { table: 3 }, { function: 'f(a)(b)' }, { function: 'f(int); drop table t' }]) {
      expect([args, refusal(args)]).toEqual([args, 'refused']);
    }
  });
});
