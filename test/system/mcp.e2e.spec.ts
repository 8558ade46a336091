import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@countersign/testing';
import { startSystem, type System } from '../support/system.js';
import { call } from './client.js';

// `countersign mcp` as an agent uses it: an MCP client on stdio calls gated tools of the built CLI.
const CLI = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));
let sys: System;
let work: string;
let client: Client;

const toolScript = (marker: string) =>
  `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); const a = JSON.parse(process.env.COUNTERSIGN_TOOL_ARGS); ` +
  `console.log('exported ' + a.table + ' (limit ' + (a.limit ?? 'none') + ') with a grant for ' + process.env.COUNTERSIGN_GRANT_AUDIENCE)`;

beforeAll(async () => {
  sys = await startSystem();
  work = await mkdtemp(join(tmpdir(), 'cs-mcp-'));
  const tools = {
    tools: [
      {
        name: 'export_table',
        description: 'Export rows of a production table',
        action: 'db.export',
        resource: 'db:prod/{table}',
        params: { table: { type: 'string', description: 'the table' }, limit: { type: 'integer', required: false }, contact: { type: 'string', required: false } },
        command: [process.execPath, '-e', toolScript(join(work, 'export-ran'))],
        timeout: '60s',
      },
      {
        name: 'drop_table',
        description: 'Drop a production table',
        action: 'db.drop_table',
        resource: 'db:prod/{table}',
        params: { table: { type: 'string' } },
        command: [process.execPath, '-e', toolScript(join(work, 'drop-ran'))],
      },
    ],
  };
  await writeFile(join(work, 'tools.json'), JSON.stringify(tools));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', '--tools', join(work, 'tools.json')],
    env: {
      PATH: process.env['PATH'] ?? '',
      COUNTERSIGN_URL: sys.urls.intake,
      COUNTERSIGN_BROKER_URL: sys.urls.broker,
      COUNTERSIGN_TOKEN: await sys.token('ci-deployer'),
    },
    stderr: 'pipe',
  });
  client = new Client({ name: 'e2e-agent', version: '1.0.0' });
  await client.connect(transport);
});

afterAll(async () => {
  await client?.close();
  await sys?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('countersign mcp', () => {
  it('lists the gated tools with a required justification', async () => {
    const { tools } = await client.listTools();
    const exportTool = tools.find((t) => t.name === 'export_table');
    expect(exportTool?.inputSchema).toMatchObject({ required: ['justification', 'table'], properties: { limit: { type: 'integer' } } });
    expect(exportTool?.description).toContain('needs approval');
  });

  it('holds a call until a reviewer approves over the API, then runs the tool once with the grant', async () => {
    const progress: string[] = [];
    let settled = false;
    const result = client
      .callTool({ name: 'export_table', arguments: { table: 'orders', limit: 10, contact: 'dpo@acme.example', justification: 'monthly revenue check' } }, undefined, {
        onprogress: (p) => void progress.push(p.message ?? ''),
        resetTimeoutOnProgress: true,
        timeout: 60_000,
      })
      .finally(() => (settled = true));
    const reviewId = await expectEventually(
      () => {
        const m = progress.map((p) => /waiting for a human reviewer \(review ([0-9a-f-]{36})\)/.exec(p)).find(Boolean);
        expect(m).toBeTruthy();
        return m![1]!;
      },
      { timeoutMs: 30_000 },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect([settled, existsSync(join(work, 'export-ran'))]).toEqual([false, false]);
    // The reviewer sees the call's arguments as policy masked them (an e-mail address by its detector).
    const review = await call('GET', `${sys.urls.policy}/v1/reviews/${reviewId}`, { token: await sys.token('bob') });
    expect(JSON.stringify(review.body)).toContain('"table":"orders"');
    expect(JSON.stringify(review.body)).toContain('[masked:');
    expect(JSON.stringify(review.body)).not.toContain('dpo@acme.example');
    const vote = await call('POST', `${sys.urls.policy}/v1/reviews/${reviewId}/votes`, { token: await sys.token('bob'), body: { decision: 'approve' } });
    expect(vote.status).toBe(200);
    expect(await result).toEqual({ isError: false, content: [{ type: 'text', text: 'exported orders (limit 10) with a grant for db:prod/orders\n' }] });
  });

  it('answers a denied call or bad arguments with a tool error, and never runs the command', async () => {
    const denied = await client.callTool({ name: 'drop_table', arguments: { table: 'orders', justification: 'cleanup' } });
    expect(denied).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringMatching(/^not run: .*denied by policy: deny-destructive-prod/) }] });
    const bad = await client.callTool({ name: 'export_table', arguments: { table: 'orders', limit: 'ten', justification: 'x' } });
    expect(bad).toMatchObject({ isError: true, content: [{ text: 'invalid arguments: limit: must be an integer' }] });
    const noWhy = await client.callTool({ name: 'export_table', arguments: { table: 'orders' } });
    expect(noWhy).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('justification: required') }] });
    expect(existsSync(join(work, 'drop-ran'))).toBe(false);
  });
});
