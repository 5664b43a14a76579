/* bpf_session.c: load the allocator BPF programs (libbpf skeleton), attach them as uprobes to one
 * process by the probe plan, read their exact per-CPU counters, and detach. */
#define _GNU_SOURCE
#include "bpf_session.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.skel.h"
#include "attach_path.h"
#include "breakpoint_watch.h"
#include "proc_threads.h"
#include "uprobe_multi.h"
#include "alloc_event.h"

#define MAX_LINKS (2 + 2 * AP_MAX_SCOPES)

/* The allocation functions (or the free functions) one object provides. */
struct probe_group {
	char host_path[PATH_MAX], target_path[PATH_MAX];
	uint64_t offsets[AF_COUNT], cookies[AF_COUNT];
	const char *names[AF_COUNT];
	int n;
};

/* The kind of record each function's probe makes: its link cookie. */
#define AF_KIND_(suffix, symbol, kind) [AF_##suffix] = kind,
static const __u8 func_kinds[AF_COUNT] = { AP_ALLOC_FUNCS(AF_KIND_) };
#undef AF_KIND_

struct bpf_session {
	struct alloc_bpf *skel;
	pid_t pid;
	struct ap_link links[MAX_LINKS]; /* staying for the whole recording */
	int nlinks;
	struct probe_group groups[AF_FREE];
	int ngroups;
	/* free and operator delete, by object: one entry link each while attached */
	struct probe_group free_groups[AF_FREE_END - AF_FREE];
	int nfree_groups;
	struct ap_link free_links[AF_FREE_END - AF_FREE];
	int nfree_links;
	/* entry and return links of the groups and the extra probe's, while attached (one per
	 * group on the uprobe_multi path, one per function on the perf-event path) */
	struct ap_link alloc_links[2 * AF_FREE + 1];
	struct bpf_session_extra extra; /* prog NULL: none */
	char extra_host[PATH_MAX], extra_target[PATH_MAX], extra_name[64];
	int nalloc_links;
	struct bp_watch watch; /* perf-event path: the probed addresses in the target */
	int watch_ready;
	struct bpf_link *exec_link;
	struct bpf_link **cpu_links; /* one per thread sampled */
	int *cpu_fds;
	int ncpu_links, cap_cpu_links;
};

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("ARENAPROF_DEBUG_BPF"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

struct bpf_session *bpf_session_load(const struct bpf_session_opts *opts, char *err, size_t errlen)
{
	struct bpf_session *s = calloc(1, sizeof(*s));
	struct bpf_program *prog;
	int rc;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	libbpf_set_print(silent_print);
	s->skel = alloc_bpf__open();
	if (!s->skel) {
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		goto fail;
	}
	s->skel->rodata->stack_mode = (__u32)opts->stack_mode;
	s->skel->rodata->snapshot_bytes = opts->snapshot_bytes;
	s->skel->rodata->wakeup_bytes = opts->ring_bytes / 4;
	s->skel->rodata->target_tgid = (__u32)opts->pid;
	s->skel->rodata->track_every = opts->track_every;
	s->skel->rodata->sample_every = opts->sample_every > 1 ? opts->sample_every : 1;
	bpf_map__set_max_entries(s->skel->maps.live, opts->live_max ? opts->live_max : 1);
	bpf_map__set_max_entries(s->skel->maps.events, opts->ring_bytes);
	/* every uprobe program as the selected attach path needs it (attach_path.h) */
	bpf_object__for_each_program(prog, s->skel->obj) if (prog != s->skel->progs.cpu_sample &&
							     prog != s->skel->progs.on_exec)
		ap_attach_prepare_program(prog);
	rc = alloc_bpf__load(s->skel);
	if (rc) {
		if (rc == -EPERM || rc == -EACCES)
			snprintf(
				err, errlen,
				"permission denied loading BPF programs: run as root (or with CAP_BPF and CAP_PERFMON)");
		else
			snprintf(
				err, errlen,
				"cannot load the BPF programs: %s (kernel without BPF/BTF support?)",
				strerror(-rc));
		goto fail;
	}
	return s;
fail:
	bpf_session_free(s);
	return NULL;
}

/* How far past a function's entry to put its probe, so that the first instruction probed is
 * one the kernel emulates at the breakpoint (branches, pushes) rather than single-steps (a second
 * trap). Skipped: a leading `endbr64` (CET's landing pad, a no-op to a process without CET:
 * libstdc++'s operators begin with it, and its deletes and new[] then jump on), and for free and
 * delete a `test %rdi,%rdi` (glibc's free begins with it; its `je` to the free(NULL) path
 * follows). The instructions skipped change neither the arguments nor the stack, so the probe
 * reads the same entry state. */
static uint64_t probe_skip(const char *path, uint64_t offset, int free_family)
{
	static const unsigned char endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	static const unsigned char test_rdi[3] = { 0x48, 0x85, 0xff };
	unsigned char b[7];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, b, sizeof(b), (off_t)offset) : -1;
	uint64_t skip = 0;

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(b))
		return 0;
	if (memcmp(b, endbr64, sizeof(endbr64)) == 0)
		skip = sizeof(endbr64);
	if (free_family && memcmp(b + skip, test_rdi, sizeof(test_rdi)) == 0)
		skip += sizeof(test_rdi);
	return skip;
}

