// `npm start`: the whole system on one machine with demo keys and a dev token issuer.
// Dependencies: the NATS/Postgres named by NATS_URL/DATABASE_URL, else private ones under .data/.
import { relative, resolve } from 'node:path';
import {
  DependencyError,
  DEV_IDP_PASSWORD,
  LaunchError,
  launchSystem,
  prepareDatabase,
  redactUrl,
  REPO_ROOT,
  resolveDependencies,
} from './launcher.mjs';

const dataDir = resolve(process.env.COUNTERSIGN_DATA_DIR ?? resolve(REPO_ROOT, '.data'));
const say = (/** @type {string} */ line) => process.stdout.write(`launcher| ${line}\n`);

/** @type {Awaited<ReturnType<typeof resolveDependencies>> | undefined} */
let deps;
/** @type {Awaited<ReturnType<typeof launchSystem>> | undefined} */
let system;
let shuttingDown = false;

/** @param {number} code */
async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  say('stopping services…');
  await system?.stop();
  if (deps?.started.length) say(`stopping ${deps.started.map((d) => d.name).join(' and ')}…`);
  await deps?.stop();
  say('stopped');
  process.exit(code);
}

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    if (shuttingDown) {
      say('second signal: exiting now');
      process.exit(130);
    }
    void shutdown(0);
  });
}

async function main() {
  deps = await resolveDependencies({ dataDir, log: say });
  const applied = await prepareDatabase(deps.databaseUrl, say);
  say(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
  if (shuttingDown) return;

  say('starting intake, policy, notifier, broker, audit, dev-idp (DEV ONLY) and console…');
  system = await launchSystem({
    natsUrl: deps.natsUrl,
    databaseUrl: deps.databaseUrl,
    dataDir,
    logs: 'inherit',
    onUnexpectedExit: (service, code, signal) => {
      if (shuttingDown) return;
      say(`${service} exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}); stopping everything`);
      // While starting, launchSystem notices the exit itself, stops the others and rejects.
      if (system) void shutdown(1);
    },
  });
  if (shuttingDown) return;
  printWelcome(system.urls, deps);
}

/**
 * @param {Record<string, string>} urls
 * @param {{ natsUrl: string, databaseUrl: string }} d
 */
function printWelcome(urls, d) {
  const rel = relative(process.cwd(), dataDir) || '.';
  const dirFlag = rel === '.data' ? '' : ` --dir ${resolve(dataDir, 'dev-issuer')}`;
  const body = JSON.stringify({
    action: 'db.query',
    resource: { kind: 'db', id: 'orders', env: 'staging' },
    args: { sql: 'select count(*) from orders' },
    justification: 'weekly order report',
  });
  const lines = [
    '',
    'Countersign is up.',
    ...Object.entries(urls).map(([name, url]) => `  ${name.padEnd(9)} ${url}   (${url}/readyz)`),
    `  NATS      ${d.natsUrl}`,
    `  Postgres  ${redactUrl(d.databaseUrl)}`,
    `  data      ${dataDir} (demo keys, dev issuer${deps?.started.length ? ', embedded servers' : ''})`,
    '',
    `Review console: ${urls.console}  — sign in at the dev identity provider (DEV ONLY) as bob, dana or erin`,
    `(reviewers) or carol (auditor), password ${DEV_IDP_PASSWORD}.`,
    '',
    'Submit a first intent as the demo pipeline `ci-deployer` (policy allows db.query on staging):',
    '',
    `  TOKEN=$(node scripts/dev-token.mjs ci-deployer${dirFlag})`,
    `  ID=$(curl -sS -X POST ${urls.intake}/v1/intents -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
    `    -d '${body}' | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).id'); echo $ID`,
    '',
    'Long-poll its decision (returns as soon as it leaves "submitted"; repeat with &state=allowed to see "granted"):',
    '',
    `  curl -sS "${urls.intake}/v1/intents/$ID?wait=30&state=submitted" -H "Authorization: Bearer $TOKEN"`,
    '',
    'Claim its single-use grant (the token appears only in this response):',
    '',
    `  curl -sS -X POST ${urls.broker}/v1/grants/claim -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d "{\\"intentId\\":\\"$ID\\"}"`,
    '',
    'Audit trail (as the demo auditor carol):',
    '',
    `  curl -sS "${urls.audit}/v1/audit/events?intentId=$ID" -H "Authorization: Bearer $(node scripts/dev-token.mjs carol${dirFlag})"`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch(async (error) => {
  const expected = error instanceof DependencyError || error instanceof LaunchError;
  const message = expected ? error.message : (error?.stack ?? String(error));
  process.stderr.write(`\nnpm start failed: ${message}\n`);
  await shutdown(1);
});
