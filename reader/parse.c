/* SPDX-License-Identifier: MIT */
/* The leak report parser: the records only heapguard-leaks has (errors,
 * sites, totals, suppressed, depot, scan, end) on top of parse_common.c,
 * with the checks that let every later stage trust struct hg_leaks: sizes
 * within their bounds, one site per (kind, stack), totals and counts equal
 * to the lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../format/frag.h"
#include "leak_report.h"
#include "parse.h"

struct hg_leaks_parse {
	struct hg_parse base;	 /* first: the record parsers get &base */
	struct hg_map site_keys; /* (kind, stack index) -> index into r->sites */
	size_t cap_sites, cap_errors;
	struct hg_leak_amount sums[HG_KINDS];
	struct hg_leak_amount suppressed_sum; /* of the lost and indirect sites marked */
	bool has_errors, has_suppressed;
};

static struct hg_leaks_parse *hg_leaks_parse_of(struct hg_parse *p)
{
	return (struct hg_leaks_parse *)p;
}

static int hg_parse_magic(struct hg_parse *p, char *line)
{
	static const char prefix[] = HG_LEAKS_MAGIC " ";
	char show[64], version[16];
	unsigned v;

	for (v = HG_LEAKS_FORMAT_OLDEST; v <= HG_LEAKS_FORMAT_VERSION; v++) {
		snprintf(version, sizeof(version), "%u", v);
		if (strncmp(line, prefix, sizeof(prefix) - 1) == 0 &&
		    strcmp(line + sizeof(prefix) - 1, version) == 0) {
			p->r->format = v;
			return 0;
		}
	}
	if (strncmp(line, prefix, sizeof(prefix) - 1) == 0)
		return hg_parse_fail(
			p, "unsupported format version '%s' (this reader reads versions %d to %d)",
			hg_parse_show(line + sizeof(prefix) - 1, show, sizeof(show)),
			HG_LEAKS_FORMAT_OLDEST, HG_LEAKS_FORMAT_VERSION);
	if (strncmp(line, HG_FRAG_MAGIC " ", sizeof(HG_FRAG_MAGIC)) == 0)
		return hg_parse_fail(p, "a fragmentation report, not a leak report");
	return hg_parse_fail(p, "not a heapguard leak report (the first line is not '%s %d')",
			     HG_LEAKS_MAGIC, HG_LEAKS_FORMAT_VERSION);
}

static int hg_parse_kind(struct hg_parse *p, const char *s, enum hg_leak_kind *kind)
{
	int k;

	for (k = 0; k < HG_KINDS; k++)
		if (strcmp(s, hg_leak_kind_name((enum hg_leak_kind)k)) == 0) {
			*kind = (enum hg_leak_kind)k;
			return 0;
		}
	return hg_parse_fail(p, "site kind is not %s, %s or %s", hg_leak_kind_name(HG_LOST),
			     hg_leak_kind_name(HG_INDIRECT), hg_leak_kind_name(HG_REACHABLE));
}

static int hg_parse_threads(struct hg_parse *p, char *s, struct hg_leak_site *site)
{
	char *next;

	for (; s; s = next) {
		next = strchr(s, ',');
		if (next)
			*next++ = '\0';
		/* The last field after a comma may be the '+' of ",+". */
		if (strcmp(s, &HG_LEAKS_MORE_THREADS[1]) == 0 && site->nthreads > 0 && !next) {
			site->more_threads = true;
			return 0;
		}
		if (site->nthreads == HG_LEAKS_THREADS_LISTED)
			return hg_parse_fail(
				p, "more than %d threads listed (more are written as ',+')",
				HG_LEAKS_THREADS_LISTED);
		/* 0: not known (level=fast, or before stacks were set up). */
		if (hg_parse_decimal(p, s, "thread number", &site->threads[site->nthreads]) < 0)
			return -1;
		site->nthreads++;
	}
	return 0;
}

