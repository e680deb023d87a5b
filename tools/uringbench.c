// SPDX-License-Identifier: GPL-2.0
/*
 * uringbench - io_uring workload generator whose own counters are the ground truth
 * that uringlockstat's measurements are compared against.
 *
 * Every io_uring_enter() and io_uring_register() call is made here explicitly (never
 * by liburing behind our back), so the reported counts match what the kernel saw.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#define IO_SIZE			4096
/* Write offsets cycle over 1 MiB so the temp file stays small. */
#define WRITE_SPAN		(1024 * 1024)
/* Probe buffer slots; the kernel clamps this to IORING_OP_LAST. */
#define PROBE_OPS		256
/* Kernel limit for SQ entries (IORING_MAX_ENTRIES). */
#define MAX_DEPTH		32768
/* "uringbench-w" plus three digits fits the 16-byte comm. */
#define MAX_THREADS		999
#define MAX_RINGS		4096
/* Shared-mode waits time out so a thread never sleeps on CQEs another thread reaped. */
#define SHARED_WAIT_NS		1000000
#define SQPOLL_IDLE_MS		100
/* SQPOLL: poll the CQ this long before sleeping in io_uring_enter(GETEVENTS). */
#define SQPOLL_SPIN_NS		50000
#define NSEC_PER_SEC		1000000000ULL

enum bench_op {
	OP_NOP,
	OP_READ,
	OP_WRITE,
};

static const char *const op_names[] = {
	[OP_NOP] = "nop",
	[OP_READ] = "read",
	[OP_WRITE] = "write",
};

/* Indexed by bit number of IORING_SETUP_*. */
static const char *const setup_flag_names[] = {
	"IOPOLL", "SQPOLL", "SQ_AFF", "CQSIZE", "CLAMP", "ATTACH_WQ", "R_DISABLED",
	"SUBMIT_ALL", "COOP_TASKRUN", "TASKRUN_FLAG", "SQE128", "CQE32", "SINGLE_ISSUER",
	"DEFER_TASKRUN",
};

struct config {
	unsigned int nr_rings;
	unsigned int nr_threads;
	bool shared;
	bool sqpoll;
	unsigned int setup_flags;	/* flags every ring is created with */
	enum bench_op op;
	unsigned int batch;
	unsigned int depth;
	double duration_s;
	bool ops_mode;
	uint64_t ops;			/* per thread and per ring, when ops_mode */
	uint64_t register_every;
	bool async;			/* IOSQE_ASYNC: io-wq workers run every request */
	bool fixed_file;		/* the I/O file registered, IOSQE_FIXED_FILE */
	bool register_thread;		/* a thread calls io_uring_register in a loop */
	bool fdinfo_reader;		/* a child process reads the rings' fdinfo in a loop */
	int sq_cpu;			/* --sq-cpu: IORING_SETUP_SQ_AFF on this CPU, -1 none */
	bool registered_ring;		/* enter through a registered ring fd, the fd closed */
	double create_delay_s;
	bool wait_start;
	double hold_s;
	bool json;
	int exit_code;
};

struct counts {
	uint64_t sqes;
	uint64_t completions;
	uint64_t enters;
	uint64_t enters_submit;
	uint64_t registers;
	uint64_t errors;
	int first_error_res;
};

struct ring_state {
	struct io_uring ring;
	/* Shared mode only: guards SQ tail, CQ head, inflight and submit_ticks. */
	pthread_mutex_t lock;
	unsigned int inflight;		/* published SQEs whose CQE is not reaped yet */
	uint64_t submit_ticks;		/* submit calls (SQPOLL: batches), --register-every */
	unsigned int index;
	unsigned int owner;		/* SINGLE_ISSUER binds the ring to its creating task */
	unsigned int nr_threads;
	unsigned int setup_flags;
	unsigned int sq_entries;
	unsigned int cq_entries;
	int fd;
	int enter_fd;			/* fd, or the registered ring's index */
	unsigned int enter_flags;	/* 0, or IORING_ENTER_REGISTERED_RING */
} __attribute__((aligned(64)));

struct worker {
	pthread_t thread;
	unsigned int index;
	unsigned int nr_slots;
	struct ring_state **rings;	/* rings this worker uses, in round-robin order */
	struct counts *counts;		/* per slot, written only by this worker */
	uint64_t *ops_left;		/* per slot, SQEs still to publish in ops mode */
	void *buf;
	uint64_t write_seq;
	struct io_uring_probe *probe;
	size_t probe_size;
	uint64_t start_ns;
	uint64_t end_ns;
};

static struct config cfg = {
	.nr_rings = 1,
	.nr_threads = 1,
	.op = OP_NOP,
	.batch = 1,
	.duration_s = 1.0,
	.sq_cpu = -1,
};

