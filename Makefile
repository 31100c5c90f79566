# warroom — build, run, test, install.
# Every library comes through pkg-config. `run` and `test` first install what is
# missing (tools/deps.sh), then re-enter make so the flags are read afresh.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKGS    := ncursesw libcurl jansson libgit2 yaml-0.1 libmicrohttpd libcrypto
# Linked at start-up; the others are loaded with dlopen when first used
# (src/lazy.c): most commands use none of them, and mapping them and their
# dependencies was most of a short command's time.
LINKED  := ncursesw jansson yaml-0.1

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Wpointer-arith -Wcast-qual -Wundef
CSTD    := -std=c11 -D_GNU_SOURCE
OPT     ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(LINKED) 2>/dev/null)
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)
CFLAGS  ?=
CFLAGS  += $(CSTD) $(WARN) $(OPT) -Iinclude -Ibuild/gen $(PKG_CFLAGS) -MMD -MP
LDLIBS  += -Wl,--as-needed $(PKG_LIBS) -lm -ldl -lpthread
# libgit2 is linked in whole, with what it is built on (mbedTLS, PCRE2,
# http-parser, zlib): loading Debian's shared libgit2 mapped fifteen libraries,
# OpenSSL and Kerberos among them, 3-5 ms of every commit into the platform
# repository. Its two other dependencies are loaded when first called
# (src/lazy_ssh2.c, src/lazy_gss.c, pulled in by name): a local commit never
# maps them. src/repo.c wraps three mbedTLS calls to put off the CA bundle's
# parse, and defines libssh2_init, exported so that libssh2's own call finds it.
GIT_LIBS := $(filter-out -lssh2 -lrt,$(shell pkg-config --static --libs libgit2 2>/dev/null))
LDLIBS  += -Wl,-Bstatic $(GIT_LIBS) -Wl,-Bdynamic \
           -Wl,--require-defined=lazy_ssh2 -Wl,--require-defined=lazy_gss \
           -Wl,--wrap=mbedtls_x509_crt_parse_file -Wl,--wrap=mbedtls_x509_crt_parse_path \
           -Wl,--wrap=mbedtls_ssl_setup \
           -Wl,--export-dynamic-symbol=libssh2_init

# Sanitizer build: same sources, own object tree.
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

