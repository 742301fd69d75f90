# hermetic: runs a Python program in-process with chosen capabilities blocked.
#
#   make              build build/hermetic and build/hermetic-python
#   make check        unit tests (Check) and integration tests (pytest)
#   make demo         build, then run examples/demo.sh: a hostile program under block-all
#   make bench        measure against /usr/bin/python3, write BENCHMARKS.md
#   make deps         install the Debian packages the build and tests need
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

.PHONY: all check unit integration demo bench bench-smoke deps install uninstall clean FORCE

all: $(BUILD)/hermetic $(BUILD)/hermetic-python $(BUILD)/profiles $(EXT_MODULE)

$(BUILD)/hermetic: $(MAIN_OBJ) $(ADAPTER_OBJ) $(DECISION_OBJ) | python-check
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) -no-pie $(LDFLAGS) -o $@ $^ $(YAML_LIBS) $(PY_LIBS)

$(EXT_MODULE): $(EXT_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) -shared $(LDFLAGS) -o $@ $^ $(YAML_LIBS)

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (module)")
	$(Q)$(CC) $(CPPFLAGS_ALL) $(PY_INCLUDES) $(YAML_CFLAGS) -I$(BUILD)/gen -DHERMETIC_EXTENSION $(WARNINGS) \
	    -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC $(CFLAGS) -MMD -MP -c -o $@ $<

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
               hyperfine

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

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
