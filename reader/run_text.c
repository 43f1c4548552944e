/* SPDX-License-Identifier: MIT */
/* A run as text: who ran (processes by program), the heap errors with
 * their stacks, the lost sites merged over processes; and the one-line
 * summary the launcher prints last (--summary-line).  Strings from files
 * are printed escaped, as everywhere in the reader. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "run.h"

#define HG_PIDS_SHOWN	 10 /* pids listed for a site */
#define HG_SUMMARY_NAMES 3  /* functions named in the summary, per part */

static int hg_by_count(const void *a, const void *b)
{
	const struct hg_program_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int hg_by_name(const void *a, const void *b)
{
	return strcmp(((const struct hg_program_count *)a)->name,
		      ((const struct hg_program_count *)b)->name);
}

/* The processes by program base name, most first: malloc'd, *n set. */
struct hg_program_count *hg_run_programs(const struct hg_run *run, size_t *n)
{
	struct hg_program_count *c = calloc(run->nprocesses + 1, sizeof(*c));
	size_t i, k = 0;

	*n = 0;
	if (!c)
		return NULL;
	for (i = 0; i < run->nprocesses; i++)
		c[i].name = hg_run_base_name(run->processes[i].program), c[i].count = 1;
	qsort(c, run->nprocesses, sizeof(*c), hg_by_name);
	for (i = 0; i < run->nprocesses; i++) {
		if (k > 0 && strcmp(c[k - 1].name, c[i].name) == 0)
			c[k - 1].count++;
		else
			c[k++] = c[i];
	}
	qsort(c, k, sizeof(*c), hg_by_count);
	*n = k;
	return c;
}

/* The innermost frame of a stack that is not an allocator's, symbolized:
 * false when none is. */
static bool hg_run_place(const struct hg_run *run, uint32_t stack, const struct hg_sym_entry **out)
{
	const struct hg_leaks *t = &run->table;
	const struct hg_leak_frame *frames;
	unsigned i, j, count;

	frames = hg_leaks_stack(t, stack, &count);
	for (i = 0; i < count; i++) {
		const struct hg_sym_frame *sf =
			hg_sym_frame(run->sym, (size_t)(frames - t->frames) + i);

		for (j = 0; j < sf->count; j++)
			if (sf->entries[j].function &&
			    !hg_is_allocator_function(sf->entries[j].function)) {
				*out = &sf->entries[j];
				return true;
			}
	}
	return false;
}

static void hg_put_place(FILE *out, const struct hg_run *run, uint32_t stack)
{
	const struct hg_leaks *t = &run->table;
	const struct hg_leak_frame *frames;
	const struct hg_sym_entry *e;
	unsigned i, count;

	if (!hg_run_place(run, stack, &e)) {
		/* Nothing symbolized: the innermost frame in a module. */
		frames = hg_leaks_stack(t, stack, &count);
		for (i = 0; i < count && frames[i].module == HG_NO_MODULE; i++)
			;
		if (i < count) {
			fputs(" at ", out);
			hg_put_text(out, hg_run_base_name(t->modules[frames[i].module].path));
			fprintf(out, "+0x%" PRIx64, frames[i].offset);
		}
		return;
	}
	fputs(" at ", out);
	hg_put_text(out, e->function);
	if (e->file) {
		fputs(" (", out);
		hg_put_text(out, hg_run_base_name(e->file));
		if (e->line)
			fprintf(out, ":%u", e->line);
		putc(')', out);
	}
}

static void hg_put_operands(FILE *out, const struct hg_run *run)
{
	size_t i;

	for (i = 0; i < run->noperands; i++) {
		const char *s = run->operands[i];
		bool plain = *s != '\0';
		const char *c;

		for (c = s; *c; c++)
			if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
				    "_./+-=:,@%",
				    *c))
				plain = false;
		if (i)
			putc(' ', out);
		if (plain) {
			fputs(s, out);
			continue;
		}
		/* Quoted for the shell: ' as '\''. */
		putc('\'', out);
		for (c = s; *c; c++) {
			if (*c == '\'')
				fputs("'\\''", out);
			else if ((unsigned char)*c < 0x20 || *c == 0x7f)
				fprintf(out, "\\x%02x", (unsigned char)*c);
			else
				putc(*c, out);
		}
		putc('\'', out);
	}
}

