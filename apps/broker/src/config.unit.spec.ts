import { ConfigError } from '@countersign/platform/config';
import { describe, expect, it } from 'vitest';
import { loadBrokerConfig } from './config.js';

describe('loadBrokerConfig', () => {
  it('applies the system-wide defaults and parses AUTH_ISSUERS', () => {
    const cfg = loadBrokerConfig({
      BROKER_SIGNING_KEY_FILE: '/keys/broker.pem',
      AUTH_ISSUERS: '[{"issuer":"https://idp.example","jwksUri":"https://idp.example/jwks"}]',
    });
    expect(cfg).toMatchObject({
      PORT: 3004,
      NATS_URL: 'nats://127.0.0.1:4222',
      AUTH_AUDIENCE: 'countersign',
      DEV_ISSUER_ENABLED: false,
      AUTH_ISSUERS: [{ issuer: 'https://idp.example', jwksUri: 'https://idp.example/jwks' }],
    });
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadBrokerConfig({ DEV_ISSUER_ENABLED: 'true', AUTH_ISSUERS: 'not json', PORT: 'x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['BROKER_SIGNING_KEY_FILE', 'AUTH_ISSUERS', 'PORT']) expect(message).toContain(name);
  });

  it('takes exactly one of BROKER_SIGNING_KEY_FILE and BROKER_SIGNING_KEYS_DIR', () => {
    expect(loadBrokerConfig({ BROKER_SIGNING_KEYS_DIR: '/keys' })).toMatchObject({ BROKER_SIGNING_KEYS_DIR: '/keys', BROKER_KEYS_RELOAD_INTERVAL_MS: 10_000 });
    expect(() => loadBrokerConfig({})).toThrow(/BROKER_SIGNING_KEY_FILE: set exactly one of BROKER_SIGNING_KEY_FILE .* and BROKER_SIGNING_KEYS_DIR/);
    expect(() => loadBrokerConfig({ BROKER_SIGNING_KEY_FILE: '/k.pem', BROKER_SIGNING_KEYS_DIR: '/keys' })).toThrow(/exactly one/);
  });

  it('parses Postgres targets from JSON, names a bad one without quoting its URL, and refuses two sources', () => {
    const cfg = loadBrokerConfig({
      BROKER_SIGNING_KEY_FILE: '/k.pem',
      BROKER_PG_TARGETS: JSON.stringify({ 'db:prod/orders': 'postgres://admin:pw@db:5432/orders', 'db:staging/*': { url: 'postgres://a:b@s:5432/x', clientUrl: 'postgres://proxy:6432/x' } }),
    });
    expect(cfg.BROKER_PG_TARGETS).toEqual({
      'db:prod/orders': { url: 'postgres://admin:pw@db:5432/orders', clientUrl: undefined },
      'db:staging/*': { url: 'postgres://a:b@s:5432/x', clientUrl: 'postgres://proxy:6432/x' },
    });
    expect(cfg).toMatchObject({ BROKER_PG_CONNECT_WINDOW_SECONDS: 10, BROKER_PG_MAX_SESSION_SECONDS: 3600, BROKER_CREDENTIAL_INTERVAL_MS: 500 });
    const bad = () => loadBrokerConfig({ BROKER_SIGNING_KEY_FILE: '/k.pem', BROKER_PG_TARGETS: JSON.stringify({ 'db:prod/orders': 'mysql://root:hunter2@db/orders' }) });
    expect(bad).toThrow(/BROKER_PG_TARGETS/);
    expect(bad).not.toThrow(/hunter2/);
    expect(() => loadBrokerConfig({ BROKER_SIGNING_KEY_FILE: '/k.pem', BROKER_PG_TARGETS: '{nope' })).toThrow(/BROKER_PG_TARGETS: must be a JSON object/);
    expect(() => loadBrokerConfig({ BROKER_SIGNING_KEY_FILE: '/k.pem', BROKER_PG_TARGETS: JSON.stringify({ orders: 'postgres://a@b/c' }) })).toThrow(/kind:env\/id/);
    expect(() => loadBrokerConfig({ BROKER_SIGNING_KEY_FILE: '/k.pem', BROKER_PG_TARGETS: '{}', BROKER_PG_TARGETS_FILE: '/t.json' })).toThrow(/BROKER_PG_TARGETS_FILE/);
  });

  it('requires the dev issuer JWKS file when the dev issuer is on', () => {
    expect(() => loadBrokerConfig({ BROKER_SIGNING_KEY_FILE: '/k.pem', DEV_ISSUER_ENABLED: 'true' })).toThrow(/DEV_ISSUER_JWKS_FILE/);
  });
});