/* blocks >= 1, min <= max, blocks*min <= bytes <= blocks*max. */
static int hg_check_site_sizes(struct hg_parse *p, const struct hg_leak_site *s)
{
	uint64_t low, high;

	if (s->blocks == 0)
		return hg_parse_fail(p, "site with 0 blocks");
	if (s->min > s->max)
		return hg_parse_fail(p, "site's smallest size %llu is above its largest %llu",
				     (unsigned long long)s->min, (unsigned long long)s->max);
	if (__builtin_mul_overflow(s->blocks, s->min, &low) || s->bytes < low)
		return hg_parse_fail(
			p, "site's %llu bytes are fewer than %llu blocks of at least %llu",
			(unsigned long long)s->bytes, (unsigned long long)s->blocks,
			(unsigned long long)s->min);
	if (!__builtin_mul_overflow(s->blocks, s->max, &high) && s->bytes > high)
		return hg_parse_fail(p,
				     "site's %llu bytes are more than %llu blocks of at most %llu",
				     (unsigned long long)s->bytes, (unsigned long long)s->blocks,
				     (unsigned long long)s->max);
	return 0;
}

/* A site's optional last field, suppressed=PATTERN (version 3). */
static int hg_parse_suppressed_by(struct hg_parse *p, struct hg_fields *f,
				  struct hg_leak_site *site)
{
	static const char prefix[] = HG_LEAKS_SUPPRESSED_BY;
	char *s;

	if (!f->separated && !*f->s)
		return 0;
	if (p->r->format < 3 || strncmp(f->s, prefix, sizeof(prefix) - 1) != 0)
		return hg_parse_done(p, f, HG_LEAKS_SITE);
	if (!(s = hg_parse_rest(p, f, "suppression pattern")))
		return -1;
	s += sizeof(prefix) - 1;
	if (!*s)
		return hg_parse_fail(p, "empty suppression pattern after '%s'", prefix);
	site->suppressed_by = hg_parse_text(p, s, "the suppression pattern");
	return site->suppressed_by ? 0 : -1;
}

/* checkpoint NUMBER MICROSECONDS: a checkpoint's report, NUMBER from 1. */
static int hg_parse_checkpoint(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[2] = { "checkpoint number", "checkpoint interval" };
	uint64_t v[2];

	if (p->r->format < 3)
		return hg_parse_fail(p, "a '%s' record in a version %u report (version 3 on)",
				     HG_LEAKS_CHECKPOINT, p->r->format);
	if (hg_parse_numbers(p, f, HG_LEAKS_CHECKPOINT, what, v, 2) < 0)
		return -1;
	if (v[0] == 0 || v[0] > UINT32_MAX)
		return hg_parse_fail(p, "checkpoint number %llu is not 1 to %u",
				     (unsigned long long)v[0], UINT32_MAX);
	p->r->checkpoint = v[0];
	p->r->checkpoint_us = v[1];
	return 0;
}

/* errors TOTAL LISTED: LISTED <= TOTAL, at most HG_LEAKS_ERRORS_LISTED. */
static int hg_parse_errors(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[2] = { "errors reported", "errors listed" };
	struct hg_leaks_parse *lp = hg_leaks_parse_of(p);
	uint64_t v[2];

	if (hg_parse_numbers(p, f, HG_LEAKS_ERRORS, what, v, 2) < 0)
		return -1;
	if (v[1] > v[0] || v[1] > HG_LEAKS_ERRORS_LISTED)
		return hg_parse_fail(
			p, "%llu errors listed of %llu reported (at most %d are listed)",
			(unsigned long long)v[1], (unsigned long long)v[0], HG_LEAKS_ERRORS_LISTED);
	p->r->errors_total = v[0];
	lp->has_errors = true;
	/* The listed count is checked against the error lines at the first site. */
	lp->cap_errors = 0;
	p->r->errors = calloc(v[1] ? v[1] : 1, sizeof(*p->r->errors));
	if (!p->r->errors)
		return hg_parse_fail(p, "out of memory");
	lp->cap_errors = v[1];
	return 0;
}

