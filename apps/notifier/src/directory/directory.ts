/** A person as the rest of the system knows them: what policy checks a vote against. */
export interface DirectoryIdentity {
  subject: string;
  issuer: string;
  groups: string[];
}

/**
 * Maps chat accounts to directory identities. The demo reads a file (FileDirectory); production can put
 * an IdP lookup (SCIM, OIDC claims of a linked account) behind the same class.
 */
export abstract class Directory {
  /** Undefined when the account is mapped to nobody: such a user cannot vote. */
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
