# rebound — PGXS build.
#
# Every src/*.c and src/core/*.c file is part of the module: later parts of
# rebound add files without touching this list.  Libraries a part needs go
# into SHLIB_LINK (and CORE_LIBS for the unit tests and fuzzers).

EXTENSION = rebound
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = rebound
CORE_SRCS = $(sort $(wildcard src/core/*.c))
GLUE_SRCS = $(sort $(wildcard src/*.c))
OBJS = $(GLUE_SRCS:.c=.o) $(CORE_SRCS:.c=.o)

DATA = $(sort $(wildcard $(EXTENSION)--*.sql))

REGRESS = $(sort $(patsubst sql/%.sql,%,$(wildcard sql/*.sql)))
REGRESS_OPTS = --load-extension=$(EXTENSION)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)

PG_CPPFLAGS = -I$(srcdir)/src
# -Wextra's unused-parameter and missing-field-initializers fire inside
# PostgreSQL's own headers and macros.
# -MMD -MP: objects depend on the headers they include, so that changing a
# struct rebuilds every file that uses it.
PG_CFLAGS = -std=gnu99 -MMD -MP -Wall -Wextra -Werror \
	-Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare

# Libraries the core needs, outside PostgreSQL.
CORE_LIBS = -licui18n -licuuc -licudata

include $(PGXS)

-include $(OBJS:.o=.d)

# The DNS client (src/dns.c) uses c-ares.
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
EXTRA_CLEAN = $(OBJS:.o=.d) test/unit/bin test/fuzz/bin results regression.diffs regression.out tmp_check test/isolation/output
