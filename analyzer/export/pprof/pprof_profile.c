/* pprof_profile.c: building a pprof profile in memory (see pprof_profile.h): interning strings,
 * functions and locations, adding mappings and samples. */
#define _POSIX_C_SOURCE 200809L
#include "pprof_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_util.h"
#include "utf8.h"

/* Grows an array of elements of size sz so that one more fits. */
static void *grow(void *v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 256;
	return an_realloc(v, *cap * sz);
}

void pprof_init(struct pprof_profile *p)
{
	memset(p, 0, sizeof(*p));
	name_table_init(&p->strings);
	name_table_init(&p->function_keys);
	name_table_init(&p->location_keys);
	name_table_intern(&p->strings, "", 0); /* string_table[0] must be "" */
}

void pprof_free(struct pprof_profile *p)
{
	name_table_free(&p->strings);
	name_table_free(&p->function_keys);
	name_table_free(&p->location_keys);
	free(p->functions);
	free(p->locations);
	free(p->lines);
	free(p->mappings);
	free(p->samples);
	free(p->sample_locs);
	free(p->comments);
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

int64_t pprof_string(struct pprof_profile *p, const char *s)
{
	size_t n, i, len, blen = 0;
	unsigned cp;

	if (!s)
		return 0;
	n = strlen(s);
	if (3 * n + 1 > p->buf_cap) { /* worst case: every byte invalid, 3 bytes of U+FFFD */
		p->buf_cap = 3 * n + 1;
		p->buf = an_realloc(p->buf, p->buf_cap);
	}
	for (i = 0; i < n; i += len) {
		const unsigned char *c = (const unsigned char *)s + i;

		len = utf8_seq(c, n - i, &cp);
		if (len == 0) {
			memcpy(p->buf + blen, "\xef\xbf\xbd", 3);
			blen += 3;
			len = 1;
		} else if (len == 1) {
			p->buf[blen++] = (*c < 0x20 || *c == 0x7f) ? ' ' : (char)*c;
		} else {
			memcpy(p->buf + blen, c, len);
			blen += len;
		}
	}
	return name_table_intern(&p->strings, p->buf, blen);
}

uint64_t pprof_function(struct pprof_profile *p, const char *name, const char *file)
{
	int64_t n = pprof_string(p, name), f = pprof_string(p, file);
	char key[48];
	uint32_t id;

	snprintf(key, sizeof(key), "%lld,%lld", (long long)n, (long long)f);
	id = name_table_intern(&p->function_keys, key, strlen(key));
	if (id == p->nfunctions) {
		p->functions =
			grow(p->functions, p->nfunctions, &p->cap_functions, sizeof(*p->functions));
		p->functions[p->nfunctions].name = n;
		p->functions[p->nfunctions].filename = f;
		p->nfunctions++;
	}
	return (uint64_t)id + 1;
}

uint64_t pprof_mapping(struct pprof_profile *p, const char *path, const char *build_id)
{
	struct pprof_mapping *m;

	p->mappings = grow(p->mappings, p->nmappings, &p->cap_mappings, sizeof(*p->mappings));
	m = &p->mappings[p->nmappings++];
	memset(m, 0, sizeof(*m));
	m->filename = pprof_string(p, path);
	m->build_id = pprof_string(p, build_id);
	return p->nmappings;
}

uint64_t pprof_location(struct pprof_profile *p, const char *key, uint64_t mapping_id,
			uint64_t address, const struct pprof_line *lines, uint32_t nlines)
{
	uint32_t id = name_table_intern(&p->location_keys, key, strlen(key)), i;
	struct pprof_location *l;

	if (id < p->nlocations)
		return (uint64_t)id + 1;
	p->locations = grow(p->locations, p->nlocations, &p->cap_locations, sizeof(*p->locations));
	l = &p->locations[p->nlocations++];
	l->mapping_id = mapping_id;
	l->address = address;
	l->line_start = p->nlines;
	l->nlines = nlines;
	for (i = 0; i < nlines; i++) {
		p->lines = grow(p->lines, p->nlines, &p->cap_lines, sizeof(*p->lines));
		p->lines[p->nlines++] = lines[i];
	}
	if (mapping_id) {
		struct pprof_mapping *m = &p->mappings[mapping_id - 1];

		if (address >= m->limit)
			m->limit = address + 1;
		for (i = 0; i < nlines; i++) {
			const struct pprof_function *f = &p->functions[lines[i].function_id - 1];

			m->has_filenames |= f->filename != 0;
			m->has_line_numbers |= lines[i].line != 0;
		}
		m->has_inline_frames |= nlines > 1;
	}
	return (uint64_t)id + 1;
}

void pprof_sample(struct pprof_profile *p, const uint64_t *locs, uint32_t nlocs,
		  const int64_t *values)
{
	struct pprof_sample *s;
	uint32_t i;

	p->samples = grow(p->samples, p->nsamples, &p->cap_samples, sizeof(*p->samples));
	s = &p->samples[p->nsamples++];
	memset(s, 0, sizeof(*s));
	s->loc_start = p->nsample_locs;
	s->nlocs = nlocs;
	for (i = 0; i < (uint32_t)p->nvalues; i++)
		s->value[i] = values[i];
	for (i = 0; i < nlocs; i++) {
		p->sample_locs = grow(p->sample_locs, p->nsample_locs, &p->cap_sample_locs,
				      sizeof(*p->sample_locs));
		p->sample_locs[p->nsample_locs++] = locs[i];
	}
}

void pprof_comment(struct pprof_profile *p, const char *text)
{
	size_t cap = p->ncomments;

	p->comments = an_realloc(p->comments, (cap + 1) * sizeof(*p->comments));
	p->comments[p->ncomments++] = pprof_string(p, text);
}

/* A shared object's path, as pprof recognizes one: ".so" at the end or followed by '.' or '_'
 * and a digit (libc.so.6). */
static int shared_object(const char *path)
{
	const char *s;

	for (s = strstr(path, ".so"); s; s = strstr(s + 1, ".so")) {
		if (s[3] == '\0' || ((s[3] == '.' || s[3] == '_') && s[4] >= '0' && s[4] <= '9'))
			return 1;
	}
	return 0;
}

void pprof_main_mapping_first(struct pprof_profile *p)
{
	struct pprof_mapping tmp;
	size_t i, k;

	for (i = 0; i < p->nmappings; i++) {
		const char *path = p->strings.names[p->mappings[i].filename];

		if (*path && *path != '[' && !shared_object(path))
			break;
	}
	if (i == 0 || i == p->nmappings)
		return;
	tmp = p->mappings[0];
	p->mappings[0] = p->mappings[i];
	p->mappings[i] = tmp;
	for (k = 0; k < p->nlocations; k++) {
		if (p->locations[k].mapping_id == 1)
			p->locations[k].mapping_id = i + 1;
		else if (p->locations[k].mapping_id == i + 1)
			p->locations[k].mapping_id = 1;
	}
}
