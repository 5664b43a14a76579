/* profile_meta.c: the meta keys' names and types from profile_meta.h's list, and the one parser
 * of their integer values. */
#include "profile_meta.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum ap_meta_type type;
} keys[AP_META_N] = {
#define AP_META_ROW(id, name, type) { name, AP_META_##type },
	AP_META_KEYS(AP_META_ROW)
#undef AP_META_ROW
};

const char *ap_meta_name(enum ap_meta_key key)
{
	return keys[key].name;
}

enum ap_meta_type ap_meta_type(enum ap_meta_key key)
{
	return keys[key].type;
}

enum ap_meta_key ap_meta_lookup(const char *name)
{
	int k;

	for (k = 0; k < AP_META_N; k++)
		if (strcmp(keys[k].name, name) == 0)
			return (enum ap_meta_key)k;
	return AP_META_N;
}

int ap_meta_parse_int(const char *text, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(text, &end, 10);
	return (errno || end == text || *end) ? -1 : 0;
}
