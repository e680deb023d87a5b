// SPDX-License-Identifier: GPL-2.0
/*
 * What this kernel allows. Every answer comes from really loading and attaching
 * a tiny program from bpf/probe.bpf.c, so "yes" means the backend can run here.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "probe.h"
#include "kallsyms.h"
#include "probe.skel.h"
#include "session.h"

#define CAP_PERFMON_BIT 38
#define CAP_BPF_BIT 39
#define CAP_SYS_ADMIN_BIT 21

static const char *const feature_names[FEAT_COUNT] = {
	[FEAT_PRIVILEGES] = "privileges (root or CAP_BPF+CAP_PERFMON)",
	[FEAT_BTF] = "kernel BTF (/sys/kernel/btf/vmlinux)",
	[FEAT_TP_BTF] = "tp_btf programs",
	[FEAT_RAW_TP] = "raw_tp programs",
	[FEAT_CONTENTION_TP] = "lock:contention_begin/end tracepoints",
	[FEAT_IO_URING_TP] = "io_uring tracepoints",
	[FEAT_SYS_EXIT_TP] = "sys_exit raw tracepoint",
	[FEAT_FENTRY] = "fentry on mutex_lock",
	[FEAT_PERF_EVENT] = "perf_event CPU-clock sampling",
	[FEAT_TASK_FILE_ITER] = "task_file BPF iterator",
	[FEAT_KALLSYMS] = "io_uring_release in /proc/kallsyms",
};

const char *feature_name(enum feature feat)
{
	return feat < FEAT_COUNT ? feature_names[feat] : "?";
}

static bool cap_has(const struct __user_cap_data_struct *data, int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

bool have_bpf_privileges(char *why, size_t size)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data)) {
		snprintf(why, size, "cannot read capabilities: %s", strerror(errno));
		return false;
	}
	if (cap_has(data, CAP_SYS_ADMIN_BIT) ||
	    (cap_has(data, CAP_BPF_BIT) && cap_has(data, CAP_PERFMON_BIT))) {
		snprintf(why, size, "yes");
		return true;
	}
	snprintf(why, size, "missing CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN): run as root");
	return false;
}

bool have_vmlinux_btf(char *why, size_t size)
{
	struct btf *btf;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(why, size, "/sys/kernel/btf/vmlinux: %s (kernel built without "
			 "CONFIG_DEBUG_INFO_BTF)", strerror(errno));
		return false;
	}
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		snprintf(why, size, "cannot parse kernel BTF: %s", strerror(errno));
		return false;
	}
	btf__free(btf);
	snprintf(why, size, "yes");
	return true;
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return 0;
}

static bool btf_has_type(const char *name, char *why, size_t size)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool found;

	if (!btf) {
		snprintf(why, size, "no: needs kernel BTF");
		return false;
	}
	found = btf__find_by_name(btf, name) > 0;
	btf__free(btf);
	snprintf(why, size, found ? "yes (%s in BTF)" : "no: %s not in kernel BTF", name);
	return found;
}

static int open_cpu_clock(int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_freq = 99,
		.freq = 1,
	};

	return syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

bool mutex_always_slow(const struct btf *btf)
{
	return btf && btf__find_by_name_kind(btf, "mutex_lock", BTF_KIND_FUNC) <= 0 &&
	       btf__find_by_name_kind(btf, "mutex_lock_nested", BTF_KIND_FUNC) > 0;
}

/* The function the exact backend hooks for mutex_lock (as src/collect/lifecycle.c does). */
static const char *mutex_lock_function(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const char *name = mutex_always_slow(btf) ? "mutex_lock_nested" : "mutex_lock";

	btf__free(btf);
	return name;
}

/*
 * fentry: load a program on the mutex function (that is where trampolines may be refused), but
 * attach only one on a cold function. Patching mutex_lock live while other CPUs run it is the
 * riskiest thing this tool does; the exact backend does it once, never a probe.
 */
