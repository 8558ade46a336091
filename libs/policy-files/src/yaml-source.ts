import { readdir } from 'node:fs/promises';
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { PolicyProblem } from '@countersign/contracts';

/**
 * One parsed YAML file that still knows where everything came from, so that a schema error found on
 * the plain JS value can be reported at the line an operator has to edit.
 */
export class YamlSource {
  constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** 1-based line of the deepest node along `path` that exists: a missing field reports its parent. */
  lineOf(path: readonly PropertyKey[]): number | undefined {
    const keys = path.filter((k): k is string | number => typeof k !== 'symbol');
    for (let depth = keys.length; depth >= 0; depth--) {
      const node: unknown = depth === 0 ? this.doc.contents : this.doc.getIn(keys.slice(0, depth), true);
      if (isNode(node) && node.range) return this.lineAt(node.range[0]);
    }
    return undefined;
  }

  /** Line of `key` itself inside the mapping at `path`; an unknown field is best shown where it is written. */
  keyLineOf(path: readonly PropertyKey[], key: string): number | undefined {
    const keys = path.filter((k): k is string | number => typeof k !== 'symbol');
    const node: unknown = keys.length === 0 ? this.doc.contents : this.doc.getIn(keys, true);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
      if (pair && isNode(pair.key) && pair.key.range) return this.lineAt(pair.key.range[0]);
    }
    return this.lineOf(path);
  }

  private lineAt(offset: number): number {
    return this.lines.linePos(offset).line;
  }
}

export type YamlParseResult = { ok: true; source: YamlSource; value: unknown } | { ok: false; problems: PolicyProblem[] };

export interface YamlParseOptions {
  /** `<<: *anchor` merge keys; worth having in test fixtures, where intents repeat with small changes. */
  merge?: boolean;
}

/** Parses one file; syntax errors come back as problems with their line, never as an exception. */
export function parseYamlSource(file: string, text: string, options: YamlParseOptions = {}): YamlParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, merge: options.merge ?? false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const at = lines.linePos(e.pos[0]);
        return { file, line: at.line, path: '', message: `invalid YAML: ${e.message} (column ${at.col})` };
      }),
    };
  }
  return { ok: true, source: new YamlSource(file, doc, lines), value: doc.toJS() };
}

/** Extra context a caller can attach to a problem from the path, such as the id of the enclosing rule. */
export type ProblemContext = (path: readonly PropertyKey[]) => { ruleId?: string };

/** Every zod issue as a problem at the line of the YAML node it is about. */
export function zodProblems(source: YamlSource, error: z.ZodError, context?: ProblemContext): PolicyProblem[] {
  return error.issues.map((issue) => {
    const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : undefined;
    const line = unknownKeys?.[0] !== undefined ? source.keyLineOf(issue.path, unknownKeys[0]) : source.lineOf(issue.path);
    const ruleId = context?.(issue.path).ruleId;
    return {
      file: source.file,
      ...(line !== undefined ? { line } : {}),
      ...(ruleId !== undefined ? { ruleId } : {}),
      path: issue.path.map(String).join('.'),
      message: unknownKeys ? `unknown field(s) ${unknownKeys.join(', ')}` : issue.message,
    };
  });
}

const YAML_FILE = /\.ya?ml$/i;

/** Top-level *.yaml / *.yml files of `dir`, in name order so that results never depend on the file system. */
export async function listYamlFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && YAML_FILE.test(e.name))
    .map((e) => e.name)
    .sort();
}
