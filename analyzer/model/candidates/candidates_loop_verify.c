/* candidates_loop_verify.c: verification of a loop-iteration candidate. `record --verify-loop
 * F:A` numbers the iterations of the loop in F (one starts at each call of A made from F) and
 * tags every followed allocation and free with the iteration running on its thread; an object
 * freed in the iteration that allocated it is inside, one freed in a later iteration escapes
 * (classified in candidates_query.c). Here: the candidate's count of both, verified at
 * CAND_VERIFIED_SHARE; or, without that probe, the F:A that would verify it, or why none can
 * (a stripped F or A has no symbol for the agent to probe). docs/design.md, "Verifying a loop
 * iteration". */
#define _POSIX_C_SOURCE 200809L
#include "candidates_data.h"

#include <stdio.h>
#include <string.h>

#include "an_util.h"

const struct cand_loop_probe *cand_loop_probe_at(const struct cand_data *d, uint32_t loc)
{
	if (loc == CAND_NO_ID)
		return NULL;
	for (size_t i = 0; i < d->nloop_probes; i++) {
		const struct cand_loop_probe *p = &d->loop_probes[i];

		if (!strcmp(p->function, d->loc[loc].function) &&
		    !strcmp(p->module, d->loc[loc].module))
			return p;
	}
	return NULL;
}

/* A name the agent cannot probe: a frame without a symbol (`module+0x…`) or none at all. */
static int unprobeable(const char *function)
{
	return !function || !function[0] || strstr(function, "+0x") ||
	       !strcmp(function, AN_UNKNOWN);
}

/* `arenaprof record -p PID --verify-loop F:A`, F:A quoted for a shell when it needs it. */
static char *verify_command(const struct cand_data *d, const char *fn, const char *call)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789_:.";
	int quote = fn[strspn(fn, plain)] || call[strspn(call, plain)];
	size_t len = strlen(fn) + strlen(call) + 96;
	char *s = an_malloc(len), pid[32];

	if (d->has_pid)
		snprintf(pid, sizeof(pid), "%lld", d->pid);
	else
		snprintf(pid, sizeof(pid), "PID");
	snprintf(s, len, "arenaprof record -p %s --verify-loop %s%s:%s%s", pid, quote ? "'" : "",
		 fn, call, quote ? "'" : "");
	return s;
}

void cand_loop_verify(const struct cand_data *d, const uint32_t *idx, size_t n, uint32_t scope,
		      uint32_t loop_loc, struct an_candidate *c)
{
	const struct cand_loop_probe *p = cand_loop_probe_at(d, loop_loc);
	size_t i;

	if (p) {
		c->loop_probed = 1;
		c->loop_probe_call = an_strdup(p->call);
		c->loop_iterations = p->iterations;
		for (i = 0; i < n; i++) {
			const struct cand_obj *o = &d->objs[idx[i]];

			/* scoped but not confirmed: in no iteration at all (before the first) */
			if (o->scope != scope || !o->loop_probed ||
			    (o->cls != OBJ_SCOPED && o->cls != OBJ_ESCAPING) ||
			    (o->cls == OBJ_SCOPED && !o->confirmed))
				continue;
			c->loop_judged++;
			c->loop_inside += o->confirmed;
		}
		c->verified_share =
			c->loop_judged ? (double)c->loop_inside / (double)c->loop_judged : 0.0;
		c->verified = c->loop_judged > 0 && c->verified_share >= CAND_VERIFIED_SHARE;
		return;
	}
	if (!c->has_loop_alloc) {
		c->loop_verify_limit = "the loop's call towards the allocations is not known";
	} else if (unprobeable(c->loop_function) || unprobeable(c->loop_alloc.function)) {
		c->loop_verify_limit =
			"the loop's function or its call has no symbol (stripped: `module+0x…`), "
			"and record --verify-loop probes functions by symbol";
	} else {
		c->loop_verify_command =
			verify_command(d, c->loop_function, c->loop_alloc.function);
	}
}
