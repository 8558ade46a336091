import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { Directory, type DirectoryIdentity } from './directory.js';

const SlackAccount = z.strictObject({
  team: z.string().regex(/^[A-Z0-9]+$/, 'a Slack team id such as T0123ABCD'),
  user: z.string().regex(/^[A-Z0-9]+$/, 'a Slack user id such as U0123ABCD'),
});

/** Entra ID (Azure AD) ids are GUIDs; compared in lower case, as Teams may send either. */
const Guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47')
  .transform((v) => v.toLowerCase());

const TeamsAccount = z.strictObject({ tenant: Guid, aadObjectId: Guid });

const Person = z.strictObject({
  subject: z.string().min(1).max(256),
  /** Defaults to the file's `issuer`. */
  issuer: z.string().min(1).max(512).optional(),
  groups: z.array(z.string().min(1).max(128)).max(64).default([]),
  slack: z.array(SlackAccount).default([]),
  teams: z.array(TeamsAccount).default([]),
});

const DirectoryFile = z.strictObject({
  issuer: z.string().min(1).max(512),
  people: z.array(Person).min(1),
});

/** The demo directory: a YAML file read once at boot (see config/demo-directory.yaml). */
export class FileDirectory extends Directory {
  private constructor(
    private readonly bySlackUser: ReadonlyMap<string, DirectoryIdentity>,
    private readonly byTeamsUser: ReadonlyMap<string, DirectoryIdentity>,
  ) {
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
    const slack = new Map<string, DirectoryIdentity>();
    const teams = new Map<string, DirectoryIdentity>();
    // One chat account voting as two people would defeat the distinct-approver rule.
    const add = (map: Map<string, DirectoryIdentity>, what: string, key: string, identity: DirectoryIdentity) => {
      if (map.has(key)) throw new Error(`${file}: ${what} account ${key} is mapped twice`);
      map.set(key, identity);
    };
    for (const p of parsed.data.people) {
      const identity = { subject: p.subject, issuer: p.issuer ?? parsed.data.issuer, groups: p.groups };
      for (const a of p.slack) add(slack, 'Slack', `${a.team}/${a.user}`, identity);
      for (const a of p.teams) add(teams, 'Teams', `${a.tenant}/${a.aadObjectId}`, identity);
    }
    return new FileDirectory(slack, teams);
  }

  async findSlackUser(team: string, user: string): Promise<DirectoryIdentity | undefined> {
    return this.bySlackUser.get(`${team}/${user}`);
  }

  async findTeamsUser(tenant: string, aadObjectId: string): Promise<DirectoryIdentity | undefined> {
    return this.byTeamsUser.get(`${tenant.toLowerCase()}/${aadObjectId.toLowerCase()}`);
  }
}