/* Adds function f's probe to the group of its object (a new group when none has it yet). */
static void add_to_group(struct probe_group *groups, int *ngroups, const struct alloc_probe *p,
			 enum alloc_func f, uint64_t offset)
{
	struct probe_group *g = NULL;

	for (int i = 0; i < *ngroups; i++)
		if (!strcmp(groups[i].host_path, p->host_path))
			g = &groups[i];
	if (!g) {
		g = &groups[(*ngroups)++];
		memset(g, 0, sizeof(*g));
		snprintf(g->host_path, sizeof(g->host_path), "%s", p->host_path);
		snprintf(g->target_path, sizeof(g->target_path), "%s", p->target_path);
	}
	g->offsets[g->n] = offset;
	g->cookies[g->n] = func_kinds[f];
	g->names[g->n++] = alloc_func_name(f);
}

/* The probes grouped by object: the allocation functions' (one uprobe_multi link per object
 * for all entries, cookie = enum ap_kind, and one for all returns), and free's and operator
 * delete's (one entry link per object). A function at the address of another's is probed once,
 * as that one (tcmalloc's operator delete is its free). */
static void plan_groups(struct bpf_session *s, const struct alloc_probe_plan *plan)
{
	s->ngroups = s->nfree_groups = 0;
	for (int f = 0; f < AF_FREE_END; f++) {
		const struct alloc_probe *p = &plan->f[f];

		if (!p->found || p->alias_of >= 0)
			continue;
		uint64_t offset =
			p->file_offset + probe_skip(p->host_path, p->file_offset, f >= AF_FREE);

		if (f < AF_FREE)
			add_to_group(s->groups, &s->ngroups, p, (enum alloc_func)f, offset);
		else
			add_to_group(s->free_groups, &s->nfree_groups, p, (enum alloc_func)f,
				     offset);
	}
}

static void refused(char *err, size_t errlen, int e, int retprobe, const char *fname,
		    const char *path)
{
	snprintf(err, errlen, "the kernel refused the %s on %s in %s: %s%s",
		 retprobe ? "uretprobe" : "uprobe", fname, path, strerror(e),
		 e == EINVAL ? " (another tool probing the same address?)" : "");
}

/* Attaches one group's entry or return link; on failure, tells which function was refused by
 * trying them one at a time. */
static int attach_group(struct bpf_session *s, struct bpf_program *prog, struct probe_group *g,
			int retprobe, struct ap_link *links, int *nlinks, char *err, size_t errlen)
{
	int n = ap_attach_uprobes(prog, g->host_path, g->offsets, g->cookies, (uint32_t)g->n,
				  s->pid, retprobe, links + *nlinks);

	if (n >= 0) {
		*nlinks += n;
		return 0;
	}
	for (int i = 0; i < g->n; i++) {
		struct ap_link one[1];
		int rc = ap_attach_uprobes(prog, g->host_path, &g->offsets[i], &g->cookies[i], 1,
					   s->pid, retprobe, one);

		if (rc < 0) {
			refused(err, errlen, -rc, retprobe, g->names[i], g->target_path);
			return -1;
		}
		ap_link_close(one);
	}
	refused(err, errlen, -n, retprobe, g->names[0], g->target_path);
	return -1;
}

