/* SPDX-License-Identifier: MIT */
/* --html: the run (run.c: processes, heap errors, leak sites merged) and
 * each fragmentation report (frag_parse.c) written as one HTML page.  What
 * does not need a script is drawn here: the timeline chart and the page map
 * as inline SVG (hovering gives each sample's figures, each page's class
 * and site), the stacks and the pinning sites as text.  The flame graphs'
 * stacks go into the page as JSON for the script (html_script.c).  Every
 * string from a report is escaped: text as XML, JSON with '<' as \u003c so
 * that nothing closes its script element. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frag_report.h"
#include "html.h"
#include "output.h"
#include "run.h"

#define HG_CHART_W 1000
#define HG_CHART_H 256
#define HG_CHART_L 70 /* room for the bytes axis */
#define HG_MAP_W   1300

struct hg_html {
	FILE *out;
	struct hg_run run;
	bool has_run;
	struct hg_frag *frags;
	struct hg_symbolizer **syms;
	size_t nfrags;
};

/* Text as HTML: XML-escaped, lines kept. */
static void hg_html_text(FILE *out, const char *s)
{
	const char *nl;

	while ((nl = strchr(s, '\n'))) {
		hg_put_xml(out, s, (size_t)(nl - s));
		putc('\n', out);
		s = nl + 1;
	}
	hg_put_xml(out, s, strlen(s));
}

/* A JSON string safe inside a script element. */
static void hg_html_json_string(FILE *out, const char *str)
{
	putc('"', out);
	hg_put_json_escaped(out, str, true);
	putc('"', out);
}

/* A stack's frames as a JSON array, the outermost first; inlined functions
 * each a frame, as --folded has them. */
static void hg_html_json_frames(FILE *out, const struct hg_leaks *r,
				const struct hg_symbolizer *sym, uint32_t stack)
{
	const struct hg_leak_frame *frames = NULL;
	unsigned i, j, count = 0;
	char name[512];
	bool first = true;

	putc('[', out);
	if (stack != HG_NO_STACK)
		frames = hg_leaks_stack(r, stack, &count);
	if (count == 0)
		fputs("\"[no stack]\"", out);
	for (i = count; i-- > 0;) {
		const struct hg_sym_frame *sf = hg_sym_frame(sym, (size_t)(frames - r->frames) + i);
		const char *path =
			frames[i].module == HG_NO_MODULE ? "?" : r->modules[frames[i].module].path;
		const char *slash = strrchr(path, '/');

		snprintf(name, sizeof(name), "%s+0x%" PRIx64, slash ? slash + 1 : path,
			 frames[i].offset);
		for (j = sf && sf->count ? sf->count : 1; j-- > 0;) {
			if (!first)
				putc(',', out);
			first = false;
			hg_html_json_string(out, sf && sf->count && sf->entries[j].function
							 ? sf->entries[j].function
							 : name);
		}
	}
	putc(']', out);
}

/* A stack as text, for a <pre>. */
static void hg_html_stack(FILE *out, const struct hg_leaks *r, const struct hg_symbolizer *sym,
			  uint32_t stack)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);

	if (!mem)
		return;
	hg_put_text_stack(mem, r, sym, stack);
	if (fclose(mem) == 0 && buf)
		hg_html_text(out, buf);
	free(buf);
}

/* ---- the verdict ---- */

static void hg_html_verdict(struct hg_html *h)
{
	FILE *out = h->out;
	char a[32], b[32], c[32], line[512];
	size_t i;

	fputs("<section id=\"verdict\"><h2>Verdict</h2>\n", out);
	if (h->has_run) {
		const struct hg_run *run = &h->run;
		bool bad = run->errors_total || run->lost.bytes;

		int n = snprintf(line, sizeof(line), "%zu %s: ", run->nprocesses,
				 hg_plural(run->nprocesses, "process", "processes"));

		if (run->errors_total)
			n += snprintf(line + n, sizeof(line) - (size_t)n,
				      "%" PRIu64 " heap %s in %" PRIu64 " %s; ", run->errors_total,
				      hg_plural(run->errors_total, "error", "errors"),
				      run->error_processes,
				      hg_plural(run->error_processes, "process", "processes"));
		else
			n += snprintf(line + n, sizeof(line) - (size_t)n, "no heap error; ");
		if (run->lost.bytes || run->indirect.bytes)
			snprintf(line + n, sizeof(line) - (size_t)n,
				 "%s lost in %s %s in %" PRIu64 " %s; %s indirectly lost.",
				 hg_frag_human(run->lost.bytes, a, sizeof(a)),
				 hg_frag_count(run->lost.blocks, b, sizeof(b)),
				 hg_plural(run->lost.blocks, "block", "blocks"),
				 run->lost_processes,
				 hg_plural(run->lost_processes, "process", "processes"),
				 hg_frag_human(run->indirect.bytes, c, sizeof(c)));
		else
			snprintf(line + n, sizeof(line) - (size_t)n, "nothing lost.");
		fprintf(out, "<p class=\"verdict%s\" id=\"run-verdict\">", bad ? "" : " clean");
		hg_put_xml(out, line, strlen(line));
		fputs("</p>\n", out);
	}
	for (i = 0; i < h->nfrags; i++) {
		char *v = hg_frag_verdict(&h->frags[i], h->syms[i]);

		/* Red where the free memory lies in pieces, green where not. */
		fprintf(out, "<p class=\"verdict frag-verdict%s\">",
			hg_frag_total_fragmentation(&h->frags[i]) < 0.5 ? " clean" : "");
		snprintf(line, sizeof(line), "%s (pid %" PRIu64 "): ", h->frags[i].run.program,
			 h->frags[i].run.pid);
		hg_put_xml(out, line, strlen(line));
		if (v)
			hg_put_xml(out, v, strlen(v));
		fputs("</p>\n", out);
		free(v);
	}
	fputs("</section>\n", out);
}

/* ---- heap errors ---- */

static void hg_html_errors(struct hg_html *h)
{
	FILE *out = h->out;
	const struct hg_run *run = &h->run;
	char line[256];
	size_t i;

	fputs("<section id=\"errors\"><h2>Heap errors</h2>\n", out);
	if (!h->has_run || run->nerrors == 0)
		fputs("<p class=\"none\">No heap error was reported.</p>\n", out);
	for (i = 0; h->has_run && i < run->nerrors; i++) {
		const struct hg_run_error *e = &run->errors[i];

		fputs("<div class=\"error\"><h3>", out);
		hg_put_xml(out, e->error->kind, strlen(e->error->kind));
		snprintf(line, sizeof(line), " at 0x%" PRIx64 " in ", e->error->address);
		hg_put_xml(out, line, strlen(line));
		hg_put_xml(out, e->process->program, strlen(e->process->program));
		fprintf(out, " (pid %" PRIu64 ")</h3>\n<p>", e->process->pid);
		hg_put_xml(out, e->error->message, strlen(e->error->message));
		fputs("</p>\n<pre class=\"stack\">", out);
		hg_html_stack(out, &run->table, run->sym, e->stack);
		fputs("</pre>\n", out);
		if (e->alloc_stack != HG_NO_STACK) {
			fputs("<h4>allocated at</h4><pre class=\"stack\">", out);
			hg_html_stack(out, &run->table, run->sym, e->alloc_stack);
			fputs("</pre>\n", out);
		}
		if (e->free_stack != HG_NO_STACK) {
			fputs("<h4>freed at</h4><pre class=\"stack\">", out);
			hg_html_stack(out, &run->table, run->sym, e->free_stack);
			fputs("</pre>\n", out);
		}
		fputs("</div>\n", out);
	}
	fputs("</section>\n", out);
}

/* ---- the timeline ---- */

static void hg_html_axis_label(FILE *out, double x, double y, const char *anchor, const char *s)
{
	fprintf(out, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y,
		anchor);
	hg_put_xml(out, s, strlen(s));
	fputs("</text>\n", out);
}

enum {
	HG_SERIES_SYSTEM,
	HG_SERIES_IN_USE,
	HG_SERIES_FREE,
	HG_SERIES_QUARANTINE,
	HG_SERIES_RESIDENT,
	HG_SERIES
};

