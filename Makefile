# usersd -- one hand-written, non-recursive Makefile.
# User CFLAGS are kept; project flags are appended.  `make O=DIR` builds into
# another directory (the sanitizer build uses O=build/asan SANITIZE=1, the
# clang build O=build/clang, the libFuzzer build O=build/fuzz FUZZ=1).

-include config.mak

PREFIX  ?= /usr/local
DESTDIR ?=
O       ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g
PKG_CONFIG ?= pkg-config

PKGS       = libpq json-c libargon2 libcrypto ldap
FCGI_LIBS  ?= -lfcgi

# These goals compile nothing here: they install the packages first and
# build in a sub-make, or need none.  Any other goal needs the build
# packages, and a machine without them gets one line saying what to run,
# not a screen of pkg-config errors per library.
NOPKG_GOALS = deps check run bench check-includes clean deb deb-check
ifneq ($(filter-out $(NOPKG_GOALS),$(or $(MAKECMDGOALS),all)),)
PKG_MISSING := $(shell \
	if ! command -v $(firstword $(CC)) >/dev/null 2>&1; then \
		echo $(firstword $(CC)); \
	elif ! printf '\043include <fcgiapp.h>\n' | \
	    $(CC) $(CPPFLAGS) -E - >/dev/null 2>&1; then \
		echo libfcgi; \
	fi; \
	command -v $(PKG_CONFIG) >/dev/null 2>&1 || echo pkg-config; \
	for p in $(PKGS); do \
		$(PKG_CONFIG) --exists $$p 2>/dev/null || echo $$p; \
	done)
ifneq ($(PKG_MISSING),)
$(error usersd: missing build packages ($(PKG_MISSING)): run 'make deps' \
    or 'sudo scripts/deps.sh build')
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS))
endif

# V=1 shows the compiler command lines.
ifndef V
Q = @
endif

WARN = -std=c99 -Wall -Wextra -Wno-unused-parameter
ifdef DEVELOPER
WARN += -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow -Wvla \
	-Wwrite-strings -Wformat-security -Wformat=2
endif
ifdef SANITIZE
CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
# The libFuzzer build (make fuzz-build): clang, objects instrumented for
# coverage, the harnesses linked with libFuzzer's main.
ifdef FUZZ
CFLAGS += -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

ALL_CFLAGS = $(WARN) -D_GNU_SOURCE -pthread $(PKG_CFLAGS) -Isrc $(CPPFLAGS) $(CFLAGS)

# Modules shared by usersd, usersctl and the unit tests: nothing of HTTP.
CORE_OBJS = \
	$(O)/arena.o \
	$(O)/budget.o \
	$(O)/cfg.o \
	$(O)/crypto.o \
	$(O)/directory.o \
	$(O)/dirauth.o \
	$(O)/db.o \
	$(O)/db_admin.o \
	$(O)/db_orgs.o \
	$(O)/db_principals.o \
	$(O)/db_budget.o \
	$(O)/db_directory.o \
	$(O)/db_sessions.o \
	$(O)/db_setup.o \
	$(O)/db_tokens.o \
	$(O)/db_users.o \
	$(O)/err.o \
	$(O)/health.o \
	$(O)/ids.o \
	$(O)/log.o \
	$(O)/lowprio.o \
	$(O)/metrics.o \
	$(O)/migrate.o \
	$(O)/migrations_sql.o \
	$(O)/orgs.o \
	$(O)/password.o \
	$(O)/perm.o \
	$(O)/policy.o \
	$(O)/pool.o \
	$(O)/session.o \
	$(O)/setup.o \
	$(O)/svc.o \
	$(O)/tokens.o \
	$(O)/users.o \
	$(O)/util.o

# The request side: usersd's alone (usersctl links none of it).
API_OBJS = \
	$(O)/auth.o \
	$(O)/csrf.o \
	$(O)/http.o \
	$(O)/json.o \
	$(O)/lastuse.o \
	$(O)/api_health.o \
	$(O)/api_metrics.o \
	$(O)/api_orgs.o \
	$(O)/api_session.o \
	$(O)/api_setup.o \
	$(O)/api_tokens.o \
	$(O)/api_users.o \
	$(O)/admit.o \
	$(O)/fcgi.o \
	$(O)/prefork.o \
	$(O)/router.o

# usersctl's own: the command table (usersctl.c) and its command groups.
CTL_OBJS = \
	$(O)/usersctl.o \
	$(O)/ctl.o \
	$(O)/ctl_instance.o \
	$(O)/ctl_ldap.o \
	$(O)/ctl_tokens.o \
	$(O)/ctl_users.o

