#!/bin/sh
# Drive the admin console and the partner scorecard in headless Chromium
# against a live LRSD (the argument): installs the pinned playwright-core
# from package-lock.json when node_modules is missing (it uses Debian's
# /usr/bin/chromium, installed by tools/deps.sh, never a browser download),
# then runs console.mjs, which ends with "N passed, M failed".
set -eu
lrsd=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")"
if [ ! -d node_modules ]; then
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >&2
fi
exec node console.mjs "$lrsd"
