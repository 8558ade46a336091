/** A JSON field of a posted form (a WebAuthn credential); undefined when it is not valid JSON. */
export function formJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
