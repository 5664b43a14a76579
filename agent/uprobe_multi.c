/* uprobe_multi.c: attach a BPF program as a uprobe_multi link with the bpf(2) system call. The
 * attribute layout is the kernel's union bpf_attr link_create member (include/uapi/linux/bpf.h,
 * since 6.6); Debian 12's headers predate it, so it is spelled out here. Why uprobe_multi: closing
 * a perf-event uprobe link waits ~0.1 s for RCU and the probe keeps trapping meanwhile; a
 * uprobe_multi link closes in a few ms (../shared/notes/ebpf-facts.md, docs/design.md). */
#define _GNU_SOURCE
#include "uprobe_multi.h"

#include "go_binary.h"

#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define AP_BPF_F_UPROBE_MULTI_RETURN (1U << 0)

struct ap_link_create_uprobe_multi {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;
	uint64_t offsets;
	uint64_t ref_ctr_offsets;
	uint64_t cookies;
	uint32_t cnt;
	uint32_t multi_flags;
	uint32_t pid;
	uint32_t pad;
};

int uprobe_multi_attach(int prog_fd, const char *path, const uint64_t *offsets,
			const uint64_t *cookies, uint32_t cnt, pid_t pid, int retprobe)
{
	struct ap_link_create_uprobe_multi attr;
	long fd;

	_Static_assert(sizeof(attr) == 64, "link_create layout");
	/* Never a return probe in Go code: the runtime copies goroutine stacks when they grow, and a
	 * return address the kernel replaced with its trampoline then sends the program astray. */
	if (retprobe && go_binary_detect(path) == 1)
		return -EPERM;
	memset(&attr, 0, sizeof(attr));
	attr.prog_fd = (uint32_t)prog_fd;
	attr.attach_type = AP_BPF_TRACE_UPROBE_MULTI;
	attr.path = (uint64_t)(uintptr_t)path;
	attr.offsets = (uint64_t)(uintptr_t)offsets;
	attr.cookies = (uint64_t)(uintptr_t)cookies;
	attr.cnt = cnt;
	attr.multi_flags = retprobe ? AP_BPF_F_UPROBE_MULTI_RETURN : 0;
	attr.pid = (uint32_t)pid;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : (int)fd;
}
