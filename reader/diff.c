/* SPDX-License-Identifier: MIT */
/* heapguard-report diff OLD NEW: which sites grew.  Two runs' sites are the
 * same site when their kind and symbolized stacks agree on function names and
 * source file names (base names: build directories differ), module base name
 * and offset standing in where nothing is known; line numbers are left out
 * so that an edit elsewhere in a file does not hide a growing leak. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

struct hg_diff_entry {
	char *key;
	const struct hg_leak_site *site;
	bool is_new; /* from NEW, else from OLD */
};

struct hg_diff_growth {
	const struct hg_leak_site *site; /* NEW's, for the stack shown */
	struct hg_leak_amount old, new;
};

static const char *hg_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The matching key of a site; malloc'd, or NULL. */
static char *hg_site_key(const struct hg_view *v, const struct hg_leak_site *site)
{
	const struct hg_leak_frame *frames;
	unsigned i, j, count;
	char *key = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&key, &size);

	if (!out)
		return NULL;
	frames = hg_leaks_stack_frames(v->r, site, &count);
	fputs(hg_leak_kind_name(site->kind), out);
	for (i = 0; i < count; i++) {
		const struct hg_sym_frame *sf =
			hg_sym_frame(v->sym, (size_t)(frames - v->r->frames) + i);
		bool named = false;

		for (j = 0; j < sf->count; j++)
			if (sf->entries[j].function) {
				fprintf(out, "\n%s\t%s", sf->entries[j].function,
					sf->entries[j].file ? hg_base_name(sf->entries[j].file)
							    : "");
				named = true;
			}
		if (named)
			continue;
		if (frames[i].module == HG_NO_MODULE)
			fprintf(out, "\n?+0x%" PRIx64, frames[i].offset);
		else
			fprintf(out, "\n%s+0x%" PRIx64,
				hg_base_name(v->r->modules[frames[i].module].path),
				frames[i].offset);
	}
	if (fclose(out) != 0) {
		free(key);
		return NULL;
	}
	return key;
}

static int hg_by_key(const void *a, const void *b)
{
	const struct hg_diff_entry *x = a, *y = b;

	return strcmp(x->key, y->key);
}

static int hg_by_growth(const void *a, const void *b)
{
	const struct hg_diff_growth *x = a, *y = b;
	uint64_t gx = x->new.bytes - x->old.bytes, gy = y->new.bytes - y->old.bytes;

	if (gx != gy)
		return gx > gy ? -1 : 1;
	return strcmp(hg_leak_kind_name(x->site->kind), hg_leak_kind_name(y->site->kind));
}

static int hg_add_entries(struct hg_diff_entry *e, size_t *n, const struct hg_view *v, bool is_new)
{
	size_t i;

	for (i = 0; i < v->nsites; i++) {
		e[*n].key = hg_site_key(v, v->sites[i]);
		if (!e[*n].key)
			return -1;
		e[*n].site = v->sites[i];
		e[*n].is_new = is_new;
		(*n)++;
	}
	return 0;
}

/* Groups equal keys; keeps the groups whose NEW bytes exceed OLD's. */
static size_t hg_find_growth(const struct hg_diff_entry *e, size_t n, struct hg_diff_growth *out)
{
	size_t i = 0, j, grew = 0;

	while (i < n) {
		struct hg_diff_growth g = { NULL, { 0, 0 }, { 0, 0 } };

		for (j = i; j < n && strcmp(e[j].key, e[i].key) == 0; j++) {
			struct hg_leak_amount *a = e[j].is_new ? &g.new : &g.old;

			/* Each side's sum is at most that report's totals: no overflow. */
			a->bytes += e[j].site->bytes;
			a->blocks += e[j].site->blocks;
			if (e[j].is_new && !g.site)
				g.site = e[j].site;
		}
		if (g.site && g.new.bytes > g.old.bytes)
			out[grew++] = g;
		i = j;
	}
	return grew;
}

static void hg_put_diff_text(FILE *out, const struct hg_view *new, const struct hg_diff_growth *g)
{
	fprintf(out,
		"\n%s: +%" PRIu64 " %s (%" PRIu64 " %s in %" PRIu64 " %s -> %" PRIu64
		" %s in %" PRIu64 " %s)\n",
		hg_leak_kind_name(g->site->kind), g->new.bytes - g->old.bytes,
		hg_plural(g->new.bytes - g->old.bytes, "byte", "bytes"), g->old.bytes,
		hg_plural(g->old.bytes, "byte", "bytes"), g->old.blocks,
		hg_plural(g->old.blocks, "block", "blocks"), g->new.bytes,
		hg_plural(g->new.bytes, "byte", "bytes"), g->new.blocks,
		hg_plural(g->new.blocks, "block", "blocks"));
	hg_put_text_frames(out, new, g->site);
}

static void hg_put_diff_json(FILE *out, const struct hg_view *new, const struct hg_diff_growth *g,
			     bool first)
{
	fprintf(out,
		"%s{\"kind\":\"%s\",\"old\":{\"bytes\":%" PRIu64 ",\"blocks\":%" PRIu64
		"},\"new\":{\"bytes\":%" PRIu64 ",\"blocks\":%" PRIu64 "},\"frames\":",
		first ? "" : ",", hg_leak_kind_name(g->site->kind), g->old.bytes, g->old.blocks,
		g->new.bytes, g->new.blocks);
	hg_put_json_frames(out, new, g->site);
	putc('}', out);
}

long hg_print_diff(FILE *out, const struct hg_view *old, const struct hg_view *new, bool json)
{
	size_t n = 0, grew = 0, i;
	struct hg_diff_entry *e = calloc(old->nsites + new->nsites + 1, sizeof(*e));
	struct hg_diff_growth *g = calloc(new->nsites + 1, sizeof(*g));
	uint64_t total = 0;
	long rc = -1;

	if (!e || !g || hg_add_entries(e, &n, old, false) < 0 ||
	    hg_add_entries(e, &n, new, true) < 0)
		goto out;
	qsort(e, n, sizeof(*e), hg_by_key);
	grew = hg_find_growth(e, n, g);
	qsort(g, grew, sizeof(*g), hg_by_growth);
	if (json) {
		fprintf(out, "{\"format\":%d,\"old\":", HG_LEAKS_FORMAT);
		hg_put_json_string(out, old->r->path);
		fputs(",\"new\":", out);
		hg_put_json_string(out, new->r->path);
		fputs(",\"grew\":[", out);
	} else {
		fputs("heapguard leak diff: ", out);
		hg_put_text(out, old->r->path);
		fputs(" -> ", out);
		hg_put_text(out, new->r->path);
		putc('\n', out);
	}
	for (i = 0; i < grew; i++) {
		if (__builtin_add_overflow(total, g[i].new.bytes - g[i].old.bytes, &total))
			total = UINT64_MAX;
		if (json)
			hg_put_diff_json(out, new, &g[i], i == 0);
		else
			hg_put_diff_text(out, new, &g[i]);
	}
	if (json)
		fputs("]}\n", out);
	else if (grew)
		fprintf(out, "\n%zu %s grew by %" PRIu64 " %s in all\n", grew,
			hg_plural(grew, "site", "sites"), total, hg_plural(total, "byte", "bytes"));
	else
		fputs("\nno site grew\n", out);
	rc = (long)grew;
out:
	for (i = 0; i < n; i++)
		free(e[i].key);
	free(e);
	free(g);
	return rc;
}
