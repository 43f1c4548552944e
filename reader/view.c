/* SPDX-License-Identifier: MIT */
/* Which sites are shown and in what order: the kinds asked for, symbolized
 * (suppressions match names), minus the ones --suppress suppressed, sorted
 * lost first, then indirect, then reachable, each by bytes descending, then
 * stack id.  The heap errors' stacks are symbolized in the same pass. */
#include <stdlib.h>
#include <string.h>

#include "output.h"

static const struct hg_leaks *hg_sort_report;

static uint64_t hg_site_stack_id(const struct hg_leaks *r, const struct hg_leak_site *s)
{
	return s->stack == HG_NO_STACK ? 0 : r->stacks[s->stack].id;
}

static int hg_site_order(const void *a, const void *b)
{
	const struct hg_leak_site *x = *(const struct hg_leak_site *const *)a;
	const struct hg_leak_site *y = *(const struct hg_leak_site *const *)b;
	uint64_t ix, iy;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	ix = hg_site_stack_id(hg_sort_report, x);
	iy = hg_site_stack_id(hg_sort_report, y);
	return (ix > iy) - (ix < iy);
}

int hg_view_build(struct hg_view *v, const struct hg_leaks *r, unsigned show,
		  struct hg_suppressions *supp, struct hg_symbolizer *sym)
{
	size_t i, kept = 0;

	memset(v, 0, sizeof(*v));
	v->r = r;
	v->sym = sym;
	v->supp = supp;
	v->show = show;
	v->sites = malloc((r->nsites ? r->nsites : 1) * sizeof(*v->sites));
	if (!v->sites)
		return -1;
	for (i = 0; i < r->nsites; i++)
		if (show & HG_SHOW(r->sites[i].kind))
			v->sites[v->nsites++] = &r->sites[i];
	if (sym) {
		hg_sym_resolve(sym, v->sites, v->nsites);
		for (i = 0; i < r->nerrors; i++) {
			uint32_t stacks[3] = { r->errors[i].stack, r->errors[i].alloc_stack,
					       r->errors[i].free_stack };

			hg_sym_resolve_stacks(sym, stacks, 3);
		}
	}
	for (i = 0; i < v->nsites; i++) {
		const struct hg_leak_site *s = v->sites[i];

		if (supp && hg_supp_match(supp, r, sym, s))
			continue;
		/* A site the process suppressed is shown, marked, and not counted. */
		if (!s->suppressed_by) {
			v->shown[s->kind].bytes += s->bytes;
			v->shown[s->kind].blocks += s->blocks;
		}
		v->sites[kept++] = s;
	}
	v->nsites = kept;
	hg_sort_report = r;
	qsort(v->sites, v->nsites, sizeof(*v->sites), hg_site_order);
	return 0;
}

void hg_view_free(struct hg_view *v)
{
	free(v->sites);
	memset(v, 0, sizeof(*v));
}
