import { z } from 'zod';
import { Action, Args, Requester, Resource, type Intent } from '@countersign/contracts';
import { Duration } from '@countersign/domain';

/** Fixtures need not invent an issuer: no rule can match on it, and it only fills the contract's field. */
export const DEFAULT_TEST_ISSUER = 'urn:countersign:test';

/**
 * A fixed instant, so that a test whose rules look at `now` gives the same result on every run. A
 * Monday at noon UTC: inside any plausible business-hours window.
 */
export const DEFAULT_TEST_NOW = '2026-01-05T12:00:00Z';

const Names = z.array(z.string().min(1)).min(1);

export const TestRequester = z.strictObject({
  kind: Requester.shape.kind,
  subject: Requester.shape.subject,
  issuer: Requester.shape.issuer.default(DEFAULT_TEST_ISSUER),
  groups: Requester.shape.groups.default([]),
  owner: Requester.shape.owner,
});

/**
 * A whole intent as classification sees it, requester included (locally nothing verifies a token).
 * Strict, unlike the event contract: a misspelt field in a fixture must fail rather than be ignored.
 */
export const TestIntent = z.strictObject({
  action: Action,
  resource: Resource,
  args: Args.default({}),
  justification: z.string().min(1).max(2000).default('policy test'),
  requester: TestRequester,
  dedupeKey: z.string().min(1).max(128).optional(),
}) satisfies z.ZodType<Intent, unknown>;

const REVIEW_ONLY = ['approvers', 'quorum', 'ttl', 'stepUp', 'breakGlass'] as const;

/** Every field but `decision` is optional: a test states only what it cares about. */
export const TestExpectation = z
  .strictObject({
    decision: z.enum(['allow', 'deny', 'review']),
    /** The exact set of approver groups. */
    approvers: Names.optional(),
    quorum: z.number().int().min(1).max(10).optional(),
    ttl: Duration.optional(),
    stepUp: z.boolean().optional(),
    breakGlass: z.boolean().optional(),
    /** The exact set of matched rule ids; `[]` says that no rule matches. */
    rules: z.array(z.string().min(1)).optional(),
    /** Tags that must be present (from the intent or from classification); others may be too. */
    tags: Names.optional(),
    /** The exact set of masked paths; `[]` says that nothing is masked. */
    masked: z.array(z.string().min(1)).optional(),
    /** A substring of some reason. */
    reason: z.string().min(1).optional(),
    grant: z
      .strictObject({ audience: z.string().min(1).optional(), claimWithin: Duration.optional(), useWithin: Duration.optional() })
      .optional(),
  })
  .superRefine((expect, ctx) => {
    // Caught at load time: such a test could only ever fail, and the fixture is what is wrong.
    if (expect.decision !== 'review') {
      for (const key of REVIEW_ONLY) {
        if (expect[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: `only a review has ${key}; this test expects ${expect.decision}` });
        }
      }
    }
    if (expect.decision === 'deny' && expect.grant !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['grant'], message: 'a denied intent gets no grant' });
    }
  });
export type TestExpectation = z.infer<typeof TestExpectation>;

const TestCase = z.strictObject({
  name: z.string().min(1).max(200),
  now: z.iso.datetime({ offset: true }).optional(),
  intent: TestIntent,
  expect: TestExpectation,
});

export const TestFile = z.strictObject({ tests: z.array(TestCase).min(1) });

/** One test as loaded: where it is written, and the intent with every default filled in. */
export interface PolicyTest {
  file: string;
  /** Line of the test's entry in the file. */
  line?: number;
  name: string;
  now: Date;
  intent: Intent;
  expect: TestExpectation;
}
