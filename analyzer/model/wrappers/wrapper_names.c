/* wrapper_names.c: the well-known allocation wrappers, folded into their callers without waiting
 * for the structural detection (wrapper_detect.c): functions whose whole job is to call the
 * allocator for their caller. The list is documented in analyzer/README.md ("Call sites"); add
 * names here, never names of one program's own code. GCC clone suffixes (".constprop.0",
 * ".isra.0", ".cold") and symbol versions ("@GLIBC_2.2.5") are ignored. */
#define _POSIX_C_SOURCE 200809L
#include "site_fold.h"

#include <string.h>

static const char *const exact[] = {
	/* gnulib, libiberty, git, coreutils ... */
	"xmalloc",
	"xzalloc",
	"xcalloc",
	"xrealloc",
	"xreallocarray",
	"xnmalloc",
	"xnrealloc",
	"x2realloc",
	"x2nrealloc",
	"xpalloc",
	"xcharalloc",
	"xstrdup",
	"xstrndup",
	"xmemdup",
	"xmemdup0",
	"xmemdupz",
	"xmallocz",
	"xmallocz_gently",
	"do_xmalloc",
	"xasprintf",
	"xvasprintf",
	"ximalloc",
	"xizalloc",
	"xicalloc",
	"xirealloc",
	"xireallocarray",
	"ximemdup",
	"ximemdup0",
	/* C library string and buffer duplicators */
	"strdup",
	"strndup",
	"__strdup",
	"__strndup",
	"wcsdup",
	"__wcsdup",
	"asprintf",
	"vasprintf",
	"__asprintf",
	"__vasprintf",
	"__vasprintf_internal",
	"__asprintf_chk",
	"__vasprintf_chk",
	"getline",
	"getdelim",
	"__getdelim",
	"reallocarray",
	"__libc_reallocarray",
	/* GLib (g_new and g_new0 are macros over g_malloc_n / g_malloc0_n) */
	"g_malloc",
	"g_malloc0",
	"g_malloc_n",
	"g_malloc0_n",
	"g_realloc",
	"g_realloc_n",
	"g_try_malloc",
	"g_try_malloc0",
	"g_try_malloc_n",
	"g_try_malloc0_n",
	"g_try_realloc",
	"g_try_realloc_n",
	"g_aligned_alloc",
	"g_aligned_alloc0",
	"g_strdup",
	"g_strndup",
	"g_memdup",
	"g_memdup2",
	"g_strdup_printf",
	"g_strdup_vprintf",
	"g_strconcat",
	"g_slice_alloc",
	"g_slice_alloc0",
	"g_slice_copy",
	"g_free",
	"g_slice_free1",
	/* libxml2 (xmlMalloc itself is a function pointer, usually to malloc) */
	"xmlMemMalloc",
	"xmlMemRealloc",
	"xmlMallocLoc",
	"xmlMallocAtomicLoc",
	"xmlReallocLoc",
	"xmlMemStrdupLoc",
	"xmlMemoryStrdup",
	"xmlStrdup",
	"xmlStrndup",
	"xmlCharStrdup",
	"xmlCharStrndup",
	"xmlStrncatNew",
	"xmlStrcat",
	"xmlStrncat",
	/* CPython */
	"PyMem_Malloc",
	"PyMem_Calloc",
	"PyMem_Realloc",
	"PyMem_RawMalloc",
	"PyMem_RawCalloc",
	"PyMem_RawRealloc",
	"_PyMem_RawMalloc",
	"_PyMem_RawCalloc",
	"_PyMem_RawRealloc",
	"PyObject_Malloc",
	"PyObject_Calloc",
	"PyObject_Realloc",
	"_PyObject_Malloc",
	"_PyObject_Calloc",
	"_PyObject_Realloc",
	"_PyMem_DebugRawAlloc",
	"_PyMem_DebugRawRealloc",
	"_PyMem_DebugMalloc",
	"_PyMem_DebugCalloc",
	"_PyMem_DebugRealloc",
	"PyMem_Free",
	"PyObject_Free",
	"_PyObject_Free",
	"_PyMem_RawFree",
	/* Perl */
	"Perl_safesysmalloc",
	"Perl_safesyscalloc",
	"Perl_safesysrealloc",
	"Perl_safesysfree",
	"Perl_savepv",
	"Perl_savepvn",
	"Perl_savesharedpv",
	"Perl_savesharedpvn",
	/* Ruby */
	"ruby_xmalloc",
	"ruby_xmalloc2",
	"ruby_xcalloc",
	"ruby_xrealloc",
	"ruby_xrealloc2",
	"ruby_xfree",
	"objspace_xmalloc0",
	"objspace_xcalloc",
	"objspace_xrealloc",
	/* OpenSSL */
	"CRYPTO_malloc",
	"CRYPTO_zalloc",
	"CRYPTO_realloc",
	"CRYPTO_clear_realloc",
	"CRYPTO_strdup",
	"CRYPTO_strndup",
	"CRYPTO_memdup",
	"CRYPTO_free",
	"CRYPTO_clear_free",
	/* SQLite */
	"sqlite3_malloc",
	"sqlite3_malloc64",
	"sqlite3_realloc",
	"sqlite3_realloc64",
	"sqlite3_free",
	"sqlite3Malloc",
	"sqlite3MallocZero",
	"sqlite3Realloc",
	"sqlite3MemMalloc",
	"sqlite3MemRealloc",
	"sqlite3MemFree",
	"sqlite3DbMallocRaw",
	"sqlite3DbMallocRawNN",
	"sqlite3DbMallocZero",
	"sqlite3DbRealloc",
	"sqlite3DbReallocOrFree",
	"sqlite3DbStrDup",
	"sqlite3DbStrNDup",
	"sqlite3DbFree",
	"sqlite3DbFreeNN",
	/* Lua */
	"luaM_malloc_",
	"luaM_realloc_",
	"luaM_saferealloc_",
	"luaM_free_",
	"luaM_growaux_",
};

/* The length of the name without a clone suffix or a symbol version; unnamed frames
 * ("module+0x1f00") have no such suffix. */
static size_t base_len(const char *s)
{
	size_t n = strcspn(s, "@");

	if (strstr(s, "+0x"))
		return strlen(s);
	for (size_t i = 1; i < n; i++)
		if (s[i] == '.')
			return i;
	return n;
}

/* A function of the C++ standard library (std::, libc++'s std::__1::, __gnu_cxx::): string,
 * container and allocator plumbing, never where an arena goes; its caller is. The qualified name
 * is the last word before the argument list outside template brackets, after any return type
 * ("void std::__cxx11::basic_string<...>::_M_construct<char*>(...)"; "std::string f()" is f). */
static int cxx_library(const char *s)
{
	const char *name = s;
	int depth = 0;

	for (const char *p = s; *p && !(*p == '(' && depth == 0); p++) {
		if (*p == '<')
			depth++;
		else if (*p == '>' && depth > 0)
			depth--;
		else if (*p == ' ' && depth == 0 && strncmp(p + 1, "operator", 8) != 0)
			name = p + 1;
	}
	return strncmp(name, "std::", 5) == 0 || strncmp(name, "__gnu_cxx::", 11) == 0;
}

int wrapper_known(const char *function)
{
	size_t len, i;

	if (!function)
		return 0;
	if (cxx_library(function))
		return 1;
	len = base_len(function);
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strlen(exact[i]) == len && strncmp(exact[i], function, len) == 0)
			return 1;
	return 0;
}