static int hg_parse_error(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[3] = { "error stack", "error allocation stack",
					     "error free stack" };
	struct hg_leaks_parse *lp = hg_leaks_parse_of(p);
	struct hg_leaks *r = p->r;
	struct hg_leak_error *e;
	uint32_t *stacks[3];
	char *s, *c;
	int i;

	if (!lp->has_errors)
		return hg_parse_fail(p, "'%s' record without an '%s' record before it",
				     HG_LEAKS_ERROR, HG_LEAKS_ERRORS);
	if (r->nerrors == lp->cap_errors)
		return hg_parse_fail(p, "more '%s' records than the %zu the '%s' record lists",
				     HG_LEAKS_ERROR, lp->cap_errors, HG_LEAKS_ERRORS);
	e = &r->errors[r->nerrors++];
	if (!(s = hg_parse_field(p, f, "error kind")))
		return -1;
	for (c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
			return hg_parse_fail(p,
					     "error kind has a byte 0x%02x that no kind name has",
					     (unsigned char)*c);
	if (!(e->kind = strdup(s)))
		return hg_parse_fail(p, "out of memory");
	if (!(s = hg_parse_field(p, f, "error address")) ||
	    hg_parse_hex(p, s, "error address", &e->address) < 0)
		return -1;
	stacks[0] = &e->stack;
	stacks[1] = &e->alloc_stack;
	stacks[2] = &e->free_stack;
	for (i = 0; i < 3; i++)
		if (!(s = hg_parse_field(p, f, what[i])) ||
		    hg_parse_stack_ref(p, s, HG_LEAKS_ERROR, what[i], stacks[i]) < 0)
			return -1;
	if (!(s = hg_parse_rest(p, f, "error message")))
		return -1;
	e->message = hg_parse_text(p, s, "the error message");
	return e->message ? 0 : -1;
}

/* Version 3 always has 'errors' before the sites; and as many 'error'
 * lines as it says. */
static int hg_check_errors(struct hg_parse *p)
{
	struct hg_leaks_parse *lp = hg_leaks_parse_of(p);

	if (lp->has_errors && p->r->nerrors != lp->cap_errors)
		return hg_parse_fail(p, "'%s' lists %zu errors, %zu '%s' lines follow",
				     HG_LEAKS_ERRORS, lp->cap_errors, p->r->nerrors,
				     HG_LEAKS_ERROR);
	return 0;
}

static int hg_parse_site(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[4] = { "blocks", "bytes", "smallest size", "largest size" };
	struct hg_leaks_parse *lp = hg_leaks_parse_of(p);
	struct hg_leaks *r = p->r;
	struct hg_leak_site *site;
	struct hg_leak_amount *sum;
	uint64_t *numbers[4];
	uint32_t old, index;
	char *s;
	int i, put;

	if (r->nsites == 0 && hg_check_errors(p) < 0)
		return -1;
	if (hg_parse_grow(p, (void **)&r->sites, &lp->cap_sites, r->nsites + 1, sizeof(*r->sites),
			  HG_LEAKS_RECORDS_MAX, "sites") < 0)
		return -1;
	index = (uint32_t)r->nsites++; /* counted now, so that a failure frees it */
	site = &r->sites[index];
	memset(site, 0, sizeof(*site));
	if (!(s = hg_parse_field(p, f, "site kind")) || hg_parse_kind(p, s, &site->kind) < 0)
		return -1;
	if (!(s = hg_parse_field(p, f, "site stack")) ||
	    hg_parse_stack_ref(p, s, HG_LEAKS_SITE, "site stack", &site->stack) < 0)
		return -1;
	numbers[0] = &site->blocks;
	numbers[1] = &site->bytes;
	numbers[2] = &site->min;
	numbers[3] = &site->max;
	for (i = 0; i < 4; i++)
		if (!(s = hg_parse_field(p, f, what[i])) ||
		    hg_parse_decimal(p, s, what[i], numbers[i]) < 0)
			return -1;
	if (!(s = hg_parse_field(p, f, "threads")) || hg_parse_threads(p, s, site) < 0 ||
	    hg_check_site_sizes(p, site) < 0 || hg_parse_suppressed_by(p, f, site) < 0)
		return -1;
	put = hg_map_put(&lp->site_keys, site->kind, site->stack, index, &old);
	if (put < 0)
		return hg_parse_fail(p, "out of memory");
	if (put > 0)
		return hg_parse_fail(
			p, "a second '%s' site for stack %llu", hg_leak_kind_name(site->kind),
			site->stack == HG_NO_STACK ? 0ull
						   : (unsigned long long)r->stacks[site->stack].id);
	if (site->suppressed_by && site->kind != HG_REACHABLE &&
	    (__builtin_add_overflow(lp->suppressed_sum.bytes, site->bytes,
				    &lp->suppressed_sum.bytes) ||
	     __builtin_add_overflow(lp->suppressed_sum.blocks, site->blocks,
				    &lp->suppressed_sum.blocks)))
		return hg_parse_fail(p, "the suppressed sites add up to more than 64 bits");
	sum = &lp->sums[site->kind];
	if (__builtin_add_overflow(sum->bytes, site->bytes, &sum->bytes) ||
	    __builtin_add_overflow(sum->blocks, site->blocks, &sum->blocks))
		return hg_parse_fail(p, "the %s sites add up to more than 64 bits",
				     hg_leak_kind_name(site->kind));
	return 0;
}

static int hg_parse_totals(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[6] = { "lost bytes",	"lost blocks",
					     "indirect bytes",	"indirect blocks",
					     "reachable bytes", "reachable blocks" };
	struct hg_leak_amount *sums = hg_leaks_parse_of(p)->sums;
	uint64_t v[6];
	int k;

	if ((p->r->nsites == 0 && hg_check_errors(p) < 0) ||
	    hg_parse_numbers(p, f, HG_LEAKS_TOTALS, what, v, 6) < 0)
		return -1;
	for (k = 0; k < HG_KINDS; k++) {
		p->r->totals[k].bytes = v[2 * k];
		p->r->totals[k].blocks = v[2 * k + 1];
		if (v[2 * k] != sums[k].bytes || v[2 * k + 1] != sums[k].blocks)
			return hg_parse_fail(
				p,
				"totals say %llu %s bytes in %llu blocks, the sites add up "
				"to %llu in %llu",
				(unsigned long long)v[2 * k],
				hg_leak_kind_name((enum hg_leak_kind)k),
				(unsigned long long)v[2 * k + 1], (unsigned long long)sums[k].bytes,
				(unsigned long long)sums[k].blocks);
	}
	return 0;
}

static int hg_parse_suppressed(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[2] = { "suppressed bytes", "suppressed blocks" };
	struct hg_leaks_parse *lp = hg_leaks_parse_of(p);
	struct hg_leak_amount *a = &p->r->suppressed;
	uint64_t v[2];

	if (hg_parse_numbers(p, f, HG_LEAKS_SUPPRESSED, what, v, 2) < 0)
		return -1;
	a->bytes = v[0];
	a->blocks = v[1];
	lp->has_suppressed = true;
	if (a->bytes != lp->suppressed_sum.bytes || a->blocks != lp->suppressed_sum.blocks)
		return hg_parse_fail(p,
				     "suppressed says %llu bytes in %llu blocks, the lost and "
				     "indirect sites marked suppressed add up to %llu in %llu",
				     (unsigned long long)a->bytes, (unsigned long long)a->blocks,
				     (unsigned long long)lp->suppressed_sum.bytes,
				     (unsigned long long)lp->suppressed_sum.blocks);
	return 0;
}

static int hg_parse_depot(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[4] = { "depot stacks", "depot bytes", "depot captures",
					     "depot hits" };
	struct hg_leaks *r = p->r;

	r->has_depot = true;
	if (hg_parse_numbers(p, f, HG_LEAKS_DEPOT, what, r->depot, 4) < 0)
		return -1;
	if (r->depot[3] > r->depot[2])
		return hg_parse_fail(p, "depot hits exceed its captures");
	return 0;
}

static int hg_parse_scan(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[6] = { "scanned root bytes", "scanned threads",
					     "threads not stopped", "scan microseconds",
					     "scanned blocks", "scanned heap bytes" };
	struct hg_leaks *r = p->r;
	char *s;
	int i;

	r->has_scan = true;
	/* The last two came later: a report without them is complete. */
	for (i = 0; i < 6; i++) {
		if (i == 4 && !*f->s)
			break;
		if (!(s = hg_parse_field(p, f, what[i])) ||
		    hg_parse_decimal(p, s, what[i], &r->scan[i]) < 0)
			return -1;
	}
	r->has_scan_blocks = i == 6;
	if (hg_parse_done(p, f, HG_LEAKS_SCAN) < 0)
		return -1;
	if (r->scan[2] > r->scan[1])
		return hg_parse_fail(p, "more threads not stopped than scanned");
	return 0;
}

static int hg_parse_end(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[2] = { "site count", "stack count" };
	struct hg_leaks *r = p->r;
	uint64_t counts[2];

	if (hg_parse_numbers(p, f, HG_LEAKS_END, what, counts, 2) < 0)
		return -1;
	if (counts[0] != r->nsites || counts[1] != r->nstacks)
		return hg_parse_fail(
			p, "'end' counts %llu sites and %llu stacks, the file has %zu and %zu",
			(unsigned long long)counts[0], (unsigned long long)counts[1], r->nsites,
			r->nstacks);
	return 0;
}

/* The parser of each record of format/leaks.h's list. */
static hg_record_parser *const hg_parsers[HG_LEAKS_RECORDS] = {
	[HG_LEAKS_REC_VERSION] = hg_parse_version, [HG_LEAKS_REC_PROGRAM] = hg_parse_program,
	[HG_LEAKS_REC_PID] = hg_parse_pid,	   [HG_LEAKS_REC_PPID] = hg_parse_ppid,
	[HG_LEAKS_REC_TIME] = hg_parse_time,	   [HG_LEAKS_REC_LEVEL] = hg_parse_level,
	[HG_LEAKS_REC_STATUS] = hg_parse_status,   [HG_LEAKS_REC_ARG] = hg_parse_arg,
	[HG_LEAKS_REC_OPTION] = hg_parse_option,   [HG_LEAKS_REC_MODULE] = hg_parse_module,
	[HG_LEAKS_REC_STACK] = hg_parse_stack,	   [HG_LEAKS_REC_CHECKPOINT] = hg_parse_checkpoint,
	[HG_LEAKS_REC_ERRORS] = hg_parse_errors,
	[HG_LEAKS_REC_ERROR] = hg_parse_error,	   [HG_LEAKS_REC_SITE] = hg_parse_site,
	[HG_LEAKS_REC_TOTALS] = hg_parse_totals,   [HG_LEAKS_REC_SUPPRESSED] = hg_parse_suppressed,
	[HG_LEAKS_REC_DEPOT] = hg_parse_depot,	   [HG_LEAKS_REC_SCAN] = hg_parse_scan,
	[HG_LEAKS_REC_END] = hg_parse_end,
};

int hg_leaks_load(const char *path, struct hg_leaks *report, char *err, size_t errlen)
{
	struct hg_leaks_parse lp;
	int rc;

	memset(&lp, 0, sizeof(lp));
	lp.base.records = hg_leaks_records();
	lp.base.parsers = hg_parsers;
	lp.base.nrecords = HG_LEAKS_RECORDS;
	lp.base.magic = hg_parse_magic;
	/* The format may grow records after its header, never inside it. */
	lp.base.skip_unknown_from = HG_LEAKS_REC_MODULE;
	hg_map_init(&lp.site_keys);
	rc = hg_parse_file(&lp.base, path, report, err, errlen);
	/* A version 3 file without 'suppressed' (a writer older than its
	 * version's records): the sum of its marked sites. */
	if (rc == 0 && !lp.has_suppressed)
		report->suppressed = lp.suppressed_sum;
	hg_map_free(&lp.site_keys);
	if (rc < 0)
		hg_leaks_free(report);
	return rc;
}

void hg_leaks_free(struct hg_leaks *r)
{
	size_t i;

	free(r->path);
	free(r->version);
	free(r->program);
	free(r->time_utc);
	for (i = 0; i < r->nargs; i++)
		free(r->args[i]);
	free(r->args);
	for (i = 0; i < r->noptions; i++) {
		free(r->options[i].name);
		free(r->options[i].source);
		free(r->options[i].value);
	}
	free(r->options);
	for (i = 0; i < r->nmodules; i++) {
		free(r->modules[i].build_id);
		free(r->modules[i].path);
	}
	free(r->modules);
	free(r->stacks);
	free(r->frames);
	for (i = 0; i < r->nsites; i++)
		free(r->sites[i].suppressed_by);
	free(r->sites);
	for (i = 0; i < r->nerrors; i++) {
		free(r->errors[i].kind);
		free(r->errors[i].message);
	}
	free(r->errors);
	memset(r, 0, sizeof(*r));
}
