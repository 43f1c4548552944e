/* SPDX-License-Identifier: MIT */
/* --svg: the heap map as one self-contained SVG picture: the verdict and the
 * totals as text, a legend, then the page map (frag_pages.c), or for a
 * report without one one band per arena whose segments sit left to right
 * with widths proportional to their sizes, each drawn as runs of coloured
 * columns (cells merged per pixel column, so the picture stays small for
 * any heap).  Text from the report is XML-escaped and made valid
 * UTF-8, so the file is well-formed whatever the report held. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag_report.h"
#include "output.h"

#define HG_SVG_WIDTH  1400
#define HG_SVG_MARGIN 20
#define HG_SVG_PLOT   (HG_SVG_WIDTH - 2 * HG_SVG_MARGIN)
#define HG_SVG_BAND   48  /* band height */
#define HG_SVG_ARENA  96  /* vertical room per arena: label, band, addresses */
#define HG_SVG_GAP    6.0 /* between segments of a band */
#define HG_SVG_LINE   20  /* text line height */
#define HG_SVG_WRAP   170 /* verdict characters per line */

/* Mixed cells have a hue of their own, light when mostly free: between
 * the colours of free and of used cells they would read as one of them. */
static const unsigned char hg_rgb_mixed_low[3] = { 0xd9, 0xc2, 0xea };
static const unsigned char hg_rgb_mixed_high[3] = { 0x4b, 0x1f, 0x73 };

/* The fill of a cell class; mixed cells shaded by tenths in use. */
static const char *hg_svg_colour(char c, char *buf, size_t size)
{
	int k, tenths;

	switch (c) {
	case 'U':
		return "#2f5d9e";
	case 'F':
		return "#f2b134";
	case 'T':
		return "#5aa55a";
	case '.':
		return "#d4d4d4";
	default:
		tenths = c - '0';
		snprintf(buf, size, "#");
		for (k = 0; k < 3; k++)
			snprintf(buf + 1 + 2 * k, size - 1 - 2 * (size_t)k, "%02x",
				 (hg_rgb_mixed_low[k] * (9 - tenths) +
				  hg_rgb_mixed_high[k] * (tenths - 1)) /
					 8);
		return buf;
	}
}

void hg_put_xml(FILE *out, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + max;
	int n;

	while (s && *s && s < end) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				putc('?', out);
			} else if (*s < 0x80) {
				putc(*s, out);
			} else if ((n = hg_utf8_length(s)) > 0 && s + n <= end) {
				fwrite(s, 1, (size_t)n, out);
				s += n;
				continue;
			} else {
				fputs("&#xfffd;", out);
			}
		}
		s++;
	}
}

static void hg_svg_text(FILE *out, double x, double y, const char *attrs, const char *text)
{
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" %s>", x, y, attrs);
	hg_put_xml(out, text, strlen(text));
	fputs("</text>\n", out);
}

/* The verdict cut at spaces into lines of at most HG_SVG_WRAP bytes; the
 * number of lines (also when out is NULL, to size the picture). */
