/* test_unwind_dwarf.c: proves the snapshot unwinder (agent/unwind/unwind_dwarf.c + target_space.c) on
 * this process's own -O2 -fomit-frame-pointer code: captures registers and a copy of its stack
 * deep in a call chain, unwinds the copy with libunwind's remote API, and compares frame by frame
 * with glibc's backtrace() taken at the same point. Built a second time with
 * UNWIND_TEST_BUILD_DSO as the small library the test dlopen()s. */
#define _GNU_SOURCE

#ifdef UNWIND_TEST_BUILD_DSO

__attribute__((noinline)) int unwind_test_dso_call(void (*cb)(void *), void *arg)
{
	volatile int after = 1;

	cb(arg);
	return after + 1; /* work after the call: no tail call, a real frame */
}

#else

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <gnu/libc-version.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "target_space.h"
#include "unwind_dwarf.h"

#ifndef UNWIND_TEST_DSO_PATH
#error "UNWIND_TEST_DSO_PATH must name the test library to dlopen"
#endif

#define MAX_FRAMES 128
#define SNAPSHOT_MAX 8192
#define NOINLINE __attribute__((noinline, noclone))

#define CHECK(cond, ...)                                                                \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                   \
			fputc('\n', stderr);                                            \
			exit(1);                                                        \
		}                                                                       \
	} while (0)

struct capture {
	uint64_t ip, sp, bp;
	uint8_t stack[SNAPSHOT_MAX];
	uint32_t len;
	void *oracle[MAX_FRAMES];
	int n_oracle;
};

static uint64_t stack_end; /* end of this thread's [stack] mapping */
static struct capture cap;

/* The end of the mapping holding this thread's stack: the one containing this frame (under
 * Valgrind that is not the kernel's [stack] mapping but the one Valgrind made for the client; a
 * frame address, not a local's, which ASan may move to a fake stack). */
static uint64_t find_stack_end(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	uint64_t sp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
	char line[4096];
	unsigned long long start, end;

	CHECK(f, "cannot open /proc/self/maps: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx", &start, &end) == 2 && start <= sp && sp < end) {
			fclose(f);
			return end;
		}
	}
	fclose(f);
	CHECK(0, "no mapping holds the stack in /proc/self/maps");
	return 0;
}

/* Copies other frames' bytes: ASan would flag its redzones, so no instrumentation here. */
__attribute__((no_sanitize_address)) NOINLINE static void copy_stack(uint8_t *dst, uint64_t sp,
								     uint32_t len)
{
	const volatile uint8_t *src = (const volatile uint8_t *)(uintptr_t)sp;

	for (uint32_t i = 0; i < len; i++)
		dst[i] = src[i];
}

/* The capture point: registers, stack copy and oracle are all taken in this frame. */
NOINLINE static void capture_here(void *arg)
{
	struct capture *c = arg;
	uint64_t ip, sp, bp;

	__asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2"
			 : "=r"(ip), "=r"(sp), "=r"(bp)
			 :
			 : "memory");
	c->ip = ip;
	c->sp = sp;
	c->bp = bp;
	c->len = stack_end - sp < SNAPSHOT_MAX ? (uint32_t)(stack_end - sp) : SNAPSHOT_MAX;
	copy_stack(c->stack, sp, c->len);
	c->n_oracle = backtrace(c->oracle, MAX_FRAMES);
}

/* A chain of distinct functions, each with a frame of its own and work after its call. */
typedef void (*leaf_fn)(void *arg);
static volatile int sink;

#define CHAIN_LEVEL(name, next)                         \
	NOINLINE static int name(leaf_fn fn, void *arg) \
	{                                               \
		volatile char pad[40];                  \
		pad[0] = (char)sink;                    \
		next;                                   \
		return pad[0] + sink;                   \
	}

CHAIN_LEVEL(level6, fn(arg))
CHAIN_LEVEL(level5, level6(fn, arg))
CHAIN_LEVEL(level4, level5(fn, arg))
CHAIN_LEVEL(level3, level4(fn, arg))
CHAIN_LEVEL(level2, level3(fn, arg))
CHAIN_LEVEL(level1, level2(fn, arg))
#define CHAIN_DEPTH 6