static int attach_cookie(struct bpf_session *s, struct bpf_program *prog,
			 const struct alloc_probe *p, int retprobe, __u64 cookie, const char *fname,
			 char *err, size_t errlen)
{
	uint64_t cookie64 = cookie;
	int n;

	if (s->nlinks == MAX_LINKS) {
		snprintf(err, errlen, "too many probes");
		return -1;
	}
	n = ap_attach_uprobes(prog, p->host_path, &p->file_offset, &cookie64, 1, s->pid, retprobe,
			      &s->links[s->nlinks]);
	if (n < 0) {
		refused(err, errlen, -n, retprobe, fname, p->target_path);
		return -1;
	}
	s->nlinks += n;
	return 0;
}

int bpf_session_attach(struct bpf_session *s, pid_t pid, const struct alloc_probe_plan *plan,
		       char *err, size_t errlen)
{
	s->pid = pid;
	plan_groups(s, plan);
	if (plan->f[AF_DL_DEBUG_STATE].found &&
	    attach_cookie(s, s->skel->progs.dl_debug_state, &plan->f[AF_DL_DEBUG_STATE], 0, 0,
			  "_dl_debug_state", err, errlen))
		return -1;
	return 0;
}

/* The free probe first (unless !with_free: no lifetime is followed then), so that no followed
 * object is allocated before its free can be seen; return probes before entry probes: a call
 * that entered between the two would leave its entry pending with no return to close it. */
int bpf_session_attach_alloc(struct bpf_session *s, int with_free, char *err, size_t errlen)
{
	struct bpf_program *entry = s->skel->progs.alloc_entry, *ret = s->skel->progs.alloc_return;
	int free_attached = s->nfree_links > 0; /* still attached from a window's tail */

	__atomic_store_n(&s->skel->bss->no_track, (__u32)!with_free, __ATOMIC_SEQ_CST);
	for (int i = 0; with_free && !free_attached && i < s->nfree_groups; i++)
		if (attach_group(s, s->skel->progs.free_entry, &s->free_groups[i], 0, s->free_links,
				 &s->nfree_links, err, errlen)) {
			bpf_session_detach_free(s);
			return -1;
		}
	for (int i = 0; i < s->ngroups; i++)
		if (attach_group(s, ret, &s->groups[i], 1, s->alloc_links, &s->nalloc_links, err,
				 errlen))
			goto fail;
	for (int i = 0; i < s->ngroups; i++)
		if (attach_group(s, entry, &s->groups[i], 0, s->alloc_links, &s->nalloc_links, err,
				 errlen))
			goto fail;
	if (s->extra.prog) {
		int n = ap_attach_uprobes(s->extra.prog, s->extra.host_path, &s->extra.offset, NULL,
					  1, s->pid, 0, &s->alloc_links[s->nalloc_links]);

		if (n < 0) {
			refused(err, errlen, -n, 0, s->extra.name, s->extra.target_path);
			goto fail;
		}
		s->nalloc_links += n;
	}
	return 0;
fail:
	bpf_session_detach_alloc(s);
	bpf_session_detach_free(s);
	return -1;
}

static atomic_int closing; /* links being closed by close_thread */
static atomic_int not_started; /* close threads that have not called close() yet */

static void *close_thread(void *arg)
{
	struct ap_link *l = arg;

	atomic_fetch_sub(&not_started, 1);
	ap_link_close(l);
	free(l);
	atomic_fetch_sub(&closing, 1);
	return NULL;
}

/* Closing a uprobe_multi link takes 50-110 ms here (RCU grace periods), but its probes stop
 * trapping as soon as the close starts: close each link in its own thread, so that the links
 * of a window stop together and the caller goes on at once. A perf-event link's breakpoint
 * traps on after its close has started (bpf_session_trapped_after_close). */
static void close_link(struct ap_link link)
{
	struct ap_link *l = malloc(sizeof(*l));
	pthread_attr_t attr;
	pthread_t t;

	if (!l) {
		ap_link_close(&link);
		return;
	}
	*l = link;
	atomic_fetch_add(&closing, 1);
	atomic_fetch_add(&not_started, 1);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, close_thread, l))
		close_thread(l);
	pthread_attr_destroy(&attr);
}

/* Entry links first (in reverse order of attaching), so no call enters without its return. */
void bpf_session_detach_alloc(struct bpf_session *s)
{
	while (s->nalloc_links > 0)
		close_link(s->alloc_links[--s->nalloc_links]);
}

