import { readFile } from 'node:fs/promises';
import { ActorKind } from '@countersign/contracts';
import { parse } from 'yaml';
import { z } from 'zod';

export const DemoIdentity = z.strictObject({
  /** The name used on the command line; also the token subject unless `subject` is given. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
  subject: z.string().min(1).max(256).optional(),
  kind: ActorKind.default('user'),
  groups: z.array(z.string().min(1).max(128)).max(64).default([]),
  owner: z.string().min(1).max(256).optional(),
  scopes: z.array(z.string().regex(/^\S+$/)).default([]),
});
export type DemoIdentity = z.infer<typeof DemoIdentity>;

const DemoIdentitiesFile = z.strictObject({
  identities: z.array(DemoIdentity).min(1),
});

/** Reads and validates a demo identities YAML file; names must be unique. */
export async function loadDemoIdentities(file: string): Promise<DemoIdentity[]> {
  const raw: unknown = parse(await readFile(file, 'utf8'));
  const parsed = DemoIdentitiesFile.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${file}: invalid demo identities\n  - ${problems.join('\n  - ')}`);
  }
  const seen = new Set<string>();
  for (const identity of parsed.data.identities) {
    if (seen.has(identity.name)) throw new Error(`${file}: duplicate identity ${identity.name}`);
    seen.add(identity.name);
  }
  return parsed.data.identities;
}
