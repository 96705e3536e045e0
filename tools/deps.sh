#!/bin/sh
# Install what building and testing lrsd needs, when it is missing
# (Debian 12; run as root, or have sudo).  Safe to run again: it only
# calls apt-get when a package is absent.
set -eu
pkgs="make gcc libc6-dev pkg-config liblmdb-dev libyajl-dev libssl-dev uuid-dev libjemalloc-dev json-schema-test-suite lmdb-utils prometheus"
# The console tests drive Debian's Chromium (tests/console, playwright-core).
pkgs="$pkgs chromium"
# The TLS proxy of docker/ is tested outside Docker (tests/proxy/proxy.py).
pkgs="$pkgs nginx openssl"
# tools/bench_ir.py counts the writer's instructions under callgrind.
pkgs="$pkgs valgrind"
# Tests also run Node.js (schema checks with ajv) and Python 3 (the tiering
# scenario); a machine that has them from elsewhere keeps its own.
command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"
command -v python3 >/dev/null 2>&1 || pkgs="$pkgs python3"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
