/* SPDX-License-Identifier: MIT */
/* diff OLD NEW of two runs: the lost and indirect sites of NEW that OLD
 * does not have, matched by symbolized stack without lines (an edit that
 * moves a leak keeps it the same leak, as its SARIF fingerprint does), and
 * the heap errors of NEW whose kind and function OLD does not have.  Runs
 * of other programs or levels get one warning: their sites may differ for
 * that alone. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "run.h"

static bool hg_has_site(const struct hg_run *run, const struct hg_run_site *s)
{
	size_t i;

	for (i = 0; i < run->nsites; i++)
		if (run->sites[i].kind == s->kind && run->sites[i].shown &&
		    strcmp(run->sites[i].fingerprint, s->fingerprint) == 0)
			return true;
	return false;
}

static bool hg_has_error(const struct hg_run *run, const char *where)
{
	size_t i;

	for (i = 0; i < run->nerrors; i++)
		if (run->errors[i].where && strcmp(run->errors[i].where, where) == 0)
			return true;
	return false;
}

static bool hg_has_program(const struct hg_run *run, const char *name)
{
	size_t i;

	for (i = 0; i < run->nprocesses; i++)
		if (strcmp(hg_run_base_name(run->processes[i].program), name) == 0)
			return true;
	return false;
}

/* "fast", "full" or "fast and full": the levels of a run's processes. */
static const char *hg_levels(const struct hg_run *run)
{
	bool fast = false, full = false;
	size_t i;

	for (i = 0; i < run->nprocesses; i++)
		*(run->processes[i].fast ? &fast : &full) = true;
	return fast && full ? "fast and full" : fast ? "fast" : "full";
}

static void hg_warn_programs(const struct hg_run *a, const struct hg_run *b, bool *warned)
{
	size_t i;

	for (i = 0; i < b->nprocesses; i++) {
		const char *name = hg_run_base_name(b->processes[i].program);

		if (hg_has_program(a, name) || *warned)
			continue;
		fputs("heapguard-report: warning: the runs differ in programs (", stderr);
		hg_put_text(stderr, name);
		fputs(" is in one only): sites may differ for that alone\n", stderr);
		*warned = true;
	}
}

static void hg_run_diff_warn(const struct hg_run *old, const struct hg_run *new)
{
	bool warned = false;

	hg_warn_programs(old, new, &warned);
	hg_warn_programs(new, old, &warned);
	if (strcmp(hg_levels(old), hg_levels(new)) != 0)
		fprintf(stderr,
			"heapguard-report: warning: the runs differ in level (%s -> %s): sites may "
			"differ for that alone\n",
			hg_levels(old), hg_levels(new));
}

long hg_run_print_diff(FILE *out, const struct hg_run *old, const struct hg_run *new, bool json)
{
	long count = 0;
	size_t i;
	bool first = true;

	hg_run_diff_warn(old, new);
	if (json) {
		fputs("{\"format\":", out);
		fprintf(out, "%d,\"report\":\"run-diff\",\"new_errors\":[",
			HG_LEAKS_FORMAT_VERSION);
	} else {
		fputs("heapguard run diff: ", out);
		hg_put_text(out, old->operands[0]);
		fputs(" -> ", out);
		hg_put_text(out, new->operands[0]);
		putc('\n', out);
	}
	for (i = 0; i < new->nerrors; i++) {
		const char *where = new->errors[i].where;
		size_t j;

		if (!where || hg_has_error(old, where))
			continue;
		for (j = 0; j < i && (!new->errors[j].where || strcmp(new->errors[j].where, where));
		     j++)
			;
		if (j < i)
			continue;
		count++;
		if (json) {
			if (!first)
				putc(',', out);
			hg_put_json_string(out, where);
		} else {
			fputs("\nnew heap error: ", out);
			hg_put_text(out, where);
			putc('\n', out);
			hg_put_text_stack(out, &new->table, new->sym, new->errors[i].stack);
		}
		first = false;
	}
	if (json)
		fputs("],\"new_sites\":[", out);
	first = true;
	for (i = 0; i < new->nsites; i++) {
		const struct hg_run_site *s = &new->sites[i];

		if (!s->shown || s->suppressed_by || s->kind == HG_REACHABLE || hg_has_site(old, s))
			continue;
		count++;
		if (json) {
			fprintf(out,
				"%s{\"kind\":\"%s\",\"bytes\":%" PRIu64 ",\"blocks\":%" PRIu64
				",\"processes\":%zu,\"fingerprint\":\"%s\",\"frames\":",
				first ? "" : ",", hg_leak_kind_name(s->kind), s->bytes, s->blocks,
				s->nprocesses, s->fingerprint);
			hg_put_json_stack(out, &new->table, new->sym, s->stack);
			putc('}', out);
		} else {
			fputs("\nnew ", out);
			hg_run_put_site_title(out, new, s);
			putc('\n', out);
			hg_put_text_stack(out, &new->table, new->sym, s->stack);
		}
		first = false;
	}
	if (json)
		fputs("]}\n", out);
	else if (count)
		fprintf(out, "\n%ld new %s\n", count,
			hg_plural((uint64_t)count, "finding", "findings"));
	else
		fputs("\nnothing new\n", out);
	return count;
}
