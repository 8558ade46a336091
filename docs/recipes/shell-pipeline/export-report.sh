#!/usr/bin/env bash
# A pipeline step in plain shell (Jenkins, GitLab CI, cron): ask for approval to run the nightly
# report query, then hand the single-use grant to the target. Every outcome has its own exit code
# (apps/cli/README.md); this step turns them into what the pipeline should do.
#
#   COUNTERSIGN_URL, COUNTERSIGN_POLICY_URL, COUNTERSIGN_BROKER_URL  where the services are
#   COUNTERSIGN_TOKEN or COUNTERSIGN_TOKEN_FILE                       the pipeline's identity
#   REPORT_ENV                                                        staging (default) or prod
# Tested by test/recipes/recipes.e2e.spec.ts.
set -u
grant_env=$(mktemp)
trap 'rm -f "$grant_env"' EXIT

countersign request \
  --action db.query \
  --resource "db:${REPORT_ENV:-staging}/orders" \
  --arg "sql=select count(*) from orders" \
  --justification "nightly order report (${CI_JOB_ID:-manual})" \
  --wait --timeout "${COUNTERSIGN_TIMEOUT:-10m}" \
  --env-file "$grant_env"
status=$?
case $status in
  0) ;;
  10) echo "report: the policy denies this query (reason above)" >&2; exit 1 ;;
  11 | 12) echo "report: not approved (exit $status), nothing ran" >&2; exit 1 ;;
  13) echo "report: no decision in time; the request stays open (countersign status ID)" >&2; exit 75 ;;
  3) echo "report: Countersign unreachable, retry the job" >&2; exit 75 ;;
  *) exit "$status" ;;
esac

# The env file (0600) holds COUNTERSIGN_GRANT and COUNTERSIGN_GRANT_AUDIENCE. The target redeems the
# grant before acting; here the step is its own target and redeems it at the broker itself.
# shellcheck disable=SC1090
. "$grant_env"
curl -fsS -X POST "${COUNTERSIGN_BROKER_URL:-http://127.0.0.1:3004}/v1/grants/redeem" \
  -H 'content-type: application/json' \
  -d "{\"grant\":\"$COUNTERSIGN_GRANT\",\"audience\":\"$COUNTERSIGN_GRANT_AUDIENCE\"}"
echo
echo "report: approved and redeemed, running the query"
