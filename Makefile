# hermetic: runs a Python program in-process with chosen capabilities blocked.
#
#   make              build build/hermetic and build/hermetic-python
#   make check        unit tests (Check) and integration tests (pytest)
#   make demo         build, then run examples/demo.sh: a hostile program under block-all
#   make bench        measure against /usr/bin/python3, write BENCHMARKS.md
#   make deps         install the Debian packages the build and tests need
#   make check-sanitize  make check with ASan and UBSan, in build-sanitize
#   make check-valgrind  the core integration tests under valgrind (slow)
#   make fuzz         replay fuzz/regressions, then run each libFuzzer harness
#                     for FUZZ_SECONDS (30) with ASan and UBSan (clang)
#   make install      PREFIX=/usr/local, DESTDIR for staging
#
# hermetic embeds Debian's CPython 3.11. Its flags come from
# /usr/bin/python3-config, never from whichever python3-config is first on
# PATH (a pyenv or conda one would embed a different interpreter).

VERSION   = 2.0.0

CC       ?= cc
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share/hermetic
MANDIR   ?= $(PREFIX)/share/man
DESTDIR  ?=

PYTHON        ?= /usr/bin/python3
PYTHON_CONFIG ?= /usr/bin/python3-config
BUILD         ?= build

# Warnings are errors: the supported compilers are Debian 12's gcc and clang.
WERROR   ?= -Werror
WARNINGS  = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wvla -Wundef $(WERROR)
CFLAGS   ?= -O2 -g
HARDEN    = -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
CPPFLAGS_ALL = -Iinclude -D_GNU_SOURCE -DHERMETIC_VERSION='"$(VERSION)"' \
               -DHERMETIC_DATADIR='"$(DATADIR)/profiles"' \
               -DHERMETIC_PYTHON='"$(PYTHON)"' $(CPPFLAGS)

# Python: headers as system headers (their warnings are not ours to fix).
PY_CONFIGDIR := $(shell $(PYTHON_CONFIG) --configdir 2>/dev/null)
PY_INCLUDES  := $(patsubst -I%,-isystem %,$(shell $(PYTHON_CONFIG) --includes 2>/dev/null))
# The static libpython, linked into a position-dependent executable as
# Debian links /usr/bin/python3 itself: with the same PGO-built objects,
# Python code runs within a few percent of /usr/bin/python3, where the
# position-independent libpython3.11-pic.a or the shared library execute
# about 17% more instructions (callgrind, bench/compute.py) and start
# slower. -Wl,-E exports its symbols to the extension modules in
# lib-dynload.
PY_STATIC    := $(PY_CONFIGDIR)/libpython3.11.a
PY_LIBS       = $(PY_STATIC) -Wl,-E -lm -lz -lexpat -ldl -lpthread -lutil

YAML_CFLAGS  := $(shell pkg-config --cflags yaml-0.1 2>/dev/null)
YAML_LIBS    := $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

# Decision code: pure C, no Python.h, unit-tested with Check.
DECISION_SRC = src/alloc.c src/error.c src/log.c src/strlist.c src/textbuf.c src/cli.c \
               src/policy.c src/profile.c src/netaddr.c src/netpolicy.c \
               src/pathrule.c src/resolve.c src/violations.c src/hosts.c \
               src/fspolicy.c src/fscache.c src/procpolicy.c src/nativepolicy.c src/envscrub.c src/kernel.c \
               src/codepolicy.c
# Adapters: embed CPython and turn audit events into decisions.
ADAPTER_SRC  = src/host.c src/hook.c src/module.c src/api.c src/patches.c src/paths.c \
               src/guards/network.c src/guards/subprocess.c src/guards/filesystem.c \
               src/guards/native.c src/guards/interpreter.c src/guards/imports.c \
               src/guards/code.c src/guards/seal.c src/sqlite_guard.c
MAIN_SRC     = src/main.c

DECISION_OBJ = $(DECISION_SRC:%.c=$(BUILD)/%.o)
ADAPTER_OBJ  = $(ADAPTER_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ     = $(MAIN_SRC:%.c=$(BUILD)/%.o)

# The hermetic module for a plain python3, from the same sources.
EXT_SUFFIX  := $(shell $(PYTHON_CONFIG) --extension-suffix 2>/dev/null)
EXT_SRC      = $(filter-out src/host.c src/sqlite_guard.c,$(ADAPTER_SRC)) $(DECISION_SRC)
EXT_OBJ      = $(EXT_SRC:%.c=$(BUILD)/pic/%.o)
EXT_MODULE   = $(BUILD)/python/hermetic$(EXT_SUFFIX)
PY_SITEDIR  ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/lib/python3/dist-packages,$(PREFIX)/lib/python3.11/dist-packages)

