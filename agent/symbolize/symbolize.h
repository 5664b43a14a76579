/* symbolize.h: turn (ELF file, file offset) into function / source file / line frames, inlined frames
 * included, with elfutils libdwfl. Results are cached and their strings live as long as the symbolizer. */
#ifndef ARENAPROF_SYMBOLIZE_H
#define ARENAPROF_SYMBOLIZE_H

#include <stdint.h>

struct sym_frame {
	const char *function; /* never NULL: demangled function name, or "libfoo.so+0x1234" */
	const char *file; /* source file path, NULL when unknown */
	int line; /* 0 when unknown */
	int inlined; /* 1 when this frame was inlined into the next (outer) one */
};

/* The most frames one lookup yields (deeper inline chains are cut at the outer end). */
#define SYM_MAX_FRAMES 32

struct symbolizer;

/* Returns NULL when out of memory. */
struct symbolizer *symbolizer_new(void);
void symbolizer_free(struct symbolizer *s);

/* Where separate debug files are looked for, as libdwfl's debuginfo_path (a colon-separated list
 * of directories; each absolute one is searched for .build-id/xx/yyyy.debug and the
 * .gnu_debuglink name); NULL: libdwfl's default, /usr/lib/debug. Applies to modules opened from
 * then on. 0, or -1 when out of memory. */
int symbolizer_set_debuginfo_path(struct symbolizer *s, const char *path);

/* host_path: where this process can open the ELF; module_name: the name to show in fallbacks (the path
 * the target sees); file_offset: offset of the code byte inside the file. Writes up to max frames,
 * innermost first (inlined callees first, the real function last). Returns the count (>= 1; 0 only
 * when max < 1). Strings stay valid until symbolizer_free. Caches per (module, offset) and keeps each
 * module's Dwfl state open. A file that cannot be opened or has no symbol there gives one frame
 * "basename(module_name)+0xOFFSET". Not thread-safe. */
int symbolizer_lookup(struct symbolizer *s, const char *host_path, const char *module_name,
		      uint64_t file_offset, struct sym_frame *out, int max);

struct symbolizer_stats {
	uint64_t lookups; /* calls of symbolizer_lookup */
	uint64_t cache_hits; /* of which answered from the cache */
	uint64_t modules; /* modules opened (or tried) */
	uint64_t entries; /* cached (module, offset) results */
};
void symbolizer_get_stats(const struct symbolizer *s, struct symbolizer_stats *out);

#endif
