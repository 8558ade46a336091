import { formatSeconds } from '@countersign/policy-files';
import type { ExplanationBody } from './explanation-body.js';

const list = (xs: readonly string[]): string => `[${xs.join(', ')}]`;
const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

function tagLine(explanation: ExplanationBody): string {
  if (explanation.tags.length === 0) return 'tags: none';
  const fromPolicy = new Set(explanation.tagSources?.classification ?? []);
  return `tags: ${explanation.tags.map((t) => (fromPolicy.has(t) ? `${t} (classification)` : t)).join(', ')}`;
}

/** The human view of an Explanation: the decision first, then why, then what each rule did. */
export function formatExplanation(explanation: ExplanationBody): string {
  const { review, grant } = explanation;
  const lines = [`decision: ${explanation.decision}`, `policy version: ${explanation.policyVersion}`, 'reasons:'];
  lines.push(...explanation.reasons.map((r) => `  - ${r}`));
  if (review) {
    lines.push(
      `review: by ${list(review.approverGroups)}, quorum ${review.quorum}, expires after ${formatSeconds(review.ttlSeconds)}, step-up ${yesNo(review.stepUp)}, break-glass ${yesNo(review.breakGlass)}`,
      ...review.escalation.map((e) => `  escalation: after ${formatSeconds(e.afterSeconds)} notify ${list(e.groups)}`),
    );
  }
  if (grant) {
    lines.push(`grant: audience ${grant.audience}, claim within ${formatSeconds(grant.claimTtlSeconds)}, use within ${formatSeconds(grant.useTtlSeconds)}`);
  }
  lines.push(tagLine(explanation), 'rules:');
  if (explanation.rules.length === 0) lines.push('  (the policy has no rules)');
  for (const rule of explanation.rules) {
    lines.push(`  ${rule.applied ? 'applied' : 'skipped'}  ${rule.id} (${rule.effect}): ${rule.detail}`);
  }
  const masked = explanation.masked.values;
  lines.push(masked.length === 0 ? 'masked: nothing' : 'masked:', ...masked.map((v) => `  ${v.path} (${v.reason})`));
  return lines.join('\n');
}