UNIT_SRC     = $(sort $(wildcard tests/unit/check_*.c)) tests/unit/runner.c
UNIT_OBJ     = $(UNIT_SRC:%.c=$(BUILD)/%.o)
UNIT_SUITES  = $(patsubst tests/unit/check_%.c,%,$(filter tests/unit/check_%.c,$(UNIT_SRC)))

PYTEST_ARGS ?=

# make V=1 shows the full compiler command lines.
ifeq ($(V),1)
Q =
else
Q = @
endif

.PHONY: all check unit integration demo bench bench-smoke deps install uninstall clean \
        fuzz fuzz-build check-sanitize check-valgrind FORCE

all: $(BUILD)/hermetic $(BUILD)/hermetic-python $(BUILD)/profiles $(EXT_MODULE)

$(BUILD)/hermetic: $(MAIN_OBJ) $(ADAPTER_OBJ) $(DECISION_OBJ) $(HOST_EXTRA_OBJ) | python-check
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) -no-pie $(LDFLAGS) -o $@ $^ $(YAML_LIBS) $(PY_LIBS)

# The module's own flags: check-sanitize builds it without sanitizers,
# because /usr/bin/python3 cannot load a module linked with the ASan runtime.
EXT_CFLAGS  ?= $(CFLAGS)
EXT_LDFLAGS ?= $(LDFLAGS)

$(EXT_MODULE): $(EXT_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(EXT_CFLAGS) -shared $(EXT_LDFLAGS) -o $@ $^ $(YAML_LIBS)

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (module)")
	$(Q)$(CC) $(CPPFLAGS_ALL) $(PY_INCLUDES) $(YAML_CFLAGS) -I$(BUILD)/gen -DHERMETIC_EXTENSION $(WARNINGS) \
	    -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC $(EXT_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/pic/src/module.o: $(BUILD)/gen/api_source.h

$(BUILD)/hermetic-python: $(BUILD)/hermetic
	$(Q)ln -sf hermetic $@

# Run from the build directory, hermetic finds the shipped profiles here.
$(BUILD)/profiles:
	@mkdir -p $(BUILD)
	$(Q)ln -sfn ../profiles $@

$(BUILD)/src/profile.o: CPPFLAGS_ALL += $(YAML_CFLAGS)

# src/api.py, compiled into the hermetic module as a string.
$(BUILD)/gen/api_source.h: src/api.py tools/embed.py
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) tools/embed.py API_SOURCE src/api.py > $@.tmp && mv $@.tmp $@

$(BUILD)/src/module.o: $(BUILD)/gen/api_source.h
$(BUILD)/src/module.o: CPPFLAGS_ALL += -I$(BUILD)/gen
$(ADAPTER_OBJ) $(MAIN_OBJ): CPPFLAGS_ALL += $(PY_INCLUDES)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS_ALL) $(WARNINGS) $(HARDEN) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/unit/%.o: CPPFLAGS_ALL += $(CHECK_CFLAGS) -Itests/unit -I$(BUILD)/tests/unit \
                                         -DTEST_DATA_DIR='"$(CURDIR)/tests/data"'

# One SUITE(name) line per tests/unit/check_<name>.c, for runner.c.
$(BUILD)/tests/unit/suites.inc: FORCE
	@mkdir -p $(dir $@)
	@printf 'SUITE(%s)\n' $(UNIT_SUITES) > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

$(UNIT_OBJ): $(BUILD)/tests/unit/suites.inc

$(BUILD)/check_unit: $(UNIT_OBJ) $(DECISION_OBJ)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) -pie $(LDFLAGS) -o $@ $^ $(YAML_LIBS) $(CHECK_LIBS)

python-check:
	@test -f "$(PY_STATIC)" || { \
	  echo "hermetic: $(PY_STATIC) not found: install libpython3.11-dev (make deps)" >&2; exit 1; }

check: unit integration

unit: $(BUILD)/check_unit
	$(BUILD)/check_unit

integration: all
	HERMETIC_BUILD=$(CURDIR)/$(BUILD) $(PYTHON) -m pytest -q tests/integration $(PYTEST_ARGS)

demo: all
	@sh examples/demo.sh $(BUILD)/hermetic

# Benchmarks: a measurement, not a test. BENCH_RUNS sets the runs per
# command; bench-smoke runs each benchmark program once, for CI.
BENCH_RUNS ?= 30
NULL_HOOK   = $(BUILD)/bench/nullhook$(EXT_SUFFIX)