static void hg_print_run_header(FILE *out, const struct hg_run *run)
{
	struct hg_program_count *programs;
	size_t n, i;

	fputs("heapguard run: ", out);
	hg_put_operands(out, run);
	fprintf(out, "\n  processes %zu:", run->nprocesses);
	programs = hg_run_programs(run, &n);
	for (i = 0; programs && i < n; i++) {
		fputs(i ? ", " : " ", out);
		hg_put_text(out, *programs[i].name ? programs[i].name : "?");
		fprintf(out, " \u00d7%zu", programs[i].count);
	}
	free(programs);
	fprintf(out, "\n  clean     %zu\n", run->clean);
	fprintf(out, "  findings  %zu\n", run->nprocesses - run->clean);
	fprintf(out, "  errors    %" PRIu64 " in %" PRIu64 " %s\n", run->errors_total,
		run->error_processes, hg_plural(run->error_processes, "process", "processes"));
	hg_put_text_amount(out, "lost", &run->lost);
	hg_put_text_amount(out, "indirect", &run->indirect);
	fprintf(out, "  lost in   %" PRIu64 " %s\n", run->lost_processes,
		hg_plural(run->lost_processes, "process", "processes"));
	if (run->damaged)
		fprintf(out, "  skipped   %zu damaged %s (see the warnings)\n", run->damaged,
			hg_plural(run->damaged, "file", "files"));
	if (run->frag_reports)
		fprintf(out, "  fragmentation reports: %zu (read each alone)\n", run->frag_reports);
}

static void hg_print_run_error(FILE *out, const struct hg_run *run, const struct hg_run_error *e)
{
	fputs("\nerror: ", out);
	hg_put_text(out, e->error->kind);
	fprintf(out, " at 0x%" PRIx64 " in ", e->error->address);
	hg_put_text(out, hg_run_base_name(e->process->program));
	fprintf(out, " (pid %" PRIu64 "): ", e->process->pid);
	hg_put_text(out, e->error->message);
	putc('\n', out);
	hg_put_text_stack(out, &run->table, run->sym, e->stack);
	if (e->alloc_stack != HG_NO_STACK) {
		fputs("  allocated at:\n", out);
		hg_put_text_stack(out, &run->table, run->sym, e->alloc_stack);
	}
	if (e->free_stack != HG_NO_STACK) {
		fputs("  freed at:\n", out);
		hg_put_text_stack(out, &run->table, run->sym, e->free_stack);
	}
}

void hg_run_put_site_title(FILE *out, const struct hg_run *run, const struct hg_run_site *s)
{
	size_t i;

	fprintf(out, "%s: %" PRIu64 " %s in %" PRIu64 " %s", hg_leak_kind_name(s->kind), s->bytes,
		hg_plural(s->bytes, "byte", "bytes"), s->blocks,
		hg_plural(s->blocks, "block", "blocks"));
	hg_put_place(out, run, s->stack);
	fprintf(out, " in %zu %s (%s", s->nprocesses,
		hg_plural(s->nprocesses, "process", "processes"),
		s->nprocesses == 1 ? "pid" : "pids");
	for (i = 0; i < s->nprocesses && i < HG_PIDS_SHOWN; i++)
		fprintf(out, "%s%" PRIu64, i ? ", " : " ", run->processes[s->processes[i]].pid);
	fputs(s->nprocesses > HG_PIDS_SHOWN ? ", \u2026)" : ")", out);
	if (s->suppressed_by) {
		fputs(", suppressed by leak:", out);
		hg_put_text(out, s->suppressed_by);
	}
}

static void hg_print_run_site(FILE *out, const struct hg_run *run, const struct hg_run_site *s,
			      bool gen_supp)
{
	putc('\n', out);
	hg_run_put_site_title(out, run, s);
	putc('\n', out);
	hg_put_text_stack(out, &run->table, run->sym, s->stack);
	if (gen_supp && s->kind != HG_REACHABLE && !s->suppressed_by)
		hg_put_supp_line(out, &run->table, run->sym, s->stack);
}

