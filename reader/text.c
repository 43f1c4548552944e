/* SPDX-License-Identifier: MIT */
/* The default, human-readable output: a header with the run's facts and
 * totals, then one paragraph per site with its stack in the shape of
 * heapguard's diagnostics ("#N in function file:line (module+0xoffset)"). */
#include <inttypes.h>
#include <stdio.h>

#include "output.h"

void hg_put_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\')
			fprintf(out, c == '\\' ? "\\\\" : "\\x%02x", c);
		else
			putc(c, out);
	}
}

const char *hg_plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void hg_put_location(FILE *out, const struct hg_leaks *r, const struct hg_leak_frame *f)
{
	if (f->module == HG_NO_MODULE) {
		fprintf(out, "?+0x%" PRIx64, f->offset);
		return;
	}
	hg_put_text(out, *r->modules[f->module].path ? r->modules[f->module].path : "?");
	fprintf(out, "+0x%" PRIx64, f->offset);
}

void hg_put_text_stack(FILE *out, const struct hg_leaks *r, const struct hg_symbolizer *sym,
		       uint32_t stack)
{
	const struct hg_leak_frame *frames;
	unsigned i, j, count, n = 0;

	frames = hg_leaks_stack(r, stack, &count);
	if (count == 0)
		fputs("    (no stack recorded)\n", out);
	for (i = 0; i < count; i++) {
		const struct hg_sym_frame *sf = hg_sym_frame(sym, (size_t)(frames - r->frames) + i);

		if (sf->count == 0) {
			fprintf(out, "    #%u ", n++);
			hg_put_location(out, r, &frames[i]);
			putc('\n', out);
			continue;
		}
		for (j = 0; j < sf->count; j++) {
			const struct hg_sym_entry *e = &sf->entries[j];

			fprintf(out, "    #%u in ", n++);
			hg_put_text(out, e->function ? e->function : "??");
			if (e->file) {
				putc(' ', out);
				hg_put_text(out, e->file);
				if (e->line)
					fprintf(out, ":%u", e->line);
			}
			fputs(" (", out);
			hg_put_location(out, r, &frames[i]);
			fputs(e->inlined ? ") (inlined)\n" : ")\n", out);
		}
	}
}

void hg_put_text_frames(FILE *out, const struct hg_view *v, const struct hg_leak_site *site)
{
	hg_put_text_stack(out, v->r, v->sym, site->stack);
}

void hg_put_text_amount(FILE *out, const char *label, const struct hg_leak_amount *a)
{
	fprintf(out, "  %-9s %" PRIu64 " %s in %" PRIu64 " %s\n", label, a->bytes,
		hg_plural(a->bytes, "byte", "bytes"), a->blocks,
		hg_plural(a->blocks, "block", "blocks"));
}

void hg_put_text_run(FILE *out, const char *title, const struct hg_leaks *r)
{
	size_t i;

	fprintf(out, "%s: ", title);
	hg_put_text(out, r->program);
	fputs("\n  command  ", out);
	for (i = 0; i < r->nargs; i++) {
		putc(' ', out);
		hg_put_text(out, r->args[i]);
	}
	fprintf(out, "\n  pid       %" PRIu64 " (parent %" PRIu64 ")\n", r->pid, r->ppid);
}

static void hg_print_header(FILE *out, const struct hg_leaks *r)
{
	int k;

	hg_put_text_run(out, r->checkpoint ? "heapguard leak checkpoint" : "heapguard leak report",
			r);
	fprintf(out, "  time      %s\n", r->time_utc);
	if (r->checkpoint > 1)
		fprintf(out,
			"  checkpoint %" PRIu64 ": new since checkpoint %" PRIu64
			", %.3f s before\n",
			r->checkpoint, r->checkpoint - 1, (double)r->checkpoint_us / 1e6);
	else if (r->checkpoint == 1)
		fprintf(out, "  checkpoint 1: new since start, %.3f s before\n",
			(double)r->checkpoint_us / 1e6);
	fprintf(out, "  level     %s\n", r->fast ? "fast" : "full");
	if (r->has_status)
		fprintf(out, "  status    %" PRIu64 "\n", r->status);
	else
		fputs("  status    unknown\n", out);
	fputs("  heapguard ", out);
	hg_put_text(out, r->version);
	putc('\n', out);
	for (k = 0; k < HG_KINDS; k++)
		hg_put_text_amount(out, hg_leak_kind_name(k), &r->totals[k]);
	if (r->format >= 3) {
		hg_put_text_amount(out, "suppressed", &r->suppressed);
		fprintf(out, "  errors    %" PRIu64 "\n", r->errors_total);
	}
}

