/* eh_frame_check.h: checks the .eh_frame records (CIE and FDE, their call frame instructions and
 * DWARF expressions) of a target's ELF file before libunwind interprets them: libunwind 1.6
 * trusts them, and a corrupt or crafted record made it read far outside its own state (found by
 * tests/fuzz/fuzz_elf). Only what compilers and hand-written glibc CFI emit on x86-64 passes. */
#ifndef ARENAPROF_EH_FRAME_CHECK_H
#define ARENAPROF_EH_FRAME_CHECK_H

#include <stddef.h>
#include <stdint.h>

struct eh_frame_checker {
	const uint8_t *image; /* the whole file */
	size_t size;
	uint64_t last_cie; /* file offset of the last CIE found good, or UINT64_MAX */
	uint8_t last_cie_fde_enc; /* its FDE pointer encoding ('R'), and whether it has 'z' */
	int last_cie_has_z;
};

void eh_frame_checker_init(struct eh_frame_checker *c, const uint8_t *image, size_t size);
/* Checks the FDE at file offset off and its CIE. 0 when libunwind can be given it, else -1. */
int eh_frame_check_fde(struct eh_frame_checker *c, uint64_t off);

#endif
