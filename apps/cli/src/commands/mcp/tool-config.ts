import { readFile } from 'node:fs/promises';
import { Action } from '@countersign/contracts';
import { parse } from 'yaml';
import { z } from 'zod';
import { CliError, ExitCode } from '../../shared/cli-error.js';
import { parseDuration } from '../../shared/duration.js';

const ParamName = z.string().regex(/^[a-z][a-zA-Z0-9_]{0,63}$/, 'a parameter name such as table or rowLimit');

const Param = z.strictObject({
  type: z.enum(['string', 'number', 'integer', 'boolean']),
  description: z.string().max(1000).optional(),
  required: z.boolean().default(true),
});
export type ToolParam = z.infer<typeof Param>;

const Tool = z.strictObject({
  /** What the agent calls. */
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, _ and - (at most 64)'),
  description: z.string().min(1).max(2000),
  /** The intent's action. */
  action: Action,
  /** `kind:env/id`; `{param}` is replaced by that argument (intake validates the result). */
  resource: z.string().min(3).max(512),
  params: z.record(ParamName, Param).default({}),
  /** Run after approval, without a shell: argv, with the grant and the arguments in its environment. */
  command: z.array(z.string().min(1)).min(1),
  /** How long one call waits for a decision. */
  timeout: z.string().default('15m'),
});
export type ToolConfig = z.infer<typeof Tool> & { timeoutMs: number };

const ToolsFile = z.strictObject({ tools: z.array(Tool).min(1).max(100) });

/** Reads the tools file (YAML or JSON); every problem is named (exit 2). */
export async function loadTools(file: string): Promise<ToolConfig[]> {
  let raw: unknown;
  try {
    raw = parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new CliError(ExitCode.Invalid, `cannot read the tools file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const parsed = ToolsFile.safeParse(raw);
  if (!parsed.success) {
    throw new CliError(ExitCode.Invalid, `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
  }
  const names = new Set<string>();
  return parsed.data.tools.map((tool) => {
    if (names.has(tool.name)) throw new CliError(ExitCode.Invalid, `${file}: tool ${tool.name} is defined twice`);
    names.add(tool.name);
    if ('justification' in tool.params) throw new CliError(ExitCode.Invalid, `${file}: tool ${tool.name}: justification is added to every tool; do not declare it`);
    return { ...tool, timeoutMs: parseDuration(tool.timeout, `${file}: tool ${tool.name}: timeout`) };
  });
}

/** The MCP input schema: the declared parameters plus the justification reviewers read. */
export function inputSchema(tool: ToolConfig) {
  const properties: Record<string, { type: string; description?: string }> = {
    justification: { type: 'string', description: 'Why this call is needed; shown to the human reviewers.' },
  };
  for (const [name, p] of Object.entries(tool.params)) properties[name] = { type: p.type, ...(p.description ? { description: p.description } : {}) };
  const required = ['justification', ...Object.entries(tool.params).filter(([, p]) => p.required).map(([n]) => n)];
  return { type: 'object' as const, properties, required, additionalProperties: false };
}
