import { readFileSync } from 'node:fs';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Command } from 'commander';
import type { CliIo } from '../../shared/cli-io.js';
import { endpoints, tokenSource } from '../../shared/endpoints.js';
import { gatedToolsServer } from './gated-tools-server.js';
import { loadTools } from './tool-config.js';

interface McpOptions {
  tools: string;
  url?: string;
  tokenFile?: string;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** `countersign mcp --tools tools.yaml`: an MCP server on stdio whose tools run only after approval. */
export function registerMcp(program: Command, io: CliIo): void {
  program
    .command('mcp')
    .description('serve gated tools to an AI agent over MCP (stdio): each call waits for approval, then runs its command with the grant')
    .requiredOption('--tools <file>', 'the tools: YAML or JSON (apps/cli/README.md)')
    .option('--url <url>', 'intake (default COUNTERSIGN_URL or http://127.0.0.1:3001)')
    .option('--token-file <file>', 'the agent identity: an OIDC token file (default COUNTERSIGN_TOKEN_FILE, else COUNTERSIGN_TOKEN)')
    .action(async (options: McpOptions) => {
      const tools = await loadTools(options.tools);
      const token = tokenSource(io, options.tokenFile);
      await token();
      const server = gatedToolsServer({ tools, urls: endpoints(io, options.url), token, env: io.env, version: version() });
      const closed = new Promise<void>((resolve) => (server.onclose = resolve));
      await server.connect(new StdioServerTransport());
      io.err(`countersign mcp: serving ${tools.map((t) => t.name).join(', ')} on stdio`);
      await closed;
    });
}