USERSD_OBJS   = $(O)/main.o $(API_OBJS) $(CORE_OBJS)
USERSCTL_OBJS = $(CTL_OBJS) $(CORE_OBJS)

UNIT_TESTS = \
	$(O)/tests/test_http.test \
	$(O)/tests/test_ids.test \
	$(O)/tests/test_perm.test \
	$(O)/tests/test_router.test \
	$(O)/tests/test_db.test \
	$(O)/tests/test_migrate.test \
	$(O)/tests/test_cfg.test \
	$(O)/tests/test_err.test \
	$(O)/tests/test_json.test \
	$(O)/tests/test_metrics.test

# tests/fuzz/fuzz_<module>.c #includes the module it fuzzes.  Each is also
# a unit program that replays tests/fuzz/regress/<module>/ and the seeds.
FUZZ_TARGETS = http auth json perm ids util crypto cfg request
FUZZ_SECONDS ?= 300
FUZZ_CHECK_SECONDS ?= 15
FUZZ_BINS = $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_TARGETS))
UNIT_TESTS += $(patsubst %,$(O)/tests/fuzz_%.test,$(FUZZ_TARGETS))

all: $(O)/usersd $(O)/usersctl

$(O)/usersd: $(USERSD_OBJS)
	$(CC) -pthread $(LDFLAGS) -o $@ $(USERSD_OBJS) $(FCGI_LIBS) $(PKG_LIBS)

$(O)/usersctl: $(USERSCTL_OBJS)
	$(CC) -pthread $(LDFLAGS) -o $@ $(USERSCTL_OBJS) $(PKG_LIBS)

