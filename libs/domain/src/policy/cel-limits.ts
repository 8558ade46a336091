import type { parse } from '@bufbuild/cel';

type Expr = NonNullable<ReturnType<typeof parse>['expr']>;

/**
 * Why a condition could cost more than linear time in the size of an intent, or undefined.
 *
 * Conditions run on every matching intent with the requester's own arguments, so their cost must be
 * bounded by what intake accepts (64 KB bodies). Everything in CEL is linear in its input except list
 * macros nested in one another (`xs.all(a, ys.exists(b, …))` is |xs|·|ys|), and `matches` is already
 * linear (RE2 semantics, @bufbuild/re2). A nested macro is therefore allowed only over a list or map
 * written in the policy itself, whose size the author controls.
 */
export function celCostProblem(expr: Expr | undefined): string | undefined {
  return walk(expr, 0);
}

function walk(expr: Expr | undefined, loopDepth: number): string | undefined {
  if (!expr) return undefined;
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'comprehensionExpr': {
      const c = kind.value;
      const literalRange = c.iterRange?.exprKind.case === 'listExpr' || c.iterRange?.exprKind.case === 'structExpr';
      if (loopDepth > 0 && !literalRange) {
        return 'a list macro (all, exists, exists_one, map, filter) inside another one must range over a list written in the policy: over request data its cost grows with the square of the input';
      }
      const inner = literalRange ? loopDepth : loopDepth + 1;
      return (
        walk(c.iterRange, loopDepth) ?? walk(c.accuInit, loopDepth) ?? walk(c.loopCondition, inner) ?? walk(c.loopStep, inner) ?? walk(c.result, loopDepth)
      );
    }
    case 'callExpr':
      return walk(kind.value.target, loopDepth) ?? first(kind.value.args, loopDepth);
    case 'selectExpr':
      return walk(kind.value.operand, loopDepth);
    case 'listExpr':
      return first(kind.value.elements, loopDepth);
    case 'structExpr':
      for (const entry of kind.value.entries) {
        const problem = (entry.keyKind.case === 'mapKey' ? walk(entry.keyKind.value, loopDepth) : undefined) ?? walk(entry.value, loopDepth);
        if (problem) return problem;
      }
      return undefined;
    default:
      return undefined;
  }
}

function first(exprs: readonly Expr[], loopDepth: number): string | undefined {
  for (const e of exprs) {
    const problem = walk(e, loopDepth);
    if (problem) return problem;
  }
  return undefined;
}
