/* SPDX-License-Identifier: MIT */
/* --json: the report as one JSON object (shape in heapguard-report(1)).
 * Strings from reports and binaries are arbitrary bytes; they come out as
 * valid JSON: control bytes as \u00XX, invalid UTF-8 bytes as \ufffd. */
#include <inttypes.h>
#include <stdio.h>

#include "output.h"

/* Length of the valid UTF-8 sequence at s (not ASCII), or 0 if invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
int hg_utf8_length(const unsigned char *s)
{
	int n, i;
	uint32_t cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void hg_put_json_string(FILE *out, const char *str)
{
	if (!str) {
		fputs("null", out);
		return;
	}
	putc('"', out);
	hg_put_json_string_body(out, str);
	putc('"', out);
}

void hg_put_json_string_body(FILE *out, const char *str)
{
	hg_put_json_escaped(out, str, false);
}

void hg_put_json_escaped(FILE *out, const char *str, bool in_script)
{
	const unsigned char *s = (const unsigned char *)str;
	int n;

	while (*s) {
		if (*s == '"' || *s == '\\') {
			putc('\\', out);
			putc(*s++, out);
		} else if (*s < 0x20 || *s == 0x7f ||
			   (in_script && (*s == '<' || *s == '>' || *s == '&'))) {
			fprintf(out, "\\u%04x", *s++);
		} else if (*s < 0x80) {
			putc(*s++, out);
		} else if ((n = hg_utf8_length(s)) > 0) {
			fwrite(s, 1, (size_t)n, out);
			s += n;
		} else {
			fputs("\\ufffd", out);
			s++;
		}
	}
}

static void hg_put_json_frame(FILE *out, const struct hg_leaks *r, const struct hg_leak_frame *f,
			      const struct hg_sym_entry *e, bool first)
{
	fputs(first ? "{\"function\":" : ",{\"function\":", out);
	hg_put_json_string(out, e ? e->function : NULL);
	fputs(",\"file\":", out);
	hg_put_json_string(out, e ? e->file : NULL);
	if (e && e->line)
		fprintf(out, ",\"line\":%u", e->line);
	else
		fputs(",\"line\":null", out);
	fprintf(out, ",\"inlined\":%s,\"module\":", e && e->inlined ? "true" : "false");
	hg_put_json_string(out, f->module == HG_NO_MODULE ? NULL : r->modules[f->module].path);
	fprintf(out, ",\"offset\":\"0x%" PRIx64 "\"}", f->offset);
}

void hg_put_json_stack(FILE *out, const struct hg_leaks *r, const struct hg_symbolizer *sym,
		       uint32_t stack)
{
	const struct hg_leak_frame *frames;
	unsigned i, j, count;
	bool first = true;

	frames = hg_leaks_stack(r, stack, &count);
	putc('[', out);
	for (i = 0; i < count; i++) {
		const struct hg_sym_frame *sf = hg_sym_frame(sym, (size_t)(frames - r->frames) + i);

		if (sf->count == 0) {
			hg_put_json_frame(out, r, &frames[i], NULL, first);
			first = false;
		}
		for (j = 0; j < sf->count; j++) {
			hg_put_json_frame(out, r, &frames[i], &sf->entries[j], first);
			first = false;
		}
	}
	putc(']', out);
}

void hg_put_json_frames(FILE *out, const struct hg_view *v, const struct hg_leak_site *site)
{
	hg_put_json_stack(out, v->r, v->sym, site->stack);
}

static void hg_put_json_amounts(FILE *out, const struct hg_leak_amount *a)
{
	int k;

	putc('{', out);
	for (k = 0; k < HG_KINDS; k++)
		fprintf(out, "%s\"%s\":{\"bytes\":%" PRIu64 ",\"blocks\":%" PRIu64 "}",
			k ? "," : "", hg_leak_kind_name(k), a[k].bytes, a[k].blocks);
	putc('}', out);
}

static void hg_put_json_site(FILE *out, const struct hg_view *v, const struct hg_leak_site *s)
{
	unsigned i;

	fprintf(out,
		"{\"kind\":\"%s\",\"bytes\":%" PRIu64 ",\"blocks\":%" PRIu64 ",\"min\":%" PRIu64
		",\"max\":%" PRIu64 ",\"stack\":%" PRIu64 ",\"threads\":[",
		hg_leak_kind_name(s->kind), s->bytes, s->blocks, s->min, s->max,
		s->stack == HG_NO_STACK ? 0 : v->r->stacks[s->stack].id);
	for (i = 0; i < s->nthreads; i++)
		fprintf(out, "%s%" PRIu64, i ? "," : "", s->threads[i]);
	fprintf(out, "],\"more_threads\":%s,\"suppressed\":", s->more_threads ? "true" : "false");
	hg_put_json_string(out, s->suppressed_by);
	if (v->gen_supp && s->kind != HG_REACHABLE && !s->suppressed_by)
		hg_put_json_suppression(out, v->r, v->sym, s->stack);
	fputs(",\"frames\":", out);
	hg_put_json_frames(out, v, s);
	putc('}', out);
}

static void hg_put_json_suppressed(FILE *out, const struct hg_suppressions *supp)
{
	size_t i;

	fprintf(out,
		",\"suppressed\":{\"sites\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"blocks\":%" PRIu64
		",\"rules\":[",
		supp->sites, supp->amount.bytes, supp->amount.blocks);
	for (i = 0; i < supp->nrules; i++) {
		const struct hg_supp_rule *rule = &supp->rules[i];

		fputs(i ? ",{\"pattern\":" : "{\"pattern\":", out);
		hg_put_json_string(out, rule->pattern);
		fprintf(out, ",\"sites\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"blocks\":%" PRIu64 "}",
			rule->sites, rule->bytes, rule->blocks);
	}
	fputs("]}", out);
}

void hg_put_json_run(FILE *out, const struct hg_leaks *r)
{
	size_t i;

	fputs("\"version\":", out);
	hg_put_json_string(out, r->version);
	fputs(",\"program\":", out);
	hg_put_json_string(out, r->program);
	fputs(",\"args\":[", out);
	for (i = 0; i < r->nargs; i++) {
		if (i)
			putc(',', out);
		hg_put_json_string(out, r->args[i]);
	}
	fprintf(out,
		"],\"pid\":%" PRIu64 ",\"ppid\":%" PRIu64 ",\"time\":%" PRIu64 ",\"level\":\"%s\"",
		r->pid, r->ppid, r->time, r->fast ? "fast" : "full");
	if (r->has_status)
		fprintf(out, ",\"status\":%" PRIu64, r->status);
	else
		fputs(",\"status\":null", out);
}

void hg_put_json_error_stacks(FILE *out, const struct hg_leaks *r, const struct hg_symbolizer *sym,
			      const struct hg_leak_error *e)
{
	fputs("\"frames\":", out);
	hg_put_json_stack(out, r, sym, e->stack);
	fputs(",\"alloc_frames\":", out);
	hg_put_json_stack(out, r, sym, e->alloc_stack);
	fputs(",\"free_frames\":", out);
	hg_put_json_stack(out, r, sym, e->free_stack);
}

static void hg_put_json_errors(FILE *out, const struct hg_leaks *r, const struct hg_symbolizer *sym)
{
	size_t i;

	fprintf(out, ",\"errors_total\":%" PRIu64 ",\"errors\":[", r->errors_total);
	for (i = 0; i < r->nerrors; i++) {
		const struct hg_leak_error *e = &r->errors[i];

		fputs(i ? ",{\"kind\":" : "{\"kind\":", out);
		hg_put_json_string(out, e->kind);
		fprintf(out, ",\"address\":\"0x%" PRIx64 "\",\"message\":", e->address);
		hg_put_json_string(out, e->message);
		putc(',', out);
		hg_put_json_error_stacks(out, r, sym, e);
		putc('}', out);
	}
	fprintf(out, "],\"suppressed_in_process\":{\"bytes\":%" PRIu64 ",\"blocks\":%" PRIu64 "}",
		r->suppressed.bytes, r->suppressed.blocks);
}

void hg_print_json(FILE *out, const struct hg_view *v)
{
	const struct hg_leaks *r = v->r;
	size_t i;

	fprintf(out, "{\"format\":%u,\"report\":\"" HG_LEAKS_NAME "\",", r->format);
	hg_put_json_run(out, r);
	if (r->checkpoint)
		fprintf(out, ",\"checkpoint\":%" PRIu64 ",\"checkpoint_interval_us\":%" PRIu64,
			r->checkpoint, r->checkpoint_us);
	fputs(",\"totals\":", out);
	hg_put_json_amounts(out, r->totals);
	fputs(",\"shown\":", out);
	hg_put_json_amounts(out, v->shown);
	if (r->has_depot)
		fprintf(out,
			",\"depot\":{\"stacks\":%" PRIu64 ",\"bytes\":%" PRIu64
			",\"captures\":%" PRIu64 ",\"hits\":%" PRIu64 "}",
			r->depot[0], r->depot[1], r->depot[2], r->depot[3]);
	if (r->has_scan)
		fprintf(out,
			",\"scan\":{\"root_bytes\":%" PRIu64 ",\"threads\":%" PRIu64
			",\"not_stopped\":%" PRIu64 ",\"microseconds\":%" PRIu64 "%s",
			r->scan[0], r->scan[1], r->scan[2], r->scan[3],
			r->has_scan_blocks ? "" : "}");
	if (r->has_scan && r->has_scan_blocks)
		fprintf(out, ",\"blocks\":%" PRIu64 ",\"heap_bytes\":%" PRIu64 "}", r->scan[4],
			r->scan[5]);
	if (v->supp && v->supp->nrules)
		hg_put_json_suppressed(out, v->supp);
	hg_put_json_errors(out, r, v->sym);
	fputs(",\"sites\":[", out);
	for (i = 0; i < v->nsites; i++) {
		if (i)
			putc(',', out);
		hg_put_json_site(out, v, v->sites[i]);
	}
	fputs("]}\n", out);
}
