/* uprobe_multi.h: attach a BPF program as a uprobe_multi link (kernel >= 6.6), which Debian's
 * libbpf 1.1 does not offer yet: one BPF_LINK_CREATE for a set of offsets in one file. */
#ifndef ARENAPROF_UPROBE_MULTI_H
#define ARENAPROF_UPROBE_MULTI_H

#include <stdint.h>
#include <sys/types.h>

/* The attach type programs must be loaded with (bpf_program__set_expected_attach_type). */
#define AP_BPF_TRACE_UPROBE_MULTI 48

/* Creates the link for prog_fd on cnt file offsets of path, limited to pid; cookies may be NULL.
 * Returns the link's fd (close it to detach), or -errno; -EPERM for a return probe on a Go
 * executable, which is never attached (docs/design.md). */
int uprobe_multi_attach(int prog_fd, const char *path, const uint64_t *offsets,
			const uint64_t *cookies, uint32_t cnt, pid_t pid, int retprobe);

/* Whether path is a Go executable (remembered per file: asked for every window). */
int uprobe_path_is_go(const char *path);

#endif