void bpf_session_detach_free(struct bpf_session *s)
{
	while (s->nfree_links > 0)
		close_link(s->free_links[--s->nfree_links]);
}

void bpf_session_wait_untrapped(void)
{
	struct timespec ts = { 0, 1000000 }, removal = { 0, 5000000 };

	while (atomic_load(&not_started) > 0)
		nanosleep(&ts, NULL);
	/* close() removes the breakpoints first, from every mapping of the file (all processes
	 * that map libc), then waits for RCU; the removal took milliseconds in the sanitizer
	 * build, the wait 50-110 ms or far more under load: wait for the first only */
	nanosleep(&removal, NULL);
}

/* The probed addresses of the allocation functions, free and the extra probe, each with the
 * counter of its hits. */
static void watch_probes(struct bpf_session *s)
{
	for (int i = 0; i < s->ngroups; i++)
		for (int j = 0; j < s->groups[i].n; j++)
			bp_watch_add(&s->watch, s->pid, s->groups[i].target_path,
				     s->groups[i].offsets[j],
				     AP_CNT_ALLOCS_FIRST + (uint32_t)s->groups[i].cookies[j]);
	for (int i = 0; i < s->nfree_groups; i++)
		for (int j = 0; j < s->free_groups[i].n; j++)
			bp_watch_add(&s->watch, s->pid, s->free_groups[i].target_path,
				     s->free_groups[i].offsets[j], AP_CNT_FREES);
	if (s->extra.prog)
		bp_watch_add(&s->watch, s->pid, s->extra.target_path, s->extra.offset,
			     AP_CNT_ALLOCS_FIRST + AP_KIND_MALLOCGC);
	s->watch_ready = 1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t bpf_session_trapped_after_close(struct bpf_session *s, uint64_t since_ns,
					 const uint64_t *c0, const uint64_t *c1)
{
	double weighted = 0, hits = 0;

	if (ap_attach_selected() != AP_ATTACH_PERF)
		return 0;
	if (!s->watch_ready)
		watch_probes(s);
	bp_watch_reset(&s->watch);
	for (;;) {
		uint64_t now = mono_ns();
		int hot_left = 0;

		bp_watch_poll(&s->watch, now);
		for (int i = 0; i < s->watch.n; i++)
			hot_left +=
				!s->watch.gone_ns[i] && c1[s->watch.tag[i]] > c0[s->watch.tag[i]];
		/* 2 s: far above the 0.1-1.2 s measured; another tool's uprobe at the same
		 * address would keep an int3 there for good */
		if (!hot_left || now - since_ns > 2000000000ULL)
			break;
		nanosleep(&(struct timespec){ 0, 500000 }, NULL);
	}
	for (int i = 0; i < s->watch.n; i++) {
		double h = (double)(c1[s->watch.tag[i]] - c0[s->watch.tag[i]]);
		uint64_t gone = s->watch.gone_ns[i] ? s->watch.gone_ns[i] : mono_ns();

		hits += h;
		weighted += h * (double)(gone > since_ns ? gone - since_ns : 0);
	}
	return hits > 0 ? (uint64_t)(weighted / hits) : 0;
}

void bpf_session_wait_closed(void)
{
	while (atomic_load(&closing) > 0) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
}

static void clear_map(int fd, size_t key_size)
{
	uint8_t key[8], next[8];
	void *prev = NULL;

	if (key_size > sizeof(key))
		return;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		bpf_map_delete_elem(fd, next);
		memcpy(key, next, key_size);
		prev = key;
	}
}

void bpf_session_forget_calls(struct bpf_session *s)
{
	clear_map(bpf_map__fd(s->skel->maps.pending), sizeof(__u32));
	clear_map(bpf_map__fd(s->skel->maps.live), sizeof(__u64));
	clear_map(bpf_map__fd(s->skel->maps.scope_frames), sizeof(__u32));
}

int bpf_session_has_live_objects(const struct bpf_session *s)
{
	__u64 key;

	return bpf_map_get_next_key(bpf_map__fd(s->skel->maps.live), NULL, &key) == 0;
}

void bpf_session_add_extra(struct bpf_session *s, const struct bpf_session_extra *x)
{
	s->extra = *x;
	snprintf(s->extra_host, sizeof(s->extra_host), "%s", x->host_path);
	snprintf(s->extra_target, sizeof(s->extra_target), "%s", x->target_path);
	snprintf(s->extra_name, sizeof(s->extra_name), "%s", x->name);
	s->extra.host_path = s->extra_host;
	s->extra.target_path = s->extra_target;
	s->extra.name = s->extra_name;
}

