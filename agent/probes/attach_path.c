/* attach_path.c: the two ways of attaching uprobes (attach_path.h) and the choice between them.
 * The kernel is asked once: a uprobe_multi link on offset 0 of this executable, limited to this
 * process (offset 0 is the ELF header, mapped without execute permission: no breakpoint is ever
 * inserted), created and closed at once. Kernels before 6.6 refuse the attach type (EINVAL). */
#define _GNU_SOURCE
#include "attach_path.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "uprobe_multi.h"

static enum ap_attach_path selected = AP_ATTACH_MULTI;

/* Whether the running kernel creates uprobe_multi links. */
static int kernel_has_uprobe_multi(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = (enum bpf_attach_type)AP_BPF_TRACE_UPROBE_MULTI);
	uint64_t offset = 0;
	int prog, link;

	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "ap_probe_multi", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), &opts);
	if (prog < 0)
		return 0;
	link = uprobe_multi_attach(prog, "/proc/self/exe", &offset, NULL, 1, getpid(), 0);
	close(prog);
	if (link < 0)
		return 0;
	close(link);
	return 1;
}

int ap_attach_select(enum ap_attach_path requested, char *err, size_t errlen)
{
	int multi = requested == AP_ATTACH_PERF ? 0 : kernel_has_uprobe_multi();

	if (requested == AP_ATTACH_MULTI && !multi) {
		snprintf(err, errlen,
			 "this kernel has no uprobe_multi links (Linux 6.6 or later): use "
			 "--attach perf or auto");
		return -1;
	}
	selected = multi ? AP_ATTACH_MULTI : AP_ATTACH_PERF;
	return 0;
}

enum ap_attach_path ap_attach_selected(void)
{
	return selected;
}

const char *ap_attach_name(enum ap_attach_path path)
{
	return path == AP_ATTACH_PERF ? "perf" : path == AP_ATTACH_MULTI ? "multi" : "auto";
}

void ap_attach_prepare_program(struct bpf_program *prog)
{
	/* a plain uprobe program (attach type 0) attaches through a perf event */
	bpf_program__set_expected_attach_type(
		prog, selected == AP_ATTACH_MULTI ?
			      (enum bpf_attach_type)AP_BPF_TRACE_UPROBE_MULTI :
			      (enum bpf_attach_type)0);
}

int ap_attach_uprobes(struct bpf_program *prog, const char *path, const uint64_t *offsets,
		      const uint64_t *cookies, uint32_t cnt, pid_t pid, int retprobe,
		      struct ap_link *out)
{
	if (selected == AP_ATTACH_MULTI) {
		int fd = uprobe_multi_attach(bpf_program__fd(prog), path, offsets, cookies, cnt,
					     pid, retprobe);

		if (fd < 0)
			return fd;
		out[0].fd = fd;
		out[0].perf = NULL;
		return 1;
	}
	if (retprobe && uprobe_path_is_go(path))
		return -EPERM;
	for (uint32_t i = 0; i < cnt; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe != 0,
			    .bpf_cookie = cookies ? cookies[i] : 0);
		struct bpf_link *l =
			bpf_program__attach_uprobe_opts(prog, pid, path, (size_t)offsets[i], &opts);

		if (!l) {
			int e = errno ? -errno : -EINVAL;

			while (i > 0)
				bpf_link__destroy(out[--i].perf);
			return e;
		}
		out[i].fd = -1;
		out[i].perf = l;
	}
	return (int)cnt;
}

void ap_link_close(struct ap_link *l)
{
	if (l->perf)
		bpf_link__destroy(l->perf);
	else if (l->fd >= 0)
		close(l->fd);
	l->perf = NULL;
	l->fd = -1;
}
