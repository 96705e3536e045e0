#!/bin/sh
# Run every test binary in DIR (unit_* first, then http_* against LRSD),
# print each one's output, and end with the summed "N passed, N failed".
dir=$1; lrsd=$2
passed=0; failed=0
for t in "$dir"/unit_* "$dir"/http_*; do
	case "$t" in *.o|*'*'*) continue ;; esac
	[ -x "$t" ] || continue
	out=$(LRSD="$lrsd" "$t" 2>&1); rc=$?
	printf '%s\n' "$out" | sed "s|^|$(basename "$t"): |"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
	if [ -z "$line" ]; then
		echo "$(basename "$t"): crashed or printed no summary (exit $rc)"
		failed=$((failed + 1)); continue
	fi
	p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
	passed=$((passed + p)); failed=$((failed + f))
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && failed=$((failed + 1))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