static struct stack_snapshot snapshot_of(const struct capture *c, uint32_t len)
{
	return (struct stack_snapshot){ .ip = c->ip,
					.sp = c->sp,
					.bp = c->bp,
					.data = c->stack,
					.len = len < c->len ? len : c->len };
}

static const char *module_path_of(struct target_space *ts, uint64_t ip)
{
	const struct target_module *mod;
	uint64_t off;

	return target_space_lookup(ts, ip, &mod, &off) == 0 ? mod->path : "?";
}

static void print_chain(const char *what, struct target_space *ts, const uint64_t *ips, int n)
{
	fprintf(stderr, "%s (%d frames):\n", what, n);
	for (int i = 0; i < n; i++)
		fprintf(stderr, "  #%d %#" PRIx64 " %s\n", i, ips[i], module_path_of(ts, ips[i]));
}

/* Frame-by-frame agreement with the oracle, modulo frame 0 (the capture point itself, which
 * the oracle reports as the return address of its backtrace() call). Leading oracle frames
 * outside this program (a sanitizer's backtrace() interceptor) are not the program's. */
static void check_matches_oracle(const char *what, struct target_space *ts, const uint64_t *ips,
				 int n, const struct capture *c, int want_complete)
{
	uint64_t oracle[MAX_FRAMES];
	int n_oracle = 0, skip = 0;

	while (skip < c->n_oracle &&
	       strcmp(module_path_of(ts, (uint64_t)(uintptr_t)c->oracle[skip]),
		      module_path_of(ts, c->ip)))
		skip++;
	for (int i = skip; i < c->n_oracle; i++)
		oracle[n_oracle++] = (uint64_t)(uintptr_t)c->oracle[i];
	CHECK(n_oracle >= 2, "%s: oracle has only %d frames in this program", what, n_oracle);
	CHECK(ips[0] == c->ip, "%s: frame 0 %#" PRIx64 " is not the captured ip %#" PRIx64, what,
	      ips[0], c->ip);
	if ((want_complete && n != n_oracle) || n > n_oracle) {
		print_chain("unwound", ts, ips, n);
		print_chain("oracle", ts, oracle, n_oracle);
	}
	CHECK(!want_complete || n == n_oracle, "%s: %d frames, oracle has %d", what, n, n_oracle);
	CHECK(n <= n_oracle, "%s: %d frames, more than the oracle's %d", what, n, n_oracle);
	for (int i = 1; i < n; i++) {
		if (ips[i] != oracle[i]) {
			print_chain("unwound", ts, ips, n);
			print_chain("oracle", ts, oracle, n_oracle);
		}
		CHECK(ips[i] == oracle[i], "%s: frame %d is %#" PRIx64 ", oracle says %#" PRIx64,
		      what, i, ips[i], oracle[i]);
	}
}

static int index_of_module(struct target_space *ts, const uint64_t *ips, int from, int n,
			   const char *path_part)
{
	for (int i = from; i < n; i++)
		if (strstr(module_path_of(ts, ips[i]), path_part))
			return i;
	return -1;
}

static void test_no_such_process(void)
{
	struct target_space *ts;

	errno = 0;
	ts = target_space_new(0x3ffffff0); /* above pid_max's limit: never a process */
	CHECK(!ts && errno == ESRCH, "target_space_new(no such pid) gave %p, errno %d", (void *)ts,
	      errno);
}

static void test_modules(struct target_space *ts)
{
	const struct target_module *mod;
	uint64_t off;
	int found_libc = 0;

	CHECK(target_space_module_count(ts) >= 3, "only %u modules", target_space_module_count(ts));
	for (uint32_t i = 0; i < target_space_module_count(ts); i++) {
		mod = target_space_module(ts, i);
		CHECK(mod && mod->id == i, "module %u has id %u", i, mod ? mod->id : 0);
		if (strstr(mod->path, "/libc.so")) {
			found_libc = 1;
			CHECK(strlen(mod->build_id) == 40 &&
				      strspn(mod->build_id, "0123456789abcdef") == 40,
			      "libc build-id \"%s\" is not 40 lowercase hex digits", mod->build_id);
		}
	}
	CHECK(found_libc, "libc not among the modules");
	CHECK(target_space_module(ts, target_space_module_count(ts)) == NULL,
	      "module beyond the count exists");
	/* a libc function no sanitizer runtime intercepts */
	CHECK(target_space_lookup(ts, (uint64_t)(uintptr_t)&gnu_get_libc_version, &mod, &off) ==
			      0 &&
		      strstr(mod->path, "/libc.so"),
	      "gnu_get_libc_version not found in libc");
	CHECK(target_space_lookup(ts, cap.sp, &mod, &off) == -ENOENT,
	      "a stack address resolved to a module");
}

