#!/bin/sh
# Check openapi/openapi.json against OpenAPI 3.1, the routes in the C
# sources and a live LRSD (the argument): installs the pinned validator
# from package-lock.json when node_modules is missing, then runs check.mjs,
# which ends with "N passed, M failed" and exits non-zero when M > 0.
set -eu
lrsd=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")"
if [ ! -d node_modules ]; then
	npm ci --no-audit --no-fund >&2
fi
exec node check.mjs "$lrsd"
