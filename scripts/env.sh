# Source it in a shell (`. scripts/env.sh`) after scripts/dev.sh or scripts/test.sh has run once: puts the
# project's Node 24, pnpm and the `tributary` command on PATH for that shell, so the docs' commands
# (`tributary …`, `pnpm …`) work as written.
tributary_env_root=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)
. "$tributary_env_root/scripts/ensure-node.sh"
tributary_env_pnpm=$(cd "$tributary_env_root" && . scripts/ensure-pnpm.sh && dirname "$(command -v pnpm)")
export PATH="$tributary_env_root/node_modules/.bin:$tributary_env_pnpm:$PATH"
echo "tributary: $(command -v tributary)  pnpm: $(command -v pnpm)  node: $(node --version)" >&2
unset tributary_env_root tributary_env_pnpm