static void test_full_chain(struct target_space *ts, struct unwinder *u)
{
	uint64_t ips[MAX_FRAMES];
	struct stack_snapshot s;
	int n, at;

	level1(capture_here, &cap);
	s = snapshot_of(&cap, SNAPSHOT_MAX);
	n = unwind_dwarf(u, &s, ips, MAX_FRAMES);
	check_matches_oracle("full chain", ts, ips, n, &cap, 1);
	CHECK(n >= CHAIN_DEPTH + 3, "only %d frames for a chain %d deep", n, CHAIN_DEPTH);
	at = index_of_module(ts, ips, 1, n, "/libc.so");
	CHECK(at > CHAIN_DEPTH, "no libc frame (__libc_start_call_main) outside the chain");
	printf("ok full chain: %d frames, matches backtrace()\n", n);

	/* A second unwind of the same snapshot goes through libunwind's caches. */
	CHECK(unwind_dwarf(u, &s, ips, MAX_FRAMES) == n, "second unwind differs");
	check_matches_oracle("full chain, cached", ts, ips, n, &cap, 1);

	/* max bounds the chain. */
	CHECK(unwind_dwarf(u, &s, ips, 3) == 3, "max 3 not honoured");
	CHECK(unwind_dwarf(u, &s, ips, 1) == 1 && ips[0] == cap.ip, "max 1 not honoured");
}

static void test_short_snapshot(struct target_space *ts, struct unwinder *u)
{
	uint64_t ips[MAX_FRAMES];
	struct stack_snapshot s;
	int n_full, n;

	level1(capture_here, &cap);
	s = snapshot_of(&cap, SNAPSHOT_MAX);
	n_full = unwind_dwarf(u, &s, ips, MAX_FRAMES);
	s = snapshot_of(&cap, 256);
	n = unwind_dwarf(u, &s, ips, MAX_FRAMES);
	CHECK(n >= 2 && n < n_full, "256-byte snapshot gave %d frames (full: %d)", n, n_full);
	check_matches_oracle("256-byte snapshot", ts, ips, n, &cap, 0);
	s = snapshot_of(&cap, 0);
	n = unwind_dwarf(u, &s, ips, MAX_FRAMES);
	CHECK(n >= 1 && n <= 2, "empty snapshot gave %d frames", n);
	check_matches_oracle("empty snapshot", ts, ips, n, &cap, 0);
	printf("ok short snapshot: 256 bytes give a correct prefix\n");
}

static void test_garbage(struct unwinder *u)
{
	static uint8_t junk[SNAPSHOT_MAX];
	uint64_t ips[MAX_FRAMES];
	struct stack_snapshot s;
	unsigned int seed = 12345;
	int n;

	level1(capture_here, &cap);
	for (int round = 0; round < 300; round++) {
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)rand_r(&seed);
		if (round % 3 == 1) /* plausible words: addresses near the real stack and code */
			for (size_t i = 0; i + 8 <= sizeof(junk); i += 8) {
				uint64_t w = (round % 2 ? cap.sp : cap.ip) + (junk[i] << 4);

				memcpy(junk + i, &w, 8);
			}
		s = (struct stack_snapshot){ .ip = round % 5 ? cap.ip : (uint64_t)rand_r(&seed),
					     .sp = cap.sp,
					     .bp = (uint64_t)rand_r(&seed),
					     .data = junk,
					     .len = (uint32_t)rand_r(&seed) % SNAPSHOT_MAX };
		n = unwind_dwarf(u, &s, ips, MAX_FRAMES);
		CHECK(n >= 1 && n <= MAX_FRAMES && ips[0] == s.ip, "garbage round %d: %d frames",
		      round, n);
	}
	s = (struct stack_snapshot){ .ip = 0, .sp = 0, .data = NULL, .len = 0 };
	n = unwind_dwarf(u, &s, ips, MAX_FRAMES);
	CHECK(n == 1 && ips[0] == 0, "ip 0 gave %d frames", n);
	printf("ok garbage snapshots end without crashing\n");
}

