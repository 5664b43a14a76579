/* candidates_words.c: what a measured candidate says: recommended or not, its risk, the reason
 * (its numbers), and the recommendation ("wrap `F()` in an arena of K KiB; sites ..."). The
 * thresholds are in candidates.h; the rules in analyzer/README.md, "Arena candidates". */
#define _POSIX_C_SOURCE 200809L
#include "candidates_data.h"

#include <stdio.h>
#include <stdlib.h>

#include "an_util.h"
#include "format.h"

/* The text written to f (open_text); fclose sets *buf. */
static char *closed_text(FILE *f, char **buf)
{
	if (fclose(f) != 0 || !*buf) {
		an_err("out of memory");
		exit(1);
	}
	return *buf;
}

static FILE *open_text(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	if (!f) {
		an_err("out of memory");
		exit(1);
	}
	return f;
}

static void put_loc(FILE *f, const struct an_site *s)
{
	fprintf(f, "`%s` (", s->function);
	if (s->file) {
		fputs(s->file, f);
		if (s->has_line)
			fprintf(f, ":%lld", s->line);
	} else {
		fputs(s->module, f);
	}
	fputc(')', f);
}

static void put_verify(FILE *f, const struct cand_data *d, const struct an_candidate *c)
{
	if (d->has_pid)
		fprintf(f, "`arenaprof record -p %lld --verify %s`", d->pid, c->scope.function);
	else
		fprintf(f, "`arenaprof record -p PID --verify %s`", c->scope.function);
}

static char *recommendation(const struct cand_data *d, const struct an_candidate *c, int likely)
{
	size_t len, i;
	char *buf = NULL;
	FILE *f = open_text(&buf, &len);

	fprintf(f, "%swrap `%s()` in an arena of %lld KiB; site%s ", likely ? "likely: " : "",
		c->scope.function, c->arena_kib, c->nsites > 1 ? "s" : "");
	for (i = 0; i < c->nsites; i++) {
		if (i)
			fputs(", ", f);
		put_loc(f, c->sites[i]);
	}
	if (likely) {
		fputs("; verify with ", f);
		put_verify(f, d, c);
	}
	return closed_text(f, &buf);
}

static void put_call(FILE *f, const struct an_loc *l)
{
	fprintf(f, "`%s()` (", l->function);
	if (l->file) {
		fputs(l->file, f);
		if (l->has_line)
			fprintf(f, ":%lld", l->line);
	} else {
		fputs(l->module, f);
	}
	fputc(')', f);
}

/* "[likely: ]reset an arena of K KiB once per iteration of the loop in `F()` that calls `A()`
 * (file:line) and `B()` (file:line); sites ...[; verify with `...`]" (likely: the iterations are
 * not verified). */
static char *loop_recommendation(const struct an_candidate *c, int likely)
{
	size_t len, i;
	char *buf = NULL;
	FILE *f = open_text(&buf, &len);

	fprintf(f,
		"%sreset an arena of %lld KiB once per iteration of the loop in `%s()` that "
		"calls ",
		likely ? "likely: " : "", c->arena_kib, c->loop_function);
	if (c->has_loop_alloc)
		put_call(f, &c->loop_alloc);
	if (c->has_loop_free) {
		fputs(" and ", f);
		put_call(f, &c->loop_free);
	}
	fprintf(f, "; site%s ", c->nsites > 1 ? "s" : "");
	for (i = 0; i < c->nsites; i++) {
		if (i)
			fputs(", ", f);
		put_loc(f, c->sites[i]);
	}
	if (likely && c->loop_verify_command) {
		fputs("; verify with ", f);
		fprintf(f, "`%s`", c->loop_verify_command);
	}
	return closed_text(f, &buf);
}

/* Why the scope is a loop iteration, then what is not known. */
static void put_loop_reason(FILE *f, const struct an_candidate *c)
{
	switch (c->loop_why) {
	case CAND_LOOP_ROOT:
		fprintf(f, "%s() is a process or thread root: it lasts the whole run",
			c->scope.function);
		break;
	case CAND_LOOP_NEVER_RETURNED:
		fprintf(f, "no invocation of %s() returned while recording", c->scope.function);
		break;
	case CAND_LOOP_LONG:
		fprintf(f, "%s()'s invocations last over %dx its objects' p99 lifetime",
			c->scope.function, CAND_LOOP_SPAN_RATIO);
		break;
	case CAND_LOOP_ITERATIONS_PROBED:
		fprintf(f, "the iterations of the loop in %s() were probed (--verify-loop)",
			c->loop_function);
		break;
	}
	fprintf(f,
		", so wrapping it would make an arena that only grows; its objects die within one "
		"iteration of the loop in %s() (the iterations are not verified",
		c->loop_function);
	if (c->loop_verify_command) {
		fputs(": run ", f);
		fprintf(f, "`%s`", c->loop_verify_command);
	} else if (c->loop_verify_limit) {
		fprintf(f, ", and cannot be: %s", c->loop_verify_limit);
	}
	fputc(')', f);
}

/* A loop whose iterations were probed: N of M objects freed within their iteration. */
static void put_loop_verified(FILE *f, const struct an_candidate *c)
{
	if (c->loop_judged == 0) { /* no iteration tagged any of them */
		fprintf(f,
			"not verified: no object was allocated in an iteration started by a call "
			"of %s() from %s() (%lld iterations: inlined, or not called while "
			"recording?)",
			c->loop_probe_call, c->loop_function, c->loop_iterations);
		return;
	}
	fprintf(f,
		"%s: %lld of %lld objects freed within their iteration (%.1f%%%s) of the loop in "
		"%s(); %lld iterations, each started by a call of %s() from %s()",
		c->verified ? "verified" : "not verified", c->loop_inside, c->loop_judged,
		100.0 * c->verified_share, c->verified ? "" : ", 95% needed", c->loop_function,
		c->loop_iterations, c->loop_probe_call, c->loop_function);
}

