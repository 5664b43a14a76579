/* go_table.h: which Go runtime functions are allocation work (runtime.mallocgc, the entry points
 * the compiler calls for new/make/append/strings/maps, and their helpers) and which are garbage
 * collection (marking, sweeping, assists, write barriers). The names live in go_table.c. */
#ifndef ARENAPROF_GO_TABLE_H
#define ARENAPROF_GO_TABLE_H

#include "allocator_table.h"

/* AT_MALLOC (family AT_GO), AT_GC, or AT_NONE for any other name. */
enum at_category go_table_lookup(const char *function, int *entry_point);

/* 0 when the exact-name table is sorted (the binary search needs it). */
int go_table_self_check(void);

#endif
