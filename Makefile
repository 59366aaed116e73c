# lxdeck - one plain Makefile.  Objects go under build/, every library comes
# from pkg-config.  `make` builds build/lxdeck and build/lxdeckd; `make test`
# installs what the tests need, sets the host up and runs every test;
# `make run` sets up and opens the TUI on local:.
#
# Sources are found by directory: a new .c file in one of SRCDIRS is built
# without touching this file.  Files named *-main.c are
# program entry points and stay out of the library.
#
# lxdeck is the TUI and what every session needs (common/, core/: the
# contract, the model, the fake and multi backends); the embedded engine
# (engine/) and the REST client and lxdeckd (remote/), with
# liblxc, sqlite, libcurl, OpenSSL and libwebsockets, are
# build/lxdeck-backends.so beside it, loaded on first use (tui/backends.c),
# whose references to the rest resolve to lxdeck's symbols (-rdynamic).  So
# every object is position-independent.  lxdeckd, the tools and the tests
# link everything in.
#
# `make SANITIZER=address` (or undefined, or address,undefined) builds into
# build-address/ (build-$(SANITIZER), commas as +), leaving build/ alone;
# `make SANITIZER=address test-api` builds that tree and runs the API suites
# (tests/api/*.sh) against it with LeakSanitizer on: every sanitizer report
# of lxdeckd, the tools and the fuzz replay lands in $(B)/sanitizer-logs/,
# and the target fails when there is one.  Suites that measure time say
# "ok N # SKIP" for those checks in a sanitized tree (exec-loop.sh).

CC	?= cc
PKGS	 = lxc sqlite3 json-c libuv libwebsockets ncursesw vterm yaml-0.1 openssl \
	   libcurl nettle
WARN	 = -Wall -Wextra -Wformat=2 -Wshadow -Wmissing-prototypes \
	   -Wstrict-prototypes -Wvla -Wpointer-arith -Wno-unused-parameter \
	   -Wno-format-nonliteral
ifeq ($(CI),true)
WARN	+= -Werror
endif
ifdef WERROR
WARN	+= -Werror
endif
OPT	?= -O2 -g
CFLAGS	+= -std=gnu11 $(OPT) $(WARN) -D_GNU_SOURCE -MMD -MP \
	   -fPIC -fno-semantic-interposition \
	   $(shell pkg-config --cflags $(PKGS))
LDLIBS	+= -Wl,--as-needed $(shell pkg-config --libs $(PKGS)) -lm
ifdef SANITIZER
CFLAGS	+= -fsanitize=$(SANITIZER) -fno-omit-frame-pointer
LDFLAGS	+= -fsanitize=$(SANITIZER)
endif

