#!/usr/bin/env bash
# The main job, from a fresh clone: pnpm, dependencies, jars, Postgres set-up, build, then
# `tributary dev` (Kafka, S3, Postgres and Redis up, a worker on :8083 with a demo pipeline).
# Assumes Java 17+ and Maven; Node 24 comes from scripts/ensure-node.sh when the machine's is older. Arguments are passed on to `tributary dev`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-node.sh

. scripts/ensure-pnpm.sh
pnpm install --frozen-lockfile
pnpm build
node packages/cli/dist/bin.js services prepare
# The bin itself, not `pnpm tributary`: Ctrl-C then ends with the worker's own exit code (0), not pnpm's noise.
exec node packages/cli/bin/tributary.js dev "$@"
