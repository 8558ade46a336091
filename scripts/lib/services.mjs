import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sleep } from './probe.mjs';

/** @typedef {'intake' | 'policy' | 'notifier' | 'broker' | 'audit' | 'console' | 'dev-idp'} ServiceName */

/** An expected failure to launch (busy port, missing build, a service that never got ready): no stack needed. */
export class LaunchError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'LaunchError';
    this.code = 'LAUNCH_FAILED';
  }
}

/** Fixed across the system (README, docker-compose.yml, each app's config default). */
export const DEFAULT_PORTS = /** @type {const} */ ({ intake: 3001, policy: 3002, notifier: 3003, broker: 3004, audit: 3005, console: 3006, 'dev-idp': 3007 });
/** @type {ServiceName[]} */
export const SERVICE_NAMES = ['intake', 'policy', 'notifier', 'broker', 'audit', 'dev-idp', 'console'];
/** The demo password of every identity at the dev identity provider (DEV ONLY). */
export const DEV_IDP_PASSWORD = 'countersign-demo';
/** Services that verify bearer tokens. */
export const AUTH_SERVICES = new Set(['intake', 'policy', 'broker', 'audit']);

/**
 * @typedef {{
 *   natsUrl: string, databaseUrl: string, port: number, repoRoot: string,
 *   devIssuerJwksFile: string, brokerKeyFile: string, auditKeyFile: string, maskKeyFile: string,
 *   devIdpKeyFile?: string, urls?: Partial<Record<ServiceName, string>>,
 *   eventKeyFiles?: Record<string, string>, eventKeysFile?: string,
 *   baseEnv: NodeJS.ProcessEnv, overrides: Record<string, string>,
 * }} EnvContext
 */

/**
 * Everything a service's config schema reads, with demo values where the operator gave none.
 * @param {ServiceName} name
 * @param {EnvContext} ctx
 * @returns {Record<string, string>}
 */
export function serviceEnv(name, ctx) {
  const base = ctx.baseEnv;
  /** @type {Record<string, string>} */
  const url = (/** @type {ServiceName} */ svc) => ctx.urls?.[svc] ?? `http://${svc === 'console' ? 'localhost' : '127.0.0.1'}:${DEFAULT_PORTS[svc]}`;
  const env = {
    PORT: String(ctx.port),
    LOG_LEVEL: base.LOG_LEVEL ?? 'info',
  };
  // The console and the dev identity provider hold no NATS or Postgres connection and publish no events.
  if (name !== 'console' && name !== 'dev-idp') {
    Object.assign(env, { NATS_URL: ctx.natsUrl, DATABASE_URL: ctx.databaseUrl });
    // Every service signs what it publishes with its own key and checks every other service's (apps/audit/README.md).
    const eventKeyVar = `${name.toUpperCase()}_EVENT_SIGNING_KEY_FILE`;
    const eventKeyFile = base[eventKeyVar] ?? ctx.eventKeyFiles?.[name];
    if (eventKeyFile) env[eventKeyVar] = eventKeyFile;
    const eventKeysFile = base.EVENT_KEYS_FILE ?? ctx.eventKeysFile;
    if (eventKeysFile) env.EVENT_KEYS_FILE = eventKeysFile;
  }
  if (AUTH_SERVICES.has(name)) {
    env.AUTH_AUDIENCE = base.AUTH_AUDIENCE ?? 'countersign';
    // The operator's issuers, plus the dev identity provider the console signs in with (demo only).
    const issuers = JSON.parse(base.AUTH_ISSUERS ?? '[]');
    env.AUTH_ISSUERS = JSON.stringify([...issuers, { issuer: url('dev-idp'), jwksUri: `${url('dev-idp')}/jwks` }]);
    env.DEV_ISSUER_ENABLED = 'true';
    env.DEV_ISSUER_JWKS_FILE = ctx.devIssuerJwksFile;
  }
  if (name === 'dev-idp') {
    env.DEV_IDP_ISSUER = url('dev-idp');
    env.DEV_IDP_IDENTITIES_FILE = join(ctx.repoRoot, 'config', 'demo-identities.yaml');
    env.DEV_IDP_REDIRECT_URIS = `${url('console')}/auth/callback`;
    env.DEV_IDP_PASSWORD = DEV_IDP_PASSWORD;
    if (ctx.devIdpKeyFile) env.DEV_IDP_KEY_FILE = ctx.devIdpKeyFile;
  }
  if (name === 'console') {
    env.CONSOLE_PUBLIC_URL = base.CONSOLE_PUBLIC_URL ?? url('console');
    env.OIDC_ISSUER = base.OIDC_ISSUER ?? url('dev-idp');
    env.OIDC_ALLOW_HTTP = 'true';
    env.POLICY_URL = url('policy');
    env.AUDIT_URL = url('audit');
  }
  if (name === 'policy') {
    env.POLICY_DIR = base.POLICY_DIR ?? join(ctx.repoRoot, 'policies', 'demo');
    env.POLICY_MASK_KEY_FILE = base.POLICY_MASK_KEY_FILE ?? ctx.maskKeyFile;
    // Step-up passkeys are registered for the console's host and used from its origin.
    env.POLICY_WEBAUTHN_RP_ID = base.POLICY_WEBAUTHN_RP_ID ?? new URL(base.CONSOLE_PUBLIC_URL ?? url('console')).hostname;
    env.POLICY_WEBAUTHN_ORIGINS = base.POLICY_WEBAUTHN_ORIGINS ?? new URL(base.CONSOLE_PUBLIC_URL ?? url('console')).origin;
  }
  // Slack, Teams and the webhook stay off unless the operator exports their variables (SLACK_*, TEAMS_*,
  // WEBHOOK_*: see apps/notifier/README.md; they reach the process with the rest of the environment);
  // the demo directory maps the demo people's Slack and Teams accounts for when they do. Webhook payloads
  // link to POLICY_PUBLIC_URL, whose default is the policy service of npm start.
  if (name === 'notifier') env.CONSOLE_PUBLIC_URL = base.CONSOLE_PUBLIC_URL ?? url('console');
  if (name === 'notifier') env.NOTIFIER_DIRECTORY_FILE = base.NOTIFIER_DIRECTORY_FILE ?? join(ctx.repoRoot, 'config', 'demo-directory.yaml');
  // The broker takes one key file or a key directory (rotation), never both: an operator's directory replaces the demo key.
  if (name === 'broker' && !(base.BROKER_SIGNING_KEYS_DIR ?? ctx.overrides.BROKER_SIGNING_KEYS_DIR)) {
    env.BROKER_SIGNING_KEY_FILE = base.BROKER_SIGNING_KEY_FILE ?? ctx.brokerKeyFile;
  }
  if (name === 'audit') env.AUDIT_SIGNING_KEY_FILE = base.AUDIT_SIGNING_KEY_FILE ?? ctx.auditKeyFile;
  return { ...env, ...ctx.overrides };
}