# The migrations are compiled in, so an installed binary needs no sql/ dir.
# The directory is a prerequisite too: a migration removed or renamed
# changes its time, not any file's.
$(O)/migrations_sql.c: sql/hosting.sql sql/runner.sql $(sort $(wildcard sql/migrations/*.sql)) sql/migrations scripts/embed-sql.sh
	@mkdir -p $(O)
	sh scripts/embed-sql.sh $@ sql/hosting.sql sql/runner.sql $(sort $(wildcard sql/migrations/*.sql))

$(O)/migrations_sql.o: $(O)/migrations_sql.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/%.o: src/%.c
	@mkdir -p $(O)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Unit tests #include the module they test, so they reach its statics.
$(O)/tests/%.test: tests/unit/%.c tests/unit/tap.h tests/unit/fake_io.h $(CORE_OBJS) $(API_OBJS)
	@mkdir -p $(O)/tests
	$(CC) $(ALL_CFLAGS) -Itests/unit -pthread $(LDFLAGS) -o $@ $< \
	    $(filter-out $(O)/$(patsubst test_%,%,$*).o,$(CORE_OBJS) $(API_OBJS)) \
	    $(FCGI_LIBS) $(PKG_LIBS)

unit: $(UNIT_TESTS)

$(O)/tests/fuzz_%.test: tests/fuzz/fuzz_%.c tests/fuzz/replay.c \
    tests/fuzz/fuzz.h $(CORE_OBJS) $(API_OBJS)
	@mkdir -p $(O)/tests
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -DFUZZ_TARGET='"$*"' \
	    -pthread $(LDFLAGS) -o $@ $< tests/fuzz/replay.c \
	    $(filter-out $(O)/$*.o,$(CORE_OBJS) $(API_OBJS)) \
	    $(FCGI_LIBS) $(PKG_LIBS)

# fuzz_request drives whole requests over tests/fuzz/fakedb.c, which
# stands in for the database layer: the modules that reach PostgreSQL
# (db.o, db_*.o) or only serve the process (the pool, the worker loop, the
# migrations) are left out, and the fake is linked here and nowhere else.
REQUEST_OUT = $(O)/db.o $(O)/db_%.o $(O)/pool.o $(O)/migrate.o \
	$(O)/migrations_sql.o $(O)/fcgi.o $(O)/prefork.o $(O)/admit.o
REQUEST_OBJS = $(filter-out $(REQUEST_OUT),$(CORE_OBJS) $(API_OBJS))
REQUEST_SRCS = tests/fuzz/fuzz_request.c tests/fuzz/fakedb.c

$(O)/tests/fuzz_request.test: $(REQUEST_SRCS) tests/fuzz/fakedb.h \
    tests/fuzz/replay.c tests/fuzz/fuzz.h $(REQUEST_OBJS)
	@mkdir -p $(O)/tests
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -DFUZZ_TARGET='"request"' \
	    -pthread $(LDFLAGS) -o $@ $(REQUEST_SRCS) tests/fuzz/replay.c \
	    $(REQUEST_OBJS) $(FCGI_LIBS) $(PKG_LIBS)

$(O)/fuzz_request: $(REQUEST_SRCS) tests/fuzz/fakedb.h tests/fuzz/fuzz.h \
    $(REQUEST_OBJS)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -fsanitize=fuzzer,address,undefined \
	    -pthread -o $@ $(REQUEST_SRCS) $(REQUEST_OBJS) \
	    $(FCGI_LIBS) $(PKG_LIBS)

# Only under O=build/fuzz FUZZ=1 CC=clang (see fuzz-build).
$(O)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(CORE_OBJS) $(API_OBJS)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -fsanitize=fuzzer,address,undefined \
	    -pthread -o $@ $< \
	    $(filter-out $(O)/$*.o,$(CORE_OBJS) $(API_OBJS)) \
	    $(FCGI_LIBS) $(PKG_LIBS)

fuzz-build:
	$(MAKE) O=build/fuzz CC=clang FUZZ=1 DEVELOPER=1 $(FUZZ_BINS)

# Each target for FUZZ_SECONDS; new inputs go to build/fuzz/corpus, never
# to the seeds in tests/fuzz/corpus.
fuzz: fuzz-build
	bash tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The project builds with clang as well, warnings as errors.
clang:
	$(MAKE) O=build/clang CC=clang DEVELOPER=1 all unit

# The sanitizer copy that `make check` runs the unit and CGI tiers against.
asan:
	$(MAKE) O=build/asan SANITIZE=1 all unit

# The Debian packages `make` needs (scripts/deps.sh lists the sets).
deps:
	sh scripts/deps.sh build

# check, run and bench install the missing packages of their sets first (a
# fresh machine has no -dev headers), then build in a sub-make that sees
# them; check builds its four copies NPROC jobs at a time.
NPROC ?= $(shell nproc 2>/dev/null || echo 1)
check:
	sh scripts/deps.sh build test $(if $(REQUIRE_INTEGRATION),deb)
	$(MAKE) -j$(NPROC) all unit asan clang fuzz-build
	bash scripts/check-includes.sh
	FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS) bash tests/run.sh

check-includes:
	@bash scripts/check-includes.sh

# sql/schema.sql again, from the migrations (t0004 fails until it is).
schema: $(O)/usersctl
	USERSCTL_BIN=$(O)/usersctl sh scripts/schema.sh

run:
	sh scripts/deps.sh build run
	$(MAKE) all
	bash scripts/run.sh

# make bench: the single-instance scenarios and the tenants' fair shares,
# under ten minutes on 2 cores.  make bench-hosted: 1000 hosted instances,
# about ten minutes more, most of it creating them.
bench:
	sh scripts/deps.sh build test bench
	$(MAKE) all
	bash bench/run.sh
	bash bench/fair.sh

bench-hosted:
	sh scripts/deps.sh build test bench
	$(MAKE) all
	bash bench/hosted.sh

# The Debian package (debian/), as dpkg-buildpackage builds it from a clean
# clone: the tracked files of the work tree are copied to build/deb/src
# (so the package's clean leaves build/ alone), built there into
# build/deb/usersd_*.deb, and lintian must find no error and no warning.
deb:
	sh scripts/deps.sh build deb
	rm -rf build/deb && mkdir -p build/deb/src
	git ls-files -z | tar --null -T - -cf - | tar -xf - -C build/deb/src
	cd build/deb/src && dpkg-buildpackage -us -uc -b
	lintian --fail-on error,warning build/deb/usersd_*.changes

# The package on a clean Debian 12 root: install, database, nginx,
# sign-in, upgrade from the previous version, purge (tests/deb/).
deb-check:
	sh scripts/deps.sh build test deb
	$(MAKE) all
	bash tests/run.sh deb

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/usersd/sql/migrations
	install -m 0755 $(O)/usersd $(O)/usersctl $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 sql/migrations/*.sql $(DESTDIR)$(PREFIX)/share/usersd/sql/migrations/
	install -d $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 man/usersd.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/usersd.8 man/usersctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/

clean:
	rm -rf build

.PHONY: all unit asan clang fuzz fuzz-build deps check check-includes schema run \
	bench bench-hosted deb deb-check install clean

-include $(wildcard $(O)/*.d)
