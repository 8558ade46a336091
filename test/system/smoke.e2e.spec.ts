import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES, startSystem, type System } from '../support/system.js';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.stop();
});

describe('the system boots', () => {
  it.each(SERVICES)('%s answers /healthz and /readyz with 200', async (service) => {
    const ready = await fetch(`${system.urls[service]}/readyz`);
    expect(ready.status).toBe(200);
    const live = await fetch(`${system.urls[service]}/healthz`);
    expect(live.status).toBe(200);
  });

  it('intake refuses a request without a token and accepts a dev-issuer token', async () => {
    const body = JSON.stringify({
      action: 'db.query',
      resource: { kind: 'db', id: 'orders', env: 'staging' },
      args: { sql: 'select 1' },
      justification: 'smoke test',
    });
    const headers = { 'content-type': 'application/json' };
    const anonymous = await fetch(`${system.urls.intake}/v1/intents`, { method: 'POST', headers, body });
    expect(anonymous.status).toBe(401);
    const token = await system.token('ci-deployer');
    const submitted = await fetch(`${system.urls.intake}/v1/intents`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${token}` },
      body,
    });
    expect(submitted.status).toBe(202);
  });
});