const COLORS = { intake: 36, policy: 35, notifier: 33, broker: 32, audit: 34, console: 96, 'dev-idp': 90 };

/**
 * One running service process, its output and whether its exit is expected.
 */
export class ServiceProcess {
  /**
   * @param {ServiceName} name
   * @param {{ repoRoot: string, port: number, env: NodeJS.ProcessEnv, logs: 'inherit' | 'pipe' | 'ignore',
   *           onUnexpectedExit: (name: ServiceName, code: number | null, signal: string | null) => void }} opts
   */
  constructor(name, opts) {
    this.name = name;
    this.opts = opts;
    this.url = `http://127.0.0.1:${opts.port}`;
    /** @type {string[]} the last lines of output, kept for error messages */
    this.lines = [];
    /** @type {import('node:child_process').ChildProcess | null} */
    this.child = null;
    this.expectExit = false;
  }

  get running() {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  start() {
    const main = join(this.opts.repoRoot, 'apps', this.name, 'dist', 'main.js');
    if (!existsSync(main)) throw new LaunchError(`${main} is missing: run \`npm run build\` first`);
    this.expectExit = false;
    const logs = this.opts.logs;
    // Own process group: a terminal's Ctrl-C reaches only the launcher, which stops services in order.
    const child = spawn(process.execPath, ['--enable-source-maps', main], {
      cwd: this.opts.repoRoot,
      env: this.opts.env,
      detached: true,
      stdio: ['ignore', logs === 'ignore' ? 'ignore' : 'pipe', logs === 'ignore' ? 'ignore' : 'pipe'],
    });
    this.child = child;
    const tag = this.tag();
    for (const [stream, out] of /** @type {const} */ ([[child.stdout, process.stdout], [child.stderr, process.stderr]])) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        // Kept for error messages and for tests that read a whole run's logs (e.g. for leaked secrets).
        if (this.lines.length > 20_000) this.lines.shift();
        if (logs === 'inherit') out.write(`${tag}${line}\n`);
      });
    }
    child.once('exit', (code, signal) => {
      if (!this.expectExit) this.opts.onUnexpectedExit(this.name, code, signal);
    });
    return child;
  }

  tag() {
    const label = this.name.padEnd(8);
    return process.stdout.isTTY ? `\x1b[${COLORS[this.name]}m${label}|\x1b[0m ` : `${label}| `;
  }

  /**
   * Polls GET /readyz until it answers 200 (NATS and Postgres reachable from inside the service).
   * @param {number} timeoutMs
   */
  async waitReady(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (!this.running) throw new LaunchError(`${this.name} exited (${this.exitDescription()}) before it was ready${this.tail()}`);
      try {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
        last = `HTTP ${res.status}`;
      } catch (error) {
        last = /** @type {Error} */ (error).message;
      }
      await sleep(200);
    }
    throw new LaunchError(`${this.name} was not ready at ${this.url}/readyz within ${timeoutMs} ms (last: ${last})${this.tail()}`);
  }

  exitDescription() {
    const c = this.child;
    return c?.signalCode ? `signal ${c.signalCode}` : `code ${c?.exitCode}`;
  }

  tail() {
    return this.opts.logs === 'pipe' && this.lines.length ? `\n--- last output of ${this.name} ---\n${this.lines.slice(-30).join('\n')}` : '';
  }

  /**
   * @param {NodeJS.Signals} [signal]
   * @param {number} [graceMs] after which SIGKILL follows
   */
  async stop(signal = 'SIGTERM', graceMs = 10_000) {
    this.expectExit = true;
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
