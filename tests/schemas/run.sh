#!/bin/sh
# Check schemas/ (JSON Schemas, examples, xAPI Profile): installs the pinned
# ajv from package-lock.json when node_modules is missing, then runs check.js,
# which ends with "N passed, M failed" and exits non-zero when M > 0.
set -eu
cd "$(dirname "$0")"
if [ ! -d node_modules ]; then
	npm ci --no-audit --no-fund >&2
fi
exec node check.js