static int hg_svg_verdict(FILE *out, const char *verdict, double y)
{
	const char *s = verdict;
	int lines = 0;

	while (*s) {
		size_t len = strlen(s), cut = len;

		if (len > HG_SVG_WRAP) {
			for (cut = HG_SVG_WRAP; cut > 0 && s[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = HG_SVG_WRAP;
		}
		if (out) {
			fprintf(out, "<text x=\"%d\" y=\"%.1f\" class=\"verdict\">", HG_SVG_MARGIN,
				y + lines * HG_SVG_LINE);
			hg_put_xml(out, s, cut);
			fputs("</text>\n", out);
		}
		lines++;
		s += cut;
		while (*s == ' ')
			s++;
	}
	return lines;
}

static void hg_svg_totals(FILE *out, const struct hg_frag *frag, double y)
{
	const uint64_t *t = frag->totals;
	char line[512], a[32], b[32], c[32], d[32], e[32];

	snprintf(
		line, sizeof(line),
		"system %s \xc2\xb7 in use %s \xc2\xb7 free %s (%.1f%% of the heap, free but held) "
		"\xc2\xb7 largest free region %s \xc2\xb7 fragmentation %.1f%%",
		hg_frag_human(t[HG_FIG_SYSTEM], a, sizeof(a)),
		hg_frag_human(t[HG_FIG_IN_USE], b, sizeof(b)),
		hg_frag_human(t[HG_FIG_FREE], c, sizeof(c)), 100.0 * hg_frag_held(t),
		hg_frag_human(t[HG_FIG_LARGEST_FREE], d, sizeof(d)),
		100.0 * hg_frag_total_fragmentation(frag));
	hg_svg_text(out, HG_SVG_MARGIN, y, "class=\"totals\"", line);
	snprintf(line, sizeof(line),
		 "resident %s \xc2\xb7 malloc_trim would return %s \xc2\xb7 %s live blocks "
		 "\xc2\xb7 peak %s from the system at %.3f s%s",
		 hg_frag_human(t[HG_FIG_RESIDENT], a, sizeof(a)),
		 hg_frag_human(t[HG_FIG_TRIMMABLE], b, sizeof(b)),
		 hg_frag_count(t[HG_FIG_LIVE_BLOCKS], c, sizeof(c)),
		 hg_frag_human(frag->peak.system, e, sizeof(e)), (double)frag->peak.system_us / 1e6,
		 frag->truncated ? " \xc2\xb7 incomplete: some maps are missing" : "");
	hg_svg_text(out, HG_SVG_MARGIN, y + HG_SVG_LINE, "class=\"totals\"", line);
}

static void hg_svg_legend(FILE *out, double y)
{
	static const struct {
		char cell;
		const char *label;
	} keys[] = { { 'U', "in use" }, { 'F', "free" }, { 'T', "top" }, { '.', "neither" } };
	char colour[8];
	double x = HG_SVG_MARGIN;
	size_t i;
	int d;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		fprintf(out,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\" "
			"stroke=\"#555\"/>\n",
			x, y - 12, hg_svg_colour(keys[i].cell, colour, sizeof(colour)));
		hg_svg_text(out, x + 20, y, "class=\"legend\"", keys[i].label);
		x += 100;
	}
	for (d = 1; d <= 9; d++) {
		fprintf(out,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\"/>\n",
			x + (d - 1) * 14, y - 12,
			hg_svg_colour((char)('0' + d), colour, sizeof(colour)));
	}
	hg_svg_text(out, x + 9 * 14 + 6, y, "class=\"legend\"",
		    "mixed: 10% ... 90% of the cell in use");
}

/* One segment at [x, x + w): its cells merged into at most w columns, each
 * run of one class a rectangle. */
static void hg_svg_segment(FILE *out, const struct hg_frag *frag, const struct hg_frag_segment *seg,
			   double x, double w, double y)
{
	const char *cells = frag->cells + seg->cells;
	size_t cols = (size_t)(w + 0.5), j, run;
	char colour[8], a[32], b[32], title[160];

	if (cols < 1)
		cols = 1;
	if (cols > seg->ncells)
		cols = seg->ncells;
	for (j = 0; j < cols; j = run) {
		char c = hg_frag_merge_cells(cells, j * seg->ncells / cols,
					     (j + 1) * seg->ncells / cols);

		for (run = j + 1;
		     run < cols && hg_frag_merge_cells(cells, run * seg->ncells / cols,
						       (run + 1) * seg->ncells / cols) == c;
		     run++)
			;
		fprintf(out,
			"<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"/>\n",
			x + w * (double)j / (double)cols, y, w * (double)(run - j) / (double)cols,
			HG_SVG_BAND, hg_svg_colour(c, colour, sizeof(colour)));
	}
	snprintf(title, sizeof(title),
		 "arena %lu segment %lu: [0x%" PRIx64 ", 0x%" PRIx64 "), %s in cells of %s",
		 (unsigned long)seg->arena, (unsigned long)seg->index, seg->lo, seg->hi,
		 hg_frag_human(seg->hi - seg->lo, a, sizeof(a)),
		 hg_frag_human(seg->cell, b, sizeof(b)));
	fprintf(out,
		"<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"none\" "
		"stroke=\"#333\" stroke-width=\"1\"><title>",
		x, y, w, HG_SVG_BAND);
	hg_put_xml(out, title, strlen(title));
	fputs("</title></rect>\n", out);
	snprintf(a, sizeof(a), "0x%" PRIx64, seg->lo);
	snprintf(b, sizeof(b), "0x%" PRIx64, seg->hi);
	if (w >= 8.0 * (double)(strlen(a) + strlen(b)))
		hg_svg_text(out, x + w, y + HG_SVG_BAND + 14, "class=\"addr\" text-anchor=\"end\"",
			    b);
	if (w >= 7.0 * (double)strlen(a))
		hg_svg_text(out, x, y + HG_SVG_BAND + 14, "class=\"addr\"", a);
}

static void hg_svg_arena(FILE *out, const struct hg_frag *frag, const struct hg_frag_arena *a,
			 double y)
{
	const uint64_t *fig = a->fig;
	char label[256], s1[32], s2[32];
	uint64_t span = 0;
	double x = HG_SVG_MARGIN, room, gap = HG_SVG_GAP;
	uint32_t i;

	snprintf(label, sizeof(label),
		 "arena %" PRIu64 " (%s): %s from the system, %s free (%.1f%%), fragmentation "
		 "%.1f%%, %lu %s",
		 a->id, a->main ? HG_FRAG_KIND_MAIN : HG_FRAG_KIND_THREAD,
		 hg_frag_human(fig[HG_FIG_SYSTEM], s1, sizeof(s1)),
		 hg_frag_human(fig[HG_FIG_FREE], s2, sizeof(s2)), 100.0 * hg_frag_held(fig),
		 100.0 * hg_frag_fragmentation(fig), (unsigned long)a->nsegments,
		 a->nsegments == 1 ? "segment" : "segments");
	hg_svg_text(out, HG_SVG_MARGIN, y, "class=\"arena\"", label);
	y += 8;
	if (a->nsegments == 0) {
		fprintf(out,
			"<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
			"stroke=\"#999\" stroke-dasharray=\"4 4\"/>\n",
			HG_SVG_MARGIN, y, HG_SVG_PLOT, HG_SVG_BAND);
		return;
	}
	for (i = 0; i < a->nsegments; i++) {
		const struct hg_frag_segment *seg = &frag->segments[a->first_segment + i];

		span += seg->hi - seg->lo;
	}
	/* Many segments: no gaps rather than no room. */
	if (gap * (a->nsegments - 1) > HG_SVG_PLOT / 4.0)
		gap = 0;
	room = HG_SVG_PLOT - gap * (a->nsegments - 1);
	for (i = 0; i < a->nsegments; i++) {
		const struct hg_frag_segment *seg = &frag->segments[a->first_segment + i];
		double w = room * ((double)(seg->hi - seg->lo) / (double)span);

		hg_svg_segment(out, frag, seg, x, w, y);
		x += w + gap;
	}
}

void hg_frag_print_svg(FILE *out, const struct hg_frag *frag, const struct hg_symbolizer *sym)
{
	char *verdict = hg_frag_verdict(frag, sym);
	const char *text = verdict ? verdict : "(out of memory)";
	int lines = hg_svg_verdict(NULL, text, 0);
	double y = HG_SVG_MARGIN + 18;
	double height = y + HG_SVG_LINE * (lines + 4) + 20 +
			(frag->page_unit ? hg_frag_pages_height(frag, HG_SVG_PLOT) + 10
					 : HG_SVG_ARENA * (double)frag->narenas);
	char title[64];
	size_t i;

	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
		"viewBox=\"0 0 %d %.0f\">\n"
		"<style>text { font-family: sans-serif; fill: #222; } .title { font-size: 18px; "
		"font-weight: bold; } .verdict { font-size: 14px; } .totals { font-size: 13px; "
		"fill: #444; } .legend { font-size: 12px; } .arena { font-size: 13px; } .addr { "
		"font-family: monospace; font-size: 10px; fill: #555; }</style>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
		HG_SVG_WIDTH, height, HG_SVG_WIDTH, height);
	fputs("<title>heapguard heap map</title>\n<text x=\"20\" y=\"38\" class=\"title\">heap map "
	      "of ",
	      out);
	hg_put_xml(out, frag->run.program, strlen(frag->run.program));
	snprintf(title, sizeof(title), " (pid %" PRIu64 ", %s)", frag->run.pid, frag->run.time_utc);
	hg_put_xml(out, title, strlen(title));
	fputs("</text>\n", out);
	y += HG_SVG_LINE + 8;
	hg_svg_verdict(out, text, y);
	y += HG_SVG_LINE * lines + 6;
	hg_svg_totals(out, frag, y);
	y += 2 * HG_SVG_LINE + 10;
	/* A report with a page map draws the heap page by page, else band
	 * by band from the cell map. */
	if (frag->page_unit) {
		hg_frag_pages_legend(out, HG_SVG_MARGIN, y);
		y += HG_SVG_LINE + 10;
		hg_frag_print_pages(out, frag, sym, HG_SVG_MARGIN, y, HG_SVG_PLOT);
	} else {
		hg_svg_legend(out, y);
		y += HG_SVG_LINE + 20;
		for (i = 0; i < frag->narenas; i++)
			hg_svg_arena(out, frag, &frag->arenas[i], y + HG_SVG_ARENA * (double)i);
	}
	fputs("</svg>\n", out);
	free(verdict);
}
