import { SIGNED_BY_DIGEST } from '@countersign/contracts';
import { canonicalJson } from '@countersign/domain';
import { sha256Hex } from '../crypto/sha256.js';

type JsonObject = Record<string, unknown>;

/** Replaces the digested fields in a view; the stored audit record is this view, so its digest must be too. */
export interface WithheldDigest {
  /** Dotted paths of the fields the digest stands for, in digest order. */
  fields: string[];
  /** sha256 hex of RFC 8785 `[value of each field, null when absent]`. */
  sha256: string;
}

/**
 * The form of an envelope its service signature covers: the envelope without `signature`, and for types
 * listed in SIGNED_BY_DIGEST the listed fields replaced by one digest under a top-level `withheld`.
 * Audit stores exactly this view, so its signature verifies from the stored record alone; a consumer
 * holding the full event recomputes the digest, so a changed argument still breaks the signature.
 */
export function signedView(event: object): JsonObject {
  const { signature: _signature, ...rest } = event as JsonObject;
  const digest = SIGNED_BY_DIGEST[rest.type as keyof typeof SIGNED_BY_DIGEST];
  if (!digest) return rest;
  const parent = at(rest, digest.parent);
  if (!parent) return rest;
  const values = digest.fields.map((f) => parent[f] ?? null);
  const kept = Object.fromEntries(Object.entries(parent).filter(([k]) => !digest.fields.includes(k)));
  const withheld: WithheldDigest = {
    fields: digest.fields.map((f) => [...digest.parent, f].join('.')),
    sha256: sha256Hex(canonicalJson(values)),
  };
  return { ...replaceAt(rest, digest.parent, kept), withheld };
}

/** The exact bytes a service signs: RFC 8785 canonical JSON of the signed view. */
export function signingBytes(event: object): Buffer {
  return Buffer.from(canonicalJson(signedView(event)), 'utf8');
}

function at(obj: JsonObject, path: readonly string[]): JsonObject | undefined {
  let cur: unknown = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as JsonObject)[key];
  }
  return cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? (cur as JsonObject) : undefined;
}

function replaceAt(obj: JsonObject, path: readonly string[], value: JsonObject): JsonObject {
  const [head, ...tail] = path;
  if (head === undefined) return value;
  return { ...obj, [head]: replaceAt(obj[head] as JsonObject, tail, value) };
}