static struct ring_state *rings;
static struct worker *workers;
static int io_fd = -1;
static atomic_bool stop_flag;
/* Every worker is done: the register thread stops (it also stops at stop_flag). */
static atomic_bool workers_done;
/* --register-thread's io_uring_register calls, per ring. */
static uint64_t *thread_registers;
static pthread_barrier_t created_barrier;
static pthread_barrier_t start_barrier;

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "uringbench: %s\n", msg);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void sleep_seconds(double seconds)
{
	struct timespec ts;

	if (seconds <= 0)
		return;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void usage(FILE *out)
{
	fprintf(out,
"usage: uringbench [options]\n"
"\n"
"Drive io_uring with a known number of io_uring_enter/io_uring_register calls and\n"
"print exact counts (the ground truth for uringlockstat).\n"
"\n"
"Ring layout:\n"
"  --rings N             number of rings (default 1)\n"
"  --threads N           number of worker threads uringbench-w<N> (default 1, max %d)\n"
"  --shared              every thread submits to every ring (round-robin), racing for\n"
"                        ctx->uring_lock; default: thread t uses rings t, t+T, t+2T, ...\n"
"                        and --threads may not exceed --rings\n"
"  --depth N             SQ entries per ring (default max(2*batch, 8), >= batch, <= %d)\n"
"\n"
"Setup flags:\n"
"  --single-issuer       IORING_SETUP_SINGLE_ISSUER (not with --shared and --threads > 1:\n"
"                        the kernel rejects submissions from a second task with -EEXIST)\n"
"  --defer-taskrun       IORING_SETUP_DEFER_TASKRUN (requires --single-issuer)\n"
"  --coop-taskrun        IORING_SETUP_COOP_TASKRUN (not with --sqpoll)\n"
"  --sqpoll              IORING_SETUP_SQPOLL, sq_thread_idle %d ms; io_uring_enter is only\n"
"                        called to wake the SQ thread or to wait for CQEs that did not\n"
"                        arrive within %d us of polling the CQ\n"
"  --sq-cpu N            IORING_SETUP_SQ_AFF: the SQ thread runs on CPU N (with --sqpoll)\n"
"  --registered-ring     register each ring's fd (io_uring_register_ring_fd), close the\n"
"                        fd, and enter through the registered index only\n"
"\n"
"Workload:\n"
"  --op nop|read|write   request type (default nop); read: 4 KiB from /dev/zero;\n"
"                        write: 4 KiB to an unlinked file in $TMPDIR or /tmp,\n"
"                        offsets cycling over 1 MiB\n"
"  --batch N             SQEs per io_uring_enter (default 1)\n"
"  --duration SECONDS    run length, fractional allowed (default 1.0; ignored with --ops)\n"
"  --ops N               each thread submits exactly N SQEs to each ring it uses, then\n"
"                        stops (the last batch may be smaller)\n"
"  --register-every N    after every N submitting io_uring_enter calls on a ring (SQPOLL:\n"
"                        every N published batches) call io_uring_register(PROBE) once\n"
"\n"
"Known lock contenders (ground truth for who blocks whom):\n"
"  --async               IOSQE_ASYNC on every request: io-wq workers run them\n"
"  --fixed-file          register the I/O file (--op read|write) and use IOSQE_FIXED_FILE:\n"
"                        an io-wq worker takes uring_lock to look it up\n"
"  --register-thread     a thread uringbench-reg calls io_uring_register(PROBE) on every\n"
"                        ring in a loop while the workload runs (counted in registers)\n"
"  --fdinfo-reader       a child process uringbench-fdi reads /proc/PID/fdinfo/FD of every\n"
"                        ring in a loop while the workload runs (the kernel trylocks\n"
"                        uring_lock to show the ring)\n"
"\n"
"Timing and control:\n"
"  --create-delay SECONDS  sleep before creating the rings\n"
"  --wait-start          after creating the rings print 'uringbench: ready pid=PID' on\n"
"                        stderr and wait for SIGUSR1 before starting the workload\n"
"  --hold SECONDS        keep the rings open this long after the workload\n"
"  --json                print one JSON object on stdout instead of a table\n"
"  --exit-code N         exit with status N after a successful run (0-255)\n"
"  --help                show this help\n"
"\n"
"Counts: sqes = SQEs the kernel consumed (SQPOLL: completed), enters = all\n"
"io_uring_enter calls, enters_submit = those with to_submit > 0, registers =\n"
"successful io_uring_register calls. Errors print one line on stderr and exit 1.\n"
"\n"
"Examples:\n"
"  uringbench --ops 100000 --json\n"
"  uringbench --single-issuer --defer-taskrun --batch 32 --ops 100000 --json\n"
"  uringbench --threads 2 --shared --batch 8 --duration 1 --json\n"
"  uringbench --rings 2 --threads 2 --duration 0.5\n"
"  uringbench --sqpoll --ops 10000 --json\n"
"  uringbench --op write --register-every 10 --ops 1000 --json\n"
"  uringbench --wait-start --ops 10 & sleep 1; kill -USR1 $!\n",
		MAX_THREADS, MAX_DEPTH, SQPOLL_IDLE_MS, SQPOLL_SPIN_NS / 1000);
}

static uint64_t parse_uint(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (*s == '-' || *s == '\0')
		die("--%s: '%s' is not a non-negative integer", opt, s);
	v = strtoull(s, &end, 0);
	if (errno || *end != '\0')
		die("--%s: '%s' is not a non-negative integer", opt, s);
	if (v < min || v > max)
		die("--%s: %llu out of range [%" PRIu64 ", %" PRIu64 "]", opt, v, min, max);
	return v;
}

static double parse_seconds(const char *opt, const char *s, bool allow_zero)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(v))
		die("--%s: '%s' is not a number of seconds", opt, s);
	if (v < 0 || (!allow_zero && v == 0) || v > 1e6)
		die("--%s: %s seconds out of range", opt, s);
	return v;
}

enum {
	OPT_RINGS = 256,
	OPT_THREADS,
	OPT_SHARED,
	OPT_SINGLE_ISSUER,
	OPT_DEFER_TASKRUN,
	OPT_COOP_TASKRUN,
	OPT_SQPOLL,
	OPT_OP,
	OPT_BATCH,
	OPT_DEPTH,
	OPT_DURATION,
	OPT_OPS,
	OPT_REGISTER_EVERY,
	OPT_ASYNC,
	OPT_FIXED_FILE,
	OPT_REGISTER_THREAD,
	OPT_FDINFO_READER,
	OPT_SQ_CPU,
	OPT_REGISTERED_RING,
	OPT_CREATE_DELAY,
	OPT_WAIT_START,
	OPT_HOLD,
	OPT_JSON,
	OPT_EXIT_CODE,
	OPT_HELP,
};

