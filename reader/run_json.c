/* SPDX-License-Identifier: MIT */
/* --json of a run (heapguard-report(1), JSON OUTPUT): the processes by
 * program, the heap errors with their program, pid and frames, the merged
 * sites with the processes that had them; frames as in a single report's
 * JSON. */
#include <inttypes.h>
#include <stdlib.h>

#include "output.h"
#include "run.h"

static void hg_put_json_amount(FILE *out, const char *name, const struct hg_leak_amount *a)
{
	fprintf(out, ",\"%s\":{\"bytes\":%" PRIu64 ",\"blocks\":%" PRIu64 "}", name, a->bytes,
		a->blocks);
}

static void hg_put_json_run_errors(FILE *out, const struct hg_run *run)
{
	size_t i;

	fputs(",\"errors\":[", out);
	for (i = 0; i < run->nerrors; i++) {
		const struct hg_run_error *e = &run->errors[i];

		fputs(i ? ",{\"kind\":" : "{\"kind\":", out);
		hg_put_json_string(out, e->error->kind);
		fputs(",\"program\":", out);
		hg_put_json_string(out, e->process->program);
		fprintf(out, ",\"pid\":%" PRIu64 ",\"address\":\"0x%" PRIx64 "\",\"message\":",
			e->process->pid, e->error->address);
		hg_put_json_string(out, e->error->message);
		fputs(",\"frames\":", out);
		hg_put_json_stack(out, &run->table, run->sym, e->stack);
		fputs(",\"alloc_frames\":", out);
		hg_put_json_stack(out, &run->table, run->sym, e->alloc_stack);
		fputs(",\"free_frames\":", out);
		hg_put_json_stack(out, &run->table, run->sym, e->free_stack);
		putc('}', out);
	}
	putc(']', out);
}

static void hg_put_json_run_site(FILE *out, const struct hg_run *run, const struct hg_run_site *s,
				 bool gen_supp)
{
	size_t i;

	fprintf(out,
		"{\"kind\":\"%s\",\"bytes\":%" PRIu64 ",\"blocks\":%" PRIu64
		",\"processes\":%zu,\"pids\":[",
		hg_leak_kind_name(s->kind), s->bytes, s->blocks, s->nprocesses);
	for (i = 0; i < s->nprocesses; i++)
		fprintf(out, "%s%" PRIu64, i ? "," : "", run->processes[s->processes[i]].pid);
	fputs("],\"suppressed\":", out);
	hg_put_json_string(out, s->suppressed_by);
	fprintf(out, ",\"fingerprint\":\"%s\"", s->fingerprint);
	if (gen_supp && s->kind != HG_REACHABLE && !s->suppressed_by)
		hg_put_json_suppression(out, &run->table, run->sym, s->stack);
	fputs(",\"frames\":", out);
	hg_put_json_stack(out, &run->table, run->sym, s->stack);
	putc('}', out);
}

void hg_run_print_json(FILE *out, const struct hg_run *run, bool gen_supp)
{
	struct hg_program_count *programs;
	size_t n, i;
	bool first = true;

	fprintf(out,
		"{\"format\":%d,\"report\":\"run\",\"processes\":%zu,\"clean\":%zu,"
		"\"damaged_files\":%zu,\"errors_total\":%" PRIu64 ",\"error_processes\":%" PRIu64
		",\"lost_processes\":%" PRIu64,
		HG_LEAKS_FORMAT_VERSION, run->nprocesses, run->clean, run->damaged,
		run->errors_total, run->error_processes, run->lost_processes);
	hg_put_json_amount(out, "lost", &run->lost);
	hg_put_json_amount(out, "indirect", &run->indirect);
	fputs(",\"programs\":[", out);
	programs = hg_run_programs(run, &n);
	for (i = 0; programs && i < n; i++) {
		fputs(i ? ",{\"program\":" : "{\"program\":", out);
		hg_put_json_string(out, programs[i].name);
		fprintf(out, ",\"processes\":%zu}", programs[i].count);
	}
	free(programs);
	putc(']', out);
	hg_put_json_run_errors(out, run);
	fputs(",\"sites\":[", out);
	for (i = 0; i < run->nsites; i++) {
		if (!run->sites[i].shown)
			continue;
		if (!first)
			putc(',', out);
		first = false;
		hg_put_json_run_site(out, run, &run->sites[i], gen_supp);
	}
	fputs("]}\n", out);
}