const char *cand_risk_name(enum cand_risk r)
{
	static const char *const names[] = { "low", "medium", "high", "unknown" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

static double pct(double share)
{
	return 100.0 * share;
}

/* The reason of a risk verdict, with its share. */
static void put_risk(FILE *f, enum cand_verdict v, const struct an_candidate *c)
{
	switch (v) {
	case CAND_LONG_LIVED:
		fprintf(f, "long-lived (%.0f%% still live at the end)", pct(c->long_lived_share));
		break;
	case CAND_ESCAPES:
		fprintf(f,
			"escapes scope (%.0f%% freed outside the scope invocation that allocated "
			"them)",
			pct(c->escape_share));
		break;
	case CAND_CROSS_THREAD:
		fprintf(f, "freed by another thread (%.0f%%)", pct(c->cross_thread_share));
		break;
	case CAND_TOO_FEW:
		fprintf(f, "too few sampled objects (%lld, fewer than %d)", c->objects,
			CAND_MIN_OBJECTS);
		break;
	case CAND_NO_COMMON_SCOPE:
		fprintf(f, "no common scope (no function encloses %.0f%% of its objects)",
			pct(CAND_SITE_SCOPE_SHARE));
		break;
	case CAND_CENSORED: {
		char b[FMT_BUF];

		fprintf(f,
			"lifetime %s %s (censored: the end of %lld of its %lld sampled objects not "
			"seen; a longer recording or a larger --overhead follows them further)",
			c->km_median_censored ? ">" : "~", fmt_ns(b, c->km_median_ns),
			c->censored_objects, c->censored_objects + c->objects);
		break;
	}
	case CAND_DISPATCHED:
		fprintf(f,
			"dispatched (%.0f%% allocated and freed by different functions called from one "
			"instruction of %s(), as an interpreter runs its ops or an event loop its "
			"handlers): they outlive the call that made them, and neither a call nor one "
			"iteration of %s() is known to enclose them; check with `--verify %s`",
			pct(c->dispatched_share), c->scope.function, c->scope.function,
			c->scope.function);
		break;
	case CAND_JOINED:
		break;
	}
}

/* A scope candidate over a risk threshold: the largest risk. */
static enum cand_verdict scope_risk(const struct an_candidate *c)
{
	enum cand_verdict v = CAND_JOINED;
	double worst = 0.0;

	if (c->long_lived_share >= CAND_MAX_RISK_SHARE && c->long_lived_share > worst) {
		worst = c->long_lived_share;
		v = CAND_LONG_LIVED;
	}
	if (c->escape_share >= CAND_MAX_RISK_SHARE && c->escape_share > worst) {
		worst = c->escape_share;
		v = CAND_ESCAPES;
	}
	if (c->cross_thread_share >= CAND_MAX_RISK_SHARE && c->cross_thread_share > worst)
		v = CAND_CROSS_THREAD;
	if (v == CAND_JOINED && !c->verified && c->dispatched_share >= CAND_DISPATCHED_SHARE)
		v = CAND_DISPATCHED;
	return v;
}

void cand_words(const struct cand_data *d, struct an_candidate *c)
{
	enum cand_verdict risk = c->is_scope ? scope_risk(c) : c->verdict;
	size_t len;
	char *buf = NULL;
	FILE *f = open_text(&buf, &len);

	c->recommended = 0;
	if (risk != CAND_JOINED) {
		c->risk = risk == CAND_TOO_FEW || risk == CAND_CENSORED ? CAND_RISK_UNKNOWN :
									  CAND_RISK_HIGH;
		put_risk(f, risk, c);
	} else if (c->scope_kind == CAND_SCOPE_LOOP && c->loop_probed) {
		put_loop_verified(f, c);
		c->recommended = c->verified;
		c->risk = c->verified ? CAND_RISK_LOW : CAND_RISK_MEDIUM;
		if (c->verified)
			c->recommendation = loop_recommendation(c, 0);
	} else if (c->scope_kind == CAND_SCOPE_LOOP) {
		c->risk = CAND_RISK_MEDIUM;
		put_loop_reason(f, c);
		c->recommendation = loop_recommendation(c, 1);
	} else if (c->verified) {
		c->recommended = 1;
		c->risk = CAND_RISK_LOW;
		fprintf(f,
			"verified: %.0f%% of its objects freed in the invocation of %s() that "
			"allocated them",
			pct(c->verified_share), c->scope.function);
		c->recommendation = recommendation(d, c, 0);
	} else if (c->probe_never_returned) {
		c->risk = CAND_RISK_HIGH;
		fprintf(f,
			"not verified: no invocation of %s() returned while recording; it encloses "
			"the whole run, where an arena would only grow",
			c->scope.function);
	} else if (c->probed) {
		c->risk = CAND_RISK_MEDIUM;
		fprintf(f,
			"not verified: only %.0f%% of its objects freed in the invocation of %s() "
			"that allocated them (%.0f%% needed)",
			pct(c->verified_share), c->scope.function, pct(CAND_VERIFIED_SHARE));
	} else {
		c->risk = CAND_RISK_MEDIUM;
		fputs("unverified: run ", f);
		put_verify(f, d, c);
		c->recommendation = recommendation(d, c, 1);
	}
	c->reason = closed_text(f, &buf);
}