static bool try_fentry(char *why, size_t size)
{
	libbpf_print_fn_t old_print = libbpf_set_print(silent_print);
	const char *target = mutex_lock_function();
	const char *nested = strcmp(target, "mutex_lock") ? "mutex_lock_nested (lockdep): " : "";
	struct bpf_link *link = NULL;
	struct bpf_program *p;
	struct probe_bpf *skel;
	bool cold, ok = false;
	struct btf *btf;
	int err;

	btf = btf__load_vmlinux_btf();
	cold = btf && btf__find_by_name_kind(btf, "bpf_fentry_test1", BTF_KIND_FUNC) > 0;
	btf__free(btf);
	skel = probe_bpf__open();
	if (!skel) {
		snprintf(why, size, "cannot open probe object: %s", strerror(errno));
		goto out;
	}
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, p == skel->progs.probe_fentry ||
					     (cold && p == skel->progs.probe_fentry_cold));
	err = bpf_program__set_attach_target(skel->progs.probe_fentry, 0, target);
	if (err) {
		snprintf(why, size, "no: %scannot retarget: %s", nested, strerror(-err));
		goto out;
	}
	err = probe_bpf__load(skel);
	if (err) {
		snprintf(why, size, "no: %sload failed: %s", nested, strerror(-err));
		goto out;
	}
	if (!cold) {
		snprintf(why, size, "yes (%sloaded; attach not tried: no cold function to try it on)", nested);
		ok = true;
		goto out;
	}
	link = bpf_program__attach(skel->progs.probe_fentry_cold);
	if (!link) {
		snprintf(why, size, "no: %sattach failed (on bpf_fentry_test1): %s", nested,
			 strerror(errno));
		goto out;
	}
	snprintf(why, size, "yes (%sloaded; attach tried on bpf_fentry_test1)", nested);
	ok = true;
out:
	bpf_link__destroy(link);
	probe_bpf__destroy(skel);
	libbpf_set_print(old_print);
	return ok;
}

/* Whether the cold tracepoint (net/bpf/test_run.c's bpf_test_finish) is in kernel BTF. */
static bool have_cold_tracepoint(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool found = btf && btf__find_by_name(btf, "btf_trace_bpf_test_finish") > 0;

	btf__free(btf);
	return found;
}

/* The probe skeleton's program at this offset of struct probe_bpf: a typo does not compile. */
#define PROBE_PROG(name) offsetof(struct probe_bpf, progs.name)

static struct bpf_program *probe_prog(struct probe_bpf *skel, size_t off)
{
	return *(struct bpf_program **)((char *)skel + off);
}

/*
 * Load the program at prog_off (PROBE_PROG) of the probe object and attach a program: the one
 * at cold_off if not 0 (its hot sibling is then only loaded, see bpf/probe.bpf.c), else the
 * first itself. reason says what failed, and what was only loaded.
 */
static bool try_program(size_t prog_off, size_t cold_off, char *why, size_t size)
{
	libbpf_print_fn_t old_print = libbpf_set_print(silent_print);
	struct bpf_program *prog, *attach, *p;
	struct bpf_link *link = NULL;
	struct probe_bpf *skel;
	int perf_fd = -1, err;
	bool ok = false;

	skel = probe_bpf__open();
	if (!skel) {
		snprintf(why, size, "cannot open probe object: %s", strerror(errno));
		goto out;
	}
	prog = probe_prog(skel, prog_off);
	attach = prog;
	if (cold_off)
		attach = have_cold_tracepoint() ? probe_prog(skel, cold_off) : NULL;
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, p == prog || p == attach);
	err = probe_bpf__load(skel);
	if (err) {
		snprintf(why, size, "no: load failed: %s", strerror(-err));
		goto out;
	}
	if (!attach) {
		snprintf(why, size, "yes (loaded; attach not tried: no cold tracepoint to try it on)");
		ok = true;
		goto out;
	}
	if (prog == skel->progs.probe_perf_event) {
		perf_fd = open_cpu_clock(0);
		if (perf_fd < 0) {
			snprintf(why, size, "no: perf_event_open: %s", strerror(errno));
			goto out;
		}
		link = bpf_program__attach_perf_event(prog, perf_fd);
	} else {
		link = bpf_program__attach(attach);
	}
	if (!link) {
		if (!cold_off && bpf_program__type(attach) == BPF_PROG_TYPE_RAW_TRACEPOINT &&
		    errno == ENOENT) {
			snprintf(why, size, "yes (loaded; attach not tried: no cold tracepoint "
				 "to try it on)");
			ok = true;
		} else {
			snprintf(why, size, "no: attach failed%s: %s",
				 attach != prog || bpf_program__type(attach) ==
				 BPF_PROG_TYPE_RAW_TRACEPOINT ? " (on bpf_test_finish)" : "",
				 strerror(errno));
		}
		goto out;
	}
	if (prog == skel->progs.probe_iter) {
		char buf[64];
		int iter_fd = bpf_iter_create(bpf_link__fd(link));

		if (iter_fd < 0 || read(iter_fd, buf, sizeof(buf)) < 0) {
			snprintf(why, size, "no: iterator read failed: %s", strerror(errno));
			if (iter_fd >= 0)
				close(iter_fd);
			goto out;
		}
		close(iter_fd);
	}
	if (attach != prog || bpf_program__type(attach) == BPF_PROG_TYPE_RAW_TRACEPOINT)
		snprintf(why, size, "yes (loaded; attach tried on tracepoint bpf_test_finish)");
	else
		snprintf(why, size, "yes (loaded and attached)");
	ok = true;