static const struct option long_options[] = {
	{ "rings",		required_argument,	NULL, OPT_RINGS },
	{ "threads",		required_argument,	NULL, OPT_THREADS },
	{ "shared",		no_argument,		NULL, OPT_SHARED },
	{ "single-issuer",	no_argument,		NULL, OPT_SINGLE_ISSUER },
	{ "defer-taskrun",	no_argument,		NULL, OPT_DEFER_TASKRUN },
	{ "coop-taskrun",	no_argument,		NULL, OPT_COOP_TASKRUN },
	{ "sqpoll",		no_argument,		NULL, OPT_SQPOLL },
	{ "op",			required_argument,	NULL, OPT_OP },
	{ "batch",		required_argument,	NULL, OPT_BATCH },
	{ "depth",		required_argument,	NULL, OPT_DEPTH },
	{ "duration",		required_argument,	NULL, OPT_DURATION },
	{ "ops",		required_argument,	NULL, OPT_OPS },
	{ "register-every",	required_argument,	NULL, OPT_REGISTER_EVERY },
	{ "async",		no_argument,		NULL, OPT_ASYNC },
	{ "fixed-file",		no_argument,		NULL, OPT_FIXED_FILE },
	{ "register-thread",	no_argument,		NULL, OPT_REGISTER_THREAD },
	{ "fdinfo-reader",	no_argument,		NULL, OPT_FDINFO_READER },
	{ "sq-cpu",		required_argument,	NULL, OPT_SQ_CPU },
	{ "registered-ring",	no_argument,		NULL, OPT_REGISTERED_RING },
	{ "create-delay",	required_argument,	NULL, OPT_CREATE_DELAY },
	{ "wait-start",		no_argument,		NULL, OPT_WAIT_START },
	{ "hold",		required_argument,	NULL, OPT_HOLD },
	{ "json",		no_argument,		NULL, OPT_JSON },
	{ "exit-code",		required_argument,	NULL, OPT_EXIT_CODE },
	{ "help",		no_argument,		NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void parse_args(int argc, char **argv)
{
	bool single_issuer = false, defer_taskrun = false, coop_taskrun = false;
	bool depth_set = false;
	int c;

	opterr = 0;
	/* Leading ':' makes getopt_long report a missing argument as ':'. */
	while ((c = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_RINGS:
			cfg.nr_rings = parse_uint("rings", optarg, 1, MAX_RINGS);
			break;
		case OPT_THREADS:
			cfg.nr_threads = parse_uint("threads", optarg, 1, MAX_THREADS);
			break;
		case OPT_SHARED:
			cfg.shared = true;
			break;
		case OPT_SINGLE_ISSUER:
			single_issuer = true;
			break;
		case OPT_DEFER_TASKRUN:
			defer_taskrun = true;
			break;
		case OPT_COOP_TASKRUN:
			coop_taskrun = true;
			break;
		case OPT_SQPOLL:
			cfg.sqpoll = true;
			break;
		case OPT_OP:
			if (!strcmp(optarg, "nop"))
				cfg.op = OP_NOP;
			else if (!strcmp(optarg, "read"))
				cfg.op = OP_READ;
			else if (!strcmp(optarg, "write"))
				cfg.op = OP_WRITE;
			else
				die("--op: '%s' is not one of nop, read, write", optarg);
			break;
		case OPT_BATCH:
			cfg.batch = parse_uint("batch", optarg, 1, MAX_DEPTH);
			break;
		case OPT_DEPTH:
			cfg.depth = parse_uint("depth", optarg, 1, MAX_DEPTH);
			depth_set = true;
			break;
		case OPT_DURATION:
			cfg.duration_s = parse_seconds("duration", optarg, false);
			break;
		case OPT_OPS:
			cfg.ops = parse_uint("ops", optarg, 0, UINT64_MAX / 2);
			cfg.ops_mode = true;
			break;
		case OPT_REGISTER_EVERY:
			cfg.register_every = parse_uint("register-every", optarg, 1, UINT64_MAX);
			break;
		case OPT_ASYNC:
			cfg.async = true;
			break;
		case OPT_FIXED_FILE:
			cfg.fixed_file = true;
			break;
		case OPT_REGISTER_THREAD:
			cfg.register_thread = true;
			break;
		case OPT_FDINFO_READER:
			cfg.fdinfo_reader = true;
			break;
		case OPT_REGISTERED_RING:
			cfg.registered_ring = true;
			break;
		case OPT_SQ_CPU:
			cfg.sq_cpu = parse_uint("sq-cpu", optarg, 0, 4095);
			break;
		case OPT_CREATE_DELAY:
			cfg.create_delay_s = parse_seconds("create-delay", optarg, true);
			break;
		case OPT_WAIT_START:
			cfg.wait_start = true;
			break;
		case OPT_HOLD:
			cfg.hold_s = parse_seconds("hold", optarg, true);
			break;
		case OPT_JSON:
			cfg.json = true;
			break;
		case OPT_EXIT_CODE:
			cfg.exit_code = parse_uint("exit-code", optarg, 0, 255);
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case ':':
			die("option %s needs an argument (see --help)", argv[optind - 1]);
		default:
			die("unknown option %s (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s' (see --help)", argv[optind]);

	if (!cfg.shared && cfg.nr_threads > cfg.nr_rings)
		die("--threads %u > --rings %u: without --shared every thread needs its own ring",
		    cfg.nr_threads, cfg.nr_rings);
	if (single_issuer && cfg.shared && cfg.nr_threads > 1)
		die("--single-issuer cannot be used with --shared and --threads > 1: %s",
		    "the kernel rejects submissions from a second task with -EEXIST");
	if (defer_taskrun && !single_issuer)
		die("--defer-taskrun requires --single-issuer (the kernel rejects it otherwise)");
	if (cfg.sqpoll && (defer_taskrun || coop_taskrun))
		die("--sqpoll cannot be combined with --coop-taskrun or --defer-taskrun %s",
		    "(the kernel returns -EINVAL)");

	if (cfg.registered_ring && cfg.shared)
		die("--registered-ring cannot be used with --shared: a registered ring fd is the "
		    "registering thread's own");
	if (cfg.registered_ring && (cfg.register_every || cfg.register_thread || cfg.fdinfo_reader))
		die("--registered-ring closes the ring's fd: not with --register-every, "
		    "--register-thread or --fdinfo-reader");
	if (cfg.fixed_file && cfg.op == OP_NOP)
		die("--fixed-file needs --op read or --op write (a file to register)");

	if (!depth_set)
		cfg.depth = cfg.batch * 2 > 8 ? cfg.batch * 2 : 8;
	if (cfg.depth > MAX_DEPTH)
		cfg.depth = MAX_DEPTH;
	if (cfg.depth < cfg.batch)
		die("--depth %u must be >= --batch %u", cfg.depth, cfg.batch);

	if (cfg.sq_cpu >= 0 && !cfg.sqpoll)
		die("--sq-cpu needs --sqpoll");
	if (cfg.sqpoll)
		cfg.setup_flags |= IORING_SETUP_SQPOLL;
	if (cfg.sq_cpu >= 0)
		cfg.setup_flags |= IORING_SETUP_SQ_AFF;
	if (coop_taskrun)
		cfg.setup_flags |= IORING_SETUP_COOP_TASKRUN;
	if (single_issuer)
		cfg.setup_flags |= IORING_SETUP_SINGLE_ISSUER;
	if (defer_taskrun)
		cfg.setup_flags |= IORING_SETUP_DEFER_TASKRUN;
	/* Several threads reap one CQ: make it twice the in-flight limit so it never overflows. */
	if (cfg.shared)
		cfg.setup_flags |= IORING_SETUP_CQSIZE;
}

static void ring_lock(struct ring_state *rs)
{
	if (cfg.shared)
		pthread_mutex_lock(&rs->lock);
}

static void ring_unlock(struct ring_state *rs)
{
	if (cfg.shared)
		pthread_mutex_unlock(&rs->lock);
}

static void create_ring(struct ring_state *rs)
{
	struct io_uring_params p;
	unsigned int i;
	int ret;

	memset(&p, 0, sizeof(p));
	p.flags = cfg.setup_flags;
	if (cfg.setup_flags & IORING_SETUP_CQSIZE)
		p.cq_entries = 2 * cfg.depth;
	if (cfg.sqpoll)
		p.sq_thread_idle = SQPOLL_IDLE_MS;
	if (cfg.sq_cpu >= 0)
		p.sq_thread_cpu = cfg.sq_cpu;
	ret = io_uring_queue_init_params(cfg.depth, &rs->ring, &p);
	if (ret < 0)
		die("io_uring_queue_init_params(ring %u, entries %u, flags 0x%x): %s",
		    rs->index, cfg.depth, cfg.setup_flags, strerror(-ret));
	/* The kernel indexes SQEs through sq.array; map slot i to SQE i once. */
	for (i = 0; i < rs->ring.sq.ring_entries; i++)
		rs->ring.sq.array[i] = i;
	rs->setup_flags = cfg.setup_flags;
	rs->sq_entries = p.sq_entries;
	rs->cq_entries = p.cq_entries;
	rs->fd = rs->ring.ring_fd;
	rs->enter_fd = rs->fd;
	if (cfg.fixed_file) {
		ret = io_uring_register_files(&rs->ring, &io_fd, 1);
		if (ret < 0)
			die("io_uring_register_files(ring %u): %s", rs->index, strerror(-ret));
	}
	if (cfg.registered_ring) {
		ret = io_uring_register_ring_fd(&rs->ring);
		if (ret != 1)
			die("io_uring_register_ring_fd(ring %u): %s", rs->index,
			    ret < 0 ? strerror(-ret) : "not registered");
		rs->enter_fd = rs->ring.enter_ring_fd;
		rs->enter_flags = IORING_ENTER_REGISTERED_RING;
		/* The mappings keep the ring alive; no fd table holds it any more. */
		close(rs->fd);
		rs->ring.ring_fd = -1;
	}
}

/* Make prepared SQEs visible to the kernel, like liburing's __io_uring_flush_sq(). */
static void publish_sq(struct io_uring *ring)
{
	struct io_uring_sq *sq = &ring->sq;

	/* Release: SQE contents must be visible before the tail that exposes them. */
	io_uring_smp_store_release(sq->ktail, sq->sqe_tail);
	sq->sqe_head = sq->sqe_tail;
}

static unsigned int sq_unconsumed(struct io_uring *ring)
{
	return ring->sq.sqe_tail - io_uring_smp_load_acquire(ring->sq.khead);
}

static void prep_batch(struct worker *w, struct ring_state *rs, unsigned int n)
{
	struct io_uring_sqe *sqe;
	unsigned int i;
	uint64_t off;

	for (i = 0; i < n; i++) {
		sqe = io_uring_get_sqe(&rs->ring);
		while (!sqe) {
			/*
			 * The kernel posts CQEs before it commits the SQ head, so with SQPOLL
			 * or another thread inside io_uring_enter the slot frees shortly.
			 */
			if (!cfg.sqpoll && !cfg.shared)
				die("ring %u: SQ unexpectedly full (inflight %u, depth %u)",
				    rs->index, rs->inflight, cfg.depth);
			sched_yield();
			sqe = io_uring_get_sqe(&rs->ring);
		}
		switch (cfg.op) {
		case OP_NOP:
			io_uring_prep_nop(sqe);
			break;
		case OP_READ:
			io_uring_prep_read(sqe, io_fd, w->buf, IO_SIZE, 0);
			break;
		case OP_WRITE:
			off = (w->write_seq++ % (WRITE_SPAN / IO_SIZE)) * IO_SIZE;
			io_uring_prep_write(sqe, io_fd, w->buf, IO_SIZE, off);
			break;
		}
		if (cfg.fixed_file && cfg.op != OP_NOP) {
			sqe->fd = 0;
			sqe->flags |= IOSQE_FIXED_FILE;
		}
		if (cfg.async)
			sqe->flags |= IOSQE_ASYNC;
		io_uring_sqe_set_data64(sqe, w->index);
	}
}

/* Reap every CQE present without entering the kernel; returns how many. */
static unsigned int reap(struct ring_state *rs, struct counts *c)
{
	int expected_res = cfg.op == OP_NOP ? 0 : IO_SIZE;
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;

	io_uring_for_each_cqe(&rs->ring, head, cqe) {
		if (cqe->res != expected_res) {
			if (!c->errors)
				c->first_error_res = cqe->res;
			c->errors++;
		}
		n++;
	}
	if (!n)
		return 0;
	io_uring_cq_advance(&rs->ring, n);
	if (n > rs->inflight)
		die("ring %u: reaped %u CQEs but only %u requests were in flight",
		    rs->index, n, rs->inflight);
	rs->inflight -= n;
	c->completions += n;
	/* SQPOLL consumes SQEs in the kernel thread: count them as they complete. */
	if (cfg.sqpoll)
		c->sqes += n;
	return n;
}

static void do_register(struct worker *w, struct ring_state *rs, struct counts *c)
{
	long ret;

	/* The kernel rejects a probe buffer that is not all zeroes. */
	memset(w->probe, 0, w->probe_size);
	ret = syscall(__NR_io_uring_register, rs->fd, IORING_REGISTER_PROBE, w->probe,
		      PROBE_OPS);
	if (ret != 0)
		die("io_uring_register(ring %u, IORING_REGISTER_PROBE): %s", rs->index,
		    ret < 0 ? strerror(errno) : "unexpected return value");
	c->registers++;
}

/* One submit call (SQPOLL: one published batch) toward --register-every. */
static void submit_tick(struct worker *w, struct ring_state *rs, struct counts *c)
{
	bool due;

	if (!cfg.register_every)
		return;
	ring_lock(rs);
	due = ++rs->submit_ticks % cfg.register_every == 0;
	ring_unlock(rs);
	if (due)
		do_register(w, rs, c);
}

static bool retryable(int ret)
{
	return ret == -EAGAIN || ret == -EBUSY || ret == -EINTR || ret == -ETIME;
}

/* Block in the kernel until min_complete CQEs are posted (shared mode: or 1 ms passed). */
static void wait_cqes(struct ring_state *rs, struct counts *c, unsigned int min_complete,
		      bool with_timeout)
{
	struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = SHARED_WAIT_NS };
	struct io_uring_getevents_arg arg = { .ts = (uint64_t)(uintptr_t)&ts };
	int ret;

	if (with_timeout)
		ret = io_uring_enter2(rs->fd, 0, min_complete,
				      IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
				      (sigset_t *)&arg, sizeof(arg));
	else
		ret = io_uring_enter(rs->enter_fd, 0, min_complete,
				     IORING_ENTER_GETEVENTS | rs->enter_flags, NULL);
	c->enters++;
	if (ret < 0 && !retryable(ret))
		die("io_uring_enter(ring %u, wait %u): %s", rs->index, min_complete,
		    strerror(-ret));
}

/* SQPOLL: wake the SQ thread only if it went to sleep. */
static void sqpoll_kick(struct ring_state *rs, struct counts *c, unsigned int to_submit)
{
	int ret;

	/* Full barrier between our tail store and the flags load; pairs with the SQ thread. */
	io_uring_smp_mb();
	if (!(IO_URING_READ_ONCE(*rs->ring.sq.kflags) & IORING_SQ_NEED_WAKEUP))
		return;
	ret = io_uring_enter(rs->enter_fd, to_submit, 0,
			     IORING_ENTER_SQ_WAKEUP | rs->enter_flags, NULL);
	c->enters++;
	if (to_submit)
		c->enters_submit++;
	if (ret < 0)
		die("io_uring_enter(ring %u, SQ_WAKEUP): %s", rs->index, strerror(-ret));
}

/* SQPOLL: busy-poll the CQ briefly; returns true once want CQEs are ready. */
static bool sqpoll_spin(struct ring_state *rs, unsigned int want)
{
	uint64_t deadline_ns = now_ns() + SQPOLL_SPIN_NS;

	do {
		if (io_uring_cq_ready(&rs->ring) >= want)
			return true;
	} while (now_ns() < deadline_ns);
	return false;
}

/* Private ring, no SQPOLL: one enter submits the batch and waits for all of it. */
static void private_batch(struct worker *w, unsigned int slot, unsigned int n)
{
	struct ring_state *rs = w->rings[slot];
	struct counts *c = &w->counts[slot];
	unsigned int left = n;
	int ret;

	prep_batch(w, rs, n);
	publish_sq(&rs->ring);
	rs->inflight += n;
	while (left) {
		ret = io_uring_enter(rs->enter_fd, left, left,
				     IORING_ENTER_GETEVENTS | rs->enter_flags, NULL);
		c->enters++;
		c->enters_submit++;
		submit_tick(w, rs, c);
		if (ret < 0) {
			if (!retryable(ret))
				die("io_uring_enter(ring %u, to_submit %u): %s", rs->index, left,
				    strerror(-ret));
			/* Nothing was consumed; free CQ space before retrying the rest. */
			if (!reap(rs, c) && rs->inflight > left)
				wait_cqes(rs, c, 1, false);
			continue;
		}
		if (ret == 0 || (unsigned int)ret > left)
			die("io_uring_enter(ring %u, to_submit %u) consumed %d SQEs", rs->index,
			    left, ret);
		c->sqes += ret;
		left -= ret;
		reap(rs, c);
	}
	while (rs->inflight) {
		wait_cqes(rs, c, rs->inflight, false);
		reap(rs, c);
	}
}

/* Private ring with SQPOLL: publish, wake the SQ thread if needed, wait for the batch. */
static void private_sqpoll_batch(struct worker *w, unsigned int slot, unsigned int n)
{
	struct ring_state *rs = w->rings[slot];
	struct counts *c = &w->counts[slot];

	prep_batch(w, rs, n);
	publish_sq(&rs->ring);
	rs->inflight += n;
	sqpoll_kick(rs, c, n);
	submit_tick(w, rs, c);
	sqpoll_spin(rs, n);
	reap(rs, c);
	while (rs->inflight) {
		wait_cqes(rs, c, rs->inflight, false);
		reap(rs, c);
	}
}

/* Shared-mode submit: the kernel consumes min(to_submit, SQEs any thread published). */
static void shared_submit(struct worker *w, struct ring_state *rs, struct counts *c,
			  unsigned int to_submit)
{
	int ret;

	ret = io_uring_enter(rs->enter_fd, to_submit, 0, rs->enter_flags, NULL);
	c->enters++;
	c->enters_submit++;
	if (ret < 0 && !retryable(ret))
		die("io_uring_enter(ring %u, to_submit %u): %s", rs->index, to_submit,
		    strerror(-ret));
	if (ret > 0)
		c->sqes += ret;
	submit_tick(w, rs, c);
}

/* One shared-mode round on a ring: prepare under the lock, enter the kernel outside it. */
static void shared_iter(struct worker *w, unsigned int slot)
{
	struct ring_state *rs = w->rings[slot];
	struct counts *c = &w->counts[slot];
	unsigned int want = cfg.batch, n, unconsumed, inflight;
	bool due = false;

	if (cfg.ops_mode && w->ops_left[slot] < want)
		want = w->ops_left[slot];

	ring_lock(rs);
	reap(rs, c);
	n = cfg.depth - rs->inflight;
	if (n > want)
		n = want;
	if (n) {
		prep_batch(w, rs, n);
		publish_sq(&rs->ring);
		rs->inflight += n;
		if (cfg.sqpoll && cfg.register_every)
			due = ++rs->submit_ticks % cfg.register_every == 0;
	}
	unconsumed = sq_unconsumed(&rs->ring);
	inflight = rs->inflight;
	ring_unlock(rs);

	if (cfg.ops_mode)
		w->ops_left[slot] -= n;

	if (cfg.sqpoll) {
		if (n)
			sqpoll_kick(rs, c, n);
		else if (inflight && !sqpoll_spin(rs, 1))
			wait_cqes(rs, c, 1, true);
		if (due)
			do_register(w, rs, c);
		return;
	}
	if (unconsumed)
		shared_submit(w, rs, c, cfg.batch);
	else if (inflight)
		wait_cqes(rs, c, 1, true);
}

/* Submit whatever any thread left in the SQ and reap until the ring is idle. */
static void shared_drain(struct worker *w, unsigned int slot)
{
	struct ring_state *rs = w->rings[slot];
	struct counts *c = &w->counts[slot];
	unsigned int unconsumed, inflight;

	for (;;) {
		ring_lock(rs);
		reap(rs, c);
		unconsumed = sq_unconsumed(&rs->ring);
		inflight = rs->inflight;
		ring_unlock(rs);
		if (!inflight)
			return;
		if (!cfg.sqpoll && unconsumed)
			shared_submit(w, rs, c, unconsumed);
		else if (!cfg.sqpoll || !sqpoll_spin(rs, 1))
			wait_cqes(rs, c, 1, true);
	}
}

static bool should_stop(void)
{
	return !cfg.ops_mode && atomic_load_explicit(&stop_flag, memory_order_relaxed);
}

static void run_private(struct worker *w)
{
	unsigned int slot, n;
	bool busy;

	do {
		busy = false;
		for (slot = 0; slot < w->nr_slots; slot++) {
			if (should_stop())
				return;
			n = cfg.batch;
			if (cfg.ops_mode) {
				if (w->ops_left[slot] < n)
					n = w->ops_left[slot];
				if (!n)
					continue;
				w->ops_left[slot] -= n;
			}
			busy = true;
			if (cfg.sqpoll)
				private_sqpoll_batch(w, slot, n);
			else
				private_batch(w, slot, n);
		}
	} while (busy);
}

static void run_shared(struct worker *w)
{
	unsigned int slot;
	bool busy;

	do {
		busy = false;
		for (slot = 0; slot < w->nr_slots; slot++) {
			if (should_stop())
				break;
			if (cfg.ops_mode && !w->ops_left[slot])
				continue;
			busy = true;
			shared_iter(w, slot);
		}
	} while (busy);
	for (slot = 0; slot < w->nr_slots; slot++)
		shared_drain(w, slot);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char name[16];
	unsigned int slot;
	int ret;

	snprintf(name, sizeof(name), "uringbench-w%u", w->index);
	ret = pthread_setname_np(pthread_self(), name);
	if (ret)
		die("pthread_setname_np(%s): %s", name, strerror(ret));

	/* The creating task becomes the SINGLE_ISSUER submitter, so the user creates it. */
	for (slot = 0; slot < w->nr_slots; slot++)
		if (w->rings[slot]->owner == w->index)
			create_ring(w->rings[slot]);

	pthread_barrier_wait(&created_barrier);
	pthread_barrier_wait(&start_barrier);
	w->start_ns = now_ns();

	if (cfg.shared)
		run_shared(w);
	else
		run_private(w);
	w->end_ns = now_ns();
	return NULL;
}

static void setup_workers(void)
{
	unsigned int t, r, slot, per_thread;
	struct worker *w;
	int ret;

	ret = posix_memalign((void **)&rings, 64, sizeof(*rings) * cfg.nr_rings);
	if (ret)
		die("allocating %u rings: %s", cfg.nr_rings, strerror(ret));
	memset(rings, 0, sizeof(*rings) * cfg.nr_rings);
	for (r = 0; r < cfg.nr_rings; r++) {
		rings[r].index = r;
		rings[r].owner = cfg.shared ? 0 : r % cfg.nr_threads;
		rings[r].nr_threads = cfg.shared ? cfg.nr_threads : 1;
		rings[r].fd = -1;
		pthread_mutex_init(&rings[r].lock, NULL);
	}

	workers = calloc(cfg.nr_threads, sizeof(*workers));
	if (!workers)
		die("allocating %u workers: out of memory", cfg.nr_threads);
	for (t = 0; t < cfg.nr_threads; t++) {
		w = &workers[t];
		w->index = t;
		per_thread = cfg.shared ? cfg.nr_rings :
			     (cfg.nr_rings - t + cfg.nr_threads - 1) / cfg.nr_threads;
		w->nr_slots = per_thread;
		w->rings = calloc(per_thread, sizeof(*w->rings));
		w->counts = calloc(per_thread, sizeof(*w->counts));
		w->ops_left = calloc(per_thread, sizeof(*w->ops_left));
		w->probe_size = sizeof(*w->probe) + PROBE_OPS * sizeof(struct io_uring_probe_op);
		w->probe = calloc(1, w->probe_size);
		if (!w->rings || !w->counts || !w->ops_left || !w->probe)
			die("allocating worker %u: out of memory", t);
		ret = posix_memalign(&w->buf, IO_SIZE, IO_SIZE);
		if (ret)
			die("allocating I/O buffer: %s", strerror(ret));
		memset(w->buf, 0xa5, IO_SIZE);
		for (slot = 0; slot < per_thread; slot++) {
			r = cfg.shared ? slot : t + slot * cfg.nr_threads;
			w->rings[slot] = &rings[r];
			w->ops_left[slot] = cfg.ops;
		}
	}
}

static void open_io_file(void)
{
	const char *dir;
	char path[PATH_MAX];
	int n;

	if (cfg.op == OP_READ) {
		io_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
		if (io_fd < 0)
			die("open /dev/zero: %s", strerror(errno));
	} else if (cfg.op == OP_WRITE) {
		dir = getenv("TMPDIR");
		if (!dir || !*dir)
			dir = "/tmp";
		n = snprintf(path, sizeof(path), "%s/uringbench.XXXXXX", dir);
		if (n < 0 || (size_t)n >= sizeof(path))
			die("TMPDIR path too long");
		io_fd = mkostemp(path, O_CLOEXEC);
		if (io_fd < 0)
			die("mkstemp %s: %s", path, strerror(errno));
		/* Unlinked right away so nothing is left behind, even after a crash. */
		if (unlink(path))
			die("unlink %s: %s", path, strerror(errno));
	}
}

static void wait_for_sigusr1(const sigset_t *set)
{
	int sig, ret;

	fprintf(stderr, "uringbench: ready pid=%d\n", (int)getpid());
	fflush(stderr);
	do {
		ret = sigwait(set, &sig);
		if (ret)
			die("sigwait: %s", strerror(ret));
	} while (sig != SIGUSR1);
}

static double per_sec(uint64_t n, uint64_t duration_ns)
{
	return duration_ns ? (double)n * 1e9 / (double)duration_ns : 0.0;
}

static void format_flags(unsigned int flags, char *out, size_t size, bool json)
{
	size_t len = 0;
	unsigned int bit;
	bool first = true;
	int n;

	out[0] = '\0';
	for (bit = 0; bit < 32; bit++) {
		if (!(flags & (1U << bit)))
			continue;
		if (bit < sizeof(setup_flag_names) / sizeof(setup_flag_names[0]))
			n = snprintf(out + len, size - len, json ? "%s\"%s\"" : "%s%s",
				     first ? "" : (json ? "," : "|"), setup_flag_names[bit]);
		else
			n = snprintf(out + len, size - len, json ? "%s\"BIT%u\"" : "%sBIT%u",
				     first ? "" : (json ? "," : "|"), bit);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += n;
		first = false;
	}
	if (!json && first)
		snprintf(out, size, "-");
}

static void print_results(struct counts *per_ring, uint64_t duration_ns)
{
	struct counts total = { 0 };
	struct ring_state *rs;
	struct counts *c;
	char flags[512];
	unsigned int r;

	for (r = 0; r < cfg.nr_rings; r++) {
		total.sqes += per_ring[r].sqes;
		total.enters += per_ring[r].enters;
		total.enters_submit += per_ring[r].enters_submit;
		total.registers += per_ring[r].registers;
	}

	if (cfg.json) {
		printf("{\"tool\":\"uringbench\",\"pid\":%d,\"duration_ns\":%" PRIu64
		       ",\"op\":\"%s\",\"batch\":%u,\"threads\":%u,\"shared\":%s,\"rings\":[",
		       (int)getpid(), duration_ns, op_names[cfg.op], cfg.batch, cfg.nr_threads,
		       cfg.shared ? "true" : "false");
		for (r = 0; r < cfg.nr_rings; r++) {
			rs = &rings[r];
			c = &per_ring[r];
			format_flags(rs->setup_flags, flags, sizeof(flags), true);
			printf("%s{\"index\":%u,\"fd\":%d,\"flags\":[%s],\"setup_flags\":%u,"
			       "\"sq_entries\":%u,\"cq_entries\":%u,\"threads\":%u,"
			       "\"sqes\":%" PRIu64 ",\"completions\":%" PRIu64
			       ",\"enters\":%" PRIu64 ",\"enters_submit\":%" PRIu64
			       ",\"registers\":%" PRIu64 ",\"ops_per_sec\":%.1f}",
			       r ? "," : "", r, rs->fd, flags, rs->setup_flags, rs->sq_entries,
			       rs->cq_entries, rs->nr_threads, c->sqes, c->completions, c->enters,
			       c->enters_submit, c->registers, per_sec(c->sqes, duration_ns));
		}
		printf("],\"total\":{\"sqes\":%" PRIu64 ",\"enters\":%" PRIu64
		       ",\"enters_submit\":%" PRIu64 ",\"registers\":%" PRIu64
		       ",\"ops_per_sec\":%.1f}}\n",
		       total.sqes, total.enters, total.enters_submit, total.registers,
		       per_sec(total.sqes, duration_ns));
		return;
	}

	printf("uringbench: pid %d, op %s, batch %u, depth %u, threads %u, %s, %.6f s\n",
	       (int)getpid(), op_names[cfg.op], cfg.batch, cfg.depth, cfg.nr_threads,
	       cfg.shared ? "shared rings" : "private rings", (double)duration_ns / 1e9);
	printf("%-5s %4s %-28s %5s %5s %3s %12s %12s %12s %12s %10s %13s\n", "ring", "fd",
	       "flags", "sq", "cq", "thr", "sqes", "completions", "enters", "enters_submit",
	       "registers", "ops/s");
	for (r = 0; r < cfg.nr_rings; r++) {
		rs = &rings[r];
		c = &per_ring[r];
		format_flags(rs->setup_flags, flags, sizeof(flags), false);
		printf("%-5u %4d %-28s %5u %5u %3u %12" PRIu64 " %12" PRIu64 " %12" PRIu64
		       " %12" PRIu64 " %10" PRIu64 " %13.1f\n",
		       r, rs->fd, flags, rs->sq_entries, rs->cq_entries, rs->nr_threads, c->sqes,
		       c->completions, c->enters, c->enters_submit, c->registers,
		       per_sec(c->sqes, duration_ns));
	}
	printf("%-5s %4s %-28s %5s %5s %3s %12" PRIu64 " %12s %12" PRIu64 " %12" PRIu64
	       " %10" PRIu64 " %13.1f\n",
	       "total", "", "", "", "", "", total.sqes, "", total.enters, total.enters_submit,
	       total.registers, per_sec(total.sqes, duration_ns));
}

/* Sum per-thread counts per ring and check they add up; returns the failed requests. */
static uint64_t collect(struct counts *per_ring, int *first_error_res)
{
	struct ring_state *rs;
	struct counts *c, *wc;
	unsigned int t, slot, r;
	uint64_t errors = 0, expected;

	for (t = 0; t < cfg.nr_threads; t++) {
		for (slot = 0; slot < workers[t].nr_slots; slot++) {
			c = &per_ring[workers[t].rings[slot]->index];
			wc = &workers[t].counts[slot];
			c->sqes += wc->sqes;
			c->completions += wc->completions;
			c->enters += wc->enters;
			c->enters_submit += wc->enters_submit;
			c->registers += wc->registers;
			if (wc->errors && !errors)
				*first_error_res = wc->first_error_res;
			errors += wc->errors;
		}
	}
	for (r = 0; r < cfg.nr_rings; r++) {
		rs = &rings[r];
		c = &per_ring[r];
		c->registers += thread_registers[r];
		if (rs->inflight || c->sqes != c->completions)
			die("ring %u: %" PRIu64 " SQEs consumed but %" PRIu64
			    " completions (%u in flight)", r, c->sqes, c->completions,
			    rs->inflight);
		if (*rs->ring.cq.koverflow)
			die("ring %u: CQ overflowed %u times", r, *rs->ring.cq.koverflow);
		expected = cfg.ops * rs->nr_threads;
		if (cfg.ops_mode && c->sqes != expected)
			die("ring %u: %" PRIu64 " SQEs consumed, expected %" PRIu64, r, c->sqes,
			    expected);
	}
	return errors;
}

/* --register-thread: io_uring_register(PROBE) on every ring until the workload ends. */
static void *register_main(void *arg)
{
	size_t size = sizeof(struct io_uring_probe) + PROBE_OPS * sizeof(struct io_uring_probe_op);
	struct io_uring_probe *probe = calloc(1, size);
	unsigned int r;
	long ret;

	(void)arg;
	if (!probe)
		die("allocating the register thread's probe: out of memory");
	pthread_setname_np(pthread_self(), "uringbench-reg");
	pthread_barrier_wait(&start_barrier);
	while (!atomic_load_explicit(&stop_flag, memory_order_relaxed) &&
	       !atomic_load_explicit(&workers_done, memory_order_relaxed)) {
		for (r = 0; r < cfg.nr_rings; r++) {
			memset(probe, 0, size);
			ret = syscall(__NR_io_uring_register, rings[r].fd, IORING_REGISTER_PROBE,
				      probe, PROBE_OPS);
			if (ret != 0)
				die("register thread: io_uring_register(ring %u, PROBE): %s", r,
				    ret < 0 ? strerror(errno) : "unexpected return value");
			thread_registers[r]++;
		}
	}
	free(probe);
	return NULL;
}

/*
 * --fdinfo-reader: a child process, forked before any ring exists (so that it holds no
 * reference to one), that reads every ring's /proc/PID/fdinfo/FD until it is killed or its
 * parent is gone. It learns the rings' fds from a pipe once they exist.
 */
static pid_t start_fdinfo_reader(int *fds_pipe)
{
	pid_t parent = getpid(), pid;
	char path[64], buf[8192];
	int p[2], *fds, fd;
	unsigned int r;
	size_t got = 0;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid) {
		close(p[0]);
		*fds_pipe = p[1];
		return pid;
	}
	close(p[1]);
	prctl(PR_SET_NAME, "uringbench-fdi");
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	fds = calloc(cfg.nr_rings, sizeof(*fds));
	if (!fds)
		_exit(1);
	while (got < cfg.nr_rings * sizeof(*fds)) {
		n = read(p[0], (char *)fds + got, cfg.nr_rings * sizeof(*fds) - got);
		if (n <= 0)
			_exit(0);
		got += n;
	}
	for (;;) {
		for (r = 0; r < cfg.nr_rings; r++) {
			snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)parent, fds[r]);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				_exit(0);
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		}
	}
}

