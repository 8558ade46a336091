/** A person as the rest of the system knows them: what policy checks a vote against. */
export interface DirectoryIdentity {
  subject: string;
  issuer: string;
  groups: string[];
}

/**
 * Maps chat accounts to directory identities. The demo reads a file (FileDirectory); production can put
 * an IdP lookup (ScimDirectory: SCIM 2.0) behind the same class.
 */
export abstract class Directory {
  /**
   * Undefined when the account is mapped to nobody: such a user cannot vote. Throws
   * DirectoryUnavailableError when the directory cannot answer (which is not "mapped to nobody").
   */
  abstract findSlackUser(team: string, user: string): Promise<DirectoryIdentity | undefined>;
  /** A Teams user by Entra ID tenant and object id (`from.aadObjectId`); undefined when mapped to nobody. */
  abstract findTeamsUser(tenant: string, aadObjectId: string): Promise<DirectoryIdentity | undefined>;
}

/** Used when no directory is configured (no chat channel on): nobody is mapped. */
export class EmptyDirectory extends Directory {
  async findSlackUser(): Promise<undefined> {
    return undefined;
  }

  async findTeamsUser(): Promise<undefined> {
    return undefined;
  }
}

/** What a voter is told when the directory cannot answer: nothing was cast or refused, a new click may work. */
export const DIRECTORY_UNAVAILABLE_TEXT = 'The directory is unavailable right now, so your vote was not recorded (nothing was cast or refused); try again in a minute.';

/**
 * The directory could not answer (IdP down, timeout, bad answer). Not the same as "mapped to nobody":
 * the vote is neither cast nor refused, and the person is told to try again. Never cached.
 */
export class DirectoryUnavailableError extends Error {
  readonly code = 'DIRECTORY_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'DirectoryUnavailableError';
  }
}
