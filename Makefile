# SPDX-License-Identifier: GPL-2.0
# uringlockstat: all outputs go to $(OUT); `make V=1` shows the commands.

OUT ?= build
PREFIX ?= /usr/local
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARNINGS := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS ?= -O2 -g
# src/ holds the command line (main.c); its folders the flow, each with a README.md:
# collect (BPF to figures), model (a run's figures), render (outputs), gate (compare).
SRC_DIRS := src src/collect src/model src/render src/gate
SRC_INCLUDES := -Iinclude $(addprefix -I,$(SRC_DIRS))
ALL_CFLAGS := $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE $(SRC_INCLUDES) -I$(OUT) -MMD -MP
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Iinclude -Ibpf
LDLIBS := -lbpf -ldw -lelf -lz -ljansson -lprotobuf-c -lmicrohttpd -lm -lpthread
# Every symbol bound at load time (no lazy PLT binding): the child that starts a command runs
# in the profiler's memory until its exec (src/collect/target.c) and must not write its GOT.
LINK_FLAGS := -Wl,-z,now -Wl,-z,relro

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
SRCS := $(wildcard $(addsuffix /*.c,$(SRC_DIRS)))
# pprof's profile.proto, compiled by protoc-c at build time.
PROTOS := $(wildcard proto/*.proto)
PROTO_HDRS := $(patsubst proto/%.proto,$(OUT)/proto/%.pb-c.h,$(PROTOS))
PROTO_OBJS := $(patsubst proto/%.proto,$(OUT)/proto/%.pb-c.o,$(PROTOS))
OBJS := $(patsubst src/%.c,$(OUT)/src/%.o,$(SRCS)) $(PROTO_OBJS)
# Everything but main.c, for the unit tests.
LIB_OBJS := $(filter-out $(OUT)/src/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all clean install check unit-check live-check vmcheck fuzz-check demo bench deps static

all: $(OUT)/uringlockstat $(OUT)/uringbench

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.bpf.h) $(wildcard include/*.h) | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUT)/proto/%.pb-c.c $(OUT)/proto/%.pb-c.h: proto/%.proto | $(OUT)/proto
	$(call msg,PROTOC,$@)
	$(Q)protoc-c --proto_path=. --c_out=$(OUT) $<

$(OUT)/proto/%.pb-c.o: $(OUT)/proto/%.pb-c.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -I$(OUT) -c $< -o $@

$(OUT)/src/%.o: src/%.c $(SKELS) $(PROTO_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OUT)/uringlockstat: $(OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LINK_FLAGS) $^ -o $@ $(LDLIBS)

$(OUT)/uringbench: tools/uringbench.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -fno-omit-frame-pointer $< -o $@ -luring -lpthread

# Static binaries for the busybox initramfs of tools/vmtest. uringbench keeps frame pointers so
# that --ustack can walk its stacks. syscallbench is the non-target load of tools/bench's
# instruction counts.
static: $(OUT)/static/uringlockstat $(OUT)/static/uringbench $(OUT)/static/syscallbench

# libdw's static archive needs its decompressors spelled out. Debian has no static GnuTLS,
# which libmicrohttpd's archive needs: the static binary is built without --listen.
STATIC_LDLIBS := -lbpf -ldw -lbz2 -lelf -lz -llzma -ljansson -lprotobuf-c -lm -lpthread
STATIC_OBJS := $(filter-out $(OUT)/src/render/http.o,$(OBJS)) $(OUT)/static/http.o

$(OUT)/static/http.o: src/render/http.c | $(OUT)/static
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -DURINGLOCKSTAT_NO_HTTP -c $< -o $@

$(OUT)/static/uringlockstat: $(STATIC_OBJS) | $(OUT)/static
	$(call msg,LINK,$@)
	$(Q)$(CC) -static $(CFLAGS) $^ -o $@ $(STATIC_LDLIBS)

$(OUT)/static/uringbench: tools/uringbench.c | $(OUT)/static
	$(call msg,CC,$@)
	$(Q)$(CC) -static $(ALL_CFLAGS) -fno-omit-frame-pointer $< -o $@ -luring -lpthread

$(OUT)/static/syscallbench: tools/syscallbench.c | $(OUT)/static
	$(call msg,CC,$@)
	$(Q)$(CC) -static $(ALL_CFLAGS) $< -o $@

$(OUT)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $< $(LIB_OBJS) -o $@ $(LDLIBS) -lcmocka

# libFuzzer target of the JSON report reader, with everything that consumes what it reads
# (compare's engine and printers, the text renderer). Runtime: Debian's libclang-rt-14-dev.
FUZZ_SRCS := src/model/json_read.c src/model/json_read_ring.c src/model/json_get.c src/model/model.c src/model/fields.c \
	src/model/model_build.c src/gate/compare_metrics.c \
	src/gate/compare_engine.c src/gate/compare_print.c src/model/stats.c \
	src/render/output_text.c src/model/report.c src/model/hist.c src/model/flags.c \
	src/model/fmt.c src/model/lost.c src/model/paths.c src/model/kallsyms.c
FUZZ_OBJS := $(patsubst src/%.c,$(OUT)/fuzz/obj/%.o,$(FUZZ_SRCS))
FUZZ_CFLAGS := -g -O1 $(WARNINGS) -std=gnu11 -D_GNU_SOURCE $(SRC_INCLUDES) -MMD -MP
# UBSan findings abort, so that libFuzzer reports them as crashes.
FUZZ_SANITIZE := address,undefined -fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 20

$(OUT)/fuzz/obj/%.o: src/%.c | $(OUT)/fuzz/obj
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SANITIZE) -c $< -o $@

$(OUT)/fuzz/fuzz_json_read: tests/fuzz/fuzz_json_read.c $(FUZZ_OBJS) | $(OUT)/fuzz
	$(call msg,FUZZ-LD,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SANITIZE) $< $(FUZZ_OBJS) -o $@ \
		-ljansson -lm

$(OUT) $(OUT)/bpf $(OUT)/proto $(OUT)/tests $(OUT)/static $(OUT)/fuzz $(OUT)/fuzz/obj:
	$(Q)mkdir -p $@

# Debian packages needed to build, test and demo (used by the README and .ci/run).
deps:
	tools/install-deps

# Stock Debian kernels booted under qemu by tools/vmtest, where fentry is allowed.
VM_KERNELS ?= 6.1 6.12 7.2

check: selftest unit-check live-check fuzz-check vmtest-check vmcheck cigate-check

# The suites' own checks fed bad and good values (no root, no build).
.PHONY: selftest
selftest:
	$(Q)tests/selftest/helpers.sh
	$(Q)tests/selftest/layers.sh

unit-check: $(UNIT_BINS)
	$(Q)tests/run-unit $(UNIT_BINS)

live-check: all
	$(Q)tests/run-live $(OUT)

vmcheck: static
	$(Q)tests/vm/run $(OUT) $(VM_KERNELS)

# tools/ci-gate's icount mode in a 1-vCPU qemu -icount guest: the report counts instructions,
# an unchanged boot passes, a synthetic 1% instruction regression fails (medians of 3 runs a side).
ICOUNT_KERNEL ?= 6.1
.PHONY: cigate-check
cigate-check: all static
	$(Q)tests/vm/ci_gate_icount $(OUT) $(ICOUNT_KERNEL)

# Attach and detach (`probe`, the exact backend) 10 times while io_uring workloads run, on
# each kernel with 2 vCPUs; the kernel log must stay clean (tests/vm/busy_attach). 7-10
# minutes per kernel: not part of `check`. BUSY_TCG_THREAD=single (the default) runs the vCPUs
# in turn, where the test means something on this host; =multi runs them in parallel, where
# qemu executes stale translations of the code that attaching patches and every kernel faults
# at the first tries (README, "Building and testing").
BUSY_TCG_THREAD ?= single
.PHONY: busyattachcheck
busyattachcheck: static
	$(Q)VMTEST_TCG_THREAD=$(BUSY_TCG_THREAD) tests/vm/busy_attach $(OUT) $(VM_KERNELS)

# tools/vmtest itself: every way KVM fails falls back to TCG, remembered for the host boot.
.PHONY: vmtest-check
vmtest-check: static
	$(Q)tests/vmtest/kvm_fallback.sh

# Stock vs patched (patches/si-nolock/$(AB_SOURCE)) kernels built from Debian's
# linux-source-$(AB_SOURCE) (6.1: bookworm's; 7.2: sid's) by tools/kernel-ab, same scenarios on
# each: `kernel-ab` writes $(OUT)/kernel-ab-$(AB_SOURCE)/report.md, `abcheck` also checks the
# counts (tests/ab/run; outputs in $(OUT)/ab-$(AB_SOURCE)). The first run builds both kernels
# (~4-5 min each on 2 CPUs for 6.1, cached in /var/cache/uringlockstat-ab); later runs take
# ~2 min. Not part of `check`.
AB_SOURCE ?= 6.1
.PHONY: kernel-ab abcheck
kernel-ab: static
	$(Q)tools/kernel-ab run --source $(AB_SOURCE) --out $(OUT)/kernel-ab-$(AB_SOURCE)

abcheck: static
	$(Q)tests/ab/run --out $(OUT)/ab-$(AB_SOURCE) --keep --source $(AB_SOURCE)

# uringlockstat on a lockdep kernel (the exact backend on mutex_lock_nested, counts checked)
# and on one without BTF (one clear error line): both built by `tools/kernel-ab build
# --variant lockdep|nobtf` (~4-5 min each the first time, then cached), checked by
# tests/kvariants/run (outputs in $(OUT)/kvariants). Not part of `check`.
.PHONY: kvariantcheck
kvariantcheck: static
	$(Q)tests/kvariants/run --out $(OUT)/kvariants

# A bounded fuzzing run: seeds from tests/fuzz/corpus and the real reports of tests/live/data;
# what it finds goes to $(OUT)/fuzz/corpus (the sources stay clean), crashes to $(OUT)/fuzz/.
# tests/run-fuzz prints one line (runs, seconds, crashes), keeps libFuzzer's output in
# $(OUT)/fuzz/fuzz.log and fails, with the log's tail, on a crash.
fuzz-check: $(OUT)/fuzz/fuzz_json_read
	$(Q)mkdir -p $(OUT)/fuzz/corpus
	$(Q)tests/run-fuzz $(OUT)/fuzz/fuzz.log $< -max_total_time=$(FUZZ_SECONDS) \
		-rss_limit_mb=1024 -timeout=10 -artifact_prefix=$(OUT)/fuzz/ -print_final_stats=1 \
		$(OUT)/fuzz/corpus tests/fuzz/corpus tests/live/data

demo: all
	$(Q)tools/demo $(OUT)

# BENCH_ARGS=--report-only (or BENCH_REPORT_ONLY=1): exit 0 even when a target is missed.
# Then the scale section (tools/scale-bench --icount: guests of SCALE_CPUS CPUs, about 5
# minutes; BENCH_SCALE=0 skips it).
BENCH_SCALE ?= 1
bench: all static
	$(Q)status=0; tools/bench $(BENCH_ARGS) $(OUT) || status=$$?; \
	if [ "$(BENCH_SCALE)" != 0 ]; then \
		echo "== scale: memory and snapshot cost against the number of CPUs"; \
		tools/scale-bench --icount --cpus "$(SCALE_CPUS)" \
			$(if $(or $(filter --report-only,$(BENCH_ARGS)),$(BENCH_REPORT_ONLY)),--report-only) || \
			status=1; \
	fi; exit $$status

# Memory and snapshot cost against the number of CPUs, in guests of SCALE_CPUS CPUs with 512
# live rings, extrapolated to 64 and 192 CPUs and checked at SCALE_CHECK CPUs. Snapshot times
# are instruction counts (SCALE_ARGS=--icount; empty: multi-threaded TCG guest CPU time).
SCALE_CPUS ?= 2 8 16
SCALE_CHECK ?= 64
SCALE_ARGS ?= --icount
.PHONY: scalebench
scalebench: static
	$(Q)tools/scale-bench $(SCALE_ARGS) --cpus "$(SCALE_CPUS)" --check-cpus $(SCALE_CHECK)

install: all
	install -D -m 0755 $(OUT)/uringlockstat $(DESTDIR)$(PREFIX)/bin/uringlockstat
	install -D -m 0755 $(OUT)/uringbench $(DESTDIR)$(PREFIX)/bin/uringbench
	install -D -m 0644 man/uringlockstat.8 $(DESTDIR)$(PREFIX)/share/man/man8/uringlockstat.8

clean:
	rm -rf $(OUT)

-include $(OBJS:.o=.d) $(patsubst %,%.d,$(UNIT_BINS)) $(FUZZ_OBJS:.o=.d)
