# rebound — PGXS build.
#
# Every src/glue/*.c and src/core/*.c file is part of the module: later parts of
# rebound add files without touching this list.  Libraries a part needs go
# into SHLIB_LINK (and CORE_LIBS for the unit tests and fuzzers).

EXTENSION = rebound
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = rebound
CORE_SRCS = $(sort $(wildcard src/core/*.c))
GLUE_SRCS = $(sort $(wildcard src/glue/*.c))
OBJS = $(GLUE_SRCS:.c=.o) $(CORE_SRCS:.c=.o)

# The install script is built from sources by concern (src/sql/): the
# declarations, then the behaviour, then the catalogue rows.  An upgrade
# script is its hand-written declarations part followed by the same
# behaviour and rows, so that a function is written once for both.
SQL_CONCERNS = types classify catalogue provider_map ledger events detect outbox restore distribute
SQL_SCHEMA = $(wildcard $(addprefix src/sql/schema/,$(addsuffix .sql,$(SQL_CONCERNS))))
SQL_CODE = $(wildcard $(addprefix src/sql/code/,$(addsuffix .sql,$(SQL_CONCERNS))))
SQL_DATA = src/sql/data/catalogue.sql
UPGRADES = 0.1.0--$(EXTVERSION)

DATA = $(EXTENSION)--0.1.0.sql
DATA_built = $(EXTENSION)--$(EXTVERSION).sql $(foreach u,$(UPGRADES),$(EXTENSION)--$(u).sql)

REGRESS = $(sort $(patsubst sql/%.sql,%,$(wildcard sql/*.sql)))
REGRESS_OPTS = --load-extension=$(EXTENSION)
# Concurrency specs, run by PostgreSQL's isolation tester after REGRESS.
ISOLATION = $(sort $(patsubst test/isolation/specs/%.spec,%,$(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=$(EXTENSION)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)

PG_CPPFLAGS = -I$(srcdir)/src -DREBOUND_VERSION='"$(EXTVERSION)"'
# -Wextra's unused-parameter and missing-field-initializers fire inside
# PostgreSQL's own headers and macros.
# -MMD -MP: objects depend on the headers they include, so that changing a
# struct rebuilds every file that uses it.
PG_CFLAGS = -std=gnu99 -MMD -MP -Wall -Wextra \
	-Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
# Warnings stop the build in the test command (test/check.sh passes
# WERROR=1), not in users' builds: a newer compiler or library (a new
# deprecation) must not keep anyone from installing.
ifeq ($(WERROR),1)
PG_CFLAGS += -Werror
endif

# PGXS prints "+++ regress install-check in $(subdir) +++"; only in-tree
# builds set subdir.
subdir = $(EXTENSION)

# Libraries the core needs, outside PostgreSQL.
CORE_LIBS = -licui18n -licuuc -licudata

include $(PGXS)

-include $(OBJS:.o=.d)

# The DNS client (src/glue/dns.c) uses c-ares.
SHLIB_LINK += -lcares

# detect.c (Poisson tail) needs the maths library outside the server.
CORE_EXTRA_LIBS += -lm

ifeq ($(with_icu),yes)
SHLIB_LINK += $(ICU_LIBS)
else
SHLIB_LINK += $(CORE_LIBS)
endif

# Vectorscan: the classifier's phrase matcher (src/core/phrase.c).
SHLIB_LINK += -lhs
CORE_EXTRA_LIBS += -lhs

# The base script says CREATE, not CREATE OR REPLACE: an install never
# replaces an object, it fails on one that is already there.
$(EXTENSION)--$(EXTVERSION).sql: $(SQL_SCHEMA) $(SQL_CODE) $(SQL_DATA) Makefile
	{ printf '/* %s, built from src/sql/ by the Makefile */\n\n' $@; \
	  printf '\\echo Use "CREATE EXTENSION $(EXTENSION)" to load this file. \\quit\n\n'; \
	  cat $(SQL_SCHEMA) $(SQL_CODE) $(SQL_DATA) | sed 's/^CREATE OR REPLACE /CREATE /'; } >$@

$(EXTENSION)--%--$(EXTVERSION).sql: src/sql/upgrade/%--$(EXTVERSION).sql $(SQL_CODE) $(SQL_DATA) Makefile
	{ printf '/* %s, built from src/sql/ by the Makefile */\n\n' $@; \
	  printf '\\echo Use "ALTER EXTENSION $(EXTENSION) UPDATE TO '"'"'$(EXTVERSION)'"'"'" to load this file. \\quit\n\n'; \
	  cat $< $(SQL_CODE) $(SQL_DATA); } >$@

# ---------------------------------------------------------------------------
# Core unit tests and fuzzers: src/core/ alone, no PostgreSQL.

CORE_CC ?= $(CC)
SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_TESTS = $(patsubst test/unit/%.c,test/unit/bin/%,$(filter-out test/unit/tap.c,$(wildcard test/unit/test_*.c)))

test/unit/bin/%: test/unit/%.c $(CORE_SRCS) $(wildcard src/core/*.h) test/unit/tap.h
	@mkdir -p $(dir $@)
	$(CORE_CC) -std=gnu99 -g -O1 -Wall -Wextra -Werror $(SANITIZE) -Isrc $< $(CORE_SRCS) -o $@ $(CORE_LIBS) $(CORE_EXTRA_LIBS)

# The scaling check times the code as it ships, without sanitizers: ASan's
# memmem interceptor checks the whole haystack at every call, which makes a
# loop of searches quadratic under ASan alone.
test/unit/bin/test_scaling: test/unit/test_scaling.c $(CORE_SRCS) $(wildcard src/core/*.h) test/unit/tap.h
	@mkdir -p $(dir $@)
	$(CORE_CC) -std=gnu99 -g -O2 -Wall -Wextra -Werror -Isrc $< $(CORE_SRCS) -o $@ $(CORE_LIBS) $(CORE_EXTRA_LIBS)

unit: $(UNIT_TESTS)

FUZZERS = $(patsubst test/fuzz/%.c,test/fuzz/bin/%,$(wildcard test/fuzz/fuzz_*.c))

test/fuzz/bin/%: test/fuzz/%.c $(CORE_SRCS) $(wildcard src/core/*.h)
	@mkdir -p $(dir $@)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Isrc $< $(CORE_SRCS) -o $@ $(CORE_LIBS) $(CORE_EXTRA_LIBS)

fuzzers: $(FUZZERS)

.PHONY: unit fuzzers
EXTRA_CLEAN = $(OBJS:.o=.d) test/unit/bin test/fuzz/bin results regression.diffs regression.out tmp_check output_iso
