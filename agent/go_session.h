/* go_session.h: the allocation probe of a Go program (bpf/go_alloc.bpf.c): runtime.mallocgc at
 * entry only, never a return probe. Its records go into the recording's ring buffer and its
 * counts into the recording's counters (bpf_session.h), so the usual consumer stores them. */
#ifndef ARENAPROF_GO_SESSION_H
#define ARENAPROF_GO_SESSION_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct go_session;

/* Whether the executable of pid is a Go program: 1, 0, or -errno. */
int go_target_detect(pid_t pid);

/* Opens pid's executable, loads the probe with the recording's ring buffer and counters maps, and
 * attaches it (disarmed). NULL with a one-line reason in err. */
struct go_session *go_session_start(pid_t pid, int ring_fd, int counters_fd, char *err,
				    size_t errlen);
/* Starts (1) or stops (0) counting and recording. */
void go_session_arm(struct go_session *s, int armed);
/* Disarms and removes the probe; the target runs untouched afterwards. */
void go_session_detach(struct go_session *s);
void go_session_free(struct go_session *s);

/* Drops the Go runtime's frames at the inner end of an allocation chain (runtime.newobject,
 * runtime.growslice...), so that ips[0] is the Go code that allocated; when every frame is the
 * runtime's, only its allocation entry points are dropped. Returns the new count (>= 1). */
int go_session_trim(const struct go_session *s, uint64_t *ips, int n);

/* Meta of a Go recording: runtime "go", go_version, the probe and its module. */
int go_session_write_meta(const struct go_session *s, sqlite3 *db);
/* The executable as the target sees it. */
const char *go_session_path(const struct go_session *s);

#endif
