import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { canonicalJson, compilePolicy, PolicyDocument, type CompiledPolicy } from '@countersign/domain';
import { PolicyValidationError, type PolicyProblem } from './policy-validation.error.js';

export interface LoadedPolicy {
  compiled: CompiledPolicy;
  files: string[];
}

interface ParsedFile {
  file: string;
  raw: Record<string, unknown>;
  doc: PolicyDocument;
}

const POLICY_FILE = /\.ya?ml$/i;

/** The rule id at `rules[i]` in the raw YAML, so a problem deep inside a rule still names the rule. */
function ruleIdAt(raw: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'rules' || typeof path[1] !== 'number' || typeof raw !== 'object' || raw === null) return undefined;
  const rules = (raw as { rules?: unknown }).rules;
  const rule = Array.isArray(rules) ? (rules[path[1]] as unknown) : undefined;
  const id = typeof rule === 'object' && rule !== null ? (rule as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

function zodProblems(file: string, raw: unknown, error: z.ZodError): PolicyProblem[] {
  return error.issues.map((issue) => {
    const ruleId = ruleIdAt(raw, issue.path);
    const message =
      issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
    return { file, ...(ruleId ? { ruleId } : {}), path: issue.path.map(String).join('.'), message };
  });
}

async function parseFile(dir: string, file: string, problems: PolicyProblem[]): Promise<ParsedFile | undefined> {
  const text = await readFile(join(dir, file), 'utf8');
  const yaml = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (yaml.errors.length > 0) {
    for (const e of yaml.errors) problems.push({ file, path: '', message: `invalid YAML: ${e.message}` });
    return undefined;
  }
  const raw: unknown = yaml.toJS();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push({ file, path: '', message: 'must be a YAML mapping (apiVersion, kind, rules)' });
    return undefined;
  }
  const parsed = PolicyDocument.safeParse(raw);
  if (!parsed.success) {
    problems.push(...zodProblems(file, raw, parsed.error));
    return undefined;
  }
  return { file, raw: raw as Record<string, unknown>, doc: parsed.data };
}

/**
 * Document-level settings may be stated in any file, but two files stating different values is an error:
 * silently picking one would make the effective default depend on file names.
 */
function mergeSetting<K extends 'defaultEffect' | 'defaultApprovers'>(
  files: ParsedFile[],
  key: K,
  problems: PolicyProblem[],
): PolicyDocument[K] | undefined {
  const explicit = files.filter((f) => f.raw[key] !== undefined);
  const first = explicit[0];
  if (!first) return undefined;
  for (const other of explicit.slice(1)) {
    if (canonicalJson(other.doc[key]) !== canonicalJson(first.doc[key])) {
      problems.push({ file: other.file, path: key, message: `conflicts with ${key} in ${first.file}` });
    }
  }
  return first.doc[key];
}

function mergeDocuments(files: ParsedFile[], problems: PolicyProblem[]): PolicyDocument {
  const owner = new Map<string, string>();
  for (const { file, doc } of files) {
    doc.rules.forEach((rule, i) => {
      const previous = owner.get(rule.id);
      if (previous !== undefined) {
        problems.push({ file, ruleId: rule.id, path: `rules.${i}.id`, message: `duplicate rule id, already defined in ${previous}` });
      } else owner.set(rule.id, file);
    });
  }
  // Parsing an empty document fills in the language's own defaults for anything no file states.
  const defaults = PolicyDocument.parse({ apiVersion: 'countersign.dev/v1', kind: 'Policy' });
  return {
    ...defaults,
    defaultEffect: mergeSetting(files, 'defaultEffect', problems) ?? defaults.defaultEffect,
    defaultApprovers: mergeSetting(files, 'defaultApprovers', problems) ?? defaults.defaultApprovers,
    rules: files.flatMap((f) => f.doc.rules),
  };
}

/**
 * Loads every *.yaml / *.yml in `dir` in file-name order, validates each file on its own, merges them
 * and compiles the result. The version is the SHA-256 of the merged document's canonical JSON, so it
 * changes exactly when the effective policy does (not when a file is renamed or reformatted).
 */
export async function loadPolicyDir(dir: string): Promise<LoadedPolicy> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && POLICY_FILE.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (error) {
    throw new PolicyValidationError(dir, [{ file: dir, path: '', message: `cannot read directory: ${(error as Error).message}` }]);
  }
  if (names.length === 0) {
    throw new PolicyValidationError(dir, [{ file: dir, path: '', message: 'no *.yaml or *.yml policy files' }]);
  }
  const problems: PolicyProblem[] = [];
  const parsed: ParsedFile[] = [];
  for (const name of names) {
    const file = await parseFile(dir, name, problems);
    if (file) parsed.push(file);
  }
  const merged = mergeDocuments(parsed, problems);
  if (problems.length > 0) throw new PolicyValidationError(dir, problems);
  const version = createHash('sha256').update(canonicalJson(merged), 'utf8').digest('hex');
  return { compiled: compilePolicy(merged, version), files: names };
}
