# assay - GNU Makefile.  See docs/build.md for the why of this layout.
#
#   make            developer build (warnings are errors)   -> build/dev/assay
#   make BUILD=asan ASan+UBSan build                        -> build/asan/assay
#   make BUILD=release                                      -> build/release/assay
#   make run        install deps, build, start the server
#   make test       install test deps, run every test (dev and asan builds)
#   make fuzz       libFuzzer targets (clang)               -> build/fuzz/
#   make bench      benchmark programs                      -> build/release/bench/

BUILD ?= dev
CC ?= cc
O ?= build/$(BUILD)
GEN := $(O)/gen

PKGS := libmicrohttpd jansson libprotobuf-c sqlite3 zlib libcurl yaml-0.1 libxxhash
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wvla -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wno-format-nonliteral -Wshadow -Wpointer-arith
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude -I$(GEN) $(PKG_CFLAGS) $(WARN) -g -pthread
ifeq ($(BUILD),dev)
  MODE_CFLAGS := -O2 -Werror
else ifeq ($(BUILD),asan)
  MODE_CFLAGS := -O1 -Werror -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  MODE_LDFLAGS := -fsanitize=address,undefined
else ifeq ($(BUILD),release)
  MODE_CFLAGS := -O2 -DNDEBUG
else ifeq ($(BUILD),fuzz)
  CC := clang
  MODE_CFLAGS := -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
  MODE_LDFLAGS := -fsanitize=address,undefined
else
  $(error BUILD must be dev, asan, release or fuzz)
endif
ALL_CFLAGS := $(BASE_CFLAGS) $(MODE_CFLAGS) $(CFLAGS)
ALL_LDFLAGS := -pthread $(MODE_LDFLAGS) $(LDFLAGS)
LIBS := $(PKG_LIBS) -lm

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

