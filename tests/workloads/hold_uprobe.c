/* hold_uprobe.c: test helper playing "another tool": it puts a uprobe with a non-zero
 * ref_ctr_offset (as USDT tools do) on a function of an ELF file, so that the kernel refuses any
 * other uprobe at that address (ref_ctr_offset mismatch). Prints "holding" and sleeps.
 * Usage: hold_uprobe ELF FILE_OFFSET_HEX REF_CTR_FILE_OFFSET_HEX */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct perf_event_attr attr;
	unsigned long long off, ref;
	int type, fd;
	FILE *f;

	if (argc != 4)
		return 2;
	off = strtoull(argv[2], NULL, 16);
	ref = strtoull(argv[3], NULL, 16);
	f = fopen("/sys/bus/event_source/devices/uprobe/type", "r");
	if (!f || fscanf(f, "%d", &type) != 1)
		return 1;
	fclose(f);
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = (uint32_t)type;
	attr.config = ref << 32; /* format/ref_ctr_offset: config:32-63 */
	attr.config1 = (uint64_t)(uintptr_t)argv[1];
	attr.config2 = off;
	fd = (int)syscall(SYS_perf_event_open, &attr, getpid(), -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		perror("perf_event_open");
		return 1;
	}
	printf("holding\n");
	fflush(stdout);
	pause();
	return 0;
}
