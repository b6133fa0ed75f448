#!/usr/bin/env bash
# The main job, from a fresh clone: pnpm, dependencies, jars, Postgres set-up, build, then
# `tributary dev` (Kafka, S3, Postgres and Redis up, a worker on :8083 with a demo pipeline).
# Assumes Node 20.19+, Java 17+ and Maven. Arguments are passed on to `tributary dev`.
set -euo pipefail
cd "$(dirname "$0")/.."
node -e 'const [a, b] = process.versions.node.split(".").map(Number); if (a < 20 || (a === 20 && b < 19)) { console.error(`Node 20.19+ is needed; this is ${process.version}`); process.exit(1); }'

. scripts/ensure-pnpm.sh
pnpm install --frozen-lockfile
pnpm build
node packages/cli/dist/bin.js services prepare
exec pnpm --silent tributary dev "$@"
