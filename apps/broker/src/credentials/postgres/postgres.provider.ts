import { resourceName } from '@countersign/domain';
import { z } from 'zod';
import {
  CredentialError,
  type CredentialHandle,
  type CredentialProvider,
  type GrantedIntent,
  type GrantForCredential,
  type MintedCredential,
  type Settlement,
  type UseWindow,
} from '../credential-provider.js';
import type { PgTarget, PgTargets } from './postgres-targets.js';
import { requestedPrivilege } from './privilege.js';
import { createRole, disableLogin, dropRole, enableLogin, grantPrivilege, roleExists, roleState, rolesValidUntilBefore } from './role-sql.js';
import { newPassword, scramSha256Verifier } from './scram.js';
import type { TargetAdmin } from './target-admin.js';

const ACTIONS = new Set(['db.query', 'db.export']);
const Handle = z.object({ target: z.string(), role: z.string().regex(/^cs_[0-9a-f]{16}$/) });

export interface PostgresProviderOptions {
  /** After redeem, how long the one connection may take to open. */
  connectWindowSeconds: number;
  /** How long that connection may then run. */
  maxSessionSeconds: number;
}

/**
 * A login role per grant, on the database that BROKER_PG_TARGETS maps the intent's resource to:
 *
 * - claim: `CREATE ROLE cs_<jti> NOLOGIN … CONNECTION LIMIT 1 VALID UNTIL <exp>` with a random password
 *   (sent as a SCRAM verifier) and exactly the privilege the intent names; the connection string is the
 *   claim's secret. NOLOGIN until redeem, so that the redeem stays the one single-use step.
 * - redeem: `LOGIN VALID UNTIL min(exp, now + connect window)`.
 * - after: as soon as a session of the role shows, NOLOGIN again (the session goes on; no other can
 *   start); once no session is left the role is dropped. Also dropped: a role that opened nothing within
 *   the connect window, a session that ran past the maximum (terminated first), and every role of an
 *   expired grant.
 */
export class PostgresProvider implements CredentialProvider {
  readonly kind = 'postgres';

  constructor(
    private readonly targets: PgTargets,
    private readonly admin: TargetAdmin,
    private readonly options: PostgresProviderOptions,
  ) {}

  supports(intent: GrantedIntent): boolean {
    return ACTIONS.has(intent.action) && this.targets.find(resourceName(intent.resource)) !== undefined;
  }

  async mint(grant: GrantForCredential, intent: GrantedIntent): Promise<MintedCredential> {
    const target = this.targets.find(resourceName(intent.resource));
    if (!target) throw new CredentialError('refused', 'no postgres target for this resource');
    const privilege = requestedPrivilege(intent.args);
    const role = `cs_${grant.jti.replaceAll('-', '').slice(0, 16)}`;
    const password = newPassword();
    await this.admin.inTransaction(target, 'creating the role', async (client) => {
      // Left by a claim of this same grant that crashed after the role was made: never handed out, never enabled.
      if (await roleExists(client, role)) await dropRole(client, role);
      await createRole(client, role, scramSha256Verifier(password), grant.expiresAt);
      await grantPrivilege(client, role, privilege);
    });
    return { secret: target.connectionString(role, password), handle: { target: target.name, role } };
  }

  async activate(handle: CredentialHandle, at: { now: Date; expiresAt: Date }): Promise<UseWindow> {
    const { target, role } = this.parse(handle);
    const startBy = new Date(Math.min(at.expiresAt.getTime(), at.now.getTime() + this.options.connectWindowSeconds * 1000));
    const endBy = new Date(startBy.getTime() + this.options.maxSessionSeconds * 1000);
    await this.admin.run(target, 'enabling the role', async (client) => {
      if (!(await roleExists(client, role))) throw new CredentialError('unavailable', `postgres target ${target.name}: the role is gone`);
      await enableLogin(client, role, startBy);
    });
    return { startBy, endBy };
  }

  async settle(handle: CredentialHandle, window: UseWindow, now: Date): Promise<Settlement> {
    const { target, role } = this.parse(handle);
    return this.admin.run(target, 'checking the role', async (client) => {
      const state = await roleState(client, role);
      if (!state) return { removed: true, why: 'gone' };
      if (state.sessions > 0) {
        if (now >= window.endBy) return this.drop(client, role, 'session cut off at its maximum length');
        // Seen in use: no further connection may start, the one open goes on.
        if (state.canLogin) await disableLogin(client, role);
        return { removed: false };
      }
      if (!state.canLogin) return this.drop(client, role, 'used');
      // Unused, or used by a session shorter than one check that came and went unseen: either way, over.
      if (now >= window.startBy) return this.drop(client, role, 'connect window over');
      return { removed: false };
    });
  }

  async revoke(handle: CredentialHandle): Promise<void> {
    const { target, role } = this.parse(handle);
    await this.admin.run(target, 'dropping the role', (client) => dropRole(client, role));
  }

  /**
   * Every role is created VALID UNTIL its grant's expiry, and its one use starts by then and ends at most
   * `maxSessionSeconds` later: a role whose VALID UNTIL is older than that serves nobody.
   */
  async strays(now: Date): Promise<{ found: CredentialHandle[]; failures: string[] }> {
    const before = new Date(now.getTime() - this.options.maxSessionSeconds * 1000);
    const found: CredentialHandle[] = [];
    const failures: string[] = [];
    for (const target of this.targets.all) {
      try {
        const roles = await this.admin.run(target, 'listing expired roles', (client) => rolesValidUntilBefore(client, before));
        found.push(...roles.map((role) => ({ target: target.name, role })));
      } catch (error) {
        failures.push(error instanceof CredentialError ? error.message : `postgres target ${target.name}: unexpected error`);
      }
    }
    return { found, failures };
  }

  private async drop(client: Parameters<typeof dropRole>[0], role: string, why: string): Promise<Settlement> {
    await dropRole(client, role);
    return { removed: true, why };
  }

  private parse(handle: CredentialHandle): { target: PgTarget; role: string } {
    const parsed = Handle.safeParse(handle);
    if (!parsed.success) throw new CredentialError('refused', 'not a postgres credential handle');
    const target = this.targets.all.find((t) => t.name === parsed.data.target);
    if (!target) throw new CredentialError('unavailable', `postgres target ${parsed.data.target} is no longer configured`);
    return { target, role: parsed.data.role };
  }
}
