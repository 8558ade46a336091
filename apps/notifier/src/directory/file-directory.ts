import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { Directory, type DirectoryIdentity } from './directory.js';

const SlackAccount = z.strictObject({
  team: z.string().regex(/^[A-Z0-9]+$/, 'a Slack team id such as T0123ABCD'),
  user: z.string().regex(/^[A-Z0-9]+$/, 'a Slack user id such as U0123ABCD'),
});

const Person = z.strictObject({
  subject: z.string().min(1).max(256),
  /** Defaults to the file's `issuer`. */
  issuer: z.string().min(1).max(512).optional(),
  groups: z.array(z.string().min(1).max(128)).max(64).default([]),
  slack: z.array(SlackAccount).default([]),
});

const DirectoryFile = z.strictObject({
  issuer: z.string().min(1).max(512),
  people: z.array(Person).min(1),
});

/** The demo directory: a YAML file read once at boot (see config/demo-directory.yaml). */
export class FileDirectory extends Directory {
  private constructor(private readonly bySlackUser: ReadonlyMap<string, DirectoryIdentity>) {
    super();
  }

  static async load(file: string): Promise<FileDirectory> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new Error(`NOTIFIER_DIRECTORY_FILE ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    return FileDirectory.parse(text, file);
  }

  static parse(text: string, file = '(directory)'): FileDirectory {
    const parsed = DirectoryFile.safeParse(parse(text));
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new Error(`${file}: invalid directory\n  - ${problems.join('\n  - ')}`);
    }
    const map = new Map<string, DirectoryIdentity>();
    for (const p of parsed.data.people) {
      const identity = { subject: p.subject, issuer: p.issuer ?? parsed.data.issuer, groups: p.groups };
      for (const a of p.slack) {
        const key = `${a.team}/${a.user}`;
        // One chat account voting as two people would defeat the distinct-approver rule.
        if (map.has(key)) throw new Error(`${file}: Slack account ${key} is mapped twice`);
        map.set(key, identity);
      }
    }
    return new FileDirectory(map);
  }

  async findSlackUser(team: string, user: string): Promise<DirectoryIdentity | undefined> {
    return this.bySlackUser.get(`${team}/${user}`);
  }
}