static bool hg_series_value(const struct hg_frag_sample *t, int k, uint64_t *v)
{
	switch (k) {
	case HG_SERIES_SYSTEM:
		*v = t->system;
		return true;
	case HG_SERIES_IN_USE:
		*v = t->in_use;
		return t->has_in_use;
	case HG_SERIES_FREE:
		*v = t->free;
		return t->has_in_use;
	case HG_SERIES_QUARANTINE:
		*v = t->quarantine;
		return true;
	default:
		*v = t->resident;
		return t->has_resident;
	}
}

static void hg_html_chart(FILE *out, const struct hg_frag *frag)
{
	static const char *const names[HG_SERIES] = { "system", "in use", "free but held",
						      "quarantine", "resident (process)" };
	static const char *const colours[HG_SERIES] = { "#222", "#2f5d9e", "#f2b134", "#7b2ff7",
							"#999" };
	double w = HG_CHART_W - HG_CHART_L - 10, ht = HG_CHART_H - 56;
	uint64_t tmax = 1, ymax = 1, v;
	char a[32], b[32], c[32], d[32], e[32], line[256];
	size_t i;
	int k;

	for (i = 0; i < frag->ntimeline; i++)
		for (k = 0; k < HG_SERIES; k++)
			if (hg_series_value(&frag->timeline[i], k, &v) && v > ymax)
				ymax = v;
	tmax = frag->timeline[frag->ntimeline - 1].t_us > 0
		       ? frag->timeline[frag->ntimeline - 1].t_us
		       : 1;
	fprintf(out,
		"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\">\n"
		"<rect x=\"%d\" y=\"10\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" "
		"stroke=\"#ccc\"/>\n",
		HG_CHART_W, HG_CHART_H, HG_CHART_W, HG_CHART_H, HG_CHART_L, w, ht);
	hg_html_axis_label(out, HG_CHART_L - 4, 20, "end", hg_frag_human(ymax, a, sizeof(a)));
	hg_html_axis_label(out, HG_CHART_L - 4, 10 + ht, "end", "0");
	hg_html_axis_label(out, HG_CHART_L, 10 + ht + 16, "start", "0 s");
	snprintf(line, sizeof(line), "%.3f s", (double)tmax / 1e6);
	hg_html_axis_label(out, HG_CHART_L + w, 10 + ht + 16, "end", line);
	for (k = 0; k < HG_SERIES; k++) {
		bool any = false;

		for (i = 0; i < frag->ntimeline; i++) {
			if (!hg_series_value(&frag->timeline[i], k, &v))
				continue;
			if (!any)
				fprintf(out,
					"<polyline class=\"series\" data-series=\"%d\" "
					"fill=\"none\" "
					"stroke=\"%s\" stroke-width=\"1.5\"%s points=\"",
					k, colours[k],
					k == HG_SERIES_RESIDENT ? " stroke-dasharray=\"4 3\"" : "");
			any = true;
			fprintf(out, "%.1f,%.1f ",
				HG_CHART_L + w * (double)frag->timeline[i].t_us / (double)tmax,
				10 + ht - ht * (double)v / (double)ymax);
		}
		if (any)
			fputs("\"/>\n", out);
		fprintf(out,
			"<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"3\" fill=\"%s\"/>\n",
			HG_CHART_L + 10.0 + 150.0 * k, 10 + ht + 26, colours[k]);
		hg_html_axis_label(out, HG_CHART_L + 26.0 + 150.0 * k, 10 + ht + 31, "start",
				   names[k]);
	}
	/* A column per sample whose hover gives its figures. */
	for (i = 0; i < frag->ntimeline; i++) {
		const struct hg_frag_sample *t = &frag->timeline[i];
		double x0 = i ? (double)(t->t_us + frag->timeline[i - 1].t_us) / 2 : 0;
		double x1 = i + 1 < frag->ntimeline
				    ? (double)(t->t_us + frag->timeline[i + 1].t_us) / 2
				    : (double)tmax;

		snprintf(line, sizeof(line),
			 "%.3f s: system %s, in use %s, free %s, quarantine %s, resident %s",
			 (double)t->t_us / 1e6, hg_frag_human(t->system, a, sizeof(a)),
			 t->has_in_use ? hg_frag_human(t->in_use, b, sizeof(b)) : "-",
			 t->has_in_use ? hg_frag_human(t->free, c, sizeof(c)) : "-",
			 hg_frag_human(t->quarantine, d, sizeof(d)),
			 t->has_resident ? hg_frag_human(t->resident, e, sizeof(e)) : "-");
		fprintf(out,
			"<rect x=\"%.2f\" y=\"10\" width=\"%.2f\" height=\"%.0f\" "
			"fill=\"transparent\">"
			"<title>",
			HG_CHART_L + w * x0 / (double)tmax, w * (x1 - x0) / (double)tmax + 0.01,
			ht);
		hg_put_xml(out, line, strlen(line));
		fputs("</title></rect>\n", out);
	}
	fputs("</svg>\n", out);
}

static void hg_html_program(FILE *out, const char *tag, const struct hg_frag *frag)
{
	char pid[64];

	fprintf(out, "<%s>", tag);
	hg_put_xml(out, frag->run.program, strlen(frag->run.program));
	snprintf(pid, sizeof(pid), " (pid %" PRIu64 ")", frag->run.pid);
	hg_put_xml(out, pid, strlen(pid));
	fprintf(out, "</%s>\n", tag);
}

static void hg_html_timeline(struct hg_html *h)
{
	size_t i, shown = 0;

	fputs("<section id=\"timeline\"><h2>The heap over time</h2>\n", h->out);
	for (i = 0; i < h->nfrags; i++) {
		if (h->frags[i].ntimeline == 0)
			continue;
		hg_html_program(h->out, "h3", &h->frags[i]);
		hg_html_chart(h->out, &h->frags[i]);
		shown++;
	}
	if (!shown)
		fputs("<p class=\"none\">No fragmentation report with a timeline was read.</p>\n",
		      h->out);
	fputs("</section>\n", h->out);
}

/* ---- flame graphs ---- */

static void hg_html_flame_begin(FILE *out, const char *id, const char *title)
{
	fprintf(out,
		"<div class=\"flame\" id=\"%s\"><h3>%s</h3><div class=\"bar\"><input "
		"type=\"search\" "
		"placeholder=\"search functions\"><button type=\"button\">reset zoom</button>"
		"<span class=\"info\"></span></div><div class=\"icicle\"></div>\n"
		"<script type=\"application/json\">[",
		id, title);
}

static void hg_html_flame_end(FILE *out)
{
	fputs("]</script></div>\n", out);
}

static void hg_html_flames(struct hg_html *h)
{
	FILE *out = h->out;
	size_t i, j, n = 0;

	fputs("<section id=\"flames\"><h2>Flame graphs</h2>\n<p class=\"sub\">Icicles: the "
	      "outermost frame on top, each frame as wide as its bytes.  Click a frame to zoom "
	      "on it, its callers above to zoom out; search marks the frames whose name holds "
	      "the text.</p>\n",
	      out);
	if (h->has_run) {
		const struct hg_run *run = &h->run;

		for (i = 0; i < run->nsites; i++)
			n += run->sites[i].kind == HG_LOST && run->sites[i].shown &&
			     !run->sites[i].suppressed_by;
	}
	if (n) {
		const struct hg_run *run = &h->run;
		bool first = true;

		hg_html_flame_begin(out, "flame-lost", "Lost bytes, by allocation stack");
		for (i = 0; i < run->nsites; i++) {
			const struct hg_run_site *s = &run->sites[i];

			if (s->kind != HG_LOST || !s->shown || s->suppressed_by)
				continue;
			fputs(first ? "[" : ",\n[", out);
			first = false;
			hg_html_json_frames(out, &run->table, run->sym, s->stack);
			fprintf(out, ",%" PRIu64 "]", s->bytes);
		}
		hg_html_flame_end(out);
	} else {
		fprintf(out, "<p class=\"none\" id=\"flame-lost\">%s</p>\n",
			h->has_run ? "No lost bytes." : "No leak report was read.");
	}
	n = 0;
	for (i = 0; i < h->nfrags; i++)
		n += h->frags[i].npeak_sites;
	if (n) {
		bool first = true;

		hg_html_flame_begin(out, "flame-peak",
				    "Live bytes at the peak, by allocation stack (the sites "
				    "holding the most)");
		for (i = 0; i < h->nfrags; i++)
			for (j = 0; j < h->frags[i].npeak_sites; j++) {
				const struct hg_frag_site *s = &h->frags[i].peak_sites[j];

				fputs(first ? "[" : ",\n[", out);
				first = false;
				hg_html_json_frames(out, &h->frags[i].run, h->syms[i], s->stack);
				fprintf(out, ",%" PRIu64 "]", s->bytes);
			}
		hg_html_flame_end(out);
	} else {
		fputs("<p class=\"none\" id=\"flame-peak\">No sites at the peak (no fragmentation "
		      "report at level=full was read).</p>\n",
		      out);
	}
	fputs("</section>\n", out);
}

