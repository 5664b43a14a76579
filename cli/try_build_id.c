/* try_build_id.c: the GNU build id of an ELF file on disk, to check that the module `try` will
 * run is the one the profile recorded: the sites' file offsets only mean something in that
 * build. (The agent reads build ids of mapped modules itself, agent/unwind/target_space.c.) */
#define _GNU_SOURCE
#include "try_cmd.h"

#include <fcntl.h>
#include <gelf.h>
#include <string.h>
#include <unistd.h>

static void hex(const unsigned char *b, size_t n, char *out, size_t size)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n && 2 * i + 2 < size; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 0xf];
	}
	out[2 * i] = 0;
}

static int note_build_id(Elf_Data *data, char *out, size_t size)
{
	GElf_Nhdr nh;
	size_t off = 0, name_off, desc_off;

	while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0)
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp((const char *)data->d_buf + name_off, "GNU", 4)) {
			hex((const unsigned char *)data->d_buf + desc_off, nh.n_descsz, out, size);
			return 0;
		}
	return -1;
}

int try_file_build_id(const char *path, char *out, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
	size_t nphdr;
	Elf *elf;

	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf && elf_getphdrnum(elf, &nphdr) == 0) {
		for (size_t i = 0; i < nphdr && rc; i++) {
			GElf_Phdr ph;
			Elf_Data *d;

			if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
				continue;
			d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz,
						 ELF_T_NHDR);
			if (d)
				rc = note_build_id(d, out, size);
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return rc;
}