/* Tell the fdinfo reader the rings' fds. */
static void send_ring_fds(int fds_pipe)
{
	unsigned int r;

	for (r = 0; r < cfg.nr_rings; r++) {
		if (write(fds_pipe, &rings[r].fd, sizeof(rings[r].fd)) != sizeof(rings[r].fd))
			die("writing to the fdinfo reader: %s", strerror(errno));
	}
	close(fds_pipe);
}

int main(int argc, char **argv)
{
	uint64_t start_ns, end_ns = 0, deadline_ns, errors;
	int first_error_res = 0;
	struct counts *per_ring;
	struct timespec deadline;
	sigset_t sigusr1;
	unsigned int t, r, barrier_threads;
	pthread_t register_thread;
	pid_t fdinfo_pid = 0;
	int ret, fds_pipe = -1;

	parse_args(argc, argv);

	/* Block SIGUSR1 before any thread exists so only sigwait() ever takes it. */
	sigemptyset(&sigusr1);
	sigaddset(&sigusr1, SIGUSR1);
	if (cfg.wait_start) {
		ret = pthread_sigmask(SIG_BLOCK, &sigusr1, NULL);
		if (ret)
			die("pthread_sigmask: %s", strerror(ret));
	}

	if (cfg.fdinfo_reader)
		fdinfo_pid = start_fdinfo_reader(&fds_pipe);
	sleep_seconds(cfg.create_delay_s);
	open_io_file();
	setup_workers();

	barrier_threads = cfg.nr_threads + 1 + (cfg.register_thread ? 1 : 0);
	thread_registers = calloc(cfg.nr_rings, sizeof(*thread_registers));
	if (!thread_registers)
		die("out of memory");
	if (pthread_barrier_init(&created_barrier, NULL, cfg.nr_threads + 1) ||
	    pthread_barrier_init(&start_barrier, NULL, barrier_threads))
		die("pthread_barrier_init failed");
	for (t = 0; t < cfg.nr_threads; t++) {
		ret = pthread_create(&workers[t].thread, NULL, worker_main, &workers[t]);
		if (ret)
			die("pthread_create: %s", strerror(ret));
	}

	pthread_barrier_wait(&created_barrier);
	if (cfg.register_thread) {
		ret = pthread_create(&register_thread, NULL, register_main, NULL);
		if (ret)
			die("pthread_create: %s", strerror(ret));
	}
	if (cfg.fdinfo_reader)
		send_ring_fds(fds_pipe);
	if (cfg.wait_start)
		wait_for_sigusr1(&sigusr1);

	pthread_barrier_wait(&start_barrier);
	start_ns = now_ns();
	if (!cfg.ops_mode) {
		deadline_ns = start_ns + (uint64_t)(cfg.duration_s * 1e9);
		deadline.tv_sec = deadline_ns / NSEC_PER_SEC;
		deadline.tv_nsec = deadline_ns % NSEC_PER_SEC;
		while ((ret = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL)))
			if (ret != EINTR)
				die("clock_nanosleep: %s", strerror(ret));
		atomic_store_explicit(&stop_flag, true, memory_order_relaxed);
	}
	for (t = 0; t < cfg.nr_threads; t++) {
		ret = pthread_join(workers[t].thread, NULL);
		if (ret)
			die("pthread_join: %s", strerror(ret));
		/* The first thread out of the barrier may run before main reads the clock. */
		if (workers[t].start_ns < start_ns)
			start_ns = workers[t].start_ns;
		if (workers[t].end_ns > end_ns)
			end_ns = workers[t].end_ns;
	}
	atomic_store_explicit(&workers_done, true, memory_order_relaxed);
	if (cfg.register_thread) {
		ret = pthread_join(register_thread, NULL);
		if (ret)
			die("pthread_join: %s", strerror(ret));
	}
	if (fdinfo_pid > 0) {
		kill(fdinfo_pid, SIGKILL);
		waitpid(fdinfo_pid, NULL, 0);
	}

	per_ring = calloc(cfg.nr_rings, sizeof(*per_ring));
	if (!per_ring)
		die("out of memory");
	errors = collect(per_ring, &first_error_res);
	print_results(per_ring, end_ns > start_ns ? end_ns - start_ns : 0);
	if (fflush(stdout))
		die("writing results: %s", strerror(errno));
	if (errors)
		die("%" PRIu64 " requests failed (first res %d: %s)", errors, first_error_res,
		    first_error_res < 0 ? strerror(-first_error_res) : "short transfer");

	sleep_seconds(cfg.hold_s);
	for (r = 0; r < cfg.nr_rings; r++)
		io_uring_queue_exit(&rings[r].ring);
	if (io_fd >= 0)
		close(io_fd);
	return cfg.exit_code;
}
