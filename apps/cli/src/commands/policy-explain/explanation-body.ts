import { z } from 'zod';

/**
 * What the CLI prints from an Explanation. Parsed rather than trusted: a proxy's HTML page or an older
 * server must become a clear error, not a crash while printing. `--json` prints the body as received.
 */
export const ExplanationBody = z.object({
  decision: z.enum(['allow', 'deny', 'review']),
  policyVersion: z.string(),
  ruleIds: z.array(z.string()),
  reasons: z.array(z.string()),
  tags: z.array(z.string()),
  tagSources: z.object({ intent: z.array(z.string()), classification: z.array(z.string()) }).optional(),
  review: z
    .looseObject({
      approverGroups: z.array(z.string()),
      quorum: z.number(),
      ttlSeconds: z.number(),
      escalation: z.array(z.object({ afterSeconds: z.number(), groups: z.array(z.string()) })).default([]),
      stepUp: z.boolean().default(false),
      breakGlass: z.boolean().default(false),
    })
    .optional(),
  grant: z.object({ audience: z.string(), claimTtlSeconds: z.number(), useTtlSeconds: z.number() }).optional(),
  masked: z.object({ values: z.array(z.object({ path: z.string(), reason: z.string() })) }),
  rules: z.array(z.object({ id: z.string(), effect: z.string(), applied: z.boolean(), detail: z.string() })),
});
export type ExplanationBody = z.infer<typeof ExplanationBody>;

/** The services' error shape (libs/platform's ApiErrorFilter); `details` is accepted for other versions. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    details: z.unknown().optional(),
  }),
});
