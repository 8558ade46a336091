import { describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../../shared/cli-error.js';
import { explainRemotely, explainUrl } from './remote-explain.js';

const intent = { action: 'db.query', resource: { kind: 'db', id: 'x', env: 'dev', tags: [] }, args: {}, justification: 'j' };

function answering(status: number, body: string): typeof fetch {
  return () => Promise.resolve(new Response(body, { status }));
}

async function failure(fetchImpl: typeof fetch): Promise<CliError> {
  const error = await explainRemotely({ baseUrl: 'http://svc:3002', token: 't', intent, timeoutMs: 1000, fetch: fetchImpl }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

describe('explainUrl', () => {
  it('keeps a path prefix and refuses what is not http(s)', () => {
    expect(explainUrl('http://localhost:3002').href).toBe('http://localhost:3002/v1/policy/explain');
    expect(explainUrl('https://gw.example/countersign').href).toBe('https://gw.example/countersign/v1/policy/explain');
    expect(() => explainUrl('file:///etc')).toThrow(/must be http or https/);
    expect(() => explainUrl('not a url')).toThrow(/is not a URL/);
  });
});

describe('explainRemotely', () => {
  it('turns 4xx into exit 4 with the code, message and issues on one line', async () => {
    const body = JSON.stringify({ error: { code: 'BAD_REQUEST', message: 'invalid body', issues: [{ path: 'action', message: 'too\nshort' }] } });
    const error = await failure(answering(400, body));
    expect(error.exitCode).toBe(ExitCode.Refused);
    expect(error.message).toBe('server refused the request: 400 BAD_REQUEST: invalid body (action: too short)');
  });

  it('turns 5xx, a non-JSON answer, a non-explanation and a network failure into exit 3', async () => {
    expect((await failure(answering(502, '<html>Bad Gateway</html>'))).message).toBe('server error from http://svc:3002: 502: <html>Bad Gateway</html>');
    expect((await failure(answering(200, 'hello'))).exitCode).toBe(ExitCode.Unreachable);
    expect((await failure(answering(200, '{"decision":"maybe"}'))).message).toMatch(/not an explanation/);
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const error = await failure(() => Promise.reject(refused));
    expect(error).toMatchObject({ exitCode: ExitCode.Unreachable, message: 'cannot reach http://svc:3002: ECONNREFUSED' });
    const timeout = Object.assign(new Error('aborted'), { name: 'TimeoutError' });
    expect((await failure(() => Promise.reject(timeout))).message).toBe('cannot reach http://svc:3002: no answer in time');
  });
});