void hg_run_print_text(FILE *out, const struct hg_run *run, bool gen_supp)
{
	struct hg_leak_amount shown[HG_KINDS];
	size_t i, sites[HG_KINDS] = { 0 };
	int k;

	memset(shown, 0, sizeof(shown));
	hg_print_run_header(out, run);
	for (i = 0; i < run->nerrors; i++)
		hg_print_run_error(out, run, &run->errors[i]);
	if (run->errors_total > run->nerrors)
		fprintf(out, "\n(%" PRIu64 " heap %s reported without a listed stack)\n",
			run->errors_total - run->nerrors,
			hg_plural(run->errors_total - run->nerrors, "error", "errors"));
	for (i = 0; i < run->nsites; i++) {
		const struct hg_run_site *s = &run->sites[i];

		if (!s->shown)
			continue;
		hg_print_run_site(out, run, s, gen_supp);
		if (!s->suppressed_by) {
			shown[s->kind].bytes += s->bytes;
			shown[s->kind].blocks += s->blocks;
			sites[s->kind]++;
		}
	}
	fputs("\nshown:", out);
	for (k = 0; k < HG_KINDS; k++)
		if (run->show & HG_SHOW(k))
			fprintf(out, "%s %s %" PRIu64 " %s in %" PRIu64 " %s at %zu %s",
				k && (run->show & (HG_SHOW(k) - 1)) ? "," : "",
				hg_leak_kind_name(k), shown[k].bytes,
				hg_plural(shown[k].bytes, "byte", "bytes"), shown[k].blocks,
				hg_plural(shown[k].blocks, "block", "blocks"), sites[k],
				hg_plural(sites[k], "site", "sites"));
	putc('\n', out);
	if (run->supp && run->supp->nrules)
		hg_put_text_suppressed(out, run->supp);
}

/* Appends name to the list unless there: whether it was added. */
static bool hg_add_name(const char **names, size_t *n, size_t max, const char *name, bool *more)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(names[i], name) == 0)
			return false;
	if (*n == max) {
		*more = true;
		return false;
	}
	names[(*n)++] = name;
	return true;
}

static void hg_put_names(FILE *out, const char **names, size_t n, bool more)
{
	size_t i;

	if (n == 0)
		return;
	fputs(" (", out);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		hg_put_text(out, names[i]);
	}
	fputs(more ? ", \u2026)" : ")", out);
}

void hg_run_print_summary(FILE *out, const struct hg_run *run)
{
	const char *names[HG_SUMMARY_NAMES];
	uint64_t bytes = run->lost.bytes + run->indirect.bytes;
	size_t n = 0, i, sites = 0;
	bool more = false;

	fprintf(out, "heapguard: %zu %s", run->nprocesses,
		hg_plural(run->nprocesses, "process", "processes"));
	if (run->clean == run->nprocesses) {
		fputs(", all clean", out);
		goto tail;
	}
	if (run->clean)
		fprintf(out, " (%zu clean)", run->clean);
	if (run->errors_total) {
		fprintf(out, ", %" PRIu64 " heap %s in %" PRIu64 " %s", run->errors_total,
			hg_plural(run->errors_total, "error", "errors"), run->error_processes,
			hg_plural(run->error_processes, "process", "processes"));
		for (i = 0; i < run->nerrors; i++)
			if (run->errors[i].where)
				hg_add_name(names, &n, HG_SUMMARY_NAMES, run->errors[i].where,
					    &more);
		hg_put_names(out, names, n, more);
	}
	if (run->lost_processes) {
		n = 0;
		more = false;
		for (i = 0; i < run->nsites; i++) {
			const struct hg_run_site *s = &run->sites[i];
			const char *function;

			if (s->kind != HG_LOST || s->suppressed_by || !s->shown)
				continue;
			sites++;
			if ((function = hg_run_function(run, s->stack)))
				hg_add_name(names, &n, HG_SUMMARY_NAMES, function, &more);
		}
		fprintf(out, ", lost %" PRIu64 " %s", bytes, hg_plural(bytes, "byte", "bytes"));
		if (sites)
			fprintf(out, " at %zu %s", sites, hg_plural(sites, "site", "sites"));
		fprintf(out, " in %" PRIu64 " %s", run->lost_processes,
			hg_plural(run->lost_processes, "process", "processes"));
		hg_put_names(out, names, n, more);
	}
tail:
	fputs("; read it all: heapguard-report ", out);
	hg_put_operands(out, run);
	putc('\n', out);
}