void bpf_session_set_flags(struct bpf_session *s, int armed, int cpu_armed, int free_tail)
{
	if (s->extra.armed)
		__atomic_store_n(s->extra.armed, (uint32_t)armed, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->skel->bss->free_tail, (__u32)free_tail, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->skel->bss->cpu_armed, (__u32)cpu_armed, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->skel->bss->armed, (__u32)armed, __ATOMIC_SEQ_CST);
}

void bpf_session_set_window(struct bpf_session *s, uint32_t id)
{
	__atomic_store_n(&s->skel->bss->window_id, id, __ATOMIC_SEQ_CST);
	if (s->extra.window_id)
		__atomic_store_n(s->extra.window_id, id, __ATOMIC_SEQ_CST);
}

int bpf_session_attach_scope(struct bpf_session *s, pid_t pid, int index, const char *name,
			     const struct alloc_probe *p, char *err, size_t errlen)
{
	if (index < 0 || index >= AP_MAX_SCOPES) {
		snprintf(err, errlen, "at most %d functions can be verified at once",
			 AP_MAX_SCOPES);
		return -1;
	}
	s->pid = pid;
	if (attach_cookie(s, s->skel->progs.scope_return, p, 1, (__u64)index, name, err, errlen))
		return -1;
	return attach_cookie(s, s->skel->progs.scope_entry, p, 0, (__u64)index, name, err, errlen);
}

int bpf_session_attach_loop(struct bpf_session *s, pid_t pid, int index, const char *name,
			    const struct alloc_probe *call, uint64_t lo, uint64_t hi, char *err,
			    size_t errlen)
{
	if (index < 0 || index >= AP_MAX_SCOPES) {
		snprintf(err, errlen, "at most %d functions and loops can be verified at once",
			 AP_MAX_SCOPES);
		return -1;
	}
	s->pid = pid;
	s->skel->bss->loop_lo[index] = lo;
	s->skel->bss->loop_hi[index] = hi;
	return attach_cookie(s, s->skel->progs.loop_entry, call, 0, (__u64)index, name, err,
			     errlen);
}

int bpf_session_scope_stats(const struct bpf_session *s, int index, uint64_t *invocations,
			    uint64_t *total_ns)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(s->skel->maps.scope_stats);
	struct ap_scope_stats *v;
	__u32 key = (__u32)index;

	*invocations = *total_ns = 0;
	if (ncpu <= 0)
		return -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, v)) {
		free(v);
		return -errno;
	}
	for (int c = 0; c < ncpu; c++) {
		*invocations += v[c].invocations;
		*total_ns += v[c].total_ns;
	}
	free(v);
	return 0;
}

static int sample_thread(struct bpf_session *s, pid_t tid, unsigned int freq)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_freq = freq,
		.freq = 1,
		.inherit = 1,
	};
	struct bpf_link *link;
	int fd;

	if (s->ncpu_links == s->cap_cpu_links) {
		int cap = s->cap_cpu_links ? s->cap_cpu_links * 2 : 64;
		struct bpf_link **l = realloc(s->cpu_links, (size_t)cap * sizeof(*l));
		int *f = l ? realloc(s->cpu_fds, (size_t)cap * sizeof(*f)) : NULL;

		if (l)
			s->cpu_links = l;
		if (!f)
			return -ENOMEM;
		s->cpu_fds = f;
		s->cap_cpu_links = cap;
	}
	fd = (int)syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	link = bpf_program__attach_perf_event(s->skel->progs.cpu_sample, fd);
	if (!link) {
		int e = -errno;

		close(fd);
		return e;
	}
	s->cpu_links[s->ncpu_links] = link;
	s->cpu_fds[s->ncpu_links++] = fd;
	return 0;
}

struct sample_visit {
	struct bpf_session *s;
	unsigned int freq;
	int sampled, err;
	pid_t failed_tid;
};

static int sample_visit(pid_t tid, void *arg)
{
	struct sample_visit *v = arg;
	int rc = sample_thread(v->s, tid, v->freq);

	if (rc == -ESRCH) /* the thread ended meanwhile */
		return 0;
	if (rc) {
		v->err = -rc;
		v->failed_tid = tid;
		return 1;
	}
	v->sampled++;
	return 0;
}