comma	:= ,
ifdef SANITIZER
B	?= build-$(subst $(comma),+,$(SANITIZER))
else
B	?= build
endif
SRCDIRS	 = common core engine remote/wire remote/server remote/client tui
LIBSRC	 = $(filter-out %-main.c,$(wildcard $(SRCDIRS:%=%/*.c)))
LIBOBJ	 = $(LIBSRC:%.c=$(B)/%.o)
CORESRC	 = $(filter-out %-main.c,$(wildcard common/*.c core/*.c tui/*.c))
COREOBJ	 = $(CORESRC:%.c=$(B)/%.o)
PLUGOBJ	 = $(filter-out $(COREOBJ),$(LIBOBJ))
UNITSRC	 = $(wildcard tests/unit/test-*.c)
UNITBIN	 = $(UNITSRC:tests/unit/%.c=$(B)/tests/%)
FUZZSRC	 = $(wildcard tests/fuzz/fuzz-*.c)
TOOLSRC	 = $(wildcard tests/tools/*.c)
TOOLBIN	 = $(TOOLSRC:tests/tools/%.c=$(B)/tools/%)

PRELOAD	 = $(B)/tools/uvfdcheck.so
# Static test programs that run inside containers (tests/static/).
STATICBIN = $(patsubst tests/static/%.c,$(B)/tools/%,$(wildcard tests/static/*.c))

all: $(B)/lxdeck $(B)/lxdeck-backends.so $(B)/lxdeckd $(UNITBIN) $(TOOLBIN) \
	   $(PRELOAD) $(STATICBIN)

# Every object depends on the flags it was built with (a stamp rewritten
# only when they change), so a change of flags rebuilds.
FLAGSTAMP := $(shell mkdir -p $(B) && { echo '$(CC) $(CFLAGS)' | \
	   cmp -s - $(B)/.cflags || echo '$(CC) $(CFLAGS)' >$(B)/.cflags; } && \
	   echo $(B)/.cflags)

$(B)/%.o: %.c $(FLAGSTAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/liblxdeck.a: $(LIBOBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/lxdeck: $(B)/tui/lxdeck-main.o $(COREOBJ) | $(B)/lxdeck-backends.so
	$(CC) $(LDFLAGS) -rdynamic -o $@ $^ $(LDLIBS)

$(B)/lxdeck-backends.so: $(PLUGOBJ)
	$(CC) $(LDFLAGS) -shared -o $@ $^ $(LDLIBS)

$(B)/lxdeckd: $(B)/remote/server/lxdeckd-main.o $(B)/liblxdeck.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/liblxdeck.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tools/%: $(B)/tests/tools/%.o $(B)/liblxdeck.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# LD_PRELOAD checkers for the tests (never with a sanitizer's runtime).
$(B)/tools/%.so: tests/preload/%.c
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -fsanitize=%,$(CFLAGS)) -fPIC -shared -o $@ $< -ldl -lpthread

# Static, without a sanitizer's runtime: they run in a busybox rootfs.
$(STATICBIN): $(B)/tools/%: tests/static/%.c
	@mkdir -p $(dir $@)
	$(CC) -static -O2 -Wall -Wextra -o $@ $<

# Unit tests only: no root, no containers, seconds.
check: all
	tests/run-tests --unit

# The unit tests and the screen suites over the fake backend, side by side:
# the edit-compile-test loop (under a minute).
test-quick: all
	tests/run-tests --quick

# Everything, on a fresh Debian/Ubuntu host, as root: suites side by side
# (tests/run-tests says what may share), each suite's time in a table.
test:
	tests/run-all

# The API suites against $(B) (build, or build-address with SANITIZER=address),
# as root on a host `make test` has set up.  LXDECK_BUILD points the suites
# (tests/lib.sh) at the tree.  With a sanitizer: LeakSanitizer on, reports
# into $(B)/sanitizer-logs (not lost in a daemon log nobody prints),
# uvfdcheck.so may preload before the sanitizer's runtime, and any report
# fails the target after the suites ran.
SANLOG	 = $(abspath $(B))/sanitizer-logs
test-api: all
	@rm -rf $(SANLOG) && mkdir -p $(SANLOG)
	LXDECK_BUILD=$(abspath $(B)) \
	    ASAN_OPTIONS=detect_leaks=1:verify_asan_link_order=0:log_path=$(SANLOG)/asan \
	    UBSAN_OPTIONS=print_stacktrace=1:log_path=$(SANLOG)/ubsan \
	    LSAN_OPTIONS=log_path=$(SANLOG)/lsan \
	    tests/run-tests tests/api/*.sh; rc=$$?; \
	if [ -n "$$(ls -A $(SANLOG))" ]; then \
		echo "sanitizer reports in $(SANLOG):"; \
		head -40 $(SANLOG)/* ; exit 1; \
	fi; \
	[ -n "$(SANITIZER)" ] && echo "sanitizer ($(SANITIZER)): no report"; \
	exit $$rc

run:
	scripts/run-local

# PREFIX/bin/lxdeck with the engine and REST client in
# PREFIX/lib/lxdeck/, PREFIX/sbin/lxdeckd, themes where the TUI looks
# (PREFIX/share/lxdeck/themes), man pages.  DESTDIR for packaging.
PREFIX	?= /usr/local
install: $(B)/lxdeck $(B)/lxdeck-backends.so $(B)/lxdeckd
	install -D -m 755 $(B)/lxdeck $(DESTDIR)$(PREFIX)/bin/lxdeck
	install -D -m 644 $(B)/lxdeck-backends.so \
	    $(DESTDIR)$(PREFIX)/lib/lxdeck/lxdeck-backends.so
	install -D -m 755 $(B)/lxdeckd $(DESTDIR)$(PREFIX)/sbin/lxdeckd
	install -d $(DESTDIR)$(PREFIX)/share/lxdeck/themes
	install -m 644 themes/*.theme $(DESTDIR)$(PREFIX)/share/lxdeck/themes/
	install -D -m 644 man/lxdeck.1 $(DESTDIR)$(PREFIX)/share/man/man1/lxdeck.1
	install -D -m 644 man/lxdeck-theme.5 \
	    $(DESTDIR)$(PREFIX)/share/man/man5/lxdeck-theme.5
	install -D -m 644 man/lxdeckd.8 $(DESTDIR)$(PREFIX)/share/man/man8/lxdeckd.8

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/lxdeck $(DESTDIR)$(PREFIX)/sbin/lxdeckd \
	    $(DESTDIR)$(PREFIX)/share/man/man1/lxdeck.1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5/lxdeck-theme.5 \
	    $(DESTDIR)$(PREFIX)/share/man/man8/lxdeckd.8
	rm -rf $(DESTDIR)$(PREFIX)/lib/lxdeck $(DESTDIR)$(PREFIX)/share/lxdeck

clean:
	rm -rf $(B)

lint:
	cppcheck --quiet --enable=warning,performance,portability --std=c11 \
	    --suppress=missingIncludeSystem common core engine remote tui
	clang-tidy $(LIBSRC) -- $(CFLAGS)
	scripts/check-eval-order common core engine remote tui tests

.PHONY: all check test test-quick test-api run install uninstall clean lint
-include $(shell find $(B) -name '*.d' 2>/dev/null)
.SECONDARY:
