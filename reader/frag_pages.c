/* SPDX-License-Identifier: MIT */
/* The page map drawn in SVG (for --svg and --html): each segment's page
 * units (heapguard-report(5), pages) in rows of HG_PAGES_COLS squares, one
 * path per class and site, so that a hover anywhere on its squares names
 * what they are and, for pages holding live bytes, the allocation site
 * that holds the most of them.  Wholly free pages are those malloc_trim
 * could give back; pinned ones hold a few live bytes amid free ones. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag_report.h"
#include "output.h"

#define HG_PAGES_COLS  256 /* units a row */
#define HG_PAGES_LABEL 20  /* a segment's label line */
#define HG_PAGES_GAP   14  /* after a segment's rows */

struct hg_page_key {
	char c;
	uint32_t stack;
	size_t units;
};

static const char *hg_page_colour(char c)
{
	switch (c) {
	case HG_FRAG_PAGE_USED:
		return "#2f5d9e";
	case HG_FRAG_PAGE_PINNED:
		return "#d6336c";
	case HG_FRAG_PAGE_FREE:
		return "#f2b134";
	case HG_FRAG_PAGE_TOP:
		return "#5aa55a";
	default:
		return "#d4d4d4";
	}
}

static const char *hg_page_meaning(char c)
{
	switch (c) {
	case HG_FRAG_PAGE_USED:
		return "in use (live bytes fill at least half)";
	case HG_FRAG_PAGE_PINNED:
		return "pinned (mostly free, held by live bytes)";
	case HG_FRAG_PAGE_FREE:
		return "wholly free (malloc_trim could return it)";
	case HG_FRAG_PAGE_TOP:
		return "top";
	default:
		return "neither (heap headers, outside the segment)";
	}
}

double hg_frag_pages_height(const struct hg_frag *frag, double width)
{
	double sq = width / HG_PAGES_COLS, h = 0;
	size_t i;

	for (i = 0; i < frag->nsegments; i++) {
		const struct hg_frag_segment *seg = &frag->segments[i];

		if (seg->nunits)
			h += HG_PAGES_LABEL +
			     sq * (double)((seg->nunits + HG_PAGES_COLS - 1) / HG_PAGES_COLS) +
			     HG_PAGES_GAP;
	}
	return h;
}

void hg_frag_pages_legend(FILE *out, double x, double y)
{
	static const char classes[] = { HG_FRAG_PAGE_FREE, HG_FRAG_PAGE_PINNED, HG_FRAG_PAGE_USED,
					HG_FRAG_PAGE_TOP, HG_FRAG_PAGE_NEITHER };
	size_t i;

	for (i = 0; i < sizeof(classes); i++) {
		const char *m = hg_page_meaning(classes[i]);

		fprintf(out,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\" "
			"stroke=\"#555\"/>\n<text x=\"%.1f\" y=\"%.1f\" class=\"legend\">",
			x, y - 10, hg_page_colour(classes[i]), x + 16, y);
		hg_put_xml(out, m, strlen(m));
		fputs("</text>\n", out);
		x += 7.0 * (double)strlen(m) + 34;
	}
}

/* The distinct (class, site) pairs of a segment, with their unit counts. */
static struct hg_page_key *hg_page_keys(const struct hg_frag *frag,
					const struct hg_frag_segment *seg, size_t *nkeys)
{
	struct hg_page_key *keys = NULL, *grown;
	size_t n = 0, cap = 0, u, k;

	for (u = 0; u < seg->nunits; u++) {
		char c = frag->page_class[seg->units + u];
		uint32_t stack = frag->page_stack[seg->units + u];

		for (k = 0; k < n && (keys[k].c != c || keys[k].stack != stack); k++)
			;
		if (k == n) {
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				grown = realloc(keys, cap * sizeof(*keys));
				if (!grown) {
					free(keys);
					return NULL;
				}
				keys = grown;
			}
			keys[n++] = (struct hg_page_key){ c, stack, 0 };
		}
		keys[k].units++;
	}
	*nkeys = n;
	return keys;
}

/* What a hover over the squares of one key says. */
static void hg_page_title(FILE *out, const struct hg_frag *frag, const struct hg_symbolizer *sym,
			  const struct hg_page_key *key)
{
	char line[1536], site[1024], a[32], b[32];

	snprintf(line, sizeof(line), "%s: %s %s (%s)", hg_page_meaning(key->c),
		 hg_frag_count(key->units, a, sizeof(a)), key->units == 1 ? "page" : "pages",
		 hg_frag_human(key->units * frag->page_unit, b, sizeof(b)));
	fputs("<title>", out);
	hg_put_xml(out, line, strlen(line));
	if (key->c == HG_FRAG_PAGE_USED || key->c == HG_FRAG_PAGE_PINNED) {
		if (key->stack != HG_NO_STACK) {
			hg_frag_site_label(frag, sym, key->stack, site, sizeof(site));
			snprintf(line, sizeof(line), "held by live chunks from %s", site);
		} else {
			snprintf(line, sizeof(line),
				 "held by live chunks of a site the report does not name");
		}
		fputs("&#10;", out);
		hg_put_xml(out, line, strlen(line));
	}
	fputs("</title>", out);
}

