# Sourced by the README commands. Puts a pnpm of the version package.json pins on PATH.
# corepack is tried first; its bundled signing keys can lag behind the registry, so a
# pnpm installed with npm into the user cache is the fallback (only Node is assumed).
want=$(node -p "require('./package.json').packageManager.split('@')[1]")
cache="${XDG_CACHE_HOME:-$HOME/.cache}/tributary/pnpm-$want"
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$want" ]; then
  :
elif [ -x "$cache/node_modules/.bin/pnpm" ]; then
  export PATH="$cache/node_modules/.bin:$PATH"
elif COREPACK_ENABLE_DOWNLOAD_PROMPT=0 corepack pnpm --version >/dev/null 2>&1; then
  mkdir -p "$cache/shim" && printf '#!/bin/sh\nCOREPACK_ENABLE_DOWNLOAD_PROMPT=0 exec corepack pnpm "$@"\n' >"$cache/shim/pnpm" && chmod +x "$cache/shim/pnpm"
  export PATH="$cache/shim:$PATH"
else
  echo "installing pnpm $want into $cache" >&2
  npm install --silent --no-audit --no-fund --prefix "$cache" "pnpm@$want" >&2
  export PATH="$cache/node_modules/.bin:$PATH"
fi
