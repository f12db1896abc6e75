#!/usr/bin/env bash
# `npm test`: set up, check generated code and formatting, then run every test in the workspace.
# The last line is `N passed, N failed`, counted from vitest's JSON report.
set -uo pipefail
cd "$(dirname "$0")/../.."

bash tools/ci/setup.sh || exit 1
node packages/proto/scripts/gen.mjs --check || exit 1
npx biome ci . || { echo "lint: biome found problems (run: npx biome check --write .)"; exit 1; }

bash tools/ci/dockerd.sh start
trap 'bash tools/ci/dockerd.sh stop' EXIT

mkdir -p .test-results
npx vitest run --reporter=default --reporter=json --outputFile.json=.test-results/vitest.json "$@"
status=$?
node tools/ci/summary.mjs .test-results/vitest.json || status=1
exit $status