$(NULL_HOOK): bench/nullhook.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (benchmark)")
	$(Q)$(CC) $(CFLAGS) -fPIC -shared $(PY_INCLUDES) $(WARNINGS) -o $@ $<

EMBEDDER    = $(BUILD)/bench/python3-embedded

$(EMBEDDER): bench/embed.c | python-check
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (benchmark)")
	$(Q)$(CC) $(CFLAGS) -no-pie $(PY_INCLUDES) $(WARNINGS) -o $@ $< $(PY_LIBS)

bench: all $(NULL_HOOK) $(EMBEDDER)
	$(PYTHON) bench/run.py --build $(BUILD) --runs $(BENCH_RUNS) --output BENCHMARKS.md

bench-smoke: all $(NULL_HOOK) $(EMBEDDER)
	$(PYTHON) bench/run.py --build $(BUILD) --smoke

# Installs the Debian packages that building and testing need. As root it
# runs apt-get; otherwise it prints the command to run.
DEB_PACKAGES = build-essential clang pkg-config libpython3-dev libyaml-dev check \
               python3-venv httpie python3-requests python3-pytest python3-cffi python3-build \
               hyperfine libclang-rt-14-dev valgrind

deps:
	@sh tools/deps.sh $(DEB_PACKAGES)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/profiles $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(BUILD)/hermetic $(DESTDIR)$(BINDIR)/hermetic
	ln -sf hermetic $(DESTDIR)$(BINDIR)/hermetic-python
	install -m 0644 profiles/*.yaml $(DESTDIR)$(DATADIR)/profiles/
	install -m 0644 man/hermetic.1 $(DESTDIR)$(MANDIR)/man1/hermetic.1
	install -m 0644 man/hermetic-python.1 $(DESTDIR)$(MANDIR)/man1/hermetic-python.1
	install -m 0644 man/hermetic-profile.5 $(DESTDIR)$(MANDIR)/man5/hermetic-profile.5
	install -d $(DESTDIR)$(PY_SITEDIR)
	install -m 0644 $(EXT_MODULE) $(DESTDIR)$(PY_SITEDIR)/hermetic$(EXT_SUFFIX)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hermetic $(DESTDIR)$(BINDIR)/hermetic-python
	rm -f $(DESTDIR)$(MANDIR)/man1/hermetic.1 $(DESTDIR)$(MANDIR)/man1/hermetic-python.1
	rm -f $(DESTDIR)$(MANDIR)/man5/hermetic-profile.5
	rm -f $(DESTDIR)$(PY_SITEDIR)/hermetic$(EXT_SUFFIX)
	rm -rf $(DESTDIR)$(DATADIR)

# ----- sanitizers -----
# make check against a build with AddressSanitizer and UBSan in its own
# directory: hermetic, hermetic-python and the unit tests; the module for
# /usr/bin/python3 runs the same code unsanitized. The sanitized hermetic
# allocates Python objects with malloc, so ASan sees them too, and has its
# options and the suppressions of tests/sanitize/lsan.supp (CPython's own
# leaks, each with its reason) built in. SANITIZE_ENV gives the same
# options to the unit tests, with four times Check's time limits. fast_unwind_on_malloc=0 gives full allocation
# stacks through libpython, which has no frame pointers.
SANITIZE_BUILD ?= build-sanitize
SANITIZE_FLAGS  = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
SANITIZE_ENV    = CK_TIMEOUT_MULTIPLIER=4 \
                  ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=64:exitcode=86 \
                  LSAN_OPTIONS=print_suppressions=0:exitcode=86 \
                  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=86

check-sanitize:
	$(SANITIZE_ENV) $(MAKE) BUILD=$(SANITIZE_BUILD) CFLAGS="-O1 -g $(SANITIZE_FLAGS)" \
	    LDFLAGS="$(SANITIZE_FLAGS)" EXT_CFLAGS="-O1 -g" EXT_LDFLAGS= \
	    HOST_EXTRA_OBJ=$(SANITIZE_BUILD)/tests/sanitize/defaults.o check

# The sanitizer options and suppressions, built into hermetic so that they
# hold in children whose environment was emptied (tests/sanitize/defaults.c).
$(BUILD)/gen/lsan_supp.h: tests/sanitize/lsan.supp tools/embed.py
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) tools/embed.py LSAN_SUPPRESSIONS tests/sanitize/lsan.supp > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/sanitize/defaults.o: $(BUILD)/gen/lsan_supp.h
$(BUILD)/tests/sanitize/defaults.o: CPPFLAGS_ALL += -I$(BUILD)/gen

# The core integration tests with hermetic under valgrind's memcheck: invalid
# reads, writes and frees. Slow (each start takes seconds), so not part of
# .ci/run. Leaks are left to check-sanitize. Uninitialised-value errors are
# off: in the Debian libpython that hermetic links,
# int.from_bytes(b"\0\0\0\0") reads the unset digit of a zero-length int
# without branching on its size, and memcheck then flags every later use of
# that 0 in any Python code (/usr/bin/python3 is built differently and shows
# nothing). VALGRIND_TESTS=tests/integration runs every test, in about 50
# minutes on 2 cores; there the kernel-layer tests fail, because Debian 12's
# valgrind does not implement the seccomp and Landlock system calls.
VALGRIND       ?= /usr/bin/valgrind
VALGRIND_FLAGS  = -q --error-exitcode=99 --leak-check=no --undef-value-errors=no --num-callers=40
VALGRIND_TESTS ?= tests/integration/test_network_basic.py tests/integration/test_violations.py \
                  tests/integration/test_failing_closed.py tests/integration/test_hostile_events.py \
                  tests/integration/test_guards.py \
                  tests/integration/test_filesystem.py::test_write_after_current_directory_removed

check-valgrind: all
	PYTHONMALLOC=malloc HERMETIC_WRAPPER="$(VALGRIND) $(VALGRIND_FLAGS)" HERMETIC_BUILD=$(CURDIR)/$(BUILD) \
	    $(PYTHON) -m pytest -q $(VALGRIND_TESTS) $(PYTEST_ARGS)

# ----- fuzzing -----
# libFuzzer harnesses for the decision code, built with clang and ASan and
# UBSan in their own directory. `make fuzz` first replays every input kept
# under fuzz/regressions/HARNESS/, then fuzzes each harness for
# FUZZ_SECONDS, starting from the seeds in fuzz/corpus/HARNESS/. New inputs
# go to $(FUZZ_BUILD)/corpus/HARNESS and crashes to $(FUZZ_BUILD)/artifacts.
FUZZ_CC       ?= clang
FUZZ_BUILD    ?= build-fuzz
FUZZ_SECONDS  ?= 30
FUZZ_FLAGS    ?=
FUZZ_HARNESSES = profile cli netaddr pathrule
FUZZ_SANITIZE  = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS    = -O1 -g -fno-omit-frame-pointer $(FUZZ_SANITIZE)
FUZZ_OBJ       = $(DECISION_SRC:%.c=$(FUZZ_BUILD)/%.o) $(FUZZ_BUILD)/fuzz/fuzz.o
FUZZ_BINS      = $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (fuzz)")
	$(Q)$(FUZZ_CC) $(CPPFLAGS_ALL) $(YAML_CFLAGS) -Ifuzz $(WARNINGS) $(FUZZ_CFLAGS) \
	    -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz/%.o: fuzz/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (fuzz)")
	$(Q)$(FUZZ_CC) $(CPPFLAGS_ALL) $(YAML_CFLAGS) -Ifuzz $(WARNINGS) $(FUZZ_CFLAGS) \
	    -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/fuzz/fuzz_%.o $(FUZZ_OBJ)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(YAML_LIBS)

# Keep the objects, which make would delete as intermediate files.
.SECONDARY: $(FUZZ_OBJ) $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/fuzz/fuzz_%.o)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@for h in $(FUZZ_HARNESSES); do \
	  if [ -n "$$(ls fuzz/regressions/$$h 2>/dev/null)" ]; then \
	    echo "  REPLAY  fuzz/regressions/$$h"; \
	    $(FUZZ_BUILD)/fuzz_$$h -runs=0 fuzz/regressions/$$h/* >$(FUZZ_BUILD)/replay-$$h.log 2>&1 \
	      || { cat $(FUZZ_BUILD)/replay-$$h.log; exit 1; }; \
	  fi; \
	done
	@for h in $(FUZZ_HARNESSES); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$h $(FUZZ_BUILD)/artifacts/$$h; \
	  echo "  FUZZ    $$h for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD)/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$h/ \
	    $(FUZZ_FLAGS) $(FUZZ_BUILD)/corpus/$$h fuzz/corpus/$$h >$(FUZZ_BUILD)/fuzz-$$h.log 2>&1 \
	    || { tail -n 60 $(FUZZ_BUILD)/fuzz-$$h.log; exit 1; }; \
	  grep -E '^stat::number_of_executed_units' $(FUZZ_BUILD)/fuzz-$$h.log | sed 's/^/          /'; \
	done

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(SANITIZE_BUILD)

-include $(shell find $(BUILD) $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
