import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ApprovalError, gate, type IntentViewResponse, type TokenSource } from '@countersign/sdk';
import { CliError } from '../../shared/cli-error.js';
import type { Endpoints } from '../../shared/endpoints.js';
import { buildRequest } from '../request/build-request.js';
import { checkArgs, resourceOf, runToolCommand, type ToolArgs } from './tool-call.js';
import { inputSchema, type ToolConfig } from './tool-config.js';

export interface GatedToolsOptions {
  tools: ToolConfig[];
  urls: Endpoints;
  token: TokenSource;
  env: Readonly<Record<string, string | undefined>>;
  version: string;
}

const failed = (text: string): CallToolResult => ({ isError: true, content: [{ type: 'text', text }] });

/** What the agent is told while it waits (a progress notification per state change). */
function progressText(view: IntentViewResponse): string {
  if (view.state === 'pending_review') return `intent ${view.id} is waiting for a human reviewer (review ${view.reviewId ?? '?'})`;
  return `intent ${view.id}: ${view.state}`;
}

/**
 * An MCP server whose every tool is gated: a call becomes an intent (the tool's action and resource,
 * the call's arguments, the model's justification), waits for the decision (progress notifications
 * meanwhile; a cancelled call withdraws the intent), and runs the tool's command only with the
 * approval's grant. A refusal comes back as a tool error the model can read; the command never ran.
 */
export function gatedToolsServer(opts: GatedToolsOptions): Server {
  const server = new Server({ name: 'countersign', version: opts.version }, { capabilities: { tools: {} } });
  const byName = new Map(opts.tools.map((t) => [t.name, t]));

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: opts.tools.map((t) => ({ name: t.name, description: `${t.description} (needs approval through Countersign)`, inputSchema: inputSchema(t) })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = byName.get(request.params.name);
    if (!tool) return failed(`no tool ${request.params.name}`);
    const checked = checkArgs(tool, request.params.arguments);
    if ('problem' in checked) return failed(`invalid arguments: ${checked.problem}`);
    let intent;
    try {
      intent = buildRequest({
        action: tool.action,
        resource: resourceOf(tool, checked.args),
        arg: Object.entries(checked.args).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
        justification: checked.justification,
      });
    } catch (error) {
      if (error instanceof CliError) return failed(error.message);
      throw error;
    }
    const progressToken = request.params._meta?.progressToken;
    let step = 0;
    const run = gate(
      (args: ToolArgs, grant) => runToolCommand(tool, args, grant, opts.env),
      () => intent,
      {
        intakeUrl: opts.urls.intake,
        brokerUrl: opts.urls.broker,
        token: opts.token,
        timeoutMs: tool.timeoutMs,
        onState: async (view) => {
          if (progressToken === undefined) return;
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: ++step, message: progressText(view) } });
        },
      },
    );
    try {
      const result = await run(checked.args, { signal: extra.signal });
      const text = result.stdout || result.stderr || `(exit ${result.code}, no output)`;
      return { isError: result.code !== 0, content: [{ type: 'text', text }] };
    } catch (error) {
      if (error instanceof ApprovalError) return failed(`not run: ${error.message}`);
      throw error;
    }
  });
  return server;
}
