#!/usr/bin/env bash
# The whole test suite, from a fresh clone: pnpm, dependencies, jars, Postgres set-up, build, lint,
# typecheck, unit and integration tests (which start Kafka and S3Proxy and stop them again).
# Assumes Node 20.19+, Java 17+ and Maven. `.ci/run` runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
node -e 'const [a, b] = process.versions.node.split(".").map(Number); if (a < 20 || (a === 20 && b < 19)) { console.error(`Node 20.19+ is needed; this is ${process.version}`); process.exit(1); }'

started=$(date +%s)
step() { printf '\n==> %s  (+%ss)\n' "$*" "$(($(date +%s) - started))"; }

step 'pnpm'
. scripts/ensure-pnpm.sh

step 'pnpm install --frozen-lockfile'
pnpm install --frozen-lockfile

step 'build'
pnpm build

step 'services: fetch the Kafka and S3Proxy jars, start and configure Postgres and Redis'
node packages/cli/dist/bin.js services prepare

step 'lint'
pnpm lint

step 'typecheck'
pnpm typecheck

step 'tests: unit and integration'
pnpm exec vitest run

step "all passed in $(($(date +%s) - started))s"
