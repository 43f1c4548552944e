/* SPDX-License-Identifier: MIT */
/* The leak report parser: the records only heapguard-leaks has (sites,
 * totals, depot, scan, end) on top of parse_common.c, with the checks that
 * let every later stage trust struct hg_leaks: sizes within their bounds,
 * one site per (kind, stack), totals and counts equal to the lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../format/frag.h"
#include "leak_report.h"
#include "parse.h"

struct hg_leaks_parse {
	struct hg_parse base;	 /* first: the record parsers get &base */
	struct hg_map site_keys; /* (kind, stack index) -> index into r->sites */
	size_t cap_sites;
	struct hg_leak_amount sums[HG_KINDS];
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

static int hg_parse_site(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[4] = { "blocks", "bytes", "smallest size", "largest size" };
	struct hg_leaks_parse *lp = hg_leaks_parse_of(p);
	struct hg_leaks *r = p->r;
	struct hg_leak_site *site;
	struct hg_leak_amount *sum;
	uint64_t *numbers[4];
	uint32_t old;
	char *s;
	int i, put;

	if (hg_parse_grow(p, (void **)&r->sites, &lp->cap_sites, r->nsites + 1, sizeof(*r->sites),
			  HG_LEAKS_RECORDS_MAX, "sites") < 0)
		return -1;
	site = &r->sites[r->nsites];
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
	if (!(s = hg_parse_field(p, f, "threads")))
		return -1;
	/* TEMP (procside): version 3's suppressed=PATTERN, accepted and ignored. */
	if (strncmp(f->s, HG_LEAKS_SITE_SUPPRESSED, strlen(HG_LEAKS_SITE_SUPPRESSED)) == 0)
		f->s += strlen(f->s);
	if (hg_parse_done(p, f, HG_LEAKS_SITE) < 0 || hg_parse_threads(p, s, site) < 0 ||
	    hg_check_site_sizes(p, site) < 0)
		return -1;
	put = hg_map_put(&lp->site_keys, site->kind, site->stack, (uint32_t)r->nsites, &old);
	if (put < 0)
		return hg_parse_fail(p, "out of memory");
	if (put > 0)
		return hg_parse_fail(
			p, "a second '%s' site for stack %llu", hg_leak_kind_name(site->kind),
			site->stack == HG_NO_STACK ? 0ull
						   : (unsigned long long)r->stacks[site->stack].id);
	sum = &lp->sums[site->kind];
	if (__builtin_add_overflow(sum->bytes, site->bytes, &sum->bytes) ||
	    __builtin_add_overflow(sum->blocks, site->blocks, &sum->blocks))
		return hg_parse_fail(p, "the %s sites add up to more than 64 bits",
				     hg_leak_kind_name(site->kind));
	r->nsites++;
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

	if (hg_parse_numbers(p, f, HG_LEAKS_TOTALS, what, v, 6) < 0)
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
	static const char *const what[4] = { "scanned root bytes", "scanned threads",
					     "threads not stopped", "scan microseconds" };
	struct hg_leaks *r = p->r;

	r->has_scan = true;
	if (hg_parse_numbers(p, f, HG_LEAKS_SCAN, what, r->scan, 4) < 0)
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

/* TEMP (procside): version 3's errors, error and suppressed records,
 * accepted and ignored until the reader reads them. */
static int hg_parse_ignored(struct hg_parse *p, struct hg_fields *f)
{
	(void)p;
	f->s += strlen(f->s);
	return 0;
}

/* The parser of each record of format/leaks.h's list. */
static hg_record_parser *const hg_parsers[HG_LEAKS_RECORDS] = {
	[HG_LEAKS_REC_VERSION] = hg_parse_version, [HG_LEAKS_REC_PROGRAM] = hg_parse_program,
	[HG_LEAKS_REC_PID] = hg_parse_pid,	   [HG_LEAKS_REC_PPID] = hg_parse_ppid,
	[HG_LEAKS_REC_TIME] = hg_parse_time,	   [HG_LEAKS_REC_LEVEL] = hg_parse_level,
	[HG_LEAKS_REC_STATUS] = hg_parse_status,   [HG_LEAKS_REC_ARG] = hg_parse_arg,
	[HG_LEAKS_REC_OPTION] = hg_parse_option,   [HG_LEAKS_REC_MODULE] = hg_parse_module,
	[HG_LEAKS_REC_STACK] = hg_parse_stack,	   [HG_LEAKS_REC_SITE] = hg_parse_site,
	[HG_LEAKS_REC_TOTALS] = hg_parse_totals,   [HG_LEAKS_REC_DEPOT] = hg_parse_depot,
	[HG_LEAKS_REC_SCAN] = hg_parse_scan,	   [HG_LEAKS_REC_END] = hg_parse_end,
	[HG_LEAKS_REC_ERRORS] = hg_parse_ignored,  [HG_LEAKS_REC_ERROR] = hg_parse_ignored,
	[HG_LEAKS_REC_SUPPRESSED] = hg_parse_ignored,
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
	free(r->sites);
	memset(r, 0, sizeof(*r));
}
