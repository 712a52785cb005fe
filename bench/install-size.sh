#!/usr/bin/env bash
# What `npx tsprof` (or `npm install tsprof`) downloads: the packed tarball installed into an empty folder with
# an empty npm cache, as a first-time user would. Prints the packages added, the seconds it took, and the
# packages that run install scripts (none should). Needs the npm registry.
#   npm run build && bash bench/install-size.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(npm pack --silent --pack-destination "$work" | tail -1)
mkdir "$work/app" && cd "$work/app" && npm init -y >/dev/null
start=$(date +%s.%N)
npm install --no-audit --no-fund --cache "$work/cache" "$work/$tarball" > "$work/install.log" 2>&1
end=$(date +%s.%N)
packages=$(find node_modules -name package.json -not -path '*/node_modules/*/node_modules/*/node_modules/*' | xargs grep -l '"version"' | while read -r f; do dirname "$f"; done | grep -E 'node_modules/(@[^/]+/)?[^/]+$' | sort -u | wc -l)
scripts=$(for f in $(find node_modules -name package.json); do node -e 'const p=require(process.argv[1]); const s=p.scripts||{}; if (p.name && (s.install||s.preinstall||s.postinstall)) console.log(p.name)' "$PWD/$f"; done | sort -u | tr '\n' ' ')
echo "$(grep -E '^added' "$work/install.log")"
printf 'packages: %s, seconds: %.1f, with install scripts: %s\n' "$packages" "$(echo "$end - $start" | bc)" "${scripts:-none}"
du -sh node_modules | sed 's/^/node_modules size: /'
npx --no-install tsprof --version
