import { CredentialError } from '../credential-provider.js';

/** What a database credential may do: read one table, or execute one function. */
export type RequestedPrivilege =
  | { kind: 'table'; schema: string; name: string }
  | { kind: 'function'; schema: string; name: string; argTypes: string | undefined };

const MAX_IDENTIFIER = 63;
const FUNCTION_REF = /^(?:([^.()]+)\.)?([^.()]+)(?:\(([^()]*)\))?$/;

function identifier(value: string): string {
  if (value.length === 0 || Buffer.byteLength(value) > MAX_IDENTIFIER || value.includes('\0')) {
    throw new CredentialError('refused', 'the intent names an invalid identifier');
  }
  return value;
}

/**
 * The one privilege the intent's arguments name: `args.table` (`table` or `schema.table`) or
 * `args.function` (`fn`, `schema.fn` or `schema.fn(argtypes)`). Names are taken literally, as the
 * catalog spells them (no case folding); whether they exist is the target's to say.
 */
export function requestedPrivilege(args: Record<string, unknown>): RequestedPrivilege {
  const table = args['table'];
  const fn = args['function'];
  if ((table === undefined) === (fn === undefined)) {
    throw new CredentialError('refused', 'a database credential needs exactly one of args.table or args.function');
  }
  if (typeof table === 'string') {
    const parts = table.split('.');
    if (parts.length > 2) throw new CredentialError('refused', 'args.table must be table or schema.table');
    const [schema, name] = parts.length === 2 ? parts : ['public', table];
    return { kind: 'table', schema: identifier(schema ?? ''), name: identifier(name ?? '') };
  }
  if (typeof fn === 'string') {
    const m = FUNCTION_REF.exec(fn.trim());
    if (!m) throw new CredentialError('refused', 'args.function must be fn, schema.fn or schema.fn(argtypes)');
    return { kind: 'function', schema: identifier(m[1] ?? 'public'), name: identifier(m[2] ?? ''), argTypes: m[3]?.trim() };
  }
  throw new CredentialError('refused', 'args.table and args.function must be strings');
}
