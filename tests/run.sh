#!/bin/sh
# Run every test in DIR (unit_* first, then http_* against LRSD), then the
# fuzz corpora replayed (tests/fuzz/replay.sh), the schema and OpenAPI
# checks, the console in headless Chromium, the TLS
# proxy of docker/ (tests/proxy) and the tiering crash, late-definition and
# scenario tests
# against LRSD; print each one's output and end with the summed
# "N passed, N failed", after a recap of every test that failed and its
# FAIL lines (so a log cut to its tail still names them).
# SCENARIO_SCALE (default 1) scales the scenario (the sanitizer build runs
# a smaller one).
dir=$1; lrsd=$2
passed=0; failed=0
recap=$(mktemp); trap 'rm -f "$recap"' EXIT

run() {
	name=$1; shift
	out=$("$@" 2>&1); rc=$?
	printf '%s\n' "$out" | sed "s|^|$name: |"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
	if [ -z "$line" ]; then
		echo "$name: crashed or printed no summary (exit $rc)"
		echo "$name: crashed or printed no summary (exit $rc)" >>"$recap"
		failed=$((failed + 1)); return
	fi
	p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
	passed=$((passed + p)); failed=$((failed + f))
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && failed=$((failed + 1))
	if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
		echo "$name: $f failed (exit $rc)" >>"$recap"
		printf '%s\n' "$out" | grep -A2 '^FAIL' | head -40 |
		    sed "s|^|  $name: |" >>"$recap"
	fi
}

for t in "$dir"/unit_* "$dir"/http_*; do
	case "$t" in *.o|*'*'*) continue ;; esac
	[ -x "$t" ] || continue
	run "$(basename "$t")" env LRSD="$lrsd" "$t"
done
run fuzz-replay sh tests/fuzz/replay.sh "$dir/fuzz"
run schemas sh tests/schemas/run.sh
run openapi sh tests/openapi/run.sh "$lrsd"
run console sh tests/console/run.sh "$lrsd"
run proxy python3 tests/proxy/proxy.py --lrsd "$lrsd"
run tiering-crash python3 tests/tiering/crash.py --lrsd "$lrsd"
run tiering-late python3 tests/tiering/late.py --lrsd "$lrsd"
run tiering-scenario python3 tests/scenario/tiering.py --lrsd "$lrsd" \
    --scale "${SCENARIO_SCALE:-1}"
if [ -s "$recap" ]; then echo "== failed"; cat "$recap"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
