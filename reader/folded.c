/* SPDX-License-Identifier: MIT */
/* --folded: one line per site for flame-graph tools (flamegraph.pl,
 * inferno, speedscope): frames outermost first joined by ';', a space, the
 * bytes.  Frame names lose ';' and control bytes, which would break lines. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "output.h"

static void hg_put_folded_name(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		putc(c == ';' ? ':' : c < 0x20 || c == 0x7f ? '?' : c, out);
	}
}

static void hg_put_folded_location(FILE *out, const struct hg_leaks *r,
				   const struct hg_leak_frame *f)
{
	const char *path, *slash;

	if (f->module == HG_NO_MODULE) {
		fprintf(out, "?+0x%" PRIx64, f->offset);
		return;
	}
	path = r->modules[f->module].path;
	slash = strrchr(path, '/');
	hg_put_folded_name(out, slash ? slash + 1 : *path ? path : "?");
	fprintf(out, "+0x%" PRIx64, f->offset);
}

static void hg_put_folded_site(FILE *out, const struct hg_view *v, const struct hg_leak_site *s)
{
	const struct hg_leak_frame *frames;
	unsigned i, j, count;
	bool first = true;

	frames = hg_leaks_stack_frames(v->r, s, &count);
	if (count == 0)
		fputs("[no stack]", out);
	for (i = count; i-- > 0;) {
		const struct hg_sym_frame *sf =
			hg_sym_frame(v->sym, (size_t)(frames - v->r->frames) + i);

		if (sf->count == 0) {
			if (!first)
				putc(';', out);
			hg_put_folded_location(out, v->r, &frames[i]);
			first = false;
		}
		for (j = sf->count; j-- > 0;) {
			if (!first)
				putc(';', out);
			if (sf->entries[j].function)
				hg_put_folded_name(out, sf->entries[j].function);
			else
				hg_put_folded_location(out, v->r, &frames[i]);
			first = false;
		}
	}
	fprintf(out, " %" PRIu64 "\n", s->bytes);
}

void hg_print_folded(FILE *out, const struct hg_view *v)
{
	size_t i;

	for (i = 0; i < v->nsites; i++)
		hg_put_folded_site(out, v, v->sites[i]);
}
