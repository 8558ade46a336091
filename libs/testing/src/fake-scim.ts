import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeScimUser {
  id: string;
  userName: string;
  emails?: string[];
  externalId?: string;
  /** Defaults to true. */
  active?: boolean;
  /** Group display names listed on the user resource (`groups[].display`); omitted: the resource has no `groups`. */
  groups?: string[];
  [attribute: string]: unknown;
}

export interface FakeScimGroup {
  id: string;
  displayName: string;
  /** User ids. */
  members: string[];
}

/** One request as the fake received it. */
export interface ScimRequest {
  method: string;
  path: string;
  filter: string | undefined;
  authorized: boolean;
  status: number;
}

export interface FakeScim {
  /** Base URL, ending in `/scim/v2` (no slash). */
  url: string;
  users: FakeScimUser[];
  groups: FakeScimGroup[];
  requests: ScimRequest[];
  /** While true every request is answered 503 (the IdP is down). */
  failing: boolean;
  stop(): Promise<void>;
}

/** `attr eq "value"` with a JSON string value (RFC 7644 §3.4.2.2); anything else is unsupported here. */
export function parseScimEq(filter: string): { attribute: string; value: string } | undefined {
  const m = /^\s*([A-Za-z][A-Za-z0-9_$.-]*)\s+eq\s+("(?:[^"\\]|\\.)*")\s*$/i.exec(filter);
  if (!m) return undefined;
  try {
    return { attribute: m[1] as string, value: JSON.parse(m[2] as string) as string };
  } catch {
    return undefined;
  }
}

const scimError = (status: number, detail: string, scimType?: string) => ({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
  status: String(status),
  detail,
  ...(scimType ? { scimType } : {}),
});

/**
 * A local SCIM 2.0 service provider (RFC 7644) with users and groups: `GET /scim/v2/Users?filter=` for
 * `emails.value`, `externalId`, `userName` and `id` (`eq`; emails and userName case-insensitive), and
 * `GET /scim/v2/Groups?filter=members.value eq "<id>"`. Checks the bearer token (401 otherwise), answers
 * unsupported filters 400 `invalidFilter`, and 503 while `failing`.
 */
export async function startFakeScim(opts: { token: string; users?: FakeScimUser[]; groups?: FakeScimGroup[] }): Promise<FakeScim> {
  const sockets = new Set<Socket>();
  const state: Omit<FakeScim, 'url' | 'stop'> = { users: opts.users ?? [], groups: opts.groups ?? [], requests: [], failing: false };

  const userResource = (u: FakeScimUser) => {
    const { emails, groups, active, ...rest } = u;
    return {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      ...rest,
      active: active ?? true,
      ...(emails ? { emails: emails.map((value, i) => ({ value, type: 'work', primary: i === 0 })) } : {}),
      ...(groups ? { groups: groups.map((display) => ({ value: state.groups.find((g) => g.displayName === display)?.id ?? display, display })) } : {}),
      meta: { resourceType: 'User' },
    };
  };

  const userMatches = (u: FakeScimUser, attribute: string, value: string): boolean | undefined => {
    const a = attribute.toLowerCase();
    if (a === 'emails.value') return (u.emails ?? []).some((e) => e.toLowerCase() === value.toLowerCase());
    if (a === 'username') return u.userName.toLowerCase() === value.toLowerCase();
    if (a === 'externalid') return u.externalId === value;
    if (a === 'id') return u.id === value;
    return undefined;
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake-scim');
    const filter = url.searchParams.get('filter') ?? undefined;
    const auth = String(req.headers.authorization ?? '');
    const record: ScimRequest = { method: req.method ?? 'GET', path: url.pathname, filter, authorized: auth === `Bearer ${opts.token}`, status: 200 };
    state.requests.push(record);
    const send = (status: number, body: unknown) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/scim+json' });
      res.end(JSON.stringify(body));
    };
    req.resume();
    if (state.failing) return send(503, scimError(503, 'service unavailable'));
    if (!record.authorized) return send(401, scimError(401, 'bearer token missing or invalid'));
    if (record.method !== 'GET') return send(405, scimError(405, 'method not allowed'));
    const list = (resources: unknown[]) =>
      send(200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources });
    const eq = filter === undefined ? undefined : parseScimEq(filter);
    if (filter !== undefined && !eq) return send(400, scimError(400, `unsupported filter: ${filter}`, 'invalidFilter'));
    if (url.pathname === '/scim/v2/Users') {
      if (!eq) return list(state.users.map(userResource));
      const matched = state.users.map((u) => userMatches(u, eq.attribute, eq.value));
      if (matched.some((m) => m === undefined)) return send(400, scimError(400, `unsupported attribute: ${eq.attribute}`, 'invalidFilter'));
      return list(state.users.filter((_, i) => matched[i]).map(userResource));
    }
    if (url.pathname === '/scim/v2/Groups') {
      const groups = !eq ? state.groups : eq.attribute.toLowerCase() === 'members.value' ? state.groups.filter((g) => g.members.includes(eq.value)) : undefined;
      if (!groups) return send(400, scimError(400, `unsupported attribute: ${eq?.attribute}`, 'invalidFilter'));
      return list(
        groups.map((g) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id: g.id, displayName: g.displayName, members: g.members.map((value) => ({ value })), meta: { resourceType: 'Group' } })),
      );
    }
    send(404, scimError(404, 'no such resource'));
  });

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake = state as FakeScim;
  fake.url = `http://127.0.0.1:${port}/scim/v2`;
  fake.stop = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}
