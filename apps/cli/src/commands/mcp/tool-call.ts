import { spawn } from 'node:child_process';
import type { ApprovedGrant } from '@countersign/sdk';
import type { ToolConfig, ToolParam } from './tool-config.js';

export type ToolArgs = Record<string, string | number | boolean>;

const TYPE_OK: Record<ToolParam['type'], (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  integer: (v) => Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
};

/** The call's arguments checked against the tool's parameters; the first problem, or the arguments. */
export function checkArgs(tool: ToolConfig, input: Record<string, unknown> | undefined): { args: ToolArgs; justification: string } | { problem: string } {
  const given = input ?? {};
  const justification = given['justification'];
  if (typeof justification !== 'string' || justification.trim() === '') return { problem: 'justification: required, a sentence for the reviewers' };
  const args: ToolArgs = {};
  for (const [key, value] of Object.entries(given)) {
    if (key === 'justification') continue;
    const param = tool.params[key];
    if (!param) return { problem: `${key}: not a parameter of ${tool.name}` };
    if (!TYPE_OK[param.type](value)) return { problem: `${key}: must be ${param.type === 'integer' ? 'an' : 'a'} ${param.type}` };
    args[key] = value as string | number | boolean;
  }
  for (const [key, param] of Object.entries(tool.params)) if (param.required && !(key in args)) return { problem: `${key}: required` };
  return { args, justification };
}

/** `db:prod/{table}` with the call's arguments filled in. */
export function resourceOf(tool: ToolConfig, args: ToolArgs): string {
  return tool.resource.replace(/\{([a-zA-Z0-9_]+)\}/g, (_, name: string) => String(args[name] ?? ''));
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

const MAX_OUTPUT = 1_000_000;

/**
 * Runs the tool's command (no shell: the arguments cannot inject anything) with the grant, the
 * credential and the arguments in its environment, and collects its output for the agent. Its stdout
 * must not reach ours: on stdio, ours is the MCP channel.
 */
export function runToolCommand(tool: ToolConfig, args: ToolArgs, grant: ApprovedGrant, env: Readonly<Record<string, string | undefined>>): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(tool.command[0]!, tool.command.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...env,
        COUNTERSIGN_GRANT: grant.grant,
        COUNTERSIGN_GRANT_AUDIENCE: grant.audience,
        COUNTERSIGN_GRANT_EXPIRES_AT: grant.expiresAt,
        COUNTERSIGN_CREDENTIAL: grant.credential.secret,
        COUNTERSIGN_INTENT_ID: grant.intentId,
        COUNTERSIGN_TOOL_ARGS: JSON.stringify(args),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(0, MAX_OUTPUT)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(0, MAX_OUTPUT)));
    child.on('error', (error) => resolve({ code: 127, stdout, stderr: `cannot run ${tool.command[0]}: ${error.message}` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}