int bpf_session_sample_cpu(struct bpf_session *s, pid_t pid, unsigned int freq, char *err,
			   size_t errlen)
{
	struct sample_visit v = { .s = s, .freq = freq };
	int rc = proc_threads(pid, sample_visit, &v);

	if (rc < 0) {
		snprintf(err, errlen, "cannot list the threads of %d: %s", (int)pid, strerror(-rc));
		return -1;
	}
	if (v.err) {
		snprintf(err, errlen, "cannot sample the CPU of thread %d: %s", (int)v.failed_tid,
			 strerror(v.err));
		return -1;
	}
	if (!v.sampled) {
		snprintf(err, errlen, "process %d has no threads left to sample", (int)pid);
		return -1;
	}
	return 0;
}

int bpf_session_watch_exec(struct bpf_session *s, char *err, size_t errlen)
{
	s->exec_link = bpf_program__attach(s->skel->progs.on_exec);
	if (!s->exec_link) {
		snprintf(err, errlen, "cannot watch for exec (raw tracepoint): %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

int bpf_session_exec_pending(const struct bpf_session *s)
{
	return (int)__atomic_load_n(&s->skel->bss->exec_pending, __ATOMIC_SEQ_CST);
}

void bpf_session_clear_exec(struct bpf_session *s)
{
	__atomic_store_n(&s->skel->bss->exec_pending, 0, __ATOMIC_SEQ_CST);
}

void bpf_session_arm(struct bpf_session *s, int armed)
{
	bpf_session_set_flags(s, armed, armed, 0);
}

/* Disarms first, so that every counter stops at the same instant, then removes the links in
 * reverse order of attaching. */
void bpf_session_detach(struct bpf_session *s)
{
	bpf_session_arm(s, 0);
	bpf_link__destroy(s->exec_link);
	s->exec_link = NULL;
	bpf_session_detach_alloc(s);
	bpf_session_detach_free(s);
	while (s->nlinks > 0)
		ap_link_close(&s->links[--s->nlinks]);
	while (s->ncpu_links > 0) {
		s->ncpu_links--;
		bpf_link__destroy(s->cpu_links[s->ncpu_links]);
		close(s->cpu_fds[s->ncpu_links]);
	}
	bpf_session_wait_closed();
}

int bpf_session_ring_fd(const struct bpf_session *s)
{
	return bpf_map__fd(s->skel->maps.events);
}

int bpf_session_counters(const struct bpf_session *s, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus();
	int fd = bpf_map__fd(s->skel->maps.counters);
	uint64_t *percpu;

	if (ncpu <= 0)
		return -EINVAL;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (__u32 k = 0; k < AP_CNT_COUNT; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, percpu)) {
			free(percpu);
			return -errno;
		}
		for (int c = 0; c < ncpu; c++)
			out[k] += percpu[c];
	}
	free(percpu);
	return 0;
}

int bpf_session_counters_fd(const struct bpf_session *s)
{
	return bpf_map__fd(s->skel->maps.counters);
}

uint64_t bpf_session_allocs(const uint64_t *counters)
{
	uint64_t n = 0;

	for (int k = 0; k < AP_KIND_ALLOC_COUNT; k++)
		n += counters[AP_CNT_ALLOCS_FIRST + k];
	return n;
}

int bpf_session_probe_count(const struct bpf_session *s)
{
	int n = s->extra.prog != NULL;

	for (int i = 0; i < s->ngroups; i++)
		n += s->groups[i].n;
	for (int i = 0; i < s->nfree_groups; i++)
		n += s->free_groups[i].n;
	return n;
}

int bpf_session_probe_objects(const struct bpf_session *s)
{
	int n = s->ngroups;

	for (int i = 0; i < s->nfree_groups; i++) {
		int seen = 0;

		for (int j = 0; j < s->ngroups && !seen; j++)
			seen = !strcmp(s->free_groups[i].host_path, s->groups[j].host_path);
		n += !seen;
	}
	return n;
}

void bpf_session_free(struct bpf_session *s)
{
	if (!s)
		return;
	bpf_session_detach(s);
	alloc_bpf__destroy(s->skel);
	free(s->cpu_links);
	free(s->cpu_fds);
	free(s);
}