/* ---- the pinning sites and the page map ---- */

static void hg_html_pins(struct hg_html *h)
{
	FILE *out = h->out;
	char a[32], b[32], c[32], site[1024];
	size_t i, j, shown = 0;

	fputs("<section id=\"pinning\"><h2>Who pins free memory</h2>\n", out);
	for (i = 0; i < h->nfrags; i++) {
		const struct hg_frag *f = &h->frags[i];

		if (f->npin_sites == 0)
			continue;
		shown++;
		hg_html_program(out, "h3", f);
		fputs("<table class=\"pins\"><tr><th>pinned</th><th>spans</th><th>pinning "
		      "blocks</th><th>live blocks</th><th>live bytes</th><th class=\"site\">"
		      "allocation site</th></tr>\n",
		      out);
		for (j = 0; j < f->npin_sites; j++) {
			const struct hg_frag_pin_site *p = &f->pin_sites[j];

			hg_frag_site_label(f, h->syms[i], p->stack, site, sizeof(site));
			fprintf(out,
				"<tr><td>%s</td><td>%" PRIu64 "</td><td>%s</td><td>%" PRIu64
				"</td><td>%s</td><td class=\"site\">",
				hg_frag_human(p->pinned, a, sizeof(a)), p->spans,
				hg_frag_count(p->pinning_blocks, b, sizeof(b)), p->blocks,
				hg_frag_human(p->bytes, c, sizeof(c)));
			hg_put_xml(out, site, strlen(site));
			fputs("</td></tr>\n", out);
		}
		fputs("</table>\n", out);
	}
	if (!shown)
		fputs("<p class=\"none\">No live chunk pins a free span of a page or more.</p>\n",
		      out);
	fputs("</section>\n", out);
}

static void hg_html_maps(struct hg_html *h)
{
	FILE *out = h->out;
	size_t i, shown = 0;

	fputs("<section id=\"map\"><h2>The heap, page by page</h2>\n", out);
	for (i = 0; i < h->nfrags; i++) {
		const struct hg_frag *f = &h->frags[i];
		double height;

		if (!f->page_unit)
			continue;
		shown++;
		hg_html_program(out, "h3", f);
		height = hg_frag_pages_height(f, HG_MAP_W) + 30;
		fprintf(out,
			"<svg class=\"heap-map\" id=\"heap-map-%zu\" "
			"xmlns=\"http://www.w3.org/2000/"
			"svg\" width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %d %.0f\">\n",
			i, HG_MAP_W, height, HG_MAP_W, height);
		hg_frag_pages_legend(out, 0, 16);
		hg_frag_print_pages(out, f, h->syms[i], 0, 30, HG_MAP_W);
		fputs("</svg>\n", out);
	}
	if (!shown)
		fputs("<p class=\"none\">No fragmentation report with a page map was read.</p>\n",
		      out);
	fputs("</section>\n", out);
}

/* ---- reading ---- */

static bool hg_html_all_frag(const char *const *operands, size_t n)
{
	struct stat st;
	size_t i;

	for (i = 0; i < n; i++)
		if (stat(operands[i], &st) != 0 || !S_ISREG(st.st_mode) ||
		    !hg_frag_sniff(operands[i]))
			return false;
	return true;
}

static int hg_html_read(struct hg_html *h, const char *const *operands, size_t n,
			enum hg_sym_backend backend, bool demangle)
{
	const char *const *paths = operands;
	char err[HG_LEAKS_ERROR_MAX];
	size_t i, npaths = n;

