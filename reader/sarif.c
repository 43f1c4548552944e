/* SPDX-License-Identifier: MIT */
/* --sarif: a run (or a single report read as one) as SARIF 2.1.0, for code
 * scanning dashboards.  One result per heap error (ruleId its kind, level
 * error) and per lost site (ruleId leak, level warning), located at the
 * innermost frame outside the allocator, with every frame in a stack;
 * partialFingerprints from the symbolized frames only (function and source
 * file, no addresses, no lines), so the same bug keeps its fingerprint
 * from run to run and build to build. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "run.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define HG_SARIF_SCHEMA                                                                          \
	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0." \
	"json"
#define HG_SARIF_FINGERPRINT "heapguardStack/v1"

/* A file path as a URI reference: absolute paths as file:// URIs, bytes
 * outside the unreserved set and '/' percent-encoded. */
static void hg_put_uri(FILE *out, const char *path)
{
	const unsigned char *c;

	putc('"', out);
	if (path[0] == '/')
		fputs("file://", out);
	for (c = (const unsigned char *)path; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("-._~/", *c))
			putc(*c, out);
		else
			fprintf(out, "%%%02X", *c);
	}
	putc('"', out);
}

static void hg_put_sarif_text(FILE *out, const char *text)
{
	fputs("{\"text\":", out);
	hg_put_json_string(out, text);
	putc('}', out);
}

/* A location object for one symbolized entry or a bare frame. */
static void hg_put_sarif_location(FILE *out, const struct hg_leaks *t,
				  const struct hg_leak_frame *f, const struct hg_sym_entry *e)
{
	char where[64];
	bool comma = false;

	putc('{', out);
	if (e && e->file) {
		fputs("\"physicalLocation\":{\"artifactLocation\":{\"uri\":", out);
		hg_put_uri(out, e->file);
		putc('}', out);
		if (e->line)
			fprintf(out, ",\"region\":{\"startLine\":%u}", e->line);
		putc('}', out);
		comma = true;
	}
	if (e && e->function) {
		fputs(comma ? ",\"logicalLocations\":[{\"name\":"
			    : "\"logicalLocations\":[{\"name\":",
		      out);
		hg_put_json_string(out, e->function);
		fputs(",\"kind\":\"function\"}]", out);
		comma = true;
	}
	snprintf(where, sizeof(where), "+0x%" PRIx64, f->offset);
	fputs(comma ? ",\"message\":{\"text\":\"" : "\"message\":{\"text\":\"", out);
	hg_put_json_string_body(out, f->module == HG_NO_MODULE ? "?" : t->modules[f->module].path);
	fprintf(out, "%s\"}}", where);
}

static void hg_put_sarif_frames(FILE *out, const struct hg_run *run, uint32_t stack)
{
	const struct hg_leaks *t = &run->table;
	const struct hg_leak_frame *frames;
	unsigned i, j, count;
	bool first = true;

	frames = hg_leaks_stack(t, stack, &count);
	putc('[', out);
	for (i = 0; i < count; i++) {
		const struct hg_sym_frame *sf =
			hg_sym_frame(run->sym, (size_t)(frames - t->frames) + i);

		for (j = 0; j < (sf->count ? sf->count : 1); j++) {
			fputs(first ? "{\"location\":" : ",{\"location\":", out);
			first = false;
			hg_put_sarif_location(out, t, &frames[i],
					      sf->count ? &sf->entries[j] : NULL);
			if (frames[i].module != HG_NO_MODULE) {
				fputs(",\"module\":", out);
				hg_put_json_string(
					out, hg_run_base_name(t->modules[frames[i].module].path));
			}
			putc('}', out);
		}
	}
	putc(']', out);
}

/* The result's locations: the innermost frame outside the allocator that
 * has a source file, else none. */
static void hg_put_sarif_primary(FILE *out, const struct hg_run *run, uint32_t stack)
{
	const struct hg_leaks *t = &run->table;
	const struct hg_leak_frame *frames;
	unsigned i, j, count;

	frames = hg_leaks_stack(t, stack, &count);
	for (i = 0; i < count; i++) {
		const struct hg_sym_frame *sf =
			hg_sym_frame(run->sym, (size_t)(frames - t->frames) + i);

		for (j = 0; j < sf->count; j++) {
			const struct hg_sym_entry *e = &sf->entries[j];

			if (!e->file || hg_is_allocator_function(e->function))
				continue;
			fputs(",\"locations\":[", out);
			hg_put_sarif_location(out, t, &frames[i], e);
			putc(']', out);
			return;
		}
	}
}

static void hg_put_sarif_stack(FILE *out, const struct hg_run *run, const char *what,
			       uint32_t stack, bool first)
{
	if (stack == HG_NO_STACK)
		return;
	fputs(first ? "{\"message\":" : ",{\"message\":", out);
	hg_put_sarif_text(out, what);
	fputs(",\"frames\":", out);
	hg_put_sarif_frames(out, run, stack);
	putc('}', out);
}

static void hg_put_sarif_fingerprint(FILE *out, const char *hex)
{
	fprintf(out, ",\"partialFingerprints\":{\"" HG_SARIF_FINGERPRINT "\":\"%s\"}",
		hex ? hex : "");
}

static void hg_put_sarif_error(FILE *out, const struct hg_run *run, const struct hg_run_error *e)
{
	char *text = NULL, *key, *hex;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);

	if (mem) {
		fputs(e->error->message, mem);
		fprintf(mem, " (%s, pid %" PRIu64 ")", hg_run_base_name(e->process->program),
			e->process->pid);
		if (fclose(mem) != 0)
			text = NULL;
	}
	fputs("{\"ruleId\":", out);
	hg_put_json_string(out, e->error->kind);
	fputs(",\"level\":\"error\",\"message\":", out);
	hg_put_sarif_text(out, text ? text : e->error->message);
	free(text);
	hg_put_sarif_primary(out, run, e->stack);
	fputs(",\"stacks\":[", out);
	hg_put_sarif_stack(out, run, "where the error was found", e->stack, true);
	hg_put_sarif_stack(out, run, "where the block was allocated", e->alloc_stack,
			   e->stack == HG_NO_STACK);
	hg_put_sarif_stack(out, run, "where the block was freed", e->free_stack,
			   e->stack == HG_NO_STACK && e->alloc_stack == HG_NO_STACK);
	putc(']', out);
	key = hg_run_stack_key(run, e->error->kind, e->stack, false);
	hex = key ? hg_run_fingerprint(key) : NULL;
	hg_put_sarif_fingerprint(out, hex);
	free(key);
	free(hex);
	fprintf(out, ",\"properties\":{\"program\":");
	hg_put_json_string(out, e->process->program);
	fprintf(out, ",\"pid\":%" PRIu64 ",\"address\":\"0x%" PRIx64 "\"}}", e->process->pid,
		e->error->address);
}

static void hg_put_sarif_site(FILE *out, const struct hg_run *run, const struct hg_run_site *s)
{
	char *text = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);

	if (mem) {
		hg_run_put_site_title(mem, run, s);
		if (fclose(mem) != 0)
			text = NULL;
	}
	fputs("{\"ruleId\":\"leak\",\"level\":\"warning\",\"message\":", out);
	hg_put_sarif_text(out, text ? text : "lost memory");
	free(text);
	hg_put_sarif_primary(out, run, s->stack);
	fputs(",\"stacks\":[", out);
	hg_put_sarif_stack(out, run, "where the lost blocks were allocated", s->stack, true);
	putc(']', out);
	hg_put_sarif_fingerprint(out, s->fingerprint);
	if (s->suppressed_by) {
		fputs(",\"suppressions\":[{\"kind\":\"external\",\"justification\":\"leak:", out);
		hg_put_json_string_body(out, s->suppressed_by);
		fputs("\"}]", out);
	}
	fprintf(out,
		",\"properties\":{\"bytes\":%" PRIu64 ",\"blocks\":%" PRIu64 ",\"processes\":%zu}}",
		s->bytes, s->blocks, s->nprocesses);
}

/* The rules: leak, then each error kind met, in order of first meeting. */
static void hg_put_sarif_rules(FILE *out, const struct hg_run *run)
{
	size_t i, j;

	fputs("\"rules\":[{\"id\":\"leak\",\"shortDescription\":{\"text\":\"memory lost: "
	      "allocated, never freed, no longer referenced\"}}",
	      out);
	for (i = 0; i < run->nerrors; i++) {
		const char *kind = run->errors[i].error->kind;

		for (j = 0; j < i && strcmp(run->errors[j].error->kind, kind) != 0; j++)
			;
		if (j < i)
			continue;
		fputs(",{\"id\":", out);
		hg_put_json_string(out, kind);
		fputs(",\"shortDescription\":{\"text\":\"heap error: ", out);
		hg_put_json_string_body(out, kind);
		fputs("\"}}", out);
	}
	putc(']', out);
}

void hg_run_print_sarif(FILE *out, const struct hg_run *run)
{
	bool first = true;
	size_t i;

	fputs("{\"$schema\":\"" HG_SARIF_SCHEMA "\",\"version\":\"2.1.0\",\"runs\":[{\"tool\":{"
	      "\"driver\":{\"name\":\"heapguard\",\"version\":\"" PACKAGE_VERSION "\",",
	      out);
	hg_put_sarif_rules(out, run);
	fputs("}},\"results\":[", out);
	for (i = 0; i < run->nerrors; i++) {
		if (!first)
			putc(',', out);
		first = false;
		hg_put_sarif_error(out, run, &run->errors[i]);
	}
	for (i = 0; i < run->nsites; i++) {
		const struct hg_run_site *s = &run->sites[i];

		if (s->kind != HG_LOST || !s->shown)
			continue;
		if (!first)
			putc(',', out);
		first = false;
		hg_put_sarif_site(out, run, s);
	}
	fprintf(out,
		"],\"properties\":{\"processes\":%zu,\"clean\":%zu,\"errors\":%" PRIu64
		",\"lostBytes\":%" PRIu64 "}}]}\n",
		run->nprocesses, run->clean, run->errors_total,
		run->lost.bytes + run->indirect.bytes);
}