void hg_put_text_error(FILE *out, const struct hg_leaks *r, const struct hg_symbolizer *sym,
		       const struct hg_leak_error *e)
{
	fputs("\nerror: ", out);
	hg_put_text(out, e->kind);
	fprintf(out, " at 0x%" PRIx64 ": ", e->address);
	hg_put_text(out, e->message);
	putc('\n', out);
	hg_put_text_stack(out, r, sym, e->stack);
	if (e->alloc_stack != HG_NO_STACK) {
		fputs("  allocated at:\n", out);
		hg_put_text_stack(out, r, sym, e->alloc_stack);
	}
	if (e->free_stack != HG_NO_STACK) {
		fputs("  freed at:\n", out);
		hg_put_text_stack(out, r, sym, e->free_stack);
	}
}

static void hg_print_site(FILE *out, const struct hg_view *v, const struct hg_leak_site *s)
{
	unsigned i;

	fprintf(out, "\n%s: %" PRIu64 " %s in %" PRIu64 " %s", hg_leak_kind_name(s->kind), s->bytes,
		hg_plural(s->bytes, "byte", "bytes"), s->blocks,
		hg_plural(s->blocks, "block", "blocks"));
	if (s->min == s->max)
		fprintf(out, " (size %" PRIu64 ")", s->min);
	else
		fprintf(out, " (sizes %" PRIu64 "..%" PRIu64 ")", s->min, s->max);
	fprintf(out, ", %s ", s->nthreads == 1 && !s->more_threads ? "thread" : "threads");
	for (i = 0; i < s->nthreads; i++)
		fprintf(out, "%s%" PRIu64, i ? "," : "", s->threads[i]);
	if (s->suppressed_by) {
		fputs(s->more_threads ? " and more, suppressed by leak:" : ", suppressed by leak:",
		      out);
		hg_put_text(out, s->suppressed_by);
		putc('\n', out);
	} else {
		fputs(s->more_threads ? " and more\n" : "\n", out);
	}
	hg_put_text_frames(out, v, s);
	if (v->gen_supp && s->kind != HG_REACHABLE && !s->suppressed_by)
		hg_put_supp_line(out, v->r, v->sym, s->stack);
}

void hg_put_text_suppressed(FILE *out, const struct hg_suppressions *supp)
{
	size_t i;

	fprintf(out, "\nsuppressed: %" PRIu64 " %s in %" PRIu64 " %s (%" PRIu64 " %s)\n",
		supp->amount.bytes, hg_plural(supp->amount.bytes, "byte", "bytes"),
		supp->amount.blocks, hg_plural(supp->amount.blocks, "block", "blocks"), supp->sites,
		hg_plural(supp->sites, "site", "sites"));
	for (i = 0; i < supp->nrules; i++) {
		const struct hg_supp_rule *rule = &supp->rules[i];

		fputs("  leak:", out);
		hg_put_text(out, rule->pattern);
		fprintf(out, " matched %" PRIu64 " %s, %" PRIu64 " %s in %" PRIu64 " %s\n",
			rule->sites, hg_plural(rule->sites, "site", "sites"), rule->bytes,
			hg_plural(rule->bytes, "byte", "bytes"), rule->blocks,
			hg_plural(rule->blocks, "block", "blocks"));
	}
}

void hg_print_text(FILE *out, const struct hg_view *v)
{
	size_t i;
	int k;

	hg_print_header(out, v->r);
	for (i = 0; i < v->r->nerrors; i++)
		hg_put_text_error(out, v->r, v->sym, &v->r->errors[i]);
	if (v->r->errors_total > v->r->nerrors)
		fprintf(out, "\n(%" PRIu64 " more heap errors were reported, not listed)\n",
			v->r->errors_total - v->r->nerrors);
	for (i = 0; i < v->nsites; i++)
		hg_print_site(out, v, v->sites[i]);
	fputs("\nshown:", out);
	for (k = 0; k < HG_KINDS; k++)
		if (v->show & HG_SHOW(k))
			fprintf(out, " %s %" PRIu64 " %s in %" PRIu64 " %s%s", hg_leak_kind_name(k),
				v->shown[k].bytes, hg_plural(v->shown[k].bytes, "byte", "bytes"),
				v->shown[k].blocks,
				hg_plural(v->shown[k].blocks, "block", "blocks"),
				k + 1 < HG_KINDS && (v->show >> (k + 1)) ? "," : "");
	putc('\n', out);
	const struct hg_leaks *r = v->r;
	if (r->has_depot)
		fprintf(out,
			"stack depot: %" PRIu64 " stacks in %" PRIu64 " KiB; %" PRIu64
			" captures, %.1f%% of them already stored\n",
			r->depot[0], r->depot[1] / 1024, r->depot[2],
			r->depot[2] ? 100.0 * (double)r->depot[3] / (double)r->depot[2] : 0.0);
	if (r->has_scan)
		fprintf(out,
			"leak scan: %" PRIu64 " KiB of roots, %" PRIu64 " thread stacks (%" PRIu64
			" did not stop), %.1f ms\n",
			r->scan[0] / 1024, r->scan[1], r->scan[2], (double)r->scan[3] / 1000.0);
	if (v->supp && v->supp->nrules)
		hg_put_text_suppressed(out, v->supp);
}
