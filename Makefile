# lrsd: an xAPI Learning Record Store with a partner-tiering engine.
#
#   make            build bin/lrsd
#   make test       build with -Werror and run every test; ends "N passed, N failed"
#   make sanitize   the same tests built with AddressSanitizer and UBSan
#   make bench      load figures on a store of 1M statements (tools/bench.md)
#   make fuzz       libFuzzer over the parsers
#   make soak       30 minutes of mixed load, resources sampled (SOAK_SECONDS)
#   make clean

CC      ?= cc
PKGS    := lmdb yajl openssl uuid
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Werror -Wstrict-prototypes \
           -Wmissing-prototypes -Wshadow -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -Ilrs -Itiering $(shell pkg-config --cflags $(PKGS))
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lcrypto -lpthread -lm $(MALLOC_LIBS)
# jemalloc instead of glibc's malloc: the tiering engine's fold lives on
# small JSON nodes, and spends about a quarter less CPU with it (replay of
# 225k statements: 17.3 s of CPU -> 13.1 s; tools/bench.md).  The
# sanitizer build keeps its own allocator.  MALLOC_LIBS= builds without.
MALLOC_LIBS ?= -ljemalloc

BUILD   ?= build
SCENARIO_SCALE ?= 1
BIN     ?= bin

LIB_SRC := $(filter-out lrs/main.c,$(wildcard lrs/*.c)) $(wildcard tiering/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tier_schemas.o \
           $(BUILD)/openapi.o $(BUILD)/console_files.o
CONSOLE := $(sort $(shell find admin -type f))
SCHEMAS := $(wildcard schemas/*.schema.json)
UNIT_SRC := $(wildcard tests/unit_*.c)
UNIT_BIN := $(UNIT_SRC:tests/%.c=$(BUILD)/tests/%)
HTTP_SRC := $(wildcard tests/http_*.c)
HTTP_BIN := $(HTTP_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_LIB := $(filter-out tests/unit_%.c tests/http_%.c,$(wildcard tests/*.c))
TEST_OBJ := $(TEST_LIB:%.c=$(BUILD)/%.o)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

all: $(BIN)/lrsd

$(BUILD)/%.o: %.c $(wildcard lrs/*.h tiering/*.h tests/*.h)
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

# The JSON Schemas of schemas/ are built into the binary.
$(BUILD)/tier_schemas.c: $(SCHEMAS) tools/embed-schemas.sh
	@mkdir -p $(dir $@)
	@sh tools/embed-schemas.sh $(SCHEMAS) > $@

$(BUILD)/tier_schemas.o: $(BUILD)/tier_schemas.c tiering/tier_schemas.h
	@$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

# So is the OpenAPI description that GET /openapi.json answers.
$(BUILD)/openapi.c: openapi/openapi.json tools/embed-openapi.sh
	@mkdir -p $(dir $@)
	@sh tools/embed-openapi.sh openapi/openapi.json > $@

$(BUILD)/openapi.o: $(BUILD)/openapi.c lrs/openapi.h
	@$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

# And the admin console's files (admin/), served under /admin/.
$(BUILD)/console_files.c: $(CONSOLE) tools/embed-console.sh
	@mkdir -p $(dir $@)
	@sh tools/embed-console.sh $(CONSOLE) > $@

$(BUILD)/console_files.o: $(BUILD)/console_files.c lrs/console.h
	@$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(BUILD)/liblrs.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BIN)/lrsd: $(BUILD)/lrs/main.o $(BUILD)/liblrs.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_OBJ) $(BUILD)/liblrs.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

# Failure injection (lrs/fault.h): the files with FAULT() seams are built
# once more with -DLRS_FAULTS and linked ahead of liblrs.a (whose copies
# are then never pulled in) into the tests named *_faults and into
# lrsd-faults, the server those tests run.  Nothing else has the seams.
FAULT_SRC := $(filter-out lrs/main.c,$(shell grep -l '"fault.h"' lrs/*.c))
FAULT_OBJ := $(FAULT_SRC:%.c=$(BUILD)/fault/%.o)
FAULT_TESTS := $(filter %_faults,$(UNIT_BIN) $(HTTP_BIN))

$(BUILD)/fault/%.o: %.c $(wildcard lrs/*.h tiering/*.h tests/*.h)
	@mkdir -p $(dir $@)
	@echo "CC $< (faults)"
	@$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -DLRS_FAULTS -c -o $@ $<

$(FAULT_TESTS): %: %.o $(TEST_OBJ) $(FAULT_OBJ) $(BUILD)/liblrs.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/lrsd-faults: $(BUILD)/fault/lrs/main.o $(FAULT_OBJ) \
    $(BUILD)/tests/fault.o $(BUILD)/liblrs.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

# The fuzz targets once more without libFuzzer, each linked with
# tests/fuzz/replay.c as main and built like the tests (so the sanitizer
# build has ASan and UBSan): tests/fuzz/replay.sh replays the committed
# corpora (tests/fuzz/corpus/), seeds and tests/data through them.
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/fuzz/%)

$(REPLAY_BIN): $(BUILD)/tests/fuzz/%: $(BUILD)/tests/fuzz/%.o \
    $(BUILD)/tests/fuzz/replay.o $(BUILD)/liblrs.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

tests: $(UNIT_BIN) $(HTTP_BIN) $(BIN)/lrsd $(BUILD)/tests/lrsd-faults \
    $(REPLAY_BIN)

test: tests check-deps
	@SCENARIO_SCALE=$(SCENARIO_SCALE) sh tests/run.sh $(BUILD)/tests $(BIN)/lrsd

# Dependencies point one way: tiering/ uses lrs/, and nothing in lrs/ but
# main.c (which wires the server together) includes a tiering/ header.
check-deps:
	@bad=$$(for h in tiering/*.h; do grep -l "#include \"$$(basename $$h)\"" \
	    $$(ls lrs/*.c lrs/*.h | grep -v '^lrs/main.c$$'); done | sort -u); \
	if [ -n "$$bad" ]; then echo "lrs/ includes tiering/ headers: $$bad"; exit 1; fi

sanitize:
	$(MAKE) BUILD=build-san BIN=build-san/bin \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fsanitize=address,undefined" MALLOC_LIBS= \
	    SCENARIO_SCALE=0.25 test

# make bench: every figure of issue 8 on a store of 1,000,000 generated
# statements (about 10 minutes), then the tiering bench (tools/bench.md).
# BENCH_ARGS="--statements 20000" for a quick run, "--keep DIR" to preload
# once and reuse it.  make test runs it at a tiny size (tests/http_bench.c).
BENCH_SRC = tools/bench.c tools/stmtgen.c tools/procstat.c
$(BUILD)/bench: $(BENCH_SRC) tools/stmtgen.h tools/procstat.h $(BUILD)/liblrs.a
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -Itools -o $@ $(BENCH_SRC) $(BUILD)/liblrs.a $(LDLIBS)

$(BUILD)/tests/http_bench: | $(BUILD)/bench

# TIER_BENCH_ARGS, e.g. "--statements 100000" for a shorter tiering run.
bench: $(BIN)/lrsd $(BUILD)/bench
	@$(BUILD)/bench $(BIN)/lrsd $(BENCH_ARGS)
	@python3 tools/bench_tiering.py --lrsd $(BIN)/lrsd $(TIER_BENCH_ARGS)

# Mixed valid and hostile load for SOAK_SECONDS against a fresh server,
# failing if its memory, fds or threads grow or a statement is lost
# (tools/soak.py).  Not part of make test.
SOAK_SECONDS ?= 1800
soak: $(BIN)/lrsd
	python3 tools/soak.py --lrsd $(BIN)/lrsd --seconds $(SOAK_SECONDS)

clean:
	rm -rf build build-san build-fuzz bin

.PHONY: all test tests sanitize bench clean check-deps soak
.SECONDARY:

# Coverage-guided fuzzing of the parsers (clang + libFuzzer):
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="fuzz_json fuzz_utf8"]
# Each target keeps its corpus in build-fuzz/corpus-<target> and its log
# (with libFuzzer's final stats) in build-fuzz/<target>.log.
# make fuzz-cov reports the line coverage of that corpus (tools/fuzz.md).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_BIN := $(FUZZ_TARGETS:%=build-fuzz/%)
FUZZ_LIB := $(filter-out lrs/main.c lrs/server.c lrs/console.c,$(wildcard lrs/*.c))
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Ilrs

build-fuzz/%: tests/fuzz/%.c $(FUZZ_LIB) $(wildcard lrs/*.h)
	@mkdir -p build-fuzz
	clang $(FUZZ_FLAGS) $(shell pkg-config --cflags $(PKGS)) -o $@ $< \
	    $(FUZZ_LIB) $(shell pkg-config --libs $(PKGS)) -lcrypto -lpthread -lm

fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	    t=$$(basename $$f); mkdir -p build-fuzz/corpus-$$t; \
	    echo "fuzzing $$f for $(FUZZ_SECONDS)s"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	        -print_final_stats=1 -artifact_prefix=build-fuzz/$$t- \
	        build-fuzz/corpus-$$t tests/data/good \
	        $$(ls -d tests/fuzz/seeds/$$t 2>/dev/null) \
	        > build-fuzz/$$t.log 2>&1; rc=$$?; \
	    grep -E '^(stat::|Done|#[0-9]+.*DONE)|ERROR|SUMMARY' build-fuzz/$$t.log; \
	    [ $$rc -eq 0 ] || exit 1; \
	done

# The same targets built for source-based coverage, replayed over their
# corpora: one llvm-cov report line per file of lrs/ that the target reached.
COV_FLAGS := -g -O0 -std=c11 -D_GNU_SOURCE -Ilrs -fprofile-instr-generate \
             -fcoverage-mapping $(shell pkg-config --cflags $(PKGS))
COV_OBJ := $(FUZZ_LIB:%.c=build-fuzz/cov/%.o)

build-fuzz/cov/%.o: %.c $(wildcard lrs/*.h)
	@mkdir -p $(dir $@)
	@clang $(COV_FLAGS) -c -o $@ $<

build-fuzz/cov/%: tests/fuzz/%.c tests/fuzz/replay.c $(COV_OBJ)
	clang $(COV_FLAGS) -o $@ $< tests/fuzz/replay.c $(COV_OBJ) \
	    $(shell pkg-config --libs $(PKGS)) -lcrypto -lpthread -lm

fuzz-cov: $(FUZZ_TARGETS:%=build-fuzz/cov/%)
	@for t in $(FUZZ_TARGETS); do \
	    LLVM_PROFILE_FILE=build-fuzz/cov/$$t.profraw build-fuzz/cov/$$t \
	        build-fuzz/corpus-$$t tests/data/good \
	        $$(ls -d tests/fuzz/seeds/$$t 2>/dev/null) >/dev/null 2>&1 || exit 1; \
	    llvm-profdata merge -sparse -o build-fuzz/cov/$$t.profdata \
	        build-fuzz/cov/$$t.profraw || exit 1; \
	    echo "== $$t"; \
	    llvm-cov report build-fuzz/cov/$$t \
	        -instr-profile=build-fuzz/cov/$$t.profdata $(FUZZ_LIB) | \
	        awk '$$2 != $$3 || NR <= 2'; \
	done

.PHONY: fuzz fuzz-cov
