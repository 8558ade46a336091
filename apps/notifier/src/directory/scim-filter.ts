/**
 * A SCIM filter comparison value (RFC 7644 §3.4.2.2): a JSON string literal, so `"` and `\` are escaped
 * and control characters are \u-escaped. Whatever a chat account's e-mail holds (a quote, a backslash,
 * `" or userName pr`), it stays one value and cannot change the filter.
 */
export function scimString(value: string): string {
  return JSON.stringify(value);
}

/** `<attribute> eq "<value>"` with the value escaped. The attribute is ours (a constant), never the caller's. */
export function scimEq(attribute: string, value: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_$-]*(\.[A-Za-z][A-Za-z0-9_$-]*)?$/.test(attribute)) throw new Error(`not a SCIM attribute path: ${attribute}`);
  return `${attribute} eq ${scimString(value)}`;
}