static int compare_and_capture(const void *a, const void *b)
{
	static int captured;

	if (!captured) {
		captured = 1;
		capture_here(&cap);
	}
	return *(const int *)a - *(const int *)b;
}

static void sort_something(void *arg)
{
	int v[16];

	(void)arg;
	for (int i = 0; i < 16; i++)
		v[i] = (i * 7) % 16;
	qsort(v, 16, sizeof(v[0]), compare_and_capture);
	sink = v[3];
}

/* First frame from "from" on that is outside this program, or -1. */
static int index_outside_program(struct target_space *ts, const uint64_t *ips, int from, int n)
{
	const char *self = module_path_of(ts, cap.ip);

	for (int i = from; i < n; i++)
		if (strcmp(module_path_of(ts, ips[i]), self))
			return i;
	return -1;
}

/* The comparator's caller is qsort in libc (or the sanitizer runtime's qsort interceptor when
 * built with -fsanitize=address): a shared library's frames, then back to this program. */
static void test_through_libc(struct target_space *ts, struct unwinder *u)
{
	uint64_t ips[MAX_FRAMES];
	struct stack_snapshot s;
	int n, lib_at, back_at;

	level1(sort_something, NULL);
	s = snapshot_of(&cap, SNAPSHOT_MAX);
	n = unwind_dwarf(u, &s, ips, MAX_FRAMES);
	check_matches_oracle("through qsort", ts, ips, n, &cap, 1);
	lib_at = index_outside_program(ts, ips, 1, n);
	CHECK(lib_at >= 1 && lib_at <= 2, "no shared library (qsort) frame above the comparator");
	back_at = index_of_module(ts, ips, lib_at, n, module_path_of(ts, cap.ip));
	CHECK(back_at > lib_at && n - back_at > CHAIN_DEPTH,
	      "chain does not come back from qsort to this program");
	printf("ok through qsort: %d frames, %s at #%d, back at #%d\n", n,
	       module_path_of(ts, ips[lib_at]), lib_at, back_at);
}

static int (*dso_call)(leaf_fn, void *);

static void call_through_dso(void *arg)
{
	sink = dso_call(capture_here, arg);
}

static void test_dlopen_after_attach(struct target_space *ts, struct unwinder *u)
{
	const struct target_module *mod;
	uint64_t ips[MAX_FRAMES], off;
	struct stack_snapshot s;
	void *h;
	int n, dso_at;

	h = dlopen(UNWIND_TEST_DSO_PATH, RTLD_NOW);
	CHECK(h, "dlopen %s: %s", UNWIND_TEST_DSO_PATH, dlerror());
	dso_call = (int (*)(leaf_fn, void *))dlsym(h, "unwind_test_dso_call");
	CHECK(dso_call, "dlsym: %s", dlerror());
	usleep(60 * 1000); /* target_space re-reads maps at most every 50 ms */
	CHECK(target_space_lookup(ts, (uint64_t)(uintptr_t)dso_call, &mod, &off) == 0,
	      "dlopen'ed library not found by target_space_lookup");
	CHECK(strstr(mod->path, "unwind_test_dso"), "dso function maps to %s", mod->path);
	CHECK(off > 0 && off < 1 << 20, "implausible file offset %#" PRIx64, off);

	level1(call_through_dso, &cap);
	s = snapshot_of(&cap, SNAPSHOT_MAX);
	n = unwind_dwarf(u, &s, ips, MAX_FRAMES);
	check_matches_oracle("through dlopen'ed library", ts, ips, n, &cap, 1);
	dso_at = index_of_module(ts, ips, 1, n, "unwind_test_dso");
	CHECK(dso_at >= 1, "no frame in the dlopen'ed library");
	printf("ok dlopen'ed library after attach: %d frames, library at #%d\n", n, dso_at);
	dlclose(h);
}

