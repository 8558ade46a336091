import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PolicyProblem } from '@countersign/contracts';
import { canonicalJson, compilePolicy, PolicyDocument, type CompiledPolicy } from '@countersign/domain';
import { PolicyValidationError } from './policy-validation.error.js';
import { listYamlFiles, parseYamlSource, zodProblems, type YamlSource } from './yaml-source.js';

export interface LoadedPolicy {
  compiled: CompiledPolicy;
  files: string[];
}

interface ParsedFile {
  file: string;
  source: YamlSource;
  raw: Record<string, unknown>;
  doc: PolicyDocument;
}

/** The rule id at `rules[i]` in the raw YAML, so a problem deep inside a rule still names the rule. */
function ruleIdAt(raw: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'rules' || typeof path[1] !== 'number' || typeof raw !== 'object' || raw === null) return undefined;
  const rules = (raw as { rules?: unknown }).rules;
  const rule = Array.isArray(rules) ? (rules[path[1]] as unknown) : undefined;
  const id = typeof rule === 'object' && rule !== null ? (rule as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

async function parseFile(dir: string, file: string, problems: PolicyProblem[]): Promise<ParsedFile | undefined> {
  const text = await readFile(join(dir, file), 'utf8');
  const parsedYaml = parseYamlSource(file, text);
  if (!parsedYaml.ok) {
    problems.push(...parsedYaml.problems);
    return undefined;
  }
  const { source, value: raw } = parsedYaml;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push({ file, line: source.lineOf([]) ?? 1, path: '', message: 'must be a YAML mapping (apiVersion, kind, rules)' });
    return undefined;
  }
  const parsed = PolicyDocument.safeParse(raw);
  if (!parsed.success) {
    problems.push(...zodProblems(source, parsed.error, (path) => ({ ruleId: ruleIdAt(raw, path) })));
    return undefined;
  }
  return { file, source, raw: raw as Record<string, unknown>, doc: parsed.data };
}

function at(file: ParsedFile, path: readonly PropertyKey[]): { file: string; line?: number } {
  const line = file.source.lineOf(path);
  return line === undefined ? { file: file.file } : { file: file.file, line };
}

/**
 * Document-level settings may be stated in any file, but two files stating different values is an error:
 * silently picking one would make the effective default depend on file names.
 */
function mergeSetting<K extends 'defaultEffect' | 'defaultApprovers' | 'defaultTtl'>(
  files: ParsedFile[],
  key: K,
  problems: PolicyProblem[],
): PolicyDocument[K] | undefined {
  const explicit = files.filter((f) => f.raw[key] !== undefined);
  const first = explicit[0];
  if (!first) return undefined;
  for (const other of explicit.slice(1)) {
    if (canonicalJson(other.doc[key]) !== canonicalJson(first.doc[key])) {
      problems.push({ ...at(other, [key]), path: key, message: `conflicts with ${key} in ${first.file}` });
    }
  }
  return first.doc[key];
}

/** Like mergeSetting, for the one nested setting: which detectors scan strings. */
function mergeDetectors(files: ParsedFile[], problems: PolicyProblem[]): PolicyDocument['masking']['detectors'] | undefined {
  const explicit = files.filter((f) => {
    const masking = f.raw['masking'];
    return typeof masking === 'object' && masking !== null && (masking as Record<string, unknown>)['detectors'] !== undefined;
  });
  const first = explicit[0];
  if (!first) return undefined;
  const sorted = (f: ParsedFile) => canonicalJson([...f.doc.masking.detectors].sort());
  for (const other of explicit.slice(1)) {
    if (sorted(other) !== sorted(first)) {
      problems.push({
        ...at(other, ['masking', 'detectors']),
        path: 'masking.detectors',
        message: `conflicts with masking.detectors in ${first.file}`,
      });
    }
  }
  return first.doc.masking.detectors;
}

function mergeDocuments(files: ParsedFile[], problems: PolicyProblem[]): PolicyDocument {
  const owner = new Map<string, string>();
  for (const parsed of files) {
    parsed.doc.rules.forEach((rule, i) => {
      const previous = owner.get(rule.id);
      if (previous !== undefined) {
        problems.push({
          ...at(parsed, ['rules', i, 'id']),
          ruleId: rule.id,
          path: `rules.${i}.id`,
          message: `duplicate rule id, already defined in ${previous}`,
        });
      } else owner.set(rule.id, parsed.file);
    });
  }
  // Parsing an empty document fills in the language's own defaults for anything no file states.
  const defaults = PolicyDocument.parse({ apiVersion: 'countersign.dev/v1', kind: 'Policy' });
  return {
    ...defaults,
    defaultEffect: mergeSetting(files, 'defaultEffect', problems) ?? defaults.defaultEffect,
    defaultApprovers: mergeSetting(files, 'defaultApprovers', problems) ?? defaults.defaultApprovers,
    defaultTtl: mergeSetting(files, 'defaultTtl', problems) ?? defaults.defaultTtl,
    // Lists add up across files: a file can only add a tag or a masked path, never take one away.
    classify: files.flatMap((f) => f.doc.classify),
    masking: {
      paths: [...new Set(files.flatMap((f) => f.doc.masking.paths))].sort(),
      detectors: mergeDetectors(files, problems) ?? defaults.masking.detectors,
    },
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
    names = await listYamlFiles(dir);
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
