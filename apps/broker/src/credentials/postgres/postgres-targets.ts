import { readFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import picomatch from 'picomatch';
import { z } from 'zod';

const isPostgresUrl = (value: string) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.pathname.length > 1;
  } catch {
    return false;
  }
};
// Messages never quote the value: it holds the admin password.
const PgUrl = z.string().refine(isPostgresUrl, 'must be a postgres://user:password@host:port/database URL');

const TargetSpec = z.union([
  PgUrl.transform((url) => ({ url, clientUrl: undefined })),
  z.strictObject({
    /** Admin connection to the target database: creates, enables and drops the roles. */
    url: PgUrl,
    /** What requesters connect to, if not the admin URL's host, port and database (a proxy, a DNS name). */
    clientUrl: PgUrl.optional(),
  }),
]);

/** `{"<resource kind:env/id, exact or glob>": "<admin url>" | {url, clientUrl?}}`; the first match wins. */
const RESOURCE_PATTERN = /^[^\s:]+:[^\s/]+\/\S+$/;

export const PgTargetsJson = z.record(z.string(), TargetSpec).superRefine((targets, ctx) => {
  if (Object.keys(targets).length === 0) ctx.addIssue({ code: 'custom', message: 'names no target' });
  for (const key of Object.keys(targets)) {
    if (!RESOURCE_PATTERN.test(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'keys are resources as kind:env/id, globs allowed (db:prod/orders*)' });
    }
  }
});
export type PgTargetsJson = z.infer<typeof PgTargetsJson>;

const GLOB_CHARS = /[*?[\]{}()!+@]/;

/**
 * One Postgres database the broker mints roles in. The admin URL is a private field and the object
 * prints as its name only, so that logging a target (or an error holding one) cannot leak the password.
 */
export class PgTarget {
  readonly #adminUrl: string;
  readonly #clientUrl: string;
  private readonly test: (resource: string) => boolean;

  constructor(
    /** The configured key, e.g. `db:prod/orders*`: how logs and errors name the target. */
    readonly name: string,
    spec: { url: string; clientUrl?: string | undefined },
  ) {
    this.#adminUrl = spec.url;
    this.#clientUrl = spec.clientUrl ?? spec.url;
    if (GLOB_CHARS.test(name)) {
      const re = picomatch.makeRe(name, { dot: true });
      this.test = (r) => re.test(r);
    } else {
      this.test = (r) => r === name;
    }
  }

  matches(resourceName: string): boolean {
    return this.test(resourceName);
  }

  get adminUrl(): string {
    return this.#adminUrl;
  }

  /** The connection string handed to the requester: the client URL with the role and its password. */
  connectionString(role: string, password: string): string {
    const url = new URL(this.#clientUrl);
    url.username = role;
    url.password = password;
    return url.toString();
  }

  toJSON(): { name: string } {
    return { name: this.name };
  }

  [inspect.custom](): string {
    return `PgTarget(${this.name})`;
  }
}

export class PgTargets {
  constructor(readonly all: readonly PgTarget[]) {}

  static from(json: PgTargetsJson | undefined): PgTargets {
    return new PgTargets(Object.entries(json ?? {}).map(([name, spec]) => new PgTarget(name, spec)));
  }

  /** BROKER_PG_TARGETS_FILE, parsed like BROKER_PG_TARGETS; problems name the variable, never a URL. */
  static async fromFile(path: string): Promise<PgTargets> {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? 'not valid JSON';
      throw new Error(`BROKER_PG_TARGETS_FILE: cannot read ${path} (${why})`);
    }
    const parsed = PgTargetsJson.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
      throw new Error(`BROKER_PG_TARGETS_FILE: ${path}: ${problems}`);
    }
    return PgTargets.from(parsed.data);
  }

  get size(): number {
    return this.all.length;
  }

  /** The first target whose pattern matches `kind:env/id`. */
  find(resourceName: string): PgTarget | undefined {
    return this.all.find((t) => t.matches(resourceName));
  }
}
