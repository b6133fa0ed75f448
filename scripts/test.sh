#!/usr/bin/env bash
# The whole test suite, from a fresh clone: pnpm, dependencies, jars, Postgres set-up, build, lint,
# typecheck, unit and integration tests (which start Kafka and S3Proxy and stop them again).
# Assumes Java 17+ and Maven; Node 24 comes from scripts/ensure-node.sh when the machine's is older. `.ci/run` runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-node.sh

started=$(date +%s)
step() { printf '\n==> %s  (+%ss)\n' "$*" "$(($(date +%s) - started))"; }

step 'pnpm'
. scripts/ensure-pnpm.sh

step 'pnpm install --frozen-lockfile'
pnpm install --frozen-lockfile

step 'Chromium for the console tests (Debian package; Playwright cannot download its own here)'
if [ ! -x /usr/bin/chromium ]; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

step 'build'
pnpm build

step 'services: fetch the Kafka and S3Proxy jars, start and configure Postgres and Redis'
node packages/cli/dist/bin.js services prepare

step 'lint'
pnpm lint

step 'no import circles inside a package'
node scripts/checks/import-cycles.mjs

step 'typecheck'
pnpm typecheck

step 'tests: unit and integration'
pnpm exec vitest run

step "all passed in $(($(date +%s) - started))s"
