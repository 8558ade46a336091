// An AI agent's `exportTable` tool, gated by Countersign: every call becomes an intent, reviewers see
// the table and the row limit, and the tool runs only after approval, with a Postgres login that the
// broker's Postgres provider created for exactly this call (SELECT on that one table, one connection,
// valid for seconds). Tested by test/recipes/recipes.e2e.spec.ts.
import pg from 'pg';
import { gate, redeemGrant, tokenFromEnvironment, type IntentViewResponse, type TokenSource } from '@countersign/sdk';

export interface ExportTableConfig {
  intakeUrl: string;
  brokerUrl: string;
  /** The agent's own identity (default: COUNTERSIGN_TOKEN_FILE / COUNTERSIGN_TOKEN / GitHub Actions). */
  token?: TokenSource;
  /** The database as Countersign knows it: resource `db:<env>/<database>` (a BROKER_PG_TARGETS entry). */
  env: string;
  database: string;
  /** How long one call may wait for a human (default 15 min). */
  timeoutMs?: number;
  /** Progress for the agent's UI (submitted, pending_review, granted …). */
  onState?: (view: IntentViewResponse) => void;
}

export interface ExportTableArgs {
  table: string;
  limit: number;
  /** The agent's reason, shown to reviewers. */
  why: string;
}

/** The tool to hand to the agent framework: `await exportTable({ table, limit, why })` → rows. */
export function exportTableTool(config: ExportTableConfig) {
  return gate(
    async ({ table, limit }: ExportTableArgs, grant) => {
      // The role is NOLOGIN until the grant is redeemed: redeeming is the single-use step, then one connection.
      await redeemGrant(grant.grant, { brokerUrl: config.brokerUrl, audience: grant.audience });
      const client = new pg.Client({ connectionString: grant.credential.secret });
      await client.connect();
      try {
        const { rows } = await client.query<Record<string, unknown>>(`SELECT * FROM ${pg.escapeIdentifier(table)} LIMIT $1`, [limit]);
        return rows;
      } finally {
        await client.end();
      }
    },
    ({ table, limit, why }) => ({
      action: 'db.export',
      resource: { kind: 'db', env: config.env, id: config.database, tags: [] },
      // `table` is what the Postgres provider grants SELECT on; reviewers see both arguments.
      args: { table, limit },
      justification: why,
    }),
    {
      intakeUrl: config.intakeUrl,
      brokerUrl: config.brokerUrl,
      token: config.token ?? tokenFromEnvironment(),
      ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      ...(config.onState ? { onState: config.onState } : {}),
    },
  );
}
