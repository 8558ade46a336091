import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { SubmitIntentRequest, type Intent, type PolicyProblem } from '@countersign/contracts';
import { parseYamlSource, TestIntent, zodProblems } from '@countersign/policy-files';
import { CliError, ExitCode, usageError } from '../../shared/cli-error.js';
import type { CliIo } from '../../shared/cli-io.js';
import { plural, problemLines } from '../../shared/problems.js';

function invalid(file: string, problems: readonly PolicyProblem[], io: CliIo, json: boolean): CliError {
  io.out(json ? JSON.stringify({ ok: false, file, problems }, null, 2) : problemLines(problems));
  return new CliError(ExitCode.Invalid, `intent file ${file} is invalid: ${plural(problems.length, 'problem')}`);
}

async function parseIntentFile<S extends z.ZodType>(
  file: string,
  schema: S,
  io: CliIo,
  json: boolean,
  check?: (value: unknown) => void,
): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw usageError(`cannot read intent file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  // JSON is YAML too, so one parser serves both and gives lines for either.
  const parsedYaml = parseYamlSource(file, text);
  if (!parsedYaml.ok) throw invalid(file, parsedYaml.problems, io, json);
  check?.(parsedYaml.value);
  const parsed = schema.safeParse(parsedYaml.value);
  if (!parsed.success) throw invalid(file, zodProblems(parsedYaml.source, parsed.error), io, json);
  return parsed.data;
}

/** Locally nothing verifies a token, so the file says who asks, as a test fixture's `intent` does. */
export function readLocalIntent(file: string, io: CliIo, json: boolean): Promise<Intent> {
  return parseIntentFile(file, TestIntent, io, json);
}

/**
 * The body of POST /v1/policy/explain. The server takes the requester from the token, so a requester
 * in the file would be silently ignored there: refusing it tells the user whose view they will see.
 */
export function readRemoteIntent(file: string, io: CliIo, json: boolean): Promise<SubmitIntentRequest> {
  return parseIntentFile(file, SubmitIntentRequest, io, json, (value) => {
    if (typeof value === 'object' && value !== null && 'requester' in value) {
      throw usageError(`${file} names a requester; the server explains for the identity of COUNTERSIGN_TOKEN, so remove it (or explain locally with a policy directory)`);
    }
  });
}
