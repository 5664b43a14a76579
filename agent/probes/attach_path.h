/* attach_path.h: how uprobes are attached, chosen once per process: one uprobe_multi link per
 * object (kernel >= 6.6, closes in a few ms) or, on older kernels, one perf-event uprobe link per
 * function through libbpf (kernel >= 5.15; a close waits ~0.1 s for RCU while the breakpoint
 * keeps trapping). docs/design.md "Attach paths". */
#ifndef ARENAPROF_ATTACH_PATH_H
#define ARENAPROF_ATTACH_PATH_H

#include <stdint.h>
#include <sys/types.h>

enum ap_attach_path { AP_ATTACH_AUTO, AP_ATTACH_MULTI, AP_ATTACH_PERF };

struct bpf_program;
struct bpf_link;

/* Selects the path for the whole process: MULTI or PERF as asked, AUTO: MULTI when the kernel
 * creates a uprobe_multi link (tried once on this executable), else PERF. Returns the path now
 * in use; 0 on success, -1 with a one-line reason when MULTI was forced and is not available. */
int ap_attach_select(enum ap_attach_path requested, char *err, size_t errlen);
/* The path in use (MULTI until ap_attach_select chose another). */
enum ap_attach_path ap_attach_selected(void);
/* "multi" or "perf" (the profile's meta "attach" and the report's mode line). */
const char *ap_attach_name(enum ap_attach_path path);
/* The expected attach type BPF uprobe programs must be loaded with on the selected path. */
void ap_attach_prepare_program(struct bpf_program *prog);

/* One attached link: a uprobe_multi link fd, or a perf-event link of libbpf's. */
struct ap_link {
	int fd; /* uprobe_multi: the link; -1 for a perf-event link */
	struct bpf_link *perf;
};

/* Attaches prog to cnt file offsets of path for pid (entry, or return with retprobe), cookies
 * may be NULL. Fills out with the links made (one on the multi path, cnt on the perf path).
 * Returns how many, or -errno with nothing left attached; -EPERM for a return probe on a Go
 * executable, never attached (docs/design.md). */
int ap_attach_uprobes(struct bpf_program *prog, const char *path, const uint64_t *offsets,
		      const uint64_t *cookies, uint32_t cnt, pid_t pid, int retprobe,
		      struct ap_link *out);
/* Closes a link (blocks: ~30 ms for uprobe_multi, 70-200 ms for a perf-event link). */
void ap_link_close(struct ap_link *l);

#endif
