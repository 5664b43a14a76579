/* go_session.c: load the Go allocation probe (bpf/go_alloc.bpf.c) for one process and hand it
 * to the recording's bpf_session, which attaches it (one uprobe_multi entry link on
 * runtime.mallocgc, never a return probe; a perf-event link on older kernels) with the allocation functions, window by window; and
 * trim the runtime's frames off its chains (see go_session.h). */
#define _GNU_SOURCE
#include "go_session.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc_event.h"
#include "attach_path.h"
#include "go_alloc.skel.h"
#include "go_binary.h"
#include "profile_db.h"
#include "proc_maps.h"
#include "uprobe_multi.h"

struct go_session {
	struct go_alloc_bpf *skel;
	struct go_binary bin;
	uint64_t bias; /* runtime address - link-time address of the executable */
	char target_path[PATH_MAX];
	char host_path[PATH_MAX];
};

static int exe_paths(pid_t pid, char *target, char *host, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, target, size - 1);
	if (n <= 0)
		return -errno;
	target[n] = '\0';
	return proc_maps_host_path(pid, target, host, size);
}

int go_target_detect(pid_t pid)
{
	char target[PATH_MAX], host[PATH_MAX];
	int rc = exe_paths(pid, target, host, sizeof(target));

	return rc ? rc : go_binary_detect(host);
}

/* The load bias of the executable's text from the target's mappings (0 unless PIE). */
static void find_bias(struct go_session *s, pid_t pid)
{
	struct proc_maps maps;

	s->bias = 0;
	if (!s->bin.pie || proc_maps_read(pid, &maps))
		return;
	for (size_t i = 0; i < maps.n; i++) {
		const struct map_entry *m = &maps.v[i];

		if (m->perms[2] == 'x' && strcmp(m->path, s->target_path) == 0) {
			s->bias = m->start - m->offset - (s->bin.text_vaddr - s->bin.text_offset);
			break;
		}
	}
	proc_maps_free(&maps);
}

struct go_session *go_session_start(pid_t pid, int probe, int ring_fd, int counters_fd, char *err,
				    size_t errlen)
{
	struct go_session *s = calloc(1, sizeof(*s));
	int rc;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
#if !defined(__x86_64__)
	if (probe) { /* bpf/go_alloc.bpf.c reads x86-64 registers and prologues */
		snprintf(err, errlen, "Go programs are supported on x86-64 only");
		goto fail;
	}
#endif
	rc = exe_paths(pid, s->target_path, s->host_path, sizeof(s->target_path));
	if (rc) {
		snprintf(err, errlen, "cannot find the executable of %d: %s", (int)pid,
			 strerror(-rc));
		goto fail;
	}
	if (go_binary_open(s->host_path, &s->bin, err, errlen))
		goto fail;
	find_bias(s, pid);
	if (!probe)
		return s;
	s->skel = go_alloc_bpf__open();
	if (!s->skel) {
		snprintf(err, errlen, "cannot open the Go BPF object: %s", strerror(errno));
		goto fail;
	}
	s->skel->rodata->walk_adds_caller = (__u32)s->bin.mallocgc_adds_caller;
	s->skel->rodata->at_branch = s->bin.probe_offset != s->bin.mallocgc_offset;
	ap_attach_prepare_program(s->skel->progs.mallocgc_entry);
	rc = bpf_map__reuse_fd(s->skel->maps.events, ring_fd);
	if (!rc)
		rc = bpf_map__reuse_fd(s->skel->maps.counters, counters_fd);
	if (!rc) {
		s->skel->rodata->wakeup_bytes = bpf_map__max_entries(s->skel->maps.events) / 4;
		rc = go_alloc_bpf__load(s->skel);
	}
	if (rc) {
		snprintf(err, errlen, "cannot load the Go BPF program: %s", strerror(-rc));
		goto fail;
	}
	return s;
fail:
	go_session_free(s);
	return NULL;
}

int go_session_extra(struct go_session *s, struct bpf_session_extra *x)
{
	if (!s || !s->skel)
		return -1;
	/* entry only: ap_attach_uprobes refuses a return probe on a Go binary anyway */
	x->prog = s->skel->progs.mallocgc_entry;
	x->host_path = s->host_path;
	x->target_path = s->target_path;
	x->name = "runtime.mallocgc";
	x->offset = s->bin.probe_offset;
	x->armed = &s->skel->bss->armed;
	x->window_id = &s->skel->bss->window_id;
	return 0;
}

void go_session_free(struct go_session *s)
{
	if (!s)
		return;
	go_alloc_bpf__destroy(s->skel);
	go_binary_close(&s->bin);
	free(s);
}

static const char *func_name(const struct go_session *s, uint64_t addr)
{
	/* return addresses: the call instruction is the byte before */
	const struct go_func *f = gopclntab_find(&s->bin.funcs, addr - s->bias - 1);

	return f ? f->name : NULL;
}

int go_session_trim(const struct go_session *s, uint64_t *ips, int n)
{
	const char *name;
	int k = 0;

	while (k + 1 < n && (name = func_name(s, ips[k])) && go_is_alloc_entry(name))
		k++;
	if (k > 0) {
		memmove(ips, ips + k, (size_t)(n - k) * sizeof(*ips));
		n -= k;
	}
	return n;
}

int go_session_write_meta(const struct go_session *s, sqlite3 *db)
{
	char probes[PATH_MAX + 32];
	int rc = 0;

	snprintf(probes, sizeof(probes), "mallocgc@%s", s->target_path);
	rc |= ap_db_set_meta(db, AP_META_RUNTIME, "go");
	rc |= ap_db_set_meta(db, AP_META_GO_VERSION, s->bin.version);
	rc |= ap_db_set_meta(db, AP_META_PROBES, probes);
	rc |= ap_db_set_meta(db, AP_META_ALLOCATOR_MODULES, s->target_path);
	return rc ? -1 : 0;
}

const char *go_session_path(const struct go_session *s)
{
	return s->target_path;
}
