# Kafaat build. Two commands matter on a new machine: `make run` and
# `make test` (see README.md). Everything else here is optional detail.

PKGS      := libmicrohttpd jansson sqlite3 libpq libsodium libutf8proc inih libcurl xlsxwriter
CC        ?= cc
OPT       ?= -O2
WARN      := -std=c17 -Wall -Wextra -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral \
             -Wpointer-arith -Wvla -Wno-missing-field-initializers
CPPFLAGS  += -D_GNU_SOURCE -Isrc -Ibuild/gen
CFLAGS    += $(OPT) -g $(WARN) $(EXTRA_CFLAGS)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

# Build flavours: the normal one in build/, and ASan+UBSan in build/asan/.
ASAN_FLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined

LIB_SRC   := $(sort $(filter-out src/cli/main.c,$(wildcard src/*/*.c)))
MIGRATIONS:= $(sort $(wildcard db/migrations/*.sql))
GEN_SRC   := build/gen/migrations_gen.c
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))

.PHONY: all fuzz deps deps-test unit-bins unit-bins-asan assets run test test-unit test-http test-browser test-asan lint \
        format clean demo-db bench fuzz

all: bin/kafaat

deps:
	@scripts/deps.sh

deps-test:
	@scripts/deps.sh test

build/gen/migrations_gen.c: $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p build/gen
	scripts/embed-migrations.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

build/obj/%.o: src/%.c $(GEN_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

build/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

build/asan/obj/%.o: src/%.c $(GEN_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(ASAN_FLAGS) -MMD -MP -c $< -o $@

build/asan/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(ASAN_FLAGS) -c $< -o $@

build/libkafaat.a: $(patsubst src/%.c,build/obj/%.o,$(LIB_SRC)) build/obj/gen/migrations_gen.o
	@rm -f $@
	ar rcs $@ $^

build/asan/libkafaat.a: $(patsubst src/%.c,build/asan/obj/%.o,$(LIB_SRC)) build/asan/obj/gen/migrations_gen.o
	@rm -f $@
	ar rcs $@ $^

bin/kafaat: build/obj/cli/main.o build/libkafaat.a
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

bin/kafaat-asan: build/asan/obj/cli/main.o build/asan/libkafaat.a
	@mkdir -p bin
	$(CC) $(CFLAGS) $(ASAN_FLAGS) -o $@ $^ $(PKG_LIBS)

# Unit tests: one cmocka program per tests/unit/test_*.c.
build/tests/%: tests/unit/%.c build/libkafaat.a
	@mkdir -p build/tests
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka

build/asan/tests/%: tests/unit/%.c build/asan/libkafaat.a
	@mkdir -p build/asan/tests
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(ASAN_FLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka

UNIT_BIN      := $(patsubst tests/unit/%.c,build/tests/%,$(UNIT_SRC))
UNIT_BIN_ASAN := $(patsubst tests/unit/%.c,build/asan/tests/%,$(UNIT_SRC))

unit-bins: $(UNIT_BIN)
unit-bins-asan: $(UNIT_BIN_ASAN)

# powerfs: a FUSE file system that can lose power, for the power-loss test
# (tests/hardening/powerfs.c, docs/HARDENING.md). Tests only.
build/powerfs: tests/hardening/powerfs.c
	@mkdir -p build
	$(CC) -std=c17 -O2 -g -Wall -Wextra $$(pkg-config --cflags fuse3) -o $@ $< $$(pkg-config --libs fuse3)

# Fuzzers (libFuzzer, clang): one per parser we own, tests/fuzz/fuzz_*.c.
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN   := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined
FUZZ_SECONDS ?= 60

build/fuzz/obj/%.o: src/%.c $(GEN_SRC)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(PKG_CFLAGS) -std=c17 $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

build/fuzz/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(PKG_CFLAGS) -std=c17 $(FUZZ_FLAGS) -c $< -o $@

build/fuzz/libkafaat.a: $(patsubst src/%.c,build/fuzz/obj/%.o,$(LIB_SRC)) build/fuzz/obj/gen/migrations_gen.o
	@rm -f $@
	ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/libkafaat.a
	clang $(CPPFLAGS) $(PKG_CFLAGS) -std=c17 $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

# Benchmarks (not timed tests): every bench/*.sh, each writing its report
# to bench/results/ with the machine line (docs/BENCHMARKS.md).
bench: all
	@scripts/deps.sh bench
	@for b in bench/*.sh; do echo "bench: $$b"; $$b || exit 1; done
bench-http: all
	@scripts/deps.sh bench && bench/http.sh
# The program of bench/search.sh, linked like a unit test.
build/bench/search_bench: bench/search_bench.c build/libkafaat.a
	@mkdir -p build/bench
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

# Matching quality on generated data with a hidden truth: nDCG@10 and
# recall@20 of the matcher and two baselines (docs/BENCHMARKS.md);
# EVAL_EXPERTS (2000), EVAL_NEEDS (100), EVAL_SEED (1).
.PHONY: eval
eval: all
	@scripts/node.sh node bench/eval.mjs

assets:
	@scripts/assets.sh

run: deps
	@$(MAKE) --no-print-directory all assets
	@scripts/run.sh

test: deps-test
	@$(MAKE) --no-print-directory all bin/kafaat-asan unit-bins unit-bins-asan build/powerfs assets
	@scripts/test.sh
# sqlmap against the search and form endpoints, long run (scripts/sqlmap.sh;
# the hardening suite runs a short one). valgrind memcheck over the unit
# programs and a served HTTP smoke run (scripts/valgrind.sh; VG_PARTS=suite
# runs tests/http files under memcheck, VG_FILES to choose them).
.PHONY: sqlmap valgrind crash powerloss
sqlmap: all
	@scripts/sqlmap.sh
valgrind: all unit-bins
	@scripts/valgrind.sh
powerloss: all build/powerfs ; @POWER_CUTS=$(or $(POWER_CUTS),100) TEST_BIN=bin/kafaat scripts/node.sh node --test --test-reporter=spec tests/hardening/powerloss.test.mjs
crash: all ; @CRASH_KILLS=$(or $(CRASH_KILLS),200) TEST_BIN=bin/kafaat scripts/node.sh node --test --test-reporter=spec tests/hardening/crash.test.mjs

lint:
	@scripts/lint.sh

format:
	clang-format -i $(LIB_SRC) src/cli/main.c $(UNIT_SRC)

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
