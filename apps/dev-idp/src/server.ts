import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadDemoIdentities } from '@countersign/platform/auth';
import type { Logger } from '@countersign/platform/logging';
import { issuerOf, type DevIdpConfig } from './config.js';
import { Interactions } from './interactions.js';
import { createProvider } from './provider.js';
import { loadSigningKey } from './signing-key.js';

export interface RunningDevIdp {
  server: Server;
  issuer: string;
  close(): Promise<void>;
}

/** Builds the provider and listens on PORT; main.ts and tests share it. */
export async function startDevIdp(config: DevIdpConfig, logger: Logger): Promise<RunningDevIdp> {
  const identities = await loadDemoIdentities(config.DEV_IDP_IDENTITIES_FILE);
  const issuer = issuerOf(config);
  const provider = createProvider({
    issuer,
    audience: config.DEV_IDP_AUDIENCE,
    clientId: config.DEV_IDP_CLIENT_ID,
    redirectUris: config.DEV_IDP_REDIRECT_URIS,
    postLogoutRedirectUris: config.DEV_IDP_POST_LOGOUT_REDIRECT_URIS,
    signingKey: await loadSigningKey(config.DEV_IDP_KEY_FILE),
    tokenTtlSeconds: config.DEV_IDP_TOKEN_TTL_SECONDS,
    identities,
  });
  provider.on('server_error', (_ctx, err) => logger.error({ err }, 'oidc-provider error'));
  const interactions = new Interactions(provider, identities, config.DEV_IDP_PASSWORD, logger, config.DEV_IDP_REDIRECT_URIS);
  const callback = provider.callback();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/readyz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    interactions
      .handle(req, res)
      .then((handled) => {
        if (!handled) callback(req, res);
      })
      .catch((err: unknown) => {
        // An expired or unknown interaction is the usual cause: the browser has to start over.
        logger.warn({ err }, 'sign-in interaction failed');
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('This sign-in has expired or is unknown; start again from the application.');
      });
  });
  await new Promise<void>((resolve) => server.listen(config.PORT, '0.0.0.0', resolve));
  const port = (server.address() as AddressInfo).port;
  logger.warn({ issuer, port, identities: identities.length }, 'DEV IDENTITY PROVIDER: every demo identity signs in with the demo password; never trust it outside a demo');
  return {
    server,
    issuer,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
