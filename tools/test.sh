#!/bin/sh
# Install what is missing, then build with -Werror and run every test
# (unit, HTTP against a real server on loopback, tiering scenarios), then
# the same under AddressSanitizer/UBSan.  Ends with "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
make -s test
