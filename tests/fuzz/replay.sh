#!/bin/sh
# Replay every past fuzzing input as a regression test: each fuzz target
# of DIR (built without libFuzzer, tests/fuzz/replay.c as main) over its
# committed corpus (tests/fuzz/corpus/<target>, crashing inputs included),
# its seeds (tests/fuzz/seeds/<target>) and tests/data/good and bad.  A
# target passes when it exits 0: no abort from its own checks, no
# sanitizer report in the sanitizer build.  One check per target; ends
# with "N passed, N failed".
dir=$1
passed=0; failed=0
for bin in "$dir"/fuzz_*; do
	case "$bin" in *.o|*'*'*) continue ;; esac
	t=$(basename "$bin")
	if [ ! -d "tests/fuzz/corpus/$t" ]; then
		echo "FAIL $t: no committed corpus tests/fuzz/corpus/$t"
		failed=$((failed + 1)); continue
	fi
	n=$(ls "tests/fuzz/corpus/$t" | wc -l)
	out=$("$bin" "tests/fuzz/corpus/$t" $(ls -d "tests/fuzz/seeds/$t" \
	    2>/dev/null) tests/data/good tests/data/bad 2>&1); rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "ok $t: $n corpus inputs, seeds and tests/data replayed"
		passed=$((passed + 1))
	else
		printf '%s\n' "$out" | tail -20
		echo "FAIL $t: exit $rc replaying its inputs"
		failed=$((failed + 1))
	fi
done
if [ $((passed + failed)) -eq 0 ]; then
	echo "FAIL no fuzz target in $dir"
	failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
