#!/bin/sh
# Install what is missing, then build with -Werror and run every test
# (unit, HTTP against a real server on loopback), once as a normal build
# and once under AddressSanitizer + UBSan.  Ends with the summed
# "N passed, N failed"; exits non-zero when anything failed.
set -u
cd "$(dirname "$0")/.."
sh tools/deps.sh || exit 1
log=$(mktemp); recap=$(mktemp)
trap 'rm -f "$log" "$recap"' EXIT
passed=0; failed=0; rc=0
for target in test sanitize; do
	echo "== make $target"
	make -s "$target" 2>&1 | tee "$log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
	if [ -z "$line" ]; then
		echo "make $target did not finish its tests"
		failed=$((failed + 1)); rc=1; continue
	fi
	p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
	passed=$((passed + p)); failed=$((failed + f))
	sed -n '/^== failed$/,$p' "$log" | grep -v -E '^(== failed|[0-9]+ passed, [0-9]+ failed)$' |
	    sed "s|^|make $target: |" >>"$recap"
done
if [ -s "$recap" ]; then echo "== failed"; cat "$recap"; fi
[ "$failed" -eq 0 ] || rc=1
echo "$passed passed, $failed failed"
exit $rc
