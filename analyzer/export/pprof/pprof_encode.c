/* pprof_encode.c: a pprof profile (pprof_profile.h) as a serialized perftools.profiles.Profile.
 * Field numbers are those of pprof's profile.proto:
 *   Profile: sample_type 1, sample 2, mapping 3, location 4, function 5, string_table 6,
 *            time_nanos 9, duration_nanos 10, period_type 11, period 12, comment 13,
 *            default_sample_type 14
 *   ValueType: type 1, unit 2            Sample: location_id 1, value 2 (both packed)
 *   Mapping: id 1, memory_start 2, memory_limit 3, file_offset 4, filename 5, build_id 6,
 *            has_functions 7, has_filenames 8, has_line_numbers 9, has_inline_frames 10
 *   Location: id 1, mapping_id 2, address 3, line 4       Line: function_id 1, line 2
 *   Function: id 1, name 2, system_name 3, filename 4, start_line 5 */
#define _POSIX_C_SOURCE 200809L
#include "pprof_profile.h"

#include <string.h>

static void value_type(struct pb_buf *b, uint32_t field, const int64_t vt[2])
{
	size_t m = pb_begin(b, field);

	pb_int64(b, 1, vt[0]);
	pb_int64(b, 2, vt[1]);
	pb_end(b, m);
}

static void samples(const struct pprof_profile *p, struct pb_buf *b)
{
	size_t i;

	for (i = 0; i < p->nsamples; i++) {
		const struct pprof_sample *s = &p->samples[i];
		size_t m = pb_begin(b, 2);

		pb_packed_uint64(b, 1, p->sample_locs + s->loc_start, s->nlocs);
		pb_packed_int64(b, 2, s->value, (size_t)p->nvalues);
		pb_end(b, m);
	}
}

/* Addresses are file offsets (the profile database keeps no run-time addresses): each mapping
 * starts at 0 with file offset 0 and ends after its largest address. */
static void mappings(const struct pprof_profile *p, struct pb_buf *b)
{
	size_t i;

	for (i = 0; i < p->nmappings; i++) {
		const struct pprof_mapping *mp = &p->mappings[i];
		size_t m = pb_begin(b, 3);

		pb_uint64(b, 1, i + 1);
		pb_uint64(b, 3, mp->limit);
		pb_int64(b, 5, mp->filename);
		pb_int64(b, 6, mp->build_id);
		pb_bool(b, 7, 1); /* every location has its functions: pprof need not symbolize */
		pb_bool(b, 8, mp->has_filenames);
		pb_bool(b, 9, mp->has_line_numbers);
		pb_bool(b, 10, mp->has_inline_frames);
		pb_end(b, m);
	}
}

static void locations(const struct pprof_profile *p, struct pb_buf *b)
{
	size_t i;
	uint32_t k;

	for (i = 0; i < p->nlocations; i++) {
		const struct pprof_location *l = &p->locations[i];
		size_t m = pb_begin(b, 4);

		pb_uint64(b, 1, i + 1);
		pb_uint64(b, 2, l->mapping_id);
		pb_uint64(b, 3, l->address);
		for (k = 0; k < l->nlines; k++) {
			const struct pprof_line *ln = &p->lines[l->line_start + k];
			size_t lm = pb_begin(b, 4);

			pb_uint64(b, 1, ln->function_id);
			pb_int64(b, 2, ln->line);
			pb_end(b, lm);
		}
		pb_end(b, m);
	}
}

static void functions(const struct pprof_profile *p, struct pb_buf *b)
{
	size_t i;

	for (i = 0; i < p->nfunctions; i++) {
		const struct pprof_function *f = &p->functions[i];
		size_t m = pb_begin(b, 5);

		pb_uint64(b, 1, i + 1);
		pb_int64(b, 2, f->name);
		pb_int64(b, 3, f->name); /* system_name: names are stored demangled only */
		pb_int64(b, 4, f->filename);
		pb_end(b, m);
	}
}

void pprof_encode(const struct pprof_profile *p, struct pb_buf *out)
{
	uint32_t i;
	int v;

	for (v = 0; v < p->nvalues; v++)
		value_type(out, 1, p->sample_type[v]);
	samples(p, out);
	mappings(p, out);
	locations(p, out);
	functions(p, out);
	for (i = 0; i < p->strings.n; i++)
		pb_bytes(out, 6, p->strings.names[i], strlen(p->strings.names[i]));
	pb_int64(out, 9, p->time_nanos);
	pb_int64(out, 10, p->duration_nanos);
	if (p->period_type[0] || p->period_type[1])
		value_type(out, 11, p->period_type);
	pb_int64(out, 12, p->period);
	pb_packed_int64(out, 13, p->comments, p->ncomments);
	pb_int64(out, 14, p->default_sample_type);
}