out:
	bpf_link__destroy(link);
	if (perf_fd >= 0)
		close(perf_fd);
	probe_bpf__destroy(skel);
	libbpf_set_print(old_print);
	return ok;
}

void probe_feature(enum feature feat, struct probe_results *r)
{
	struct feature_result *f = &r->f[feat];
	char *why = f->reason;
	size_t size = sizeof(f->reason);

	if (f->probed)
		return;
	f->probed = true;
	switch (feat) {
	case FEAT_PRIVILEGES:
		f->ok = have_bpf_privileges(why, size);
		return;
	case FEAT_BTF:
		f->ok = have_vmlinux_btf(why, size);
		return;
	case FEAT_KALLSYMS:
		f->ok = kallsyms_lookup("io_uring_release") != 0;
		snprintf(why, size, f->ok ? "yes" : "no: hidden or absent (kptr_restrict?); kernel "
			 "frames go unnamed, rings are found by their [io_uring] file name");
		return;
	case FEAT_CONTENTION_TP:
		f->ok = btf_has_type("btf_trace_contention_begin", why, size);
		return;
	case FEAT_TP_BTF:
	case FEAT_IO_URING_TP:
	case FEAT_SYS_EXIT_TP:
	case FEAT_FENTRY:
	case FEAT_TASK_FILE_ITER:
		/* Their programs attach by BTF ID: say so rather than libbpf's ESRCH. */
		probe_feature(FEAT_BTF, r);
		if (!r->f[FEAT_BTF].ok) {
			snprintf(why, size, "no: needs kernel BTF");
			return;
		}
		break;
	default:
		break;
	}
	/* The rest need privileges to say anything. */
	probe_feature(FEAT_PRIVILEGES, r);
	if (!r->f[FEAT_PRIVILEGES].ok) {
		snprintf(why, size, "unknown: not privileged");
		return;
	}
	switch (feat) {
	case FEAT_TP_BTF:
		f->ok = try_program(PROBE_PROG(probe_tp_btf), PROBE_PROG(probe_tp_btf_cold), why,
				    size);
		break;
	case FEAT_RAW_TP:
		f->ok = try_program(PROBE_PROG(probe_raw_tp_cold), 0, why, size);
		break;
	case FEAT_IO_URING_TP:
		f->ok = try_program(PROBE_PROG(probe_io_uring_tp), PROBE_PROG(probe_tp_btf_cold),
				    why, size);
		break;
	case FEAT_SYS_EXIT_TP:
		/* The counters backend's own program: the same one --count-enters loads. */
		f->ok = session_try_sys_exit(why, size);
		break;
	case FEAT_FENTRY:
		f->ok = try_fentry(why, size);
		break;
	case FEAT_PERF_EVENT:
		f->ok = try_program(PROBE_PROG(probe_perf_event), 0, why, size);
		break;
	case FEAT_TASK_FILE_ITER:
		f->ok = try_program(PROBE_PROG(probe_iter), 0, why, size);
		break;
	default:
		break;
	}
}

void probe_all(struct probe_results *r)
{
	int feat;

	for (feat = 0; feat < FEAT_COUNT; feat++)
		probe_feature(feat, r);
}

void probe_print(FILE *out, const struct probe_results *r)
{
	int feat;

	fprintf(out, "%-42s %-4s %s\n", "FEATURE", "OK", "REASON");
	for (feat = 0; feat < FEAT_COUNT; feat++) {
		const struct feature_result *f = &r->f[feat];

		fprintf(out, "%-42s %-4s %s\n", feature_name(feat), f->ok ? "yes" : "no",
			f->reason);
	}
}
