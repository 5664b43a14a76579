/* bpf_session.c: load the allocator BPF programs (libbpf skeleton), attach them as uprobes to one
 * process by the probe plan, read their exact per-CPU counters, and detach. */
#define _GNU_SOURCE
#include "bpf_session.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.skel.h"
#include "uprobe_multi.h"
#include "alloc_event.h"

#define MAX_LINKS (2 * AF_COUNT + 2 * AP_MAX_SCOPES)

struct bpf_session {
	struct alloc_bpf *skel;
	int links[MAX_LINKS]; /* uprobe_multi link fds */
	int nlinks;
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
	bpf_map__set_max_entries(s->skel->maps.live, opts->live_max ? opts->live_max : 1);
	bpf_map__set_max_entries(s->skel->maps.events, opts->ring_bytes);
	/* every uprobe program is attached as a uprobe_multi link (fast to detach) */
	bpf_object__for_each_program(prog, s->skel->obj) if (prog != s->skel->progs.cpu_sample)
		bpf_program__set_expected_attach_type(
			prog, (enum bpf_attach_type)AP_BPF_TRACE_UPROBE_MULTI);
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

static struct bpf_program *entry_prog(struct alloc_bpf *skel, enum alloc_func f)
{
	switch (f) {
	case AF_MALLOC:
		return skel->progs.malloc_entry;
	case AF_CALLOC:
		return skel->progs.calloc_entry;
	case AF_REALLOC:
		return skel->progs.realloc_entry;
	case AF_POSIX_MEMALIGN:
		return skel->progs.posix_memalign_entry;
	case AF_ALIGNED_ALLOC:
		return skel->progs.aligned_alloc_entry;
	case AF_MEMALIGN:
		return skel->progs.memalign_entry;
	case AF_FREE:
		return skel->progs.free_entry;
	case AF_DL_DEBUG_STATE:
		return skel->progs.dl_debug_state;
	default:
		return NULL;
	}
}

static int attach_cookie(struct bpf_session *s, struct bpf_program *prog, pid_t pid,
			 const struct alloc_probe *p, int retprobe, __u64 cookie, const char *fname,
			 char *err, size_t errlen);

static int attach_one(struct bpf_session *s, struct bpf_program *prog, pid_t pid,
		      const struct alloc_probe *p, int retprobe, const char *fname, char *err,
		      size_t errlen)
{
	return attach_cookie(s, prog, pid, p, retprobe, 0, fname, err, errlen);
}

static int attach_cookie(struct bpf_session *s, struct bpf_program *prog, pid_t pid,
			 const struct alloc_probe *p, int retprobe, __u64 cookie, const char *fname,
			 char *err, size_t errlen)
{
	uint64_t cookie64 = cookie;
	int link;

	if (s->nlinks == MAX_LINKS) {
		snprintf(err, errlen, "too many probes");
		return -1;
	}
	link = uprobe_multi_attach(bpf_program__fd(prog), p->host_path, &p->file_offset, &cookie64,
				   1, pid, retprobe);
	if (link < 0) {
		int e = -link;

		snprintf(err, errlen, "the kernel refused the %s on %s in %s: %s%s",
			 retprobe ? "uretprobe" : "uprobe", fname, p->target_path, strerror(e),
			 e == EINVAL ? " (another tool probing the same address?)" : "");
		return -1;
	}
	s->links[s->nlinks++] = link;
	return 0;
}

/* Return probes before entry probes: a call that enters between the two would otherwise leave
 * its entry pending with no return to close it. */
int bpf_session_attach(struct bpf_session *s, pid_t pid, const struct alloc_probe_plan *plan,
		       char *err, size_t errlen)
{
	for (int f = 0; f < AF_COUNT; f++) {
		const struct alloc_probe *p = &plan->f[f];
		const char *name = alloc_func_name((enum alloc_func)f);

		if (!p->found || p->alias_of >= 0)
			continue;
		if (f != AF_FREE && f != AF_DL_DEBUG_STATE &&
		    attach_one(s, s->skel->progs.alloc_return, pid, p, 1, name, err, errlen))
			return -1;
		if (attach_one(s, entry_prog(s->skel, (enum alloc_func)f), pid, p, 0, name, err,
			       errlen))
			return -1;
	}
	return 0;
}

int bpf_session_attach_scope(struct bpf_session *s, pid_t pid, int index, const char *name,
			     const struct alloc_probe *p, char *err, size_t errlen)
{
	if (index < 0 || index >= AP_MAX_SCOPES) {
		snprintf(err, errlen, "at most %d functions can be verified at once",
			 AP_MAX_SCOPES);
		return -1;
	}
	if (attach_cookie(s, s->skel->progs.scope_return, pid, p, 1, (__u64)index, name, err,
			  errlen))
		return -1;
	return attach_cookie(s, s->skel->progs.scope_entry, pid, p, 0, (__u64)index, name, err,
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

int bpf_session_sample_cpu(struct bpf_session *s, pid_t pid, unsigned int freq, char *err,
			   size_t errlen)
{
	struct dirent *d;
	char path[64];
	DIR *dir;
	int rc = 0, sampled = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir) {
		snprintf(err, errlen, "cannot list the threads of %d: %s", (int)pid,
			 strerror(errno));
		return -1;
	}
	while ((d = readdir(dir))) {
		pid_t tid = (pid_t)atoi(d->d_name);

		if (tid <= 0)
			continue;
		rc = sample_thread(s, tid, freq);
		if (rc == -ESRCH) /* the thread ended meanwhile */
			continue;
		if (rc) {
			snprintf(err, errlen, "cannot sample the CPU of thread %d: %s", (int)tid,
				 strerror(-rc));
			break;
		}
		sampled++;
	}
	closedir(dir);
	if (!rc && !sampled) {
		snprintf(err, errlen, "process %d has no threads left to sample", (int)pid);
		return -1;
	}
	return rc ? -1 : 0;
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
	__atomic_store_n(&s->skel->bss->armed, (__u32)armed, __ATOMIC_SEQ_CST);
}

/* Disarms first, so that every counter stops at the same instant, then removes the links in
 * reverse order of attaching. */
void bpf_session_detach(struct bpf_session *s)
{
	bpf_session_arm(s, 0);
	bpf_link__destroy(s->exec_link);
	s->exec_link = NULL;
	while (s->nlinks > 0)
		close(s->links[--s->nlinks]);
	while (s->ncpu_links > 0) {
		s->ncpu_links--;
		bpf_link__destroy(s->cpu_links[s->ncpu_links]);
		close(s->cpu_fds[s->ncpu_links]);
	}
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

int bpf_session_probe_count(const struct bpf_session *s)
{
	return s->nlinks;
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