/* The squares of one key: a rectangle per run of its units in a row. */
static void hg_page_path(FILE *out, const struct hg_frag *frag, const struct hg_frag_segment *seg,
			 const struct hg_page_key *key, double x, double y, double sq)
{
	size_t u = 0, end, col;

	fputs(" d=\"", out);
	while (u < seg->nunits) {
		if (frag->page_class[seg->units + u] != key->c ||
		    frag->page_stack[seg->units + u] != key->stack) {
			u++;
			continue;
		}
		col = u % HG_PAGES_COLS;
		for (end = u + 1; end < seg->nunits && end % HG_PAGES_COLS != 0 &&
				  frag->page_class[seg->units + end] == key->c &&
				  frag->page_stack[seg->units + end] == key->stack;
		     end++)
			;
		fprintf(out, "M%.2f %.2fh%.2fv%.2fh%.2fz", x + sq * (double)col,
			y + sq * (double)(u / HG_PAGES_COLS), sq * (double)(end - u), sq,
			-sq * (double)(end - u));
		u = end;
	}
	putc('"', out);
}

static double hg_pages_segment(FILE *out, const struct hg_frag *frag,
			       const struct hg_symbolizer *sym, const struct hg_frag_segment *seg,
			       double x, double y, double width)
{
	double sq = width / HG_PAGES_COLS;
	size_t nkeys = 0, k, rows = (seg->nunits + HG_PAGES_COLS - 1) / HG_PAGES_COLS;
	size_t counts[256] = { 0 };
	struct hg_page_key *keys = hg_page_keys(frag, seg, &nkeys);
	char line[512], a[32], b[32], c[32], d[32], e[32], f[32];

	for (k = 0; keys && k < nkeys; k++)
		counts[(unsigned char)keys[k].c] += keys[k].units;
	snprintf(line, sizeof(line),
		 "arena %lu segment %lu [0x%" PRIx64 ", 0x%" PRIx64 "): %s units of %s \xc2\xb7 "
		 "%s wholly free (%s) \xc2\xb7 %s pinned \xc2\xb7 %s in use",
		 (unsigned long)seg->arena, (unsigned long)seg->index, seg->lo, seg->hi,
		 hg_frag_count(seg->nunits, a, sizeof(a)),
		 hg_frag_human(frag->page_unit, b, sizeof(b)),
		 hg_frag_count(counts[HG_FRAG_PAGE_FREE], c, sizeof(c)),
		 hg_frag_human(counts[HG_FRAG_PAGE_FREE] * frag->page_unit, d, sizeof(d)),
		 hg_frag_count(counts[HG_FRAG_PAGE_PINNED], e, sizeof(e)),
		 hg_frag_count(counts[HG_FRAG_PAGE_USED], f, sizeof(f)));
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"arena\">", x, y + 14);
	hg_put_xml(out, line, strlen(line));
	fputs("</text>\n", out);
	y += HG_PAGES_LABEL;
	fprintf(out,
		"<g class=\"pages\" shape-rendering=\"crispEdges\" data-arena=\"%lu\" "
		"data-segment=\"%lu\" data-units=\"%lu\">\n",
		(unsigned long)seg->arena, (unsigned long)seg->index, (unsigned long)seg->nunits);
	for (k = 0; keys && k < nkeys; k++) {
		fprintf(out, "<path class=\"page-%c\" fill=\"%s\"",
			keys[k].c == HG_FRAG_PAGE_NEITHER ? 'N' : keys[k].c,
			hg_page_colour(keys[k].c));
		hg_page_path(out, frag, seg, &keys[k], x, y, sq);
		putc('>', out);
		hg_page_title(out, frag, sym, &keys[k]);
		fputs("</path>\n", out);
	}
	fputs("</g>\n", out);
	free(keys);
	return HG_PAGES_LABEL + sq * (double)rows + HG_PAGES_GAP;
}

double hg_frag_print_pages(FILE *out, const struct hg_frag *frag, const struct hg_symbolizer *sym,
			   double x, double y, double width)
{
	double top = y;
	size_t i;

	for (i = 0; i < frag->nsegments; i++)
		if (frag->segments[i].nunits)
			y += hg_pages_segment(out, frag, sym, &frag->segments[i], x, y, width);
	return y - top;
}