static int read_sysfs_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* A uretprobe (perf uprobe PMU, no BPF) on level6, attached to this process: -1 if unavailable. */
static int open_uretprobe(const char *path, uint64_t file_off)
{
	struct perf_event_attr attr;
	int type = read_sysfs_int("/sys/bus/event_source/devices/uprobe/type");

	if (type < 0)
		return -1;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = (uint32_t)type;
	attr.config = 1; /* format/retprobe is config:0 */
	attr.config1 = (uint64_t)(uintptr_t)path;
	attr.config2 = file_off;
	return (int)syscall(SYS_perf_event_open, &attr, getpid(), -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* While a uretprobe is pending in level6, its return slot holds the [uprobes] trampoline: the
 * chain must stop there, counted as truncated. */
static void test_uretprobe_trampoline(struct target_space *ts, struct unwinder *u)
{
	const struct target_module *mod;
	struct unwind_stats before, after;
	uint64_t ips[MAX_FRAMES], off;
	struct stack_snapshot s;
	int fd, n;

	CHECK(target_space_lookup(ts, (uint64_t)(uintptr_t)&level6, &mod, &off) == 0,
	      "level6 not in a module");
	fd = open_uretprobe(mod->host_path, off);
	/* root and a kernel with uprobes are what the suite runs on (scripts/test): a refused
	 * uretprobe fails the test rather than leave the trampoline case untested */
	CHECK(fd >= 0, "uretprobe trampoline: the perf uprobe PMU refused a uretprobe: %s",
	      strerror(errno));
	level1(capture_here, &cap);
	close(fd);
	usleep(60 * 1000); /* the [uprobes] page appeared at the hit; maps are re-read */
	unwinder_stats(u, &before);
	s = snapshot_of(&cap, SNAPSHOT_MAX);
	n = unwind_dwarf(u, &s, ips, MAX_FRAMES);
	unwinder_stats(u, &after);
	if (n != 2)
		print_chain("unwound under a uretprobe", ts, ips, n);
	CHECK(n == 2, "chain under a pending uretprobe has %d frames, want 2 (capture, level6)", n);
	CHECK(ips[1] > (uint64_t)(uintptr_t)&level6 && ips[1] - (uint64_t)(uintptr_t)&level6 < 256,
	      "frame 1 %#" PRIx64 " is not in level6 (%p)", ips[1], (void *)&level6);
	CHECK(after.truncated == before.truncated + 1 && unwinder_last_truncated(u),
	      "trampoline stop not counted as truncated");
	printf("ok uretprobe trampoline: chain stops after %d frames, counted as truncated\n", n);
}

/* argv[1] "--valgrind": run under Valgrind, whose translated code never hits the uretprobe's
 * breakpoint, so the trampoline case (covered by the plain run) is left out. */
int main(int argc, char **argv)
{
	int under_valgrind = argc > 1 && !strcmp(argv[1], "--valgrind");
	struct target_space *ts;
	struct unwinder *u;
	struct unwind_stats st;

	stack_end = find_stack_end();
	backtrace(cap.oracle, MAX_FRAMES); /* loads libgcc_s before the maps are read */
	test_no_such_process();
	ts = target_space_new(getpid());
	CHECK(ts, "target_space_new(self): %s", strerror(errno));
	u = unwinder_new(ts);
	CHECK(u, "unwinder_new failed");
	level1(capture_here, &cap);
	test_modules(ts);
	test_full_chain(ts, u);
	test_short_snapshot(ts, u);
	test_garbage(u);
	test_through_libc(ts, u);
	test_dlopen_after_attach(ts, u);
	if (!under_valgrind)
		test_uretprobe_trampoline(ts, u);
	unwinder_stats(u, &st);
	CHECK(st.samples > 300 && st.frames > st.samples, "stats not counted");
	CHECK(st.table_cache_misses >= 2 && st.table_cache_hits > 0, "table cache not used");
	printf("stats: %" PRIu64 " samples, %" PRIu64 " frames, table cache %" PRIu64
	       " hits / %" PRIu64 " misses, %" PRIu64 " truncated\n",
	       st.samples, st.frames, st.table_cache_hits, st.table_cache_misses, st.truncated);
	unwinder_free(u);
	target_space_free(ts);
	printf("PASS\n");
	return 0;
}

#endif
