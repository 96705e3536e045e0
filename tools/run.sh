#!/bin/sh
# Install what is missing, build, and start lrsd on the embedded default:
# LMDB in ./data, http://127.0.0.1:8080/xapi.  On the first start of an
# empty store it prints an admin credential (or uses LRSD_ADMIN=KEY:SECRET).
# Extra arguments go to `lrsd serve` (see bin/lrsd --help).
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
make -s
exec bin/lrsd serve "$@"