# ---- sources ---------------------------------------------------------------
PROTOS := $(wildcard src/otlp/proto/*.proto)
PB_C := $(patsubst src/otlp/proto/%.proto,$(GEN)/%.pb-c.c,$(PROTOS))
PB_H := $(PB_C:.c=.h)

LIB_DIRS := core otlp ingest store query llm eval stats dataset analysis experiment demo observe
LIB_SRC := $(foreach d,$(LIB_DIRS),$(wildcard src/$(d)/*.c src/$(d)/*/*.c))
FE_SRC := $(filter-out src/cli/main.c,$(wildcard src/server/*.c src/cli/*.c))
# Files compiled into the binary (tools/embed.c): built-in judges, prices,
# the OpenAPI description of the REST API.
EMBED_TEMPLATES := $(sort $(wildcard src/eval/templates/*.yaml))
EMBED_PRICES := src/llm/prices.json
EMBED_OPENAPI := src/server/openapi.json
# The recorded data of `assay demo` (docs/demo.md).
EMBED_DEMO := $(sort $(wildcard data/demo/*.json))
EMBED_C := $(GEN)/embed_templates.c $(GEN)/embed_prices.c $(GEN)/embed_ui.c $(GEN)/embed_openapi.c $(GEN)/embed_demo.c
# The web UI (ui/): npm ci when the lock file changes, vite build when a
# source changes; ui/dist/index.html and ui/dist/assets/* are embedded.
UI_SRC := $(shell find ui/src ui/public -type f 2>/dev/null) ui/index.html ui/package.json \
          ui/package-lock.json ui/vite.config.ts ui/tsconfig.json
LIB_OBJ := $(patsubst %.c,$(O)/%.o,$(LIB_SRC)) $(patsubst $(GEN)/%.c,$(O)/gen/%.o,$(PB_C) $(EMBED_C))
FE_OBJ := $(patsubst %.c,$(O)/%.o,$(FE_SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
# Drivers of the statistics oracle checks (tests/stats/NAME_check.py runs
# build/$(BUILD)/tests/NAME_driver against scipy / statsmodels / sklearn).
STATS_DRIVER_SRC := $(wildcard tests/stats/*_driver.c)
STATS_DRIVER_BIN := $(patsubst tests/stats/%.c,$(O)/tests/%,$(STATS_DRIVER_SRC))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(FUZZ_SRC))
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(patsubst bench/%.c,$(O)/bench/%,$(BENCH_SRC))

.PHONY: all run test unit blackbox fuzz fuzz-targets bench clean deps test-deps check-headers
# Generated sources are kept even when only a test binary asked for them.
.SECONDARY: $(PB_C) $(PB_H) $(EMBED_C)
all: $(O)/assay $(if $(wildcard tests/mockllm/*.c),$(O)/mockllm)

$(GEN)/%.pb-c.c $(GEN)/%.pb-c.h: src/otlp/proto/%.proto $(PROTOS)
	@mkdir -p $(GEN)
	protoc-c --proto_path=src/otlp/proto --c_out=$(GEN) $<

$(GEN)/embed: tools/embed.c
	@mkdir -p $(GEN)
	$(CC) -O1 -o $@ $<

$(GEN)/embed_templates.c: $(GEN)/embed $(EMBED_TEMPLATES)
	$(GEN)/embed as_embed_templates $@ $(EMBED_TEMPLATES)

$(GEN)/embed_prices.c: $(GEN)/embed $(EMBED_PRICES)
	$(GEN)/embed as_embed_prices $@ $(EMBED_PRICES)

$(GEN)/embed_demo.c: $(GEN)/embed $(EMBED_DEMO)
	$(GEN)/embed as_embed_demo $@ $(EMBED_DEMO)

$(GEN)/embed_openapi.c: $(GEN)/embed $(EMBED_OPENAPI)
	$(GEN)/embed as_embed_openapi $@ $(EMBED_OPENAPI)

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund

# UI_BUILD=0 embeds the UI already built in $(UI_DIST) without rebuilding
# it (for C work beside UI work in progress, or a UI built elsewhere).
UI_BUILD ?= 1
UI_DIST ?= ui/dist
ifneq ($(UI_BUILD),0)
ui/dist/index.html: $(UI_SRC) ui/node_modules/.package-lock.json
	cd ui && npm run build
endif

$(GEN)/embed_ui.c: $(GEN)/embed $(UI_DIST)/index.html
	$(GEN)/embed as_embed_ui $@ $(UI_DIST)/index.html $$(ls $(UI_DIST)/assets/* | sort)

$(O)/gen/%.o: $(GEN)/%.c $(PB_H)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -MMD -MP -c -o $@ $<

$(O)/src/%.o: src/%.c $(PB_H)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DASSAY_VERSION='"$(VERSION)"' -MMD -MP -c -o $@ $<

$(O)/libassay.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/libassay_fe.a: $(FE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/assay: $(O)/src/cli/main.o $(O)/libassay_fe.a $(O)/libassay.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(O)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(O)/libassay.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -Itests/unit -o $@ $< $(O)/libassay.a $(ALL_LDFLAGS) $(LIBS)

$(O)/tests/%_driver: tests/stats/%_driver.c $(O)/libassay.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(O)/libassay.a $(ALL_LDFLAGS) $(LIBS)

$(O)/bench/%: bench/%.c $(wildcard bench/*.h) $(O)/libassay.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(O)/libassay.a $(ALL_LDFLAGS) $(LIBS)

# The mock LLM server of the tests and benchmarks (tests/mockllm/).
$(O)/mockllm: $(wildcard tests/mockllm/*.c tests/mockllm/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $(filter %.c,$^) $(ALL_LDFLAGS) $(LIBS)

unit: $(UNIT_BIN) $(STATS_DRIVER_BIN)
bench: $(BENCH_BIN)

deps:
	scripts/install-deps

test-deps:
	scripts/install-deps --test

# The README's two commands.
run: deps
	$(MAKE) BUILD=release
	build/release/assay serve

test: test-deps
	scripts/run-tests

# libFuzzer targets; each links the library (and the server for the HTTP one).
fuzz:
	$(MAKE) BUILD=fuzz fuzz-targets

fuzz-targets: $(FUZZ_BIN)

$(O)/fuzz/%: tests/fuzz/%.c $(wildcard tests/fuzz/*.h) $(O)/libassay_fe.a $(O)/libassay.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -Isrc -fsanitize=fuzzer -o $@ $< $(O)/libassay_fe.a $(O)/libassay.a $(ALL_LDFLAGS) -fsanitize=fuzzer $(LIBS)

# Every public header compiles on its own.
check-headers:
	@for h in include/assay/*.h; do \
	  echo "#include \"$${h#include/}\"" | $(CC) $(BASE_CFLAGS) -fsyntax-only -x c - || exit 1; \
	done; echo "headers ok"

clean:
	rm -rf build

-include $(shell find $(O) -name '*.d' 2>/dev/null)
