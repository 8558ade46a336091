import canonicalizeModule from 'canonicalize';

// canonicalize 2.x is CommonJS (`module.exports = fn`) but its typings declare an ES default export,
// which NodeNext reads as a namespace. At run time the default import is the function itself.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** RFC 8785 (JSON Canonicalization Scheme) text of a JSON value. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value is not serialisable as JSON');
  return text;
}
