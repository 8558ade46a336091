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

  it('requires the dev issuer JWKS file when the dev issuer is on', () => {
    expect(() => loadBrokerConfig({ BROKER_SIGNING_KEY_FILE: '/k.pem', DEV_ISSUER_ENABLED: 'true' })).toThrow(/DEV_ISSUER_JWKS_FILE/);
  });
});