CORE_SRC := $(filter-out src/main.c,$(wildcard src/*.c src/*/*.c))
UI_SRC   := $(wildcard ui/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
TOOL_SRC := $(wildcard tests/tools/*.c)
BENCH_SRC:= $(wildcard tests/bench/*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
SHIM_SRC := $(wildcard tests/shim/*.c)
GEN_SRC  := build/gen/builtin.c

# `make V=1` shows the full commands.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n'
endif

define objs
$(patsubst %.c,$(1)/%.o,$(2))
endef

all: build/warroom build/.builtins-ok

# ---- built-in defaults: the same text a user would write, compiled in ----
BUILTIN_FILES := docs/policy.json $(wildcard docs/templates/*.md) $(wildcard themes/*.theme)
build/gen/builtin.c: tools/embed.sh $(BUILTIN_FILES)
	@mkdir -p $(@D)
	$(say) GEN $@
	$(Q)tools/embed.sh $(BUILTIN_FILES) > $@.tmp && mv $@.tmp $@

# A default that does not parse fails the build, not the user.
build/tools/check_builtins: build/obj/tools/check_builtins.o build/libwarroom.a
	@mkdir -p $(@D)
	$(say) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/.builtins-ok: build/tools/check_builtins
	build/tools/check_builtins
	@touch $@

# ---- normal build ----
build/obj/%.o: %.c
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

build/libwarroom.a: $(call objs,build/obj,$(CORE_SRC) $(GEN_SRC))
	@rm -f $@
	$(say) AR $@
	$(Q)ar rcs $@ $^

build/warroom: $(call objs,build/obj,src/main.c $(UI_SRC)) build/libwarroom.a
	$(say) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/test/%: build/obj/tests/unit/%.o build/libwarroom.a
	@mkdir -p $(@D)
	$(say) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LDLIBS)

build/tools/%: build/obj/tests/tools/%.o build/libwarroom.a
	@mkdir -p $(@D)
	$(say) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/bench/%: build/obj/tests/bench/%.o build/libwarroom.a
	@mkdir -p $(@D)
	$(say) LD $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/obj/tests/unit/%.o: CFLAGS += $(CMOCKA_CFLAGS)
# the console looks for installed themes here
build/obj/ui/%.o build/san/obj/ui/%.o: CFLAGS += -DWARROOM_SHARE='"$(PREFIX)/share/warroom"'


UNIT_BINS  := $(patsubst tests/unit/%.c,build/test/%,$(UNIT_SRC))
TOOL_BINS  := $(patsubst tests/tools/%.c,build/tools/%,$(TOOL_SRC))
BENCH_BINS := $(patsubst tests/bench/%.c,build/bench/%,$(BENCH_SRC))

# Fault shims for the tests: LD_PRELOAD libraries that make a system call fail
# or the process die at a chosen point, so that crashes and full disks are
# tested against the real binary.
SHIM_LIBS := $(patsubst tests/shim/%.c,build/shim/%.so,$(SHIM_SRC))
build/shim/%.so: tests/shim/%.c
	@mkdir -p $(@D)
	$(say) SHIM $@
	$(Q)$(CC) $(CSTD) $(WARN) -O2 -g -fPIC -shared -o $@ $< -ldl

# ---- sanitizer build ----
build/san/obj/%.o: %.c
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(CC) $(CFLAGS) $(SAN) -c -o $@ $<

build/san/obj/tests/unit/%.o: CFLAGS += $(CMOCKA_CFLAGS)

build/san/libwarroom.a: $(call objs,build/san/obj,$(CORE_SRC) $(GEN_SRC))
	@rm -f $@
	$(say) AR $@
	$(Q)ar rcs $@ $^

build/san/warroom: $(call objs,build/san/obj,src/main.c $(UI_SRC)) build/san/libwarroom.a
	$(say) LD $@
	$(Q)$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

build/san/test/%: build/san/obj/tests/unit/%.o build/san/libwarroom.a
	@mkdir -p $(@D)
	$(say) LD $@
	$(Q)$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(CMOCKA_LIBS) $(LDLIBS)

build/san/tools/%: build/san/obj/tests/tools/%.o build/san/libwarroom.a
	@mkdir -p $(@D)
	$(say) LD $@
	$(Q)$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

SAN_UNIT_BINS := $(patsubst tests/unit/%.c,build/san/test/%,$(UNIT_SRC))
SAN_TOOL_BINS := $(patsubst tests/tools/%.c,build/san/tools/%,$(TOOL_SRC))

# ---- fuzzing (clang's libFuzzer) ----
FUZZ_CFLAGS := $(CSTD) -g -O1 -Iinclude -Ibuild/gen $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined
FUZZ_BINS   := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
build/fuzz/%: tests/fuzz/%.c $(CORE_SRC) $(GEN_SRC)
	@mkdir -p $(@D)
	$(say) FUZZ $@
	$(Q)clang $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

FUZZ_SECONDS ?= 30
fuzz: deps-check $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
	    n=$$(basename $$f); mkdir -p build/fuzz/corpus-$$n; \
	    echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -max_len=70000 build/fuzz/corpus-$$n tests/fuzz/seeds/$$n \
	        2>build/fuzz/$$n.log || { tail -40 build/fuzz/$$n.log; exit 1; }; \
	    tail -1 build/fuzz/$$n.log; \
	done

# ---- entry points ----
deps:
	tools/deps.sh
	tools/npm-deps.sh

deps-check:
	@tools/deps.sh --check || tools/deps.sh
	@tools/npm-deps.sh --check || tools/npm-deps.sh

run: deps-check
	@$(MAKE) --no-print-directory all
	tools/demo.sh

build-tests: all $(UNIT_BINS) $(TOOL_BINS) $(SHIM_LIBS) build/san/warroom $(SAN_UNIT_BINS) $(SAN_TOOL_BINS)

test: deps-check
	@$(MAKE) --no-print-directory build-tests
	tests/run.sh

bench: deps-check
	@$(MAKE) --no-print-directory all $(TOOL_BINS) $(BENCH_BINS)
	tests/bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/warroom/themes $(DESTDIR)$(PREFIX)/share/warroom/templates
	install -m 0755 build/warroom $(DESTDIR)$(PREFIX)/bin/warroom
	install -m 0644 docs/warroom.1 $(DESTDIR)$(PREFIX)/share/man/man1/warroom.1
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 docs/warroom.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/warroom
	install -d $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 0644 docs/_warroom $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_warroom
	install -m 0644 docs/policy.json $(DESTDIR)$(PREFIX)/share/warroom/policy.json
	for f in themes/*.theme; do [ -e "$$f" ] || continue; install -m 0644 "$$f" $(DESTDIR)$(PREFIX)/share/warroom/themes/; done
	for f in docs/templates/*.md; do [ -e "$$f" ] || continue; install -m 0644 "$$f" $(DESTDIR)$(PREFIX)/share/warroom/templates/; done

clean:
	rm -rf build

.PHONY: all deps deps-check run test build-tests bench fuzz install clean
.SECONDARY:
.DELETE_ON_ERROR:

-include $(shell find build -name '*.d' 2>/dev/null)
