/* go_session.h: the allocation probe of a Go program (bpf/go_alloc.bpf.c): runtime.mallocgc at
 * entry only, never a return probe. Its records go into the recording's ring buffer and its
 * counts into the recording's counters, and the recording's bpf_session attaches, arms and
 * detaches it with the allocation functions (bpf_session_add_extra), so windows and the usual
 * consumer apply to it unchanged. */
#ifndef ARENAPROF_GO_SESSION_H
#define ARENAPROF_GO_SESSION_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf_session.h"

struct go_session;

/* Whether the executable of pid is a Go program: 1, 0, or -errno. */
int go_target_detect(pid_t pid);

/* Opens pid's executable and, when probe is set, loads the probe with the recording's ring buffer
 * and counters maps; without (record --cpu-only) only the executable's tables are read. NULL with
 * a one-line reason in err. */
struct go_session *go_session_start(pid_t pid, int probe, int ring_fd, int counters_fd, char *err,
				    size_t errlen);
/* The loaded probe, for bpf_session_add_extra: 0, or -1 when it was not loaded. */
int go_session_extra(struct go_session *s, struct bpf_session_extra *x);
/* Free it after the bpf_session (which writes its armed flag until then). */
void go_session_free(struct go_session *s);

/* Drops the runtime's allocation entry points at the inner end of an allocation chain
 * (runtime.newobject, runtime.growslice... go_is_alloc_entry), so that ips[0] is the code that
 * allocated: the Go function, or the runtime for its own allocations (runtime.malg for a new
 * goroutine). Returns the new count (>= 1). */
int go_session_trim(const struct go_session *s, uint64_t *ips, int n);

/* Meta of a Go recording: runtime "go", go_version, the probe and its module. */
int go_session_write_meta(const struct go_session *s, sqlite3 *db);
/* The executable as the target sees it. */
const char *go_session_path(const struct go_session *s);

#endif
