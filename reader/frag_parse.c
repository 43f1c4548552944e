/* SPDX-License-Identifier: MIT */
/* The fragmentation report parser: the records of heapguard-frag on top of
 * parse_common.c.  Each record is checked as it comes (references, ranges,
 * the figures' own relations, the order of sorted lists); what spans records
 * (totals against the arenas, histograms against the free figures, maps
 * against their segments, the 'end' counts) is checked where the last piece
 * arrives.  Unknown records and unknown key= fields are skipped, so that
 * later writers of a version can add them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag_report.h"
#include "parse.h"

struct hg_frag_parse {
	struct hg_parse base; /* first: the record parsers get &base */
	struct hg_frag *frag;
	size_t cap_arenas, cap_classes, cap_peak_sites, cap_pin_tops, cap_pin_sites, cap_segments,
		cap_cells, cap_timeline, cap_units, cap_unit_stacks;
	size_t pages_segment;	   /* the segment the pages lines are at */
	struct hg_map pin_stacks;  /* stack index -> pin_site, to refuse a second */
	bool map_pending;	   /* the last segment's map line has not come yet */
	bool histogram_all;	   /* the 'all' histogram lines have begun */
	uint64_t (*arena_hist)[2]; /* chunks, bytes of each arena's histogram */
	uint64_t class_sum[HG_FRAG_CLASSES][2], class_all[HG_FRAG_CLASSES][2];
	uint64_t pinned_sum;
};

static struct hg_frag_parse *hg_frag_parse_of(struct hg_parse *p)
{
	return (struct hg_frag_parse *)p;
}

/* A relation between figures the writer takes from the bin lists and
 * figures it takes from walking the chunks: a damaged heap (a report after
 * a heap error, or with check errors let through) breaks them.  The first
 * is kept as a warning ("PATH:LINE: what") and the report is read on. */
__attribute__((format(printf, 2, 3))) static int hg_frag_doubt(struct hg_parse *p, const char *fmt,
							       ...)
{
	struct hg_frag *frag = hg_frag_parse_of(p)->frag;
	char msg[512];
	va_list ap;
	int n;

	if (frag->doubt)
		return 0;
	n = snprintf(msg, sizeof(msg), "%s:%lu: ", p->path, p->in.line);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	frag->doubt = strdup(msg);
	return frag->doubt ? 0 : hg_parse_fail(p, "out of memory");
}

