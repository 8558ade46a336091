import { parse as parseCel } from '@bufbuild/cel';
import { celCostProblem } from './cel-limits.js';
import { z } from 'zod';
import { DETECTOR_NAMES, validateMaskPath } from './masking/index.js';

/**
 * The policy language, as the zod schema of one policy file. Everything a file can say is here, so
 * that the loader, the CLI and the service refuse exactly the same mistakes with the same messages.
 */
const Globs = z.array(z.string().min(1)).min(1);
const Names = z.array(z.string().min(1)).min(1);

export const Duration = z
  .string()
  .regex(/^\d+(s|m|h|d)$/, 'a duration such as 90s, 15m, 4h or 1d')
  .transform((d) => {
    const n = Number(d.slice(0, -1));
    const unit = d.at(-1) as 's' | 'm' | 'h' | 'd';
    return n * { s: 1, m: 60, h: 3600, d: 86_400 }[unit];
  })
  .refine((seconds) => seconds > 0, 'must be longer than 0');

/** CEL is parsed here so that a syntax error is reported with the file, line and rule like any other. */
const CelCondition = z
  .string()
  .min(1)
  .max(4096)
  .superRefine((source, ctx) => {
    let parsed: ReturnType<typeof parseCel>;
    try {
      parsed = parseCel(source);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `invalid CEL: ${(error as Error).message}` });
      return;
    }
    const costly = celCostProblem(parsed.expr);
    if (costly) ctx.addIssue({ code: 'custom', message: `CEL too costly: ${costly}` });
  });

const MaskPath = z.string().superRefine((pattern, ctx) => {
  const problem = validateMaskPath(pattern);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const GrantSection = z
  .strictObject({
    audience: z.string().min(1).optional(),
    claimWithin: Duration.optional(),
    useWithin: Duration.optional(),
  })
  .optional();

const Match = z.strictObject({
  /** Dotted actions matched as paths: `db.*` is one segment, `iam.**` any depth. Absent = every action. */
  action: Globs.optional(),
  resourceKind: Globs.optional(),
  resourceId: Globs.optional(),
  env: Names.optional(),
  /** Any of these tags, from the intent or from classification. */
  tags: Names.optional(),
  requesterKind: z.array(z.enum(['user', 'agent', 'pipeline', 'service'])).min(1).optional(),
  /** Any of these groups of the verified requester. */
  requesterGroups: Names.optional(),
});

const RuleBase = {
  id: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lower-case id: letters, digits, _ . -').max(128),
  description: z.string().max(2000).optional(),
  match: Match.default({}),
  /** Variables: intent, requester, resource (with the merged tags), now (a timestamp). */
  when: CelCondition.optional(),
  /** Argument paths masked when this rule matches, on top of the global ones. */
  mask: z.array(MaskPath).optional(),
};

const Escalation = z.strictObject({ after: Duration, notify: Names });

const ReviewRule = z
  .strictObject({
    ...RuleBase,
    effect: z.literal('review'),
    approvers: Names,
    quorum: z.number().int().min(1).max(10).default(1),
    ttl: Duration.default(3600),
    escalation: z.array(Escalation).max(10).default([]),
    stepUp: z.boolean().default(false),
    breakGlass: z.boolean().default(false),
    grant: GrantSection,
  })
  .superRefine((rule, ctx) => {
    // Each approver group needs its own person, so fewer people than groups cannot ever be satisfied.
    const groups = new Set(rule.approvers).size;
    if (rule.quorum < groups) {
      ctx.addIssue({
        code: 'custom',
        path: ['quorum'],
        message: `quorum ${rule.quorum} is less than the ${groups} approver groups, each of which needs its own approver`,
      });
    }
    rule.escalation.forEach((step, i) => {
      if (step.after >= rule.ttl) {
        ctx.addIssue({ code: 'custom', path: ['escalation', i, 'after'], message: 'escalates after the review has already expired (ttl)' });
      }
    });
  });

export const PolicyRule = z.discriminatedUnion('effect', [
  z.strictObject({ ...RuleBase, effect: z.literal('allow'), grant: GrantSection }),
  z.strictObject({ ...RuleBase, effect: z.literal('deny'), reason: z.string().min(1).max(2000) }),
  ReviewRule,
]);
export type PolicyRule = z.infer<typeof PolicyRule>;

const ClassifyEntry = z.strictObject({
  /** Glob over `kind:env/id`, e.g. `db:prod/customers*` or `s3:*\/training-*`. */
  resource: z.string().min(3),
  tags: z.array(z.string().regex(/^[a-z0-9][a-z0-9_:-]*$/, 'lower-case tag')).min(1),
});

const Masking = z.strictObject({
  paths: z.array(MaskPath).default([]),
  detectors: z.array(z.enum(DETECTOR_NAMES)).default([...DETECTOR_NAMES]),
});

export const PolicyDocument = z
  .strictObject({
    apiVersion: z.literal('countersign.dev/v1'),
    kind: z.literal('Policy'),
    /** Fail closed: an intent no rule matches goes to review unless the operator says otherwise. */
    defaultEffect: z.enum(['review', 'deny']).default('review'),
    defaultApprovers: Names.default(['security']),
    defaultTtl: Duration.default(3600),
    classify: z.array(ClassifyEntry).default([]),
    masking: Masking.default({ paths: [], detectors: [...DETECTOR_NAMES] }),
    rules: z.array(PolicyRule).default([]),
  })
  .superRefine((doc, ctx) => {
    const seen = new Set<string>();
    doc.rules.forEach((rule, i) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id ${rule.id}` });
      seen.add(rule.id);
    });
  });
export type PolicyDocument = z.infer<typeof PolicyDocument>;
