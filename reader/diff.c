/* SPDX-License-Identifier: MIT */
/* heapguard-report diff OLD NEW: which sites grew.  Sites match by kind and
 * symbolized stack: function, source base name (build directories differ)
 * and line, or module base name and offset; two sites of one function stay
 * two, and a lone pair differing in lines only is one site an edit moved.
 * Reports of other programs, levels or versions get one warning. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

struct hg_diff_entry {
	char *key;   /* kind and frames, lines included */
	char *loose; /* the same without the lines */
	const struct hg_leak_site *site;
	bool is_new; /* from NEW, else from OLD */
};

struct hg_diff_growth {
	const struct hg_leak_site *site; /* NEW's, for the stack shown */
	struct hg_leak_amount old, new;
	bool in_old;
};

static const char *hg_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The matching key of a site, with the lines or without; malloc'd, or NULL. */
static char *hg_site_key(const struct hg_view *v, const struct hg_leak_site *site, bool lines)
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

		for (j = 0; j < sf->count; j++) {
			const struct hg_sym_entry *e = &sf->entries[j];

			if (!e->function)
				continue;
			fprintf(out, "\n%s\t%s", e->function, e->file ? hg_base_name(e->file) : "");
			if (lines && e->line)
				fprintf(out, ":%u", e->line);
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

/* By loose key, then key: the sites of one function's place are adjacent,
 * each exact site's entries together. */
static int hg_by_key(const void *a, const void *b)
{
	const struct hg_diff_entry *x = a, *y = b;
	int c = strcmp(x->loose, y->loose);

	return c ? c : strcmp(x->key, y->key);
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
		e[*n].key = hg_site_key(v, v->sites[i], true);
		e[*n].loose = hg_site_key(v, v->sites[i], false);
		e[*n].site = v->sites[i];
		e[*n].is_new = is_new;
		(*n)++;
		if (!e[*n - 1].key || !e[*n - 1].loose)
			return -1;
	}
	return 0;
}

/* The sites with key e[i].key, summed per report, from i; the next i. */
static size_t hg_sum_site(const struct hg_diff_entry *e, size_t n, size_t i,
			  struct hg_diff_growth *g)
{
	size_t j;

	*g = (struct hg_diff_growth){ NULL, { 0, 0 }, { 0, 0 }, false };
	for (j = i; j < n && strcmp(e[j].key, e[i].key) == 0; j++) {
		struct hg_leak_amount *a = e[j].is_new ? &g->new : &g->old;

		/* Each side's sum is at most that report's totals: no overflow. */
		a->bytes += e[j].site->bytes;
		a->blocks += e[j].site->blocks;
		if (e[j].is_new && !g->site)
			g->site = e[j].site;
		g->in_old |= !e[j].is_new;
	}
	return j;
}

/* Each group of one loose key holds one or more sites (equal keys); of
 * those only in OLD and only in NEW, a single pair is one site moved by an
 * edit.  Keeps the sites whose NEW bytes exceed OLD's. */
static size_t hg_find_growth(const struct hg_diff_entry *e, size_t n, struct hg_diff_growth *out)
{
	size_t i = 0, end, grew = 0;

	while (i < n) {
		size_t first = grew, only_old = 0, only_new = 0, k;
		struct hg_leak_amount moved_old = { 0, 0 };

		for (end = i; end < n && strcmp(e[end].loose, e[i].loose) == 0; end++)
			;
		while (i < end) {
			struct hg_diff_growth g;

			i = hg_sum_site(e, end, i, &g);
			if (!g.site) {
				only_old++;
				moved_old = g.old;
				continue;
			}
			only_new += !g.in_old;
			out[grew++] = g;
		}
		if (only_old == 1 && only_new == 1)
			for (k = first; k < grew; k++)
				if (!out[k].in_old)
					out[k].old = moved_old;
		for (k = first; k < grew;) {
			if (out[k].new.bytes > out[k].old.bytes)
				k++;
			else
				out[k] = out[--grew];
		}
	}
	return grew;
}

/* One line on stderr when the reports are not of one program (by base
 * name: build directories differ), one level and one heapguard version:
 * their sites may differ for that alone. */
static void hg_diff_warn(const struct hg_leaks *old, const struct hg_leaks *new)
{
	const char *what[3][3];
	unsigned n = 0, i;

	if (strcmp(hg_base_name(old->program), hg_base_name(new->program)) != 0)
		what[n][0] = "program", what[n][1] = old->program, what[n++][2] = new->program;
	if (old->fast != new->fast)
		what[n][0] = "level", what[n][1] = old->fast ? "fast" : "full",
		what[n++][2] = new->fast ? "fast" : "full";
	if (strcmp(old->version, new->version) != 0)
		what[n][0] = "heapguard version", what[n][1] = old->version,
		what[n++][2] = new->version;
	if (n == 0)
		return;
	fputs("heapguard-report: warning: the reports differ in ", stderr);
	for (i = 0; i < n; i++) {
		fprintf(stderr, "%s%s (", i == 0 ? "" : i + 1 == n ? " and " : ", ", what[i][0]);
		hg_put_text(stderr, what[i][1]);
		fputs(" -> ", stderr);
		hg_put_text(stderr, what[i][2]);
		putc(')', stderr);
	}
	fputs(": sites may differ for that alone\n", stderr);
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

	hg_diff_warn(old->r, new->r);
	if (!e || !g || hg_add_entries(e, &n, old, false) < 0 ||
	    hg_add_entries(e, &n, new, true) < 0)
		goto out;
	qsort(e, n, sizeof(*e), hg_by_key);
	grew = hg_find_growth(e, n, g);
	qsort(g, grew, sizeof(*g), hg_by_growth);
	if (json) {
		fprintf(out, "{\"format\":%d,\"old\":", HG_LEAKS_FORMAT_VERSION);
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
	for (i = 0; i < n; i++) {
		free(e[i].key);
		free(e[i].loose);
	}
	free(e);
	free(g);
	return rc;
}