static bool hg_power_of_two(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int hg_frag_magic(struct hg_parse *p, char *line)
{
	static const char prefix[] = HG_FRAG_MAGIC " ";
	struct hg_frag *frag = hg_frag_parse_of(p)->frag;
	const char *v = line + sizeof(prefix) - 1, *minor, *c;
	char show[64], major[16];
	unsigned m;
	size_t n;

	if (strncmp(line, prefix, sizeof(prefix) - 1) != 0) {
		if (strncmp(line, HG_LEAKS_MAGIC " ", sizeof(HG_LEAKS_MAGIC)) == 0)
			return hg_parse_fail(p, "a leak report, not a fragmentation report");
		return hg_parse_fail(p,
				     "not a heapguard fragmentation report (the first line is not "
				     "'%s %d')",
				     HG_FRAG_MAGIC, HG_FRAG_FORMAT_VERSION);
	}
	/* MAJOR and MAJOR.MINOR: a minor version only adds what its major
	 * version's readers skip. */
	for (m = HG_FRAG_FORMAT_OLDEST; m <= HG_FRAG_FORMAT_VERSION; m++) {
		n = (size_t)snprintf(major, sizeof(major), "%u", m);
		minor = v + n;
		if (strncmp(v, major, n) != 0 ||
		    (*minor != '\0' && (*minor != '.' || !minor[1] ||
					strspn(minor + 1, "0123456789") != strlen(minor + 1))))
			continue;
		p->r->format = m;
		frag->minor = 0;
		for (c = *minor ? minor + 1 : minor; *c; c++)
			if (frag->minor < 1000000) /* any larger is as good */
				frag->minor = frag->minor * 10 + (unsigned)(*c - '0');
		return 0;
	}
	return hg_parse_fail(
		p, "unsupported format version '%s' (this reader reads versions %d to %d)",
		hg_parse_show(v, show, sizeof(show)), HG_FRAG_FORMAT_OLDEST,
		HG_FRAG_FORMAT_VERSION);
}

static int hg_frag_trigger(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_frag *frag = hg_frag_parse_of(p)->frag;
	char *s = hg_parse_field(p, f, "trigger");

	if (!s || hg_parse_done(p, f, HG_FRAG_TRIGGER) < 0)
		return -1;
	if (strlen(s) > 32 || strspn(s, "abcdefghijklmnopqrstuvwxyz_") != strlen(s))
		return hg_parse_fail(p, "trigger is not a word (%s, %s, %s, %s or %s)",
				     hg_frag_trigger_name(HG_FRAG_AT_EXIT),
				     hg_frag_trigger_name(HG_FRAG_ON_CALL),
				     hg_frag_trigger_name(HG_FRAG_ON_SIGNAL),
				     hg_frag_trigger_name(HG_FRAG_ON_ERROR),
				     hg_frag_trigger_name(HG_FRAG_ON_CRASH));
	frag->trigger = strdup(s);
	return frag->trigger ? 0 : hg_parse_fail(p, "out of memory");
}

static int hg_frag_uptime(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[1] = { "uptime_us" };

	return hg_parse_numbers(p, f, HG_FRAG_UPTIME, what, &hg_frag_parse_of(p)->frag->uptime_us,
				1);
}

static int hg_frag_page_size(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[1] = { "page size" };
	uint64_t *size = &hg_frag_parse_of(p)->frag->page_size;

	if (hg_parse_numbers(p, f, HG_FRAG_PAGE_SIZE, what, size, 1) < 0)
		return -1;
	if (!hg_power_of_two(*size) || *size < 256 || *size > (1u << 30))
		return hg_parse_fail(p, "page size %llu is not a power of two from 256 to 1 GiB",
				     (unsigned long long)*size);
	return 0;
}

/* The names of a key=value record's keys (format/frag.h), by index, and
 * the bits of the first n of them. */
typedef const char *hg_frag_key_name(int i);
#define HG_KEYS_FIRST(n) ((1ull << (n)) - 1)

static const char *hg_figure_key(int i)
{
	return hg_frag_figure_key((enum hg_frag_figure)i);
}

static const char *hg_mmapped_key(int i)
{
	return hg_frag_mmapped_key((enum hg_frag_mmapped_key)i);
}

static const char *hg_guard_key(int i)
{
	return hg_frag_guard_key((enum hg_frag_guard_key)i);
}

static const char *hg_peak_key(int i)
{
	return hg_frag_peak_key((enum hg_frag_peak_key)i);
}

/* The KEY=VALUE fields of a record: key names(i) into out[i], each at most
 * once, those whose bit is set in required required (the others 0 when
 * absent); with kind, the value of kind= too (required).  Other keys are
 * skipped.  The keys found, as bits, into *found when given. */
static int hg_frag_keys(struct hg_parse *p, struct hg_fields *f, const char *record,
			hg_frag_key_name *names, int n, uint64_t required, uint64_t *out,
			char **kind, uint64_t *found)
{
	uint64_t seen = 0;
	char show[64];
	int i;

	if (kind)
		*kind = NULL;
	memset(out, 0, (size_t)n * sizeof(*out));
	while (*f->s || f->separated) {
		char *field = hg_parse_field(p, f, "KEY=VALUE field");
		char *eq;

		if (!field)
			return -1;
		eq = strchr(field, '=');
		if (!eq || eq == field ||
		    strspn(field, "abcdefghijklmnopqrstuvwxyz0123456789_") != (size_t)(eq - field))
			return hg_parse_fail(p, "field '%s' of the '%s' record is not KEY=VALUE",
					     hg_parse_show(field, show, sizeof(show)), record);
		*eq = '\0';
		if (kind && strcmp(field, HG_FRAG_ARENA_KIND) == 0) {
			if (*kind)
				return hg_parse_fail(p, "a second %s= in the '%s' record",
						     HG_FRAG_ARENA_KIND, record);
			*kind = eq + 1;
			continue;
		}
		for (i = 0; i < n; i++)
			if (strcmp(field, names(i)) == 0)
				break;
		if (i == n)
			continue;
		if (seen & (1ull << i))
			return hg_parse_fail(p, "a second %s= in the '%s' record", names(i),
					     record);
		seen |= 1ull << i;
		if (hg_parse_decimal(p, eq + 1, names(i), &out[i]) < 0)
			return -1;
	}
	if (kind && !*kind)
		return hg_parse_fail(p, "the '%s' record lacks %s=", record, HG_FRAG_ARENA_KIND);
	for (i = 0; i < n; i++)
		if ((required & (1ull << i)) && !(seen & (1ull << i)))
			return hg_parse_fail(p, "the '%s' record lacks %s=", record, names(i));
	if (found)
		*found = seen;
	return 0;
}

/* The relations every set of figures has (heapguard-report(5)). */
static int hg_frag_check_figures(struct hg_parse *p, const uint64_t *v, const char *what,
				 bool one_arena)
{
	uint64_t kinds = 0, most;
	int k;

	for (k = HG_FIG_FREE_FIRST; k <= HG_FIG_FREE_LAST; k++)
		if (__builtin_add_overflow(kinds, v[k], &kinds))
			return hg_parse_fail(
				p, "%s: the kinds of free bytes add up to more than 64 bits", what);
	if (kinds != v[HG_FIG_FREE])
		return hg_parse_fail(p, "%s: free=%llu is not the sum of its kinds (%llu)", what,
				     (unsigned long long)v[HG_FIG_FREE], (unsigned long long)kinds);
	/* The writer says 0 in use rather than wrap when the free figures of
	 * a damaged heap exceed its system bytes. */
	if (v[HG_FIG_IN_USE] !=
	    (v[HG_FIG_SYSTEM] > v[HG_FIG_FREE] ? v[HG_FIG_SYSTEM] - v[HG_FIG_FREE] : 0))
		return hg_parse_fail(
			p, "%s: in_use=%llu and free=%llu do not add up to system=%llu", what,
			(unsigned long long)v[HG_FIG_IN_USE], (unsigned long long)v[HG_FIG_FREE],
			(unsigned long long)v[HG_FIG_SYSTEM]);
	/* From here on, walked figures against listed ones (hg_frag_doubt).
	 * An arena has one top; the totals' top is the sum of them all.  A
	 * free region is one chunk or more. */
	if ((one_arena && v[HG_FIG_TOP] > v[HG_FIG_LARGEST_CHUNK]) ||
	    v[HG_FIG_LARGEST_CHUNK] > v[HG_FIG_LARGEST_FREE] ||
	    v[HG_FIG_LARGEST_FREE] > v[HG_FIG_FREE])
		return hg_frag_doubt(p,
				     "%s: top=%llu <= largest_chunk=%llu <= largest_free=%llu <= "
				     "free=%llu does not hold",
				     what, (unsigned long long)(one_arena ? v[HG_FIG_TOP] : 0),
				     (unsigned long long)v[HG_FIG_LARGEST_CHUNK],
				     (unsigned long long)v[HG_FIG_LARGEST_FREE],
				     (unsigned long long)v[HG_FIG_FREE]);
	if ((v[HG_FIG_FREE_CHUNKS] == 0) != (v[HG_FIG_FREE] == 0) ||
	    (!__builtin_mul_overflow(v[HG_FIG_FREE_CHUNKS], v[HG_FIG_LARGEST_CHUNK], &most) &&
	     most < v[HG_FIG_FREE]))
		return hg_frag_doubt(
			p, "%s: %llu free chunks of at most %llu bytes cannot hold free=%llu", what,
			(unsigned long long)v[HG_FIG_FREE_CHUNKS],
			(unsigned long long)v[HG_FIG_LARGEST_CHUNK],
			(unsigned long long)v[HG_FIG_FREE]);
	if (v[HG_FIG_REQUESTED] > v[HG_FIG_USABLE] || v[HG_FIG_USABLE] > v[HG_FIG_LIVE_BYTES] ||
	    v[HG_FIG_LIVE_BYTES] > v[HG_FIG_IN_USE])
		return hg_frag_doubt(p,
				     "%s: requested=%llu <= usable=%llu <= live_bytes=%llu <= "
				     "in_use=%llu does not hold",
				     what, (unsigned long long)v[HG_FIG_REQUESTED],
				     (unsigned long long)v[HG_FIG_USABLE],
				     (unsigned long long)v[HG_FIG_LIVE_BYTES],
				     (unsigned long long)v[HG_FIG_IN_USE]);
	if ((v[HG_FIG_LIVE_BLOCKS] == 0) != (v[HG_FIG_LIVE_BYTES] == 0))
		return hg_frag_doubt(p, "%s: live_blocks=%llu with live_bytes=%llu", what,
				     (unsigned long long)v[HG_FIG_LIVE_BLOCKS],
				     (unsigned long long)v[HG_FIG_LIVE_BYTES]);
	if (v[HG_FIG_TRIMMABLE] > v[HG_FIG_RESIDENT])
		return hg_frag_doubt(p, "%s: trimmable=%llu is more than resident=%llu", what,
				     (unsigned long long)v[HG_FIG_TRIMMABLE],
				     (unsigned long long)v[HG_FIG_RESIDENT]);
	return 0;
}

static int hg_frag_arena(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_frag_parse *fp = hg_frag_parse_of(p);
	struct hg_frag *frag = fp->frag;
	struct hg_frag_arena *a;
	char what[48], *s, *kind;
	uint64_t id;

	if (!(s = hg_parse_field(p, f, "arena id")) || hg_parse_decimal(p, s, "arena id", &id) < 0)
		return -1;
	if (id != frag->narenas)
		return hg_parse_fail(p,
				     "arena %llu where arena %zu was expected (ids count from 0)",
				     (unsigned long long)id, frag->narenas);
	if (hg_parse_grow(p, (void **)&frag->arenas, &fp->cap_arenas, frag->narenas + 1,
			  sizeof(*frag->arenas), HG_FRAG_ARENAS_MAX, "arenas") < 0)
		return -1;
	a = &frag->arenas[frag->narenas];
	memset(a, 0, sizeof(*a));
	a->id = id;
	if (hg_frag_keys(p, f, HG_FRAG_ARENA, hg_figure_key, HG_FIGURES, HG_KEYS_FIRST(HG_FIGURES),
			 a->fig, &kind, NULL) < 0)
		return -1;
	if (strcmp(kind, HG_FRAG_KIND_MAIN) != 0 && strcmp(kind, HG_FRAG_KIND_THREAD) != 0)
		return hg_parse_fail(p, "arena kind is neither '%s' nor '%s'", HG_FRAG_KIND_MAIN,
				     HG_FRAG_KIND_THREAD);
	a->main = strcmp(kind, HG_FRAG_KIND_MAIN) == 0;
	if (a->main != (id == 0))
		return hg_parse_fail(p, "arena %llu has %s=%s (arena 0 is the main arena, only it)",
				     (unsigned long long)id, HG_FRAG_ARENA_KIND, kind);
	snprintf(what, sizeof(what), "arena %llu", (unsigned long long)id);
	if (hg_frag_check_figures(p, a->fig, what, true) < 0)
		return -1;
	frag->narenas++;
	return 0;
}

static int hg_frag_mmapped(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_frag *frag = hg_frag_parse_of(p)->frag;
	struct hg_frag_mmapped *m = &frag->mmapped;
	uint64_t v[HG_MM_KEYS];

	if (frag->narenas == 0)
		return hg_parse_fail(p, "no '%s' record before '%s' (the main arena is one)",
				     HG_FRAG_ARENA, HG_FRAG_MMAPPED);
	uint64_t required = HG_KEYS_FIRST(HG_MM_QUARANTINED), found;

	/* Every key is required but quarantined=, and usable= before 1.1. */
	if (frag->run.format == 1 && frag->minor == 0)
		required &= ~(1ull << HG_MM_USABLE);
	if (hg_frag_keys(p, f, HG_FRAG_MMAPPED, hg_mmapped_key, HG_MM_KEYS, required, v, NULL,
			 &found) < 0)
		return -1;
	m->has_usable = found & (1ull << HG_MM_USABLE);
	m->usable = v[HG_MM_USABLE];
	m->quarantined = v[HG_MM_QUARANTINED];
	m->chunks = v[HG_MM_CHUNKS];
	m->system = v[HG_MM_SYSTEM];
	m->live_bytes = v[HG_MM_LIVE_BYTES];
	m->requested = v[HG_MM_REQUESTED];
	m->resident = v[HG_MM_RESIDENT];
	if (m->requested > m->live_bytes || m->live_bytes > m->system || m->resident > m->system ||
	    (m->chunks == 0) != (m->system == 0) ||
	    (m->has_usable && (m->requested > m->usable || m->usable > m->live_bytes)))
		return hg_parse_fail(
			p,
			"mmapped: %llu chunks of %llu bytes in %llu mapped (%llu "
			"requested, %llu resident) do not add up",
			(unsigned long long)m->chunks, (unsigned long long)m->live_bytes,
			(unsigned long long)m->system, (unsigned long long)m->requested,
			(unsigned long long)m->resident);
	return 0;
}

static int hg_frag_guard_pages(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_frag_guard_pages *g = &hg_frag_parse_of(p)->frag->guard_pages;

	if (hg_frag_keys(p, f, HG_FRAG_GUARD_PAGES, hg_guard_key, HG_GUARD_KEYS,
			 HG_KEYS_FIRST(HG_GUARD_KEYS), g->v, NULL, NULL) < 0)
		return -1;
	if (g->v[HG_GUARD_KEY_REUSED] > g->v[HG_GUARD_KEY_SAMPLED] ||
	    g->v[HG_GUARD_KEY_LIVE] > g->v[HG_GUARD_KEY_SLOTS] ||
	    g->v[HG_GUARD_KEY_LIVE] > g->v[HG_GUARD_KEY_SAMPLED] ||
	    g->v[HG_GUARD_KEY_PROTECTED_NOW] > g->v[HG_GUARD_KEY_PROTECTED])
		return hg_parse_fail(p, "%s: the counts do not add up", HG_FRAG_GUARD_PAGES);
	g->has = true;
	return 0;
}

/* The totals as the arenas and the mmapped chunks add up. */
static int hg_frag_sum_arenas(struct hg_parse *p, uint64_t *sum)
{
	const struct hg_frag *frag = hg_frag_parse_of(p)->frag;
	const struct hg_frag_mmapped *m = &frag->mmapped;
	size_t i;
	int k;

	memset(sum, 0, HG_FIGURES * sizeof(*sum));
	for (i = 0; i < frag->narenas; i++)
		for (k = 0; k < HG_FIGURES; k++) {
			uint64_t v = frag->arenas[i].fig[k];

			if (k == HG_FIG_LARGEST_FREE || k == HG_FIG_LARGEST_CHUNK)
				sum[k] = v > sum[k] ? v : sum[k];
			else if (__builtin_add_overflow(sum[k], v, &sum[k]))
				return hg_parse_fail(p,
						     "the arenas' %s add up to more than 64 bits",
						     hg_frag_figure_key(k));
		}
	if (__builtin_add_overflow(sum[HG_FIG_SYSTEM], m->system, &sum[HG_FIG_SYSTEM]) ||
	    __builtin_add_overflow(sum[HG_FIG_IN_USE], m->system, &sum[HG_FIG_IN_USE]) ||
	    __builtin_add_overflow(sum[HG_FIG_LIVE_BLOCKS], m->chunks, &sum[HG_FIG_LIVE_BLOCKS]) ||
	    __builtin_add_overflow(sum[HG_FIG_LIVE_BYTES], m->live_bytes,
				   &sum[HG_FIG_LIVE_BYTES]) ||
	    __builtin_add_overflow(sum[HG_FIG_USABLE], m->usable, &sum[HG_FIG_USABLE]) ||
	    __builtin_add_overflow(sum[HG_FIG_REQUESTED], m->requested, &sum[HG_FIG_REQUESTED]) ||
	    __builtin_add_overflow(sum[HG_FIG_RESIDENT], m->resident, &sum[HG_FIG_RESIDENT]))
		return hg_parse_fail(p,
				     "the arenas and mmapped chunks add up to more than 64 bits");
	return 0;
}

static int hg_frag_totals(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_frag *frag = hg_frag_parse_of(p)->frag;
	uint64_t *t = frag->totals, sum[HG_FIGURES];
	int k;

	if (hg_frag_keys(p, f, HG_FRAG_TOTALS, hg_figure_key, HG_FIG_SEGMENTS,
			 HG_KEYS_FIRST(HG_FIG_SEGMENTS), t, NULL, NULL) < 0 ||
	    hg_frag_check_figures(p, t, "totals", false) < 0 || hg_frag_sum_arenas(p, sum) < 0)
		return -1;
	t[HG_FIG_SEGMENTS] = sum[HG_FIG_SEGMENTS];
	for (k = 0; k < HG_FIG_SEGMENTS; k++) {
		/* in_use follows from system and free (checked above); before
		 * format 1.1 the mmapped chunks had no usable figure. */
		if (k == HG_FIG_IN_USE)
			continue;
		if (k == HG_FIG_USABLE && !frag->mmapped.has_usable ? t[k] < sum[k]
								    : t[k] != sum[k])
			return hg_parse_fail(p,
					     "totals say %s=%llu, the arenas and mmapped chunks "
					     "add up to %llu",
					     hg_frag_figure_key(k), (unsigned long long)t[k],
					     (unsigned long long)sum[k]);
	}
	return 0;
}

static int hg_frag_histogram(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[4] = { "class low bound", "class high bound", "chunk count",
					     "byte count" };
	struct hg_frag_parse *fp = hg_frag_parse_of(p);
	struct hg_frag *frag = fp->frag;
	struct hg_frag_class *c, *prev;
	uint64_t v[4], arena, low, high;
	char *s;
	int k;

	if (!(s = hg_parse_field(p, f, "histogram arena")))
		return -1;
	if (strcmp(s, HG_FRAG_HISTOGRAM_ALL) == 0) {
		arena = HG_FRAG_ALL;
	} else {
		if (hg_parse_decimal(p, s, "histogram arena", &arena) < 0)
			return -1;
		if (arena >= frag->narenas)
			return hg_parse_fail(
				p, "histogram of arena %llu, which no 'arena' line defines",
				(unsigned long long)arena);
		if (fp->histogram_all)
			return hg_parse_fail(p, "histogram of arena %llu after the '%s' lines",
					     (unsigned long long)arena, HG_FRAG_HISTOGRAM_ALL);
	}
	if (hg_parse_numbers(p, f, HG_FRAG_HISTOGRAM, what, v, 4) < 0)
		return -1;
	if (!hg_power_of_two(v[0]) || v[0] < hg_frag_class_lo(0) ||
	    v[0] > hg_frag_class_lo(HG_FRAG_CLASSES - 1) || v[1] != 2 * v[0])
		return hg_parse_fail(p,
				     "size class [%llu, %llu) is not [2^k, 2^(k+1)) from %llu up",
				     (unsigned long long)v[0], (unsigned long long)v[1],
				     (unsigned long long)hg_frag_class_lo(0));
	if (v[2] == 0)
		return hg_parse_fail(p,
				     "histogram line with 0 chunks (empty classes are left out)");
	if (__builtin_mul_overflow(v[2], v[0], &low) || v[3] < low ||
	    (!__builtin_mul_overflow(v[2], v[1], &high) && v[3] >= high))
		return hg_parse_fail(p, "%llu bytes cannot be %llu chunks of [%llu, %llu) bytes",
				     (unsigned long long)v[3], (unsigned long long)v[2],
				     (unsigned long long)v[0], (unsigned long long)v[1]);
	prev = frag->nclasses ? &frag->classes[frag->nclasses - 1] : NULL;
	if (prev && prev->arena != HG_FRAG_ALL && arena != HG_FRAG_ALL && arena < prev->arena)
		return hg_parse_fail(p, "histogram of arena %llu after arena %lu's (out of order)",
				     (unsigned long long)arena, (unsigned long)prev->arena);
	if (prev && prev->arena == (uint32_t)arena && v[0] <= prev->lo)
		return hg_parse_fail(p, "size class %llu after class %llu (classes go up)",
				     (unsigned long long)v[0], (unsigned long long)prev->lo);
	if (hg_parse_grow(p, (void **)&frag->classes, &fp->cap_classes, frag->nclasses + 1,
			  sizeof(*frag->classes), (size_t)(frag->narenas + 1) * HG_FRAG_CLASSES,
			  "histogram lines") < 0)
		return -1;
	if (!fp->arena_hist && !(fp->arena_hist = calloc(frag->narenas, sizeof(*fp->arena_hist))))
		return hg_parse_fail(p, "out of memory");
	c = &frag->classes[frag->nclasses++];
	c->arena = (uint32_t)arena;
	c->lo = v[0];
	c->hi = v[1];
	c->chunks = v[2];
	c->bytes = v[3];
	k = (int)hg_frag_size_class(v[0]);
	if (arena == HG_FRAG_ALL) {
		fp->histogram_all = true;
		fp->class_all[k][0] = v[2];
		fp->class_all[k][1] = v[3];
		return 0;
	}
	/* Each sum is at most an arena's free bytes or chunks, checked at 'end'. */
	if (__builtin_add_overflow(fp->arena_hist[arena][0], v[2], &fp->arena_hist[arena][0]) ||
	    __builtin_add_overflow(fp->arena_hist[arena][1], v[3], &fp->arena_hist[arena][1]) ||
	    __builtin_add_overflow(fp->class_sum[k][0], v[2], &fp->class_sum[k][0]) ||
	    __builtin_add_overflow(fp->class_sum[k][1], v[3], &fp->class_sum[k][1]))
		return hg_parse_fail(p, "the histogram lines add up to more than 64 bits");
	return 0;
}

static int hg_frag_peak(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_frag *frag = hg_frag_parse_of(p)->frag;
	struct hg_frag_peak *peak = &frag->peak;
	uint64_t v[HG_PEAK_KEYS], found;
	int i;

	if (hg_frag_keys(p, f, HG_FRAG_PEAK, hg_peak_key, HG_PEAK_KEYS,
			 HG_KEYS_FIRST(HG_PEAK_KEYS_FAST), v, NULL, &found) < 0)
		return -1;
	/* The live peak comes with level=full, all four figures together. */
	peak->has_live = (found >> HG_PEAK_KEYS_FAST) != 0;
	for (i = HG_PEAK_KEYS_FAST; i < HG_PEAK_KEYS; i++)
		if ((peak->has_live || !p->r->fast) && !(found & (1u << i)))
			return hg_parse_fail(p, "the '%s' record lacks %s=%s", HG_FRAG_PEAK,
					     hg_peak_key(i),
					     p->r->fast ? "" : " (level=full has it)");
	peak->system = v[HG_PEAK_KEY_SYSTEM];
	peak->system_us = v[HG_PEAK_KEY_SYSTEM_US];
	peak->live = v[HG_PEAK_KEY_LIVE];
	peak->live_us = v[HG_PEAK_KEY_LIVE_US];
	peak->sites_live = v[HG_PEAK_KEY_SITES_LIVE];
	peak->sites_us = v[HG_PEAK_KEY_SITES_US];
	for (i = HG_PEAK_KEY_SYSTEM_US; i < HG_PEAK_KEYS; i += 2)
		if (v[i] > frag->uptime_us)
			return hg_parse_fail(p,
					     "peak %s=%llu comes after the report (uptime_us=%llu)",
					     hg_peak_key(i), (unsigned long long)v[i],
					     (unsigned long long)frag->uptime_us);
	return 0;
}

static int hg_frag_peak_site(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[2] = { "blocks", "bytes" };
	struct hg_frag_parse *fp = hg_frag_parse_of(p);
	struct hg_frag *frag = fp->frag;
	struct hg_frag_site *site;
	uint64_t v[2];
	uint32_t stack;
	char *s;

	if (!(s = hg_parse_field(p, f, "peak site stack")) ||
	    hg_parse_stack_ref(p, s, HG_FRAG_PEAK_SITE, "peak site stack", &stack) < 0 ||
	    hg_parse_numbers(p, f, HG_FRAG_PEAK_SITE, what, v, 2) < 0)
		return -1;
	if (v[0] == 0 || v[1] < v[0])
		return hg_parse_fail(p, "peak site with %llu blocks of %llu bytes",
				     (unsigned long long)v[0], (unsigned long long)v[1]);
	if (frag->npeak_sites && v[1] > frag->peak_sites[frag->npeak_sites - 1].bytes)
		return hg_parse_fail(p, "peak sites out of order (by bytes, descending)");
	/* Their sum is not held against sites_live: the writer reads the
	 * counters one by one while other threads change them. */
	if (hg_parse_grow(p, (void **)&frag->peak_sites, &fp->cap_peak_sites, frag->npeak_sites + 1,
			  sizeof(*frag->peak_sites), HG_LEAKS_RECORDS_MAX, "peak sites") < 0)
		return -1;
	site = &frag->peak_sites[frag->npeak_sites++];
	site->stack = stack;
	site->blocks = v[0];
	site->bytes = v[1];
	return 0;
}

/* A timeline figure: a number, or '-' (unknown) where allowed. */
static int hg_frag_sample_figure(struct hg_parse *p, struct hg_fields *f, const char *what,
				 bool *known, uint64_t *v)
{
	char *s = hg_parse_field(p, f, what);

	if (!s)
		return -1;
	*known = strcmp(s, HG_FRAG_UNKNOWN) != 0;
	*v = 0;
	return *known ? hg_parse_decimal(p, s, what, v) : 0;
}

static int hg_frag_timeline(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[2] = { "timeline time", "timeline system bytes" };
	struct hg_frag_parse *fp = hg_frag_parse_of(p);
	struct hg_frag *frag = fp->frag;
	struct hg_frag_sample t;
	bool has_free, has_quarantine;
	char *s;
	uint64_t sum;

	memset(&t, 0, sizeof(t));
	if (frag->ntimeline == HG_FRAG_TIMELINE_MAX)
		return hg_parse_fail(p, "more than %d timeline lines", HG_FRAG_TIMELINE_MAX);
	if (!(s = hg_parse_field(p, f, what[0])) || hg_parse_decimal(p, s, what[0], &t.t_us) < 0 ||
	    !(s = hg_parse_field(p, f, what[1])) ||
	    hg_parse_decimal(p, s, what[1], &t.system) < 0 ||
	    hg_frag_sample_figure(p, f, "timeline in-use bytes", &t.has_in_use, &t.in_use) < 0 ||
	    hg_frag_sample_figure(p, f, "timeline free bytes", &has_free, &t.free) < 0 ||
	    hg_frag_sample_figure(p, f, "timeline quarantine bytes", &has_quarantine,
				  &t.quarantine) < 0 ||
	    hg_frag_sample_figure(p, f, "timeline resident bytes", &t.has_resident, &t.resident) <
		    0 ||
	    hg_parse_done(p, f, HG_FRAG_TIMELINE) < 0)
		return -1;
	if (!has_quarantine || t.has_in_use != has_free)
		return hg_parse_fail(p, "timeline line with in_use and free not both known or both "
					"'-', or no quarantine bytes");
	if (t.has_in_use && (__builtin_add_overflow(t.in_use, t.free, &sum) ||
			     __builtin_add_overflow(sum, t.quarantine, &sum) || sum != t.system))
		return hg_parse_fail(
			p,
			"timeline in_use %llu, free %llu and quarantine %llu do not add "
			"up to system %llu",
			(unsigned long long)t.in_use, (unsigned long long)t.free,
			(unsigned long long)t.quarantine, (unsigned long long)t.system);
	if (!t.has_in_use && t.quarantine > t.system)
		return hg_parse_fail(p, "timeline quarantine %llu over system %llu",
				     (unsigned long long)t.quarantine,
				     (unsigned long long)t.system);
	if (frag->ntimeline && t.t_us < frag->timeline[frag->ntimeline - 1].t_us)
		return hg_parse_fail(p, "timeline lines out of order (by time)");
	if (t.t_us > frag->uptime_us)
		return hg_parse_fail(
			p, "timeline time %llu comes after the report (uptime_us=%llu)",
			(unsigned long long)t.t_us, (unsigned long long)frag->uptime_us);
	if (hg_parse_grow(p, (void **)&frag->timeline, &fp->cap_timeline, frag->ntimeline + 1,
			  sizeof(*frag->timeline), HG_FRAG_TIMELINE_MAX, "timeline lines") < 0)
		return -1;
	frag->timeline[frag->ntimeline++] = t;
	return 0;
}

static int hg_frag_pin_top(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[3] = { "pinning chunk arena", "pinning chunk segment",
					     "pinning chunk size" };
	struct hg_frag_parse *fp = hg_frag_parse_of(p);
	struct hg_frag *frag = fp->frag;
	struct hg_frag_pin_top *pin;
	uint64_t arena, segment, address, size, below;
	char *s;

	if (!(s = hg_parse_field(p, f, what[0])) || hg_parse_decimal(p, s, what[0], &arena) < 0 ||
	    !(s = hg_parse_field(p, f, what[1])) || hg_parse_decimal(p, s, what[1], &segment) < 0)
		return -1;
	if (arena >= frag->narenas || segment >= frag->arenas[arena].fig[HG_FIG_SEGMENTS])
		return hg_parse_fail(
			p, "pin_top names segment %llu of arena %llu, which has none such",
			(unsigned long long)segment, (unsigned long long)arena);
	if (hg_parse_grow(p, (void **)&frag->pin_tops, &fp->cap_pin_tops, frag->npin_tops + 1,
			  sizeof(*frag->pin_tops), HG_LEAKS_RECORDS_MAX, "pin_top lines") < 0)
		return -1;
	pin = &frag->pin_tops[frag->npin_tops];
	if (!(s = hg_parse_field(p, f, "chunk address")) ||
	    hg_parse_hex(p, s, "chunk address", &address) < 0 ||
	    !(s = hg_parse_field(p, f, what[2])) || hg_parse_decimal(p, s, what[2], &size) < 0 ||
	    !(s = hg_parse_field(p, f, "pinning chunk stack")) ||
	    hg_parse_stack_ref(p, s, HG_FRAG_PIN_TOP, "pinning chunk stack", &pin->stack) < 0 ||
	    !(s = hg_parse_field(p, f, "free bytes below")) ||
	    hg_parse_decimal(p, s, "free bytes below", &below) < 0 ||
	    hg_parse_done(p, f, HG_FRAG_PIN_TOP) < 0)
		return -1;
	if (size == 0)
		return hg_parse_fail(p, "pin_top chunk of 0 bytes");
	if (below > frag->arenas[arena].fig[HG_FIG_FREE] &&
	    hg_frag_doubt(
		    p, "pin_top chunk with %llu free bytes below, more than its arena's free=%llu",
		    (unsigned long long)below,
		    (unsigned long long)frag->arenas[arena].fig[HG_FIG_FREE]) < 0)
		return -1;

	pin->arena = (uint32_t)arena;
	pin->segment = (uint32_t)segment;
	pin->address = address;
	pin->size = size;
	pin->free_below = below;
	frag->npin_tops++;
	return 0;
}

static int hg_frag_pin_site(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[5] = { "blocks", "bytes", "pinned bytes", "pinning blocks",
					     "spans" };
	struct hg_frag_parse *fp = hg_frag_parse_of(p);
	struct hg_frag *frag = fp->frag;
	struct hg_frag_pin_site *site;
	uint64_t v[5], least;
	uint32_t stack;
	char *s;
	int put;

	if (!(s = hg_parse_field(p, f, "pinning site stack")) ||
	    hg_parse_stack_ref(p, s, HG_FRAG_PIN_SITE, "pinning site stack", &stack) < 0 ||
	    hg_parse_numbers(p, f, HG_FRAG_PIN_SITE, what, v, 5) < 0)
		return -1;
	if (v[0] == 0 || v[1] < v[0] || v[3] == 0 || v[3] > v[0] || v[4] == 0)
		return hg_parse_fail(p,
				     "pin_site with %llu blocks of %llu bytes, %llu of them "
				     "pinning %llu spans",
				     (unsigned long long)v[0], (unsigned long long)v[1],
				     (unsigned long long)v[3], (unsigned long long)v[4]);
	/* A pinned span is at least a page. */
	if (__builtin_mul_overflow(v[4], frag->page_size, &least) || v[2] < least)
		return hg_parse_fail(p, "%llu spans of at least a page cannot be %llu bytes",
				     (unsigned long long)v[4], (unsigned long long)v[2]);
	if (frag->npin_sites && v[2] > frag->pin_sites[frag->npin_sites - 1].pinned)
		return hg_parse_fail(p,
				     "pin_site lines out of order (by pinned bytes, descending)");
	if (__builtin_add_overflow(fp->pinned_sum, v[2], &fp->pinned_sum))
		return hg_parse_fail(p, "the pin_site lines add up to more than 64 bits");
	if (fp->pinned_sum > frag->totals[HG_FIG_FREE] - frag->totals[HG_FIG_TOP] &&
	    hg_frag_doubt(
		    p, "the pin_site lines pin more than the %llu free bytes outside the top",
		    (unsigned long long)(frag->totals[HG_FIG_FREE] - frag->totals[HG_FIG_TOP])) < 0)
		return -1;
	if (hg_parse_grow(p, (void **)&frag->pin_sites, &fp->cap_pin_sites, frag->npin_sites + 1,
			  sizeof(*frag->pin_sites), HG_LEAKS_RECORDS_MAX, "pin_site lines") < 0)
		return -1;
	put = hg_map_put(&fp->pin_stacks, stack, 0, (uint32_t)frag->npin_sites, NULL);
	if (put < 0)
		return hg_parse_fail(p, "out of memory");
	if (put > 0)
		return hg_parse_fail(p, "a second pin_site for stack %llu",
				     (unsigned long long)hg_leaks_stack_id(p->r, stack));
	site = &frag->pin_sites[frag->npin_sites++];
	site->stack = stack;
	site->blocks = v[0];
	site->bytes = v[1];
	site->pinned = v[2];
	site->pinning_blocks = v[3];
	site->spans = v[4];
	return 0;
}

static int hg_frag_segment_fields(struct hg_parse *p, struct hg_fields *f,
				  struct hg_frag_segment *seg)
{
	static const char *const hex[3] = { "segment start", "segment end", "top address" };
	uint64_t *addr[3] = { &seg->lo, &seg->hi, &seg->top };
	uint64_t arena, index;
	char *s;
	int i;

	if (!(s = hg_parse_field(p, f, "segment arena")) ||
	    hg_parse_decimal(p, s, "segment arena", &arena) < 0 ||
	    !(s = hg_parse_field(p, f, "segment index")) ||
	    hg_parse_decimal(p, s, "segment index", &index) < 0)
		return -1;
	for (i = 0; i < 3; i++)
		if (!(s = hg_parse_field(p, f, hex[i])) || hg_parse_hex(p, s, hex[i], addr[i]) < 0)
			return -1;
	if (!(s = hg_parse_field(p, f, "cell size")) ||
	    hg_parse_decimal(p, s, "cell size", &seg->cell) < 0 ||
	    hg_parse_done(p, f, HG_FRAG_SEGMENT) < 0)
		return -1;
	if (arena > UINT32_MAX || index > UINT32_MAX)
		return hg_parse_fail(p, "segment %llu of arena %llu is out of range",
				     (unsigned long long)index, (unsigned long long)arena);
	seg->arena = (uint32_t)arena;
	seg->index = (uint32_t)index;
	return 0;
}

static int hg_frag_segment(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_frag_parse *fp = hg_frag_parse_of(p);
	struct hg_frag *frag = fp->frag;
	struct hg_frag_segment seg, *prev;
	struct hg_frag_arena *a;
	uint64_t span, ncells;

	if (fp->map_pending)
		return hg_parse_fail(
			p, "a 'segment' line where the previous one's 'map' line was due");
	memset(&seg, 0, sizeof(seg));
	if (hg_frag_segment_fields(p, f, &seg) < 0)
		return -1;
	if (seg.arena >= frag->narenas)
		return hg_parse_fail(p, "segment of arena %lu, which no 'arena' line defines",
				     (unsigned long)seg.arena);
	a = &frag->arenas[seg.arena];
	if (seg.index != a->nsegments || seg.index >= a->fig[HG_FIG_SEGMENTS])
		return hg_parse_fail(p,
				     "segment %lu of arena %lu where segment %lu was expected "
				     "(the arena has segments=%llu)",
				     (unsigned long)seg.index, (unsigned long)seg.arena,
				     (unsigned long)a->nsegments,
				     (unsigned long long)a->fig[HG_FIG_SEGMENTS]);
	/* Arenas may come in any order, each one's segments together. */
	prev = frag->nsegments ? &frag->segments[frag->nsegments - 1] : NULL;
	if (seg.index > 0 && prev->arena != seg.arena)
		return hg_parse_fail(p, "segment %lu of arena %lu is apart from the arena's others",
				     (unsigned long)seg.index, (unsigned long)seg.arena);
	if (seg.lo >= seg.hi || (seg.top && (seg.top < seg.lo || seg.top >= seg.hi)))
		return hg_parse_fail(p,
				     "segment [0x%llx, 0x%llx) with top 0x%llx is not a range "
				     "holding its top",
				     (unsigned long long)seg.lo, (unsigned long long)seg.hi,
				     (unsigned long long)seg.top);
	if (seg.index > 0 && seg.lo < prev->hi)
		return hg_parse_fail(p, "segment at 0x%llx overlaps or precedes the one before it",
				     (unsigned long long)seg.lo);
	span = seg.hi - seg.lo;
	if (!hg_power_of_two(seg.cell) || seg.cell < HG_FRAG_CELL_MIN || seg.cell > (1ull << 62))
		return hg_parse_fail(p, "cell size %llu is not a power of two from %d up",
				     (unsigned long long)seg.cell, HG_FRAG_CELL_MIN);
	ncells = hg_frag_cells(span, seg.cell);
	if (ncells > HG_FRAG_CELLS_MAX)
		return hg_parse_fail(p, "segment of %llu cells (at most %d)",
				     (unsigned long long)ncells, HG_FRAG_CELLS_MAX);
	/* The cell size is the writer's choice only in name: it is fixed by
	 * the segment's size (format/frag.h). */
	if (seg.cell != hg_frag_cell_size(span))
		return hg_parse_fail(p,
				     "cell size %llu is not the smallest power of two from %d that "
				     "makes at most %d cells (%llu)",
				     (unsigned long long)seg.cell, HG_FRAG_CELL_MIN,
				     HG_FRAG_CELLS_MAX,
				     (unsigned long long)hg_frag_cell_size(span));
	seg.ncells = (uint32_t)ncells;
	seg.cells = frag->ncells;
	if (hg_parse_grow(p, (void **)&frag->cells, &fp->cap_cells, frag->ncells + ncells, 1,
			  HG_FRAG_ALL_CELLS_MAX, "map cells") < 0 ||
	    hg_parse_grow(p, (void **)&frag->segments, &fp->cap_segments, frag->nsegments + 1,
			  sizeof(*frag->segments), HG_FRAG_ALL_CELLS_MAX, "segments") < 0)
		return -1;
	if (a->nsegments == 0)
		a->first_segment = (uint32_t)frag->nsegments;
	a->nsegments++;
	frag->segments[frag->nsegments++] = seg;
	frag->ncells += ncells;
	fp->map_pending = true;
	return 0;
}

static int hg_frag_map(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_frag_parse *fp = hg_frag_parse_of(p);
	struct hg_frag *frag = fp->frag;
	struct hg_frag_segment *seg;
	uint64_t arena, index, filled = 0, count;
	char show[64], *s;

	if (!fp->map_pending)
		return hg_parse_fail(p, "a 'map' line without its 'segment' line");
	seg = &frag->segments[frag->nsegments - 1];
	if (!(s = hg_parse_field(p, f, "map arena")) ||
	    hg_parse_decimal(p, s, "map arena", &arena) < 0 ||
	    !(s = hg_parse_field(p, f, "map segment")) ||
	    hg_parse_decimal(p, s, "map segment", &index) < 0)
		return -1;
	if (arena != seg->arena || index != seg->index)
		return hg_parse_fail(
			p, "map of segment %llu of arena %llu after segment %lu of arena %lu",
			(unsigned long long)index, (unsigned long long)arena,
			(unsigned long)seg->index, (unsigned long)seg->arena);
	while (*f->s || f->separated) {
		if (!(s = hg_parse_field(p, f, "map run")))
			return -1;
		if (!strchr(HG_FRAG_CELL_CLASSES, s[0]) || (s[1] && s[1] != HG_FRAG_MAP_RUN))
			return hg_parse_fail(p, "map run '%s' is not CLASS or CLASS*COUNT",
					     hg_parse_show(s, show, sizeof(show)));
		count = 1;
		if (s[1] && hg_parse_decimal(p, s + 2, "map run count", &count) < 0)
			return -1;
		if (count == 0)
			return hg_parse_fail(p, "map run of 0 cells");
		if (count > seg->ncells - filled)
			return hg_parse_fail(p, "map runs cover more than the segment's %lu cells",
					     (unsigned long)seg->ncells);
		memset(frag->cells + seg->cells + filled, s[0], count);
		filled += count;
	}
	seg->mapped = filled != 0;
	if (!seg->mapped)
		memset(frag->cells + seg->cells, '.', seg->ncells);
	else if (filled != seg->ncells)
		return hg_parse_fail(p, "map runs cover %llu cells, the segment has %lu",
				     (unsigned long long)filled, (unsigned long)seg->ncells);
	fp->map_pending = false;
	/* The next segment line may follow: back to the segment phase. */
	p->phase--;
	return 0;
}

/* A page run: CLASS[*COUNT][:STACK]. */
static int hg_frag_page_run(struct hg_parse *p, char *s, uint64_t *count, uint32_t *stack)
{
	char show[64], *colon;

	if (!s[0] || !strchr(HG_FRAG_PAGE_CLASSES, s[0]) ||
	    (s[1] && s[1] != HG_FRAG_MAP_RUN && s[1] != HG_FRAG_PAGES_STACK))
		return hg_parse_fail(p, "page run '%s' is not CLASS[*COUNT][:STACK]",
				     hg_parse_show(s, show, sizeof(show)));
	*count = 1;
	*stack = HG_NO_STACK;
	colon = strchr(s, HG_FRAG_PAGES_STACK);
	if (colon) {
		*colon = '\0';
		if (s[0] != HG_FRAG_PAGE_USED && s[0] != HG_FRAG_PAGE_PINNED)
			return hg_parse_fail(p, "page run of class %c names a stack", s[0]);
		if (hg_parse_stack_ref(p, colon + 1, HG_FRAG_PAGES, "page run stack", stack) < 0)
			return -1;
	}
	if (s[1] && hg_parse_decimal(p, s + 2, "page run count", count) < 0)
		return -1;
	if (*count == 0)
		return hg_parse_fail(p, "page run of 0 units");
	return 0;
}

static int hg_frag_pages(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[4] = { "pages arena", "pages segment", "page unit",
					     "first unit" };
	struct hg_frag_parse *fp = hg_frag_parse_of(p);
	struct hg_frag *frag = fp->frag;
	struct hg_frag_segment *seg;
	uint64_t v[4], units, count;
	uint32_t stack;
	char *s;
	int i;

	for (i = 0; i < 4; i++)
		if (!(s = hg_parse_field(p, f, what[i])) ||
		    hg_parse_decimal(p, s, what[i], &v[i]) < 0)
			return -1;
	if (!hg_power_of_two(v[2]) || v[2] < frag->page_size || v[2] > (1ull << 50) ||
	    (frag->page_unit && v[2] != frag->page_unit))
		return hg_parse_fail(p,
				     "page unit %llu is not one power of two from the page size up "
				     "for all pages lines",
				     (unsigned long long)v[2]);
	frag->page_unit = v[2];
	/* The segments in file order, each one's lines in unit order. */
	while (fp->pages_segment < frag->nsegments &&
	       (frag->segments[fp->pages_segment].arena != v[0] ||
		frag->segments[fp->pages_segment].index != v[1]))
		fp->pages_segment++;
	if (fp->pages_segment == frag->nsegments)
		return hg_parse_fail(p,
				     "pages of segment %llu of arena %llu, which no 'segment' line "
				     "defines (or out of the segments' order)",
				     (unsigned long long)v[1], (unsigned long long)v[0]);
	seg = &frag->segments[fp->pages_segment];
	if (seg->nunits == 0) {
		units = hg_frag_page_units(seg->lo, seg->hi, v[2]);
		if (units > HG_FRAG_UNITS_MAX - frag->nunits)
			return hg_parse_fail(p, "more than %d page units in all",
					     HG_FRAG_UNITS_MAX);
		if (hg_parse_grow(p, (void **)&frag->page_class, &fp->cap_units,
				  frag->nunits + units, 1, HG_FRAG_UNITS_MAX, "page units") < 0 ||
		    hg_parse_grow(p, (void **)&frag->page_stack, &fp->cap_unit_stacks,
				  frag->nunits + units, sizeof(uint32_t), HG_FRAG_UNITS_MAX,
				  "page units") < 0)
			return -1;
		seg->units = frag->nunits;
		seg->nunits = (uint32_t)units;
		frag->nunits += units;
	}
	if (v[3] != seg->units_filled)
		return hg_parse_fail(p, "pages line from unit %llu where unit %lu was due",
				     (unsigned long long)v[3], (unsigned long)seg->units_filled);
	if (!*f->s && !f->separated)
		return hg_parse_fail(p, "a pages line without runs");
	while (*f->s || f->separated) {
		if (!(s = hg_parse_field(p, f, "page run")) ||
		    hg_frag_page_run(p, s, &count, &stack) < 0)
			return -1;
		if (count > seg->nunits - seg->units_filled)
			return hg_parse_fail(p, "page runs cover more than the segment's %lu units",
					     (unsigned long)seg->nunits);
		memset(frag->page_class + seg->units + seg->units_filled, s[0], count);
		while (count--)
			frag->page_stack[seg->units + seg->units_filled++] = stack;
	}
	return 0;
}

/* The histograms against the arenas' free figures and each other. */
static int hg_frag_check_histograms(struct hg_parse *p)
{
	struct hg_frag_parse *fp = hg_frag_parse_of(p);
	const struct hg_frag *frag = fp->frag;
	size_t i;
	int k;

	/* The 'all' lines are the writer's sums: an error; an arena's lines
	 * against its listed free bytes: a doubt. */
	for (k = 0; k < HG_FRAG_CLASSES; k++)
		if (fp->class_all[k][0] != fp->class_sum[k][0] ||
		    fp->class_all[k][1] != fp->class_sum[k][1])
			return hg_parse_fail(p,
					     "the 'all' histogram has %llu chunks of %llu bytes in "
					     "class %llu, the arenas add up to %llu of %llu",
					     (unsigned long long)fp->class_all[k][0],
					     (unsigned long long)fp->class_all[k][1],
					     (unsigned long long)hg_frag_class_lo((unsigned)k),
					     (unsigned long long)fp->class_sum[k][0],
					     (unsigned long long)fp->class_sum[k][1]);
	for (i = 0; i < frag->narenas; i++) {
		const uint64_t *fig = frag->arenas[i].fig;
		uint64_t chunks =
			fig[HG_FIG_FREE_CHUNKS] - (fig[HG_FIG_FREE_CHUNKS] && fig[HG_FIG_TOP] != 0);
		uint64_t bytes = fig[HG_FIG_FREE] - fig[HG_FIG_TOP];
		uint64_t hc = fp->arena_hist ? fp->arena_hist[i][0] : 0;
		uint64_t hb = fp->arena_hist ? fp->arena_hist[i][1] : 0;

		if (hc != chunks || hb != bytes)
			return hg_frag_doubt(
				p,
				"the histogram of arena %zu counts %llu chunks of %llu "
				"bytes, the arena has %llu of %llu besides the top",
				i, (unsigned long long)hc, (unsigned long long)hb,
				(unsigned long long)chunks, (unsigned long long)bytes);
	}
	return 0;
}

static int hg_frag_truncated(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[1] = { "truncated flag" };
	uint64_t v;

	if (hg_parse_numbers(p, f, HG_FRAG_TRUNCATED, what, &v, 1) < 0)
		return -1;
	hg_frag_parse_of(p)->frag->truncated = v != 0;
	return 0;
}

static int hg_frag_end(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[3] = { "arena count", "segment count", "stack count" };
	struct hg_frag_parse *fp = hg_frag_parse_of(p);
	struct hg_frag *frag = fp->frag;
	uint64_t v[3];
	size_t i;

	if (hg_parse_numbers(p, f, HG_FRAG_END, what, v, 3) < 0)
		return -1;
	if (fp->map_pending)
		return hg_parse_fail(p, "the last segment has no 'map' line");
	if (v[0] != frag->narenas || v[1] != frag->nsegments || v[2] != p->r->nstacks)
		return hg_parse_fail(p,
				     "'end' counts %llu arenas, %llu segments and %llu stacks, the "
				     "file has %zu, %zu and %zu",
				     (unsigned long long)v[0], (unsigned long long)v[1],
				     (unsigned long long)v[2], frag->narenas, frag->nsegments,
				     p->r->nstacks);
	for (i = 0; i < frag->narenas; i++)
		if (frag->arenas[i].nsegments != frag->arenas[i].fig[HG_FIG_SEGMENTS])
			return hg_parse_fail(
				p, "arena %zu has segments=%llu but %lu 'segment' lines", i,
				(unsigned long long)frag->arenas[i].fig[HG_FIG_SEGMENTS],
				(unsigned long)frag->arenas[i].nsegments);
	for (i = 0; i < frag->nsegments; i++)
		if (!frag->segments[i].mapped && !frag->truncated)
			return hg_parse_fail(p,
					     "segment %lu of arena %lu has an empty map, and no "
					     "'truncated 1' line says why",
					     (unsigned long)frag->segments[i].index,
					     (unsigned long)frag->segments[i].arena);
	for (i = 0; i < frag->nsegments; i++) {
		const struct hg_frag_segment *seg = &frag->segments[i];

		if (seg->units_filled != seg->nunits)
			return hg_parse_fail(p,
					     "the pages of segment %lu of arena %lu cover %lu of "
					     "its %lu units",
					     (unsigned long)seg->index, (unsigned long)seg->arena,
					     (unsigned long)seg->units_filled,
					     (unsigned long)seg->nunits);
		if (frag->page_unit && !seg->nunits && !frag->truncated)
			return hg_parse_fail(p,
					     "segment %lu of arena %lu has no pages, and no "
					     "'truncated 1' line says why",
					     (unsigned long)seg->index, (unsigned long)seg->arena);
	}
	for (i = 0; i < frag->npin_tops; i++) {
		const struct hg_frag_pin_top *pin = &frag->pin_tops[i];
		const struct hg_frag_segment *seg =
			&frag->segments[frag->arenas[pin->arena].first_segment + pin->segment];

		if (pin->address < seg->lo || pin->size > seg->hi - pin->address)
			return hg_parse_fail(p, "pin_top chunk at 0x%llx is not inside its segment",
					     (unsigned long long)pin->address);
	}
	return hg_frag_check_histograms(p);
}

/* The parser of each record of format/frag.h's list. */
static hg_record_parser *const hg_frag_parsers[HG_FRAG_RECORDS] = {
	[HG_FRAG_REC_VERSION] = hg_parse_version,  [HG_FRAG_REC_PROGRAM] = hg_parse_program,
	[HG_FRAG_REC_PID] = hg_parse_pid,	   [HG_FRAG_REC_PPID] = hg_parse_ppid,
	[HG_FRAG_REC_TIME] = hg_parse_time,	   [HG_FRAG_REC_LEVEL] = hg_parse_level,
	[HG_FRAG_REC_TRIGGER] = hg_frag_trigger,   [HG_FRAG_REC_STATUS] = hg_parse_status,
	[HG_FRAG_REC_UPTIME] = hg_frag_uptime,	   [HG_FRAG_REC_PAGE_SIZE] = hg_frag_page_size,
	[HG_FRAG_REC_ARG] = hg_parse_arg,	   [HG_FRAG_REC_OPTION] = hg_parse_option,
	[HG_FRAG_REC_MODULE] = hg_parse_module,	   [HG_FRAG_REC_STACK] = hg_parse_stack,
	[HG_FRAG_REC_ARENA] = hg_frag_arena,	   [HG_FRAG_REC_MMAPPED] = hg_frag_mmapped,
	[HG_FRAG_REC_GUARD_PAGES] = hg_frag_guard_pages,
	[HG_FRAG_REC_TOTALS] = hg_frag_totals,	   [HG_FRAG_REC_HISTOGRAM] = hg_frag_histogram,
	[HG_FRAG_REC_PEAK] = hg_frag_peak,	   [HG_FRAG_REC_PEAK_SITE] = hg_frag_peak_site,
	[HG_FRAG_REC_TIMELINE] = hg_frag_timeline, [HG_FRAG_REC_PIN_TOP] = hg_frag_pin_top,
	[HG_FRAG_REC_PIN_SITE] = hg_frag_pin_site, [HG_FRAG_REC_SEGMENT] = hg_frag_segment,
	[HG_FRAG_REC_MAP] = hg_frag_map, /* steps back to HG_FRAG_REC_SEGMENT */
	[HG_FRAG_REC_PAGES] = hg_frag_pages,	   [HG_FRAG_REC_TRUNCATED] = hg_frag_truncated,
	[HG_FRAG_REC_END] = hg_frag_end,
};
_Static_assert(HG_FRAG_REC_MAP == HG_FRAG_REC_SEGMENT + 1, "hg_frag_map steps back one record");

int hg_frag_load(const char *path, struct hg_frag *frag, char *err, size_t errlen)
{
	struct hg_frag_parse fp;
	int rc;

	memset(frag, 0, sizeof(*frag));
	memset(&fp, 0, sizeof(fp));
	fp.frag = frag;
	fp.base.records = hg_frag_records();
	fp.base.parsers = hg_frag_parsers;
	fp.base.nrecords = HG_FRAG_RECORDS;
	fp.base.magic = hg_frag_magic;
	fp.base.skip_unknown_from = HG_FRAG_REC_MAGIC;
	hg_map_init(&fp.pin_stacks);
	rc = hg_parse_file(&fp.base, path, &frag->run, err, errlen);
	hg_map_free(&fp.pin_stacks);
	free(fp.arena_hist);
	if (rc < 0)
		hg_frag_free(frag);
	return rc;
}

bool hg_frag_sniff(const char *path)
{
	struct hg_gzlines in;
	char msg[256], *line;
	size_t len;
	bool frag;

	if (hg_gzlines_open(&in, path, msg, sizeof(msg)) < 0)
		return false;
	frag = hg_gzlines_next(&in, &line, &len, msg, sizeof(msg)) > 0 &&
	       strncmp(line, HG_FRAG_MAGIC, strlen(HG_FRAG_MAGIC)) == 0 &&
	       (line[strlen(HG_FRAG_MAGIC)] == ' ' || line[strlen(HG_FRAG_MAGIC)] == '\0');
	hg_gzlines_close(&in);
	return frag;
}

void hg_frag_free(struct hg_frag *frag)
{
	hg_leaks_free(&frag->run);
	free(frag->trigger);
	free(frag->arenas);
	free(frag->classes);
	free(frag->peak_sites);
	free(frag->timeline);
	free(frag->pin_tops);
	free(frag->pin_sites);
	free(frag->segments);
	free(frag->cells);
	free(frag->page_class);
	free(frag->page_stack);
	free(frag->doubt);
	memset(frag, 0, sizeof(*frag));
}
