/* dwarf_cu_index.h: find the compile unit of an address from the CUs' own address ranges, for
 * files without .debug_aranges (Go binaries), where elfutils 0.188's dwfl_module_addrdie and
 * dwfl_module_getsrc find nothing. */
#ifndef ARENAPROF_DWARF_CU_INDEX_H
#define ARENAPROF_DWARF_CU_INDEX_H

#include <elfutils/libdw.h>

struct cu_index;

/* Walks every CU of dw once. NULL when out of memory or dw has no CU with ranges. */
struct cu_index *cu_index_build(Dwarf *dw);
/* The CU DIE covering pc (a DWARF address). 1 when found, 0 otherwise. */
int cu_index_find(const struct cu_index *ix, Dwarf *dw, Dwarf_Addr pc, Dwarf_Die *out);
/* The source file and line of pc in that CU: 1 when found. */
int cu_index_line(Dwarf_Die *cu, Dwarf_Addr pc, const char **file, int *line);
void cu_index_free(struct cu_index *ix);

#endif
