/* uprobe_multi.c: attach a BPF program as a uprobe_multi link with the bpf(2) system call. The
 * attribute layout is the kernel's union bpf_attr link_create member (include/uapi/linux/bpf.h,
 * since 6.6); Debian 12's headers predate it, so it is spelled out here. Why uprobe_multi: closing
 * a perf-event uprobe link waits ~0.1 s for RCU and the probe keeps trapping meanwhile; a
 * uprobe_multi link closes in a few ms (../shared/notes/ebpf-facts.md, docs/design.md). */
#define _GNU_SOURCE
#include "uprobe_multi.h"

#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "go_binary.h"

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

/* Whether path is a Go executable, remembered per file (device, inode, modification time): return
 * probes are attached again in every overhead-budget window. */
int uprobe_path_is_go(const char *path)
{
	static struct {
		dev_t dev;
		ino_t ino;
		struct timespec mtime;
		int go;
	} seen[8];
	static unsigned int next;
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct stat st;
	int go = -1;

	if (stat(path, &st))
		return go_binary_detect(path) == 1;
	pthread_mutex_lock(&lock);
	for (unsigned int i = 0; i < sizeof(seen) / sizeof(seen[0]) && go < 0; i++)
		if (seen[i].ino == st.st_ino && seen[i].dev == st.st_dev &&
		    seen[i].mtime.tv_sec == st.st_mtim.tv_sec &&
		    seen[i].mtime.tv_nsec == st.st_mtim.tv_nsec)
			go = seen[i].go;
	if (go < 0) {
		go = go_binary_detect(path) == 1;
		next = (next + 1) % (sizeof(seen) / sizeof(seen[0]));
		seen[next].dev = st.st_dev;
		seen[next].ino = st.st_ino;
		seen[next].mtime = st.st_mtim;
		seen[next].go = go;
	}
	pthread_mutex_unlock(&lock);
	return go;
}

int uprobe_multi_attach(int prog_fd, const char *path, const uint64_t *offsets,
			const uint64_t *cookies, uint32_t cnt, pid_t pid, int retprobe)
{
	struct ap_link_create_uprobe_multi attr;
	long fd;

	_Static_assert(sizeof(attr) == 64, "link_create layout");
	/* Never a return probe in Go code: the runtime copies goroutine stacks when they grow, and a
	 * return address the kernel replaced with its trampoline then sends the program astray. */
	if (retprobe && uprobe_path_is_go(path))
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