	if (!hg_html_all_frag(operands, n)) {
		struct hg_run_options opt = { HG_SHOW_DEFAULT, backend, demangle, NULL };
		struct stat st;

		/* One leak report: what is wrong with it, in one line, as the
		 * text would say it (a run skips such a file with a warning). */
		if (n == 1 && stat(operands[0], &st) == 0 && S_ISREG(st.st_mode) &&
		    !hg_run_wants(operands[0])) {
			struct hg_leaks one;

			if (hg_leaks_load(operands[0], &one, err, sizeof(err)) < 0) {
				fprintf(stderr, "heapguard-report: %s\n", err);
				return -1;
			}
			hg_leaks_free(&one);
		}
		if (hg_run_load(&h->run, operands, n, &opt) < 0)
			return -1;
		h->has_run = true;
		paths = (const char *const *)h->run.frag_paths;
		npaths = h->run.frag_reports;
	}
	h->frags = calloc(npaths + 1, sizeof(*h->frags));
	h->syms = calloc(npaths + 1, sizeof(*h->syms));
	if (!h->frags || !h->syms) {
		fputs("heapguard-report: out of memory\n", stderr);
		return -1;
	}
	for (i = 0; i < npaths; i++) {
		struct hg_frag *f = &h->frags[h->nfrags];

		if (hg_frag_load(paths[i], f, err, sizeof(err)) < 0) {
			if (!h->has_run) { /* the operand itself */
				fprintf(stderr, "heapguard-report: %s\n", err);
				return -1;
			}
			fprintf(stderr, "heapguard-report: warning: %s (skipped)\n", err);
			continue;
		}
		if (backend != HG_SYM_NONE &&
		    !(h->syms[h->nfrags] = hg_sym_new(&f->run, backend, demangle))) {
			fputs("heapguard-report: out of memory\n", stderr);
			hg_frag_free(f);
			return -1;
		}
		hg_frag_symbolize(f, h->syms[h->nfrags]);
		h->nfrags++;
	}
	return 0;
}

static void hg_html_free(struct hg_html *h)
{
	size_t i;

	for (i = 0; i < h->nfrags; i++) {
		hg_sym_free(h->syms[i]);
		hg_frag_free(&h->frags[i]);
	}
	free(h->frags);
	free(h->syms);
	if (h->has_run)
		hg_run_free(&h->run);
}

static void hg_html_page(struct hg_html *h, const char *const *operands, size_t n)
{
	FILE *out = h->out;
	size_t i;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n<title>heapguard report: ",
	      out);
	for (i = 0; i < n; i++) {
		hg_put_xml(out, operands[i], strlen(operands[i]));
		if (i + 1 < n)
			fputs(", ", out);
	}
	fprintf(out,
		"</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>heapguard report</h1>\n"
		"<p class=\"sub\">",
		hg_html_style);
	for (i = 0; i < n; i++) {
		hg_put_xml(out, operands[i], strlen(operands[i]));
		if (i + 1 < n)
			fputs(" \xc2\xb7 ", out);
	}
	fputs("</p>\n", out);
	hg_html_verdict(h);
	hg_html_errors(h);
	hg_html_timeline(h);
	hg_html_flames(h);
	hg_html_pins(h);
	hg_html_maps(h);
	fprintf(out, "<script>\n%s</script>\n</body>\n</html>\n", hg_html_script);
}

int hg_html_write(const char *path, const char *const *operands, size_t n,
		  enum hg_sym_backend backend, bool demangle)
{
	struct hg_html h;
	bool to_stdout = strcmp(path, "-") == 0;
	int status = 0;

	memset(&h, 0, sizeof(h));
	if (hg_html_read(&h, operands, n, backend, demangle) < 0) {
		hg_html_free(&h);
		return 2;
	}
	h.out = to_stdout ? stdout : fopen(path, "w");
	if (!h.out) {
		fprintf(stderr, "heapguard-report: %s: %s\n", path, strerror(errno));
		hg_html_free(&h);
		return 2;
	}
	hg_html_page(&h, operands, n);
	if (to_stdout ? fflush(stdout) != 0 || ferror(stdout) : fclose(h.out) != 0) {
		fprintf(stderr, "heapguard-report: %s: write error\n",
			to_stdout ? "standard output" : path);
		status = 2;
	} else if (h.has_run && (h.run.errors_total || h.run.lost.bytes)) {
		status = 1;
	}
	hg_html_free(&h);
	return status;
}
