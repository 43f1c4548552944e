/* SPDX-License-Identifier: MIT */
/* The fast path of stack capture: a frame walk driven by the same DWARF CFI
 * (.eh_frame) libunwind reads, with the rule for each return address worked
 * out once and cached.  Only the plain x86-64 shapes are handled: CFA = rsp
 * or rbp + offset, the return address at CFA - 8, rbp kept or saved at a CFA
 * offset.  Anything else (expressions, signal frames, a module without
 * .eh_frame_hdr, an unusual encoding) makes the whole capture fall back to
 * libunwind, so a stack is either this walk's or libunwind's, never a
 * guess.  unwind_verify=1 compares the two on every capture. */
#define _GNU_SOURCE
#include "cfi.h"
#include "unwind.h"

#include <dlfcn.h>
#include <emmintrin.h>
#include <link.h>
#include <string.h>

#include "../base/compiler.h"
#include "../lib/lib.h"
#include "../base/lock.h"
#include "../base/os.h"

/* ---- rules ---- */

enum { REG_RBP = 6, REG_RSP = 7, REG_RA = 16 };

struct rule {
	int32_t cfa_off;
	int16_t rbp_off;			/* where rbp is saved, from CFA; 0 = kept */
	uint8_t cfa_reg;			/* REG_RSP or REG_RBP */
	uint8_t kind;				/* RULE_* */
};

enum { RULE_NONE, RULE_STEP, RULE_END, RULE_UNSUPPORTED };

/* The cache: direct-mapped, each bucket under a sequence count so that a
 * lock-free reader never takes half of one rule and half of another.  The
 * hash spreads return addresses over the whole table, a page each, so it
 * starts at 6 pages (a short process's few dozen rules, where a fixed
 * 384 KiB table cost it 60 pages and 120 page faults) and grows fourfold,
 * copied under fill_lock, when an eighth of its buckets are taken: two
 * rules in one bucket evict each other and are derived again at every
 * walk (grown at half full, sqlite3's 756 rules in 4,096 buckets made it
 * 10% slower at level=full).  A table replaced is never unmapped: a
 * reader may still be in it. */
#define CACHE_BITS_FIRST 10
#define CACHE_BITS_MAX 14
struct bucket {
	uint32_t seq;
	struct rule rule;
	uintptr_t ip; /* 0: empty */
};
struct table {
	unsigned bits;
	unsigned taken; /* buckets with a rule, under fill_lock */
	struct bucket *b;
};
static struct bucket first_buckets[1u << CACHE_BITS_FIRST];
static struct table first_table = { CACHE_BITS_FIRST, 0, first_buckets };
static struct table *cache = &first_table;
static struct hg_lock fill_lock = HG_LOCK_INIT;
/* Every table mapped (grown, or a fork child's own), for the leak scan. */
HG_FORK_STATE static struct table *mapped[HG_CFI_RANGES];
HG_FORK_STATE static unsigned nmapped;
/* A fork child's tables are its parent's, shared copy-on-write: a rule put
 * there, in a bucket the hash puts on any page, cost the child a page
 * fault (a subshell at level=full: about twenty, each for a rule its
 * parent never needs).  Its first rule starts a small table of its own
 * instead, and a lookup that misses there tries the tables it inherited:
 * its parent's, and its grandparent's if the parent had its own (one
 * further back is dropped; its rules are derived again). */
#define CACHE_BITS_CHILD 8
HG_FORK_STATE static struct table *inherited[2]; /* read only, newest first */
/* Likewise a fork child's memos: each walk writes one (540 bytes), and a
 * subshell's few dozen walks copied every page of its thread's table, nine
 * page faults for memos it mostly never reads.  A child reads the memos it
 * inherited and writes none for its first MEMO_QUIET walks; one that lives
 * on writes them again. */
#define MEMO_QUIET 256
HG_FORK_STATE static unsigned memo_quiet;

static inline struct bucket *bucket_in(const struct table *t, uintptr_t ip)
{
	uintptr_t h = ip * 0x9e3779b97f4a7c15u;
	return &t->b[h >> (64 - t->bits)];
}

static inline bool table_get(const struct table *t, uintptr_t ip, struct rule *out)
{
	struct bucket *b = bucket_in(t, ip);
	uint32_t s1 = __atomic_load_n(&b->seq, __ATOMIC_ACQUIRE);
	if (s1 & 1)
		return false;
	uintptr_t key = __atomic_load_n(&b->ip, __ATOMIC_RELAXED);
	struct rule r;
	uint64_t bits = __atomic_load_n((uint64_t *)&b->rule, __ATOMIC_RELAXED);
	memcpy(&r, &bits, sizeof(r));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&b->seq, __ATOMIC_RELAXED) != s1 || key != ip)
		return false;
	*out = r;
	return true;
}

static inline bool cache_get(uintptr_t ip, struct rule *out)
{
	const struct table *own = __atomic_load_n(&cache, __ATOMIC_ACQUIRE);
	if (HG_LIKELY(table_get(own, ip, out)))
		return true;
	for (int i = 0; i < 2 && inherited[i] != NULL; i++)
		if (inherited[i] != own && table_get(inherited[i], ip, out))
			return true;
	return false;
}

/* Under fill_lock: into t, not yet (or already) published. */
static void bucket_put(struct table *t, uintptr_t ip, const struct rule *r)
{
	struct bucket *b = bucket_in(t, ip);
	t->taken += b->ip == 0;
	uint32_t s = b->seq;
	__atomic_store_n(&b->seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	uint64_t bits;
	memcpy(&bits, r, sizeof(bits));
	__atomic_store_n((uint64_t *)&b->rule, bits, __ATOMIC_RELAXED);
	__atomic_store_n(&b->ip, ip, __ATOMIC_RELAXED);
	__atomic_store_n(&b->seq, s + 2, __ATOMIC_RELEASE);
}

/* Under fill_lock: an empty table of 2^bits buckets, listed for the leak
 * scan; NULL when there is no memory or no room in the list. */
static struct table *table_new(unsigned bits)
{
	size_t n = (size_t)1 << bits;
	if (nmapped == HG_CFI_RANGES)
		return NULL;
	struct table *g = hg_os_map(sizeof(*g) + n * sizeof(struct bucket), false);
	if (g == NULL)
		return NULL;
	g->bits = bits;
	g->taken = 0;
	g->b = (struct bucket *)(g + 1);
	__atomic_store_n(&mapped[nmapped], g, __ATOMIC_RELEASE);
	__atomic_store_n(&nmapped, nmapped + 1, __ATOMIC_RELEASE);
	return g;
}

/* Under fill_lock: a table four times larger, holding t's rules; NULL
 * when there is no memory (t stays, collisions and all). */
static struct table *grown(const struct table *t)
{
	struct table *g = table_new(t->bits + 2);
	if (g == NULL)
		return NULL;
	for (size_t i = 0; i < (size_t)1 << t->bits; i++)
		if (t->b[i].ip != 0)
			bucket_put(g, t->b[i].ip, &t->b[i].rule);
	return g;
}

/* Under fill_lock. */
static void cache_put(uintptr_t ip, const struct rule *r)
{
	struct table *t = cache;
	struct table *g = NULL;
	if (t == inherited[0]) /* a fork child's first rule */
		g = table_new(CACHE_BITS_CHILD);
	else if (t->taken >= (1u << t->bits) / 8 && t->bits < CACHE_BITS_MAX)
		g = grown(t);
	if (g != NULL) {
		__atomic_store_n(&cache, g, __ATOMIC_RELEASE);
		t = g;
	}
	bucket_put(t, ip, r);
}

_Static_assert(sizeof(struct rule) == 8, "a rule is stored as one word");

/* ---- modules ---- */

struct module {
	uintptr_t lo, hi;			/* its code, or all its mapping */
	const uint8_t *hdr;			/* .eh_frame_hdr, or NULL */
};

#define MODULES_MAX 512
static struct module modules[MODULES_MAX];
static unsigned nmodules;

static int add_module(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	(void)ctx;
	const ElfW(Phdr) *text = NULL, *eh = NULL;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && text == NULL)
			text = ph;
		else if (ph->p_type == PT_GNU_EH_FRAME)
			eh = ph;
	}
	if (text == NULL || nmodules == MODULES_MAX)
		return 0;
	struct module *m = &modules[nmodules++];
	m->lo = info->dlpi_addr + text->p_vaddr;
	m->hi = m->lo + text->p_memsz;
	m->hdr = eh != NULL ? (const uint8_t *)(info->dlpi_addr + eh->p_vaddr) : NULL;
	return 0;
}

/* Under fill_lock: the module whose code holds ip.  glibc's
 * _dl_find_object answers from its own table, no lock taken and no
 * module's program headers read: a fork child's first walk (at its exit)
 * read those of every module, a page fault each.  Before ld.so has set
 * that table up, or for code it does not list, the list of modules is
 * walked, and walked again once when ip is in none (a library loaded since). */
static bool module_of(uintptr_t ip, struct module *out)
{
	struct dl_find_object found;
	if (_dl_find_object((void *)ip, &found) == 0) {
		out->lo = (uintptr_t)found.dlfo_map_start;
		out->hi = (uintptr_t)found.dlfo_map_end;
		out->hdr = found.dlfo_eh_frame;
		return true;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < nmodules; i++) {
			if (ip - modules[i].lo < modules[i].hi - modules[i].lo) {
				*out = modules[i];
				return true;
			}
		}
		if (pass == 0) {
			nmodules = 0;
			dl_iterate_phdr(add_module, NULL);
		}
	}
	return false;
}

/* ---- DWARF reading ---- */

struct cursor {
	const uint8_t *p, *end;
	bool bad;
};

static uint64_t uleb(struct cursor *c)
{
	uint64_t v = 0;
	for (unsigned shift = 0; c->p < c->end && shift < 64; shift += 7) {
		uint8_t b = *c->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	c->bad = true;
	return 0;
}

static int64_t sleb(struct cursor *c)
{
	int64_t v = 0;
	unsigned shift = 0;
	for (; c->p < c->end && shift < 64; shift += 7) {
		uint8_t b = *c->p++;
		v |= (int64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (shift + 7 < 64 && (b & 0x40))
				v |= -((int64_t)1 << (shift + 7));
			return v;
		}
	}
	c->bad = true;
	return 0;
}

static uint64_t fixed(struct cursor *c, unsigned n)
{
	if ((size_t)(c->end - c->p) < n) {
		c->bad = true;
		return 0;
	}
	uint64_t v = 0;
	memcpy(&v, c->p, n);
	c->p += n;
	return v;
}

/* A pointer in one of the encodings GNU tools emit; anything else (indirect,
 * text- or function-relative) marks the cursor bad. */
static uintptr_t encoded(struct cursor *c, uint8_t enc, uintptr_t datarel)
{
	if (enc == 0xff)			/* DW_EH_PE_omit */
		return 0;
	uintptr_t base = 0, at = (uintptr_t)c->p;
	switch (enc & 0x70) {
	case 0x00:
		break;
	case 0x10:				/* pcrel */
		base = at;
		break;
	case 0x30:				/* datarel */
		base = datarel;
		break;
	default:
		c->bad = true;
		return 0;
	}
	uint64_t v;
	switch (enc & 0x0f) {
	case 0x00: v = fixed(c, 8); break;
	case 0x01: v = uleb(c); break;
	case 0x02: v = fixed(c, 2); break;
	case 0x03: v = fixed(c, 4); break;
	case 0x04: v = fixed(c, 8); break;
	case 0x09: v = (uint64_t)sleb(c); break;
	case 0x0a: v = (uint64_t)(int64_t)(int16_t)fixed(c, 2); break;
	case 0x0b: v = (uint64_t)(int64_t)(int32_t)fixed(c, 4); break;
	case 0x0c: v = fixed(c, 8); break;
	default:
		c->bad = true;
		return 0;
	}
	if (enc & 0x80)
		c->bad = true;			/* indirect: not for code ranges */
	return base + (uintptr_t)v;
}

/* The FDE covering ip, by binary search of .eh_frame_hdr's sorted table
 * (the layout GNU ld writes: udata4 count, datarel sdata4 pairs). */
static const uint8_t *find_fde(const uint8_t *hdr, uintptr_t ip)
{
	if (hdr[0] != 1 || hdr[2] != 0x03 || hdr[3] != 0x3b)
		return NULL;
	struct cursor c = { hdr + 4, hdr + 4 + 16, false };
	encoded(&c, hdr[1], (uintptr_t)hdr);	/* eh_frame_ptr */
	uint32_t count = (uint32_t)fixed(&c, 4);
	if (c.bad || count == 0)
		return NULL;
	const int32_t *table = (const int32_t *)c.p;
	uint32_t lo = 0, hi = count;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if ((uintptr_t)hdr + (intptr_t)table[2 * mid] <= ip)
			lo = mid;
		else
			hi = mid;
	}
	if ((uintptr_t)hdr + (intptr_t)table[2 * lo] > ip)
		return NULL;
	return hdr + (intptr_t)table[2 * lo + 1];
}

/* ---- the CFA program ---- */

struct row {
	uint8_t cfa_reg;
	int64_t cfa_off;
	int64_t rbp_off;			/* 0: same value */
	bool ra_undefined;
	bool unsupported;
};

struct cie {
	bool z;					/* FDEs carry augmentation data */
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra_reg;
	uint8_t fde_enc;
	const uint8_t *insns, *insns_end;
};

static bool parse_cie(const uint8_t *p, struct cie *cie)
{
	uint32_t len;
	memcpy(&len, p, 4);
	if (len == 0 || len == 0xffffffff)
		return false;
	struct cursor c = { p + 4, p + 4 + len, false };
	if (fixed(&c, 4) != 0)
		return false;
	uint8_t version = (uint8_t)fixed(&c, 1);
	const char *aug = (const char *)c.p;
	size_t auglen = strnlen(aug, (size_t)(c.end - c.p));
	c.p += auglen + 1;
	if (version != 1 && version != 3)
		return false;
	cie->code_align = uleb(&c);
	cie->data_align = sleb(&c);
	cie->ra_reg = version == 1 ? fixed(&c, 1) : uleb(&c);
	cie->fde_enc = 0;
	cie->z = aug[0] == 'z';
	if (cie->z) {
		uint64_t n = uleb(&c);
		const uint8_t *data_end = c.p + n;
		for (size_t i = 1; i < auglen && !c.bad; i++) {
			switch (aug[i]) {
			case 'R':
				cie->fde_enc = (uint8_t)fixed(&c, 1);
				break;
			case 'L':
				fixed(&c, 1);
				break;
			case 'P': {
				uint8_t enc = (uint8_t)fixed(&c, 1);
				encoded(&c, enc & 0x7f, 0);	/* skipped, never followed */
				break;
			}
			default:			/* 'S' signal frames, or unknown */
				return false;
			}
		}
		c.p = data_end;
	} else if (auglen != 0) {
		return false;
	}
	if (c.bad || c.p > c.end || cie->ra_reg != REG_RA)
		return false;
	cie->insns = c.p;
	cie->insns_end = c.end;
	return true;
}

/* Runs instructions until the location passes target (or they end). */
static void run_program(struct cursor *c, const struct cie *cie, uintptr_t loc, uintptr_t target,
			struct row *row, const struct row *initial)
{
	struct row stack[8];
	unsigned depth = 0;
	while (c->p < c->end && !c->bad && !row->unsupported) {
		uint8_t op = *c->p++;
		uint64_t reg, delta = 0;
		int64_t off;
		switch (op >> 6) {
		case 1:
			delta = (op & 0x3f) * cie->code_align;
			goto advance;
		case 2:
			reg = op & 0x3f;
			off = (int64_t)uleb(c) * cie->data_align;
			goto offset;
		case 3:
			reg = op & 0x3f;
			goto restore;
		}
		switch (op) {
		case 0x00:
			continue;
		case 0x02:
			delta = fixed(c, 1) * cie->code_align;
			goto advance;
		case 0x03:
			delta = fixed(c, 2) * cie->code_align;
			goto advance;
		case 0x04:
			delta = fixed(c, 4) * cie->code_align;
			goto advance;
		case 0x05:
			reg = uleb(c);
			off = (int64_t)uleb(c) * cie->data_align;
			goto offset;
		case 0x11:
			reg = uleb(c);
			off = sleb(c) * cie->data_align;
			goto offset;
		case 0x2f:
			reg = uleb(c);
			off = -(int64_t)uleb(c) * cie->data_align;
			goto offset;
		case 0x06:
			reg = uleb(c);
			goto restore;
		case 0x07:				/* undefined */
			reg = uleb(c);
			if (reg == REG_RA)
				row->ra_undefined = true;
			else if (reg == REG_RBP)
				row->unsupported = true;
			continue;
		case 0x08:				/* same_value */
			reg = uleb(c);
			if (reg == REG_RBP)
				row->rbp_off = 0;
			else if (reg == REG_RA)
				row->unsupported = true;
			continue;
		case 0x09:				/* register */
			reg = uleb(c);
			uleb(c);
			if (reg == REG_RBP || reg == REG_RA)
				row->unsupported = true;
			continue;
		case 0x0a:
			if (depth == 8) {
				row->unsupported = true;
				continue;
			}
			stack[depth++] = *row;
			continue;
		case 0x0b:
			if (depth == 0) {
				row->unsupported = true;
				continue;
			}
			/* The CFA is not part of the remembered state's restore in
			 * GCC's reading either: both are restored (DWARF 5 6.4.2.4
			 * says the whole row). */
			*row = stack[--depth];
			continue;
		case 0x0c:
			row->cfa_reg = (uint8_t)uleb(c);
			row->cfa_off = (int64_t)uleb(c);
			goto check_cfa;
		case 0x12:
			row->cfa_reg = (uint8_t)uleb(c);
			row->cfa_off = sleb(c) * cie->data_align;
			goto check_cfa;
		case 0x0d:
			row->cfa_reg = (uint8_t)uleb(c);
			goto check_cfa;
		case 0x0e:
			row->cfa_off = (int64_t)uleb(c);
			continue;
		case 0x13:
			row->cfa_off = sleb(c) * cie->data_align;
			continue;
		case 0x2e:				/* GNU_args_size */
			uleb(c);
			continue;
		case 0x10:				/* expression */
		case 0x16: {				/* val_expression */
			reg = uleb(c);
			uint64_t n = uleb(c);
			if (reg == REG_RBP || reg == REG_RA || n > (uint64_t)(c->end - c->p))
				row->unsupported = true;
			else
				c->p += n;
			continue;
		}
		case 0x14:				/* val_offset */
			reg = uleb(c);
			uleb(c);
			goto val_offset;
		case 0x15:
			reg = uleb(c);
			sleb(c);
		val_offset:
			if (reg == REG_RBP || reg == REG_RA)
				row->unsupported = true;
			continue;
		default:				/* def_cfa_expression, set_loc, ... */
			row->unsupported = true;
			continue;
		}
	advance:
		if (loc + delta > target)
			return;
		loc += delta;
		continue;
	offset:
		if (reg == REG_RBP)
			row->rbp_off = off;
		else if (reg == REG_RA && off != -8)
			row->unsupported = true;
		continue;
	restore:
		if (initial == NULL) {
			row->unsupported = true;
		} else if (reg == REG_RBP) {
			row->rbp_off = initial->rbp_off;
		} else if (reg == REG_RA) {
			row->ra_undefined = initial->ra_undefined;
		}
		continue;
	check_cfa:
		if (row->cfa_reg != REG_RSP && row->cfa_reg != REG_RBP)
			row->unsupported = true;
		continue;
	}
	if (c->bad)
		row->unsupported = true;
}

/* The rule at ip, from the module's CFI. */
static struct rule derive(uintptr_t ip)
{
	struct rule r = { 0, 0, 0, RULE_UNSUPPORTED };
	struct module m;
	if (!module_of(ip, &m) || m.hdr == NULL)
		return r;
	const uint8_t *fde = find_fde(m.hdr, ip);
	if (fde == NULL)
		return r;
	uint32_t len, cie_off;
	memcpy(&len, fde, 4);
	memcpy(&cie_off, fde + 4, 4);
	if (len == 0 || len == 0xffffffff || cie_off == 0)
		return r;
	struct cie cie;
	if (!parse_cie(fde + 4 - cie_off, &cie))
		return r;
	struct cursor c = { fde + 8, fde + 4 + len, false };
	uintptr_t start = encoded(&c, cie.fde_enc, 0);
	uintptr_t range = encoded(&c, cie.fde_enc & 0x0f, 0);
	if (c.bad || ip - start >= range)
		return r;
	if (cie.z) {				/* FDE augmentation data: skipped */
		uint64_t n = uleb(&c);
		if (c.bad || n > (uint64_t)(c.end - c.p))
			return r;
		c.p += n;
	}
	struct row row = { REG_RSP, 8, 0, false, false };
	struct cursor ci = { cie.insns, cie.insns_end, false };
	run_program(&ci, &cie, 0, UINTPTR_MAX, &row, NULL);
	struct row initial = row;
	run_program(&c, &cie, start, ip, &row, &initial);
	if (row.unsupported || ci.bad || row.cfa_off < 8 || row.cfa_off > INT32_MAX ||
	    row.rbp_off < INT16_MIN || row.rbp_off > INT16_MAX || (row.rbp_off > 0))
		return r;
	r.cfa_reg = row.cfa_reg;
	r.cfa_off = (int32_t)row.cfa_off;
	r.rbp_off = (int16_t)row.rbp_off;
	r.kind = row.ra_undefined ? RULE_END : RULE_STEP;
	return r;
}

/* The walk in progress is exit's one walk (hg_cfi_backtrace_once): the
 * rules it derives are not kept, as no walk will need them again, and
 * keeping one cost a fork child a table of its own (a mapping and a page
 * fault) in every subshell that scanned for leaks. */
static __thread bool walk_once __attribute__((tls_model("initial-exec")));

static bool rule_at(uintptr_t ip, struct rule *r)
{
	if (HG_LIKELY(cache_get(ip, r)))
		return r->kind == RULE_STEP || r->kind == RULE_END;
	hg_lock_acquire(&fill_lock);
	*r = derive(ip);
	if (!walk_once)
		cache_put(ip, r);
	hg_lock_release(&fill_lock);
	return r->kind == RULE_STEP || r->kind == RULE_END;
}

/* Read with the world stopped, without fill_lock (a thread paused while
 * growing the table has published nothing half made). */
unsigned hg_cfi_memory(uintptr_t lo[HG_CFI_RANGES], uintptr_t hi[HG_CFI_RANGES])
{
	unsigned n = __atomic_load_n(&nmapped, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < n; i++) {
		const struct table *t = __atomic_load_n(&mapped[i], __ATOMIC_ACQUIRE);
		lo[i] = (uintptr_t)t;
		hi[i] = (uintptr_t)(t->b + ((size_t)1 << t->bits));
	}
	return n;
}

/* fork(): no rule is half written in the child. */
HG_FORK_CODE void hg_cfi_fork_prepare(void)
{
	hg_lock_acquire(&fill_lock);
}

HG_FORK_CODE void hg_cfi_fork_parent(void)
{
	hg_lock_release(&fill_lock);
}

HG_FORK_CODE void hg_cfi_fork_child(void)
{
	hg_lock_reset(&fill_lock);
}

/* Every fork child, whichever way it was forked: the rule tables it has
 * are its parent's from now on. */
HG_FORK_CODE void hg_cfi_fork_inherit(void)
{
	memo_quiet = MEMO_QUIET;
	if (cache != inherited[0]) { /* the parent had a table of its own */
		inherited[1] = inherited[0];
		inherited[0] = cache;
	}
}

/* ---- the walk ---- */

/* The last walks from malloc-family entry frames, each as its frames:
 * where each step read the return address and, if it reloaded rbp, rbp,
 * and the values it read.  A walk is a function of the entry frame, the
 * depth and the words it reads (rules depend on return addresses only),
 * so:
 *
 * - A capture from the same entry frame whose words all still hold those
 *   values has the same stack: the memo answers with the depot id that
 *   walk's stack got, after reading the words alone.  Programs repeat
 *   the same few dozen allocation and free stacks in a cycle (sqlite3,
 *   one INSERT after another): each thread keeps its last MEMO_SLOTS
 *   walks, and the memo answered 99.8% of sqlite3's captures where four,
 *   one per call site, answered 13%.
 *
 * - Two captures in a row usually differ in their innermost frames only
 *   (sqlite3's mallocs and frees all run under sqlite3_step, the parser's
 *   under sqlite3RunParser).  A step that starts from the state a step of
 *   the last walk started from (the same return address to look up, the
 *   same stack pointer, and the same rbp if that walk used it before
 *   reloading it) takes the same steps as that walk did for as long as the
 *   words they read still hold the values read then: the walk replays
 *   them, reading one or two words a frame instead of finding its rule
 *   and checking its bounds, and walks on from the first word that
 *   differs.
 *
 * Reading stops at the first word that differs, so either reads only what
 * the walk itself would read. */
#define MEMO_SLOTS 64
#define TRACE_FRAMES 20 /* depth 16 and a few more: this is per thread */
struct trace_frame {
	uintptr_t cfa;				/* the return address was read at cfa - 8 */
	uintptr_t pc;				/* ... and was this */
	uintptr_t bp;				/* rbp after the step */
	int16_t rbp_off;			/* rbp was reloaded from cfa + rbp_off; 0: kept */
	bool uses_bp;				/* the CFA came from rbp */
	bool bp_needed;				/* a later step's CFA came from the
						 * rbp this step reloaded */
};
/* A walk, each of its steps as it was taken: the last one is replayed. */
struct walk_memo {
	uintptr_t ra, sp, bp;			/* the entry frame: the first step's state */
	uintptr_t end;				/* the stack's end */
	bool bp_used;				/* the walk used the entry rbp (else
						 * it may hold anything) */
	bool whole;				/* all its frames are here */
	unsigned max;				/* the depth asked for */
	unsigned nframes;
	uintptr_t end_at;			/* where the 0 read as a return address
						 * ended the stack (0: none did) */
	struct trace_frame f[TRACE_FRAMES];
};
/* A memo: the words a walk read that decide its stack (each frame's
 * return address, the rbp values a later step's CFA came from, the 0 that
 * ended the stack), as offsets from its entry frame's stack pointer and
 * values, packed so that checking one reads a few cache lines. */
#define MEMO_CHECKS (2 * TRACE_FRAMES + 2)
struct memo {
	uint32_t id;				/* 0: no id known */
	uint8_t nchk;
	bool bp_used;				/* and its entry rbp was bp */
	uint16_t max;				/* the depth asked for */
	uintptr_t ra, sp, bp;			/* the entry frame */
	uint32_t off[MEMO_CHECKS];
	uintptr_t val[MEMO_CHECKS];
};
/* A thread's memos, 35 KiB: mapped in pools of tables (not in its TLS,
 * which every new thread would clear) when the thread first walks, and
 * handed on to a later thread when it exits. */
struct memo_table {
	uint8_t tag[MEMO_SLOTS];		/* of each memo with an id, a hash of */
						/* its entry frame (0: none), scanned */
	uintptr_t key_ra[MEMO_SLOTS];		/* 16 at a time; then the entry */
	uintptr_t key_sp[MEMO_SLOTS];		/* frame itself */
	unsigned next;				/* the slot the next walk takes */
	struct memo_table *next_free;
	struct memo m[MEMO_SLOTS];
};
#define MEMO_POOL_TABLES 16
static struct memo_table *memo_pools[HG_CFI_MEMO_POOLS]; /* under fill_lock; */
static unsigned nmemo_pools, memo_pool_taken;		 /* read by the leak scan */
static struct memo_table *memo_free;
static __thread struct memo_table *memo_tab __attribute__((tls_model("initial-exec")));
static __thread bool memo_closed __attribute__((tls_model("initial-exec"))); /* thread gone */
/* The memo of the last walk, until its id is known; NULL if that walk
 * cannot be memoised (no entry frame, too many frames, or it failed). */
static __thread struct memo *memo_pending __attribute__((tls_model("initial-exec")));
/* The last walk, whole, to replay from (NULL: none). */
static __thread struct walk_memo last_walk __attribute__((tls_model("initial-exec")));
static __thread struct walk_memo *memo_last __attribute__((tls_model("initial-exec")));
/* A walk in a signal handler, while this thread was walking, neither uses
 * nor replaces the memos. */
static __thread bool walk_busy __attribute__((tls_model("initial-exec")));
static __thread struct hg_cfi_stats stats __attribute__((tls_model("initial-exec")));

/* Under fill_lock: a table from a thread gone, or a new one. */
static struct memo_table *memo_table_take(void)
{
	struct memo_table *t = memo_free;
	if (t != NULL) {
		memo_free = t->next_free;
		return t;
	}
	if (nmemo_pools == 0 || memo_pool_taken == MEMO_POOL_TABLES) {
		if (nmemo_pools == HG_CFI_MEMO_POOLS)
			return NULL;
		struct memo_table *pool = hg_os_map(MEMO_POOL_TABLES * sizeof(*pool), false);
		if (pool == NULL)
			return NULL;
		__atomic_store_n(&memo_pools[nmemo_pools], pool, __ATOMIC_RELEASE);
		__atomic_store_n(&nmemo_pools, nmemo_pools + 1, __ATOMIC_RELEASE);
		memo_pool_taken = 0;
	}
	return &memo_pools[nmemo_pools - 1][memo_pool_taken++];
}

/* The calling thread's table, taken at its first walk; NULL when there is
 * none to be had, or fill_lock is busy (its holder may be this thread,
 * interrupted by the signal handler that walks now): no memo this time. */
static struct memo_table *memo_table(void)
{
	struct memo_table *t = memo_tab;
	if (HG_LIKELY(t != NULL) || memo_closed || !hg_lock_try(&fill_lock))
		return t;
	t = memo_table_take();
	hg_lock_release(&fill_lock);
	memo_tab = t;
	return t;
}

void hg_cfi_thread_exit(void)
{
	struct memo_table *t = memo_tab;
	memo_closed = true;
	memo_tab = NULL;
	memo_last = NULL;
	memo_pending = NULL;
	if (t == NULL)
		return;
	/* Its memos read this thread's stack: no other thread may match them. */
	memset(t->tag, 0, sizeof(t->tag));
	t->next = 0;
	hg_lock_acquire(&fill_lock);
	t->next_free = memo_free;
	memo_free = t;
	hg_lock_release(&fill_lock);
}

unsigned hg_cfi_memo_memory(uintptr_t lo[HG_CFI_MEMO_POOLS], uintptr_t hi[HG_CFI_MEMO_POOLS])
{
	unsigned n = __atomic_load_n(&nmemo_pools, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < n; i++) {
		lo[i] = (uintptr_t)__atomic_load_n(&memo_pools[i], __ATOMIC_ACQUIRE);
		hi[i] = lo[i] + MEMO_POOL_TABLES * sizeof(struct memo_table);
	}
	return n;
}

void hg_cfi_stats(struct hg_cfi_stats *out)
{
	*out = stats;
}

/* 1 to 255: 0 marks a slot without a memo. */
static inline uint8_t memo_tag(uintptr_t ra, uintptr_t sp)
{
	return (uint8_t)(((ra ^ sp * 31) * 0x9e3779b97f4a7c15u >> 56) | 1);
}

/* Whether memo m's walk, from this thread's entry frame (its ra and sp
 * the memo's), would give the same stack now. */
static bool memo_holds(const struct memo *m, uintptr_t sp, uintptr_t bp, unsigned max)
{
	if (m->id == 0 || (m->bp_used && bp != m->bp) || max != m->max)
		return false;
	for (unsigned i = 0; i < m->nchk; i++)
		if (*(const uintptr_t *)(sp + m->off[i]) != m->val[i])
			return false;
	return true;
}

static inline bool memo_check(struct memo *m, uintptr_t sp, uintptr_t addr, uintptr_t val)
{
	uintptr_t off = addr - sp;
	if (off > UINT32_MAX || m->nchk == MEMO_CHECKS)
		return false;
	m->off[m->nchk] = (uint32_t)off;
	m->val[m->nchk++] = val;
	return true;
}

/* The whole walk t becomes memo m, which waits for the walk's id. */
static void memo_note(struct memo *m, const struct walk_memo *t)
{
	m->nchk = 0;
	for (unsigned i = 0; i < t->nframes; i++) {
		const struct trace_frame *f = &t->f[i];
		if (!memo_check(m, t->sp, f->cfa - 8, f->pc) ||
		    (f->bp_needed &&
		     !memo_check(m, t->sp, f->cfa + (uintptr_t)(intptr_t)f->rbp_off, f->bp)))
			return;
	}
	/* The stack's end: the 0 read for a return address.  (The rbp that
	 * step reloaded decides nothing.) */
	if (t->end_at != 0 && !memo_check(m, t->sp, t->end_at, 0))
		return;
	m->ra = t->ra;
	m->sp = t->sp;
	m->bp_used = t->bp_used;
	m->bp = t->bp_used ? t->bp : 0;
	m->max = (uint16_t)t->max;
	memo_pending = m;
}

uint32_t hg_cfi_memo_get(unsigned max)
{
	const struct hg_thread *self = &hg_self;
	const uintptr_t ra = self->entry_ra, sp = self->entry_sp, bp = self->entry_bp;
	const struct memo_table *t = memo_tab;
	if (ra == 0 || t == NULL)
		return 0;
	const __m128i want = _mm_set1_epi8((char)memo_tag(ra, sp));
	for (unsigned g = 0; g < MEMO_SLOTS; g += 16) {
		__m128i tags = _mm_loadu_si128((const __m128i *)&t->tag[g]);
		unsigned hits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(tags, want));
		for (; hits != 0; hits &= hits - 1) {
			unsigned i = g + (unsigned)__builtin_ctz(hits);
			if (t->key_ra[i] == ra && t->key_sp[i] == sp && memo_holds(&t->m[i], sp, bp, max))
				return t->m[i].id;
		}
	}
	return 0;
}

void hg_cfi_memo_set(uint32_t id)
{
	struct memo *m = memo_pending;
	memo_pending = NULL;
	if (m == NULL || id == 0)
		return;
	m->id = id;
	/* Its key last: a signal handler's capture may look it up now. */
	size_t i = (size_t)(m - memo_tab->m);
	memo_tab->key_ra[i] = m->ra;
	memo_tab->key_sp[i] = m->sp;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	memo_tab->tag[i] = memo_tag(m->ra, m->sp);
}

/* The state frame j of walk t started from. */
static inline uintptr_t trace_sp(const struct walk_memo *t, unsigned j)
{
	return j == 0 ? t->sp : t->f[j - 1].cfa;
}

static inline uintptr_t trace_lookup(const struct walk_memo *t, unsigned j)
{
	return (j == 0 ? t->ra : t->f[j - 1].pc) - 1;
}

static inline uintptr_t trace_bp(const struct walk_memo *t, unsigned j)
{
	return j == 0 ? t->bp : t->f[j - 1].bp;
}

/* Whether the steps from frame j read the rbp they started with before
 * one of them reloaded it (the steps after the last are the new walk's
 * own, from its own rbp). */
static bool trace_needs_bp(const struct walk_memo *t, unsigned j)
{
	for (; j < t->nframes; j++) {
		if (t->f[j].uses_bp)
			return true;
		if (t->f[j].rbp_off != 0)
			return false;
	}
	return false;
}

/* The new walk's frames, until it ends and goes to its slot: its own and
 * those replayed (head), then those it replayed up to the last walk's end,
 * left where they are (last->f[tail_from, last->nframes)) unless it
 * walked on past them. */
struct walk_record {
	const struct walk_memo *last;
	unsigned nhead, tail_from;
	bool tail, truncated;
	uintptr_t end_at;
	struct trace_frame head[TRACE_FRAMES];
};

static void record_frames(struct walk_record *w, const struct trace_frame *f, unsigned n)
{
	if (n > TRACE_FRAMES - w->nhead) {
		n = TRACE_FRAMES - w->nhead;
		w->truncated = true;
	}
	memcpy(&w->head[w->nhead], f, n * sizeof(*f));
	w->nhead += n;
}

static inline void record_frame(struct walk_record *w, const struct trace_frame *f)
{
	if (w == NULL)
		return;
	if (HG_UNLIKELY(w->tail)) {		/* walked on past the last walk's end */
		w->tail = false;
		record_frames(w, &w->last->f[w->tail_from], w->last->nframes - w->tail_from);
	}
	if (w->nhead < TRACE_FRAMES)
		w->head[w->nhead++] = *f;
	else
		w->truncated = true;
}

/* The walk is over: its frames go to m (the last walk, last may be it). */
static void record_close(struct walk_record *w, struct walk_memo *m, uintptr_t end, bool by_depth)
{
	unsigned n = w->nhead;
	if (w->tail) {
		unsigned more = w->last->nframes - w->tail_from;
		if (more > TRACE_FRAMES - n) {
			more = TRACE_FRAMES - n;
			w->truncated = true;
		}
		memmove(&m->f[n], &w->last->f[w->tail_from], more * sizeof(m->f[0]));
		n += more;
	}
	memcpy(m->f, w->head, w->nhead * sizeof(m->f[0]));
	/* The rbp values a step reloaded that a later step's CFA came from:
	 * only those decide the stack.  Code that keeps data in rbp saves a
	 * different value at each call, and sqlite3's memo answered 13% of
	 * captures while it compared them all.  After the last frame, one
	 * more step may have read rbp (to find the stack's end), unless the
	 * depth ended the walk. */
	bool read_later = !by_depth;
	for (unsigned i = n; i-- > 0;) {
		m->f[i].bp_needed = m->f[i].rbp_off != 0 && read_later;
		read_later = m->f[i].uses_bp || (m->f[i].rbp_off == 0 && read_later);
	}
	m->nframes = n;
	m->end = end;
	m->end_at = w->end_at;
	m->whole = !w->truncated;
}

/* ---- the stack's bounds ----
 * The walk reads words only between its own stack pointer and the top of
 * the calling thread's stack, all of it mapped: a frame pointer or a CFA
 * that leads elsewhere (a frame the program damaged, a hijacked return)
 * ends the stack there, never a read of memory that may not exist. */

/* No frame is larger, nor a stack deeper. */
#define STACK_SPAN ((uintptr_t)1 << 30)

extern void *__libc_stack_end;

/* The end of the calling thread's stack above sp, or 0 when sp is on no
 * stack known here (an alternate signal stack, a coroutine's): a thread
 * glibc made has its stack just below its thread pointer (its descriptor
 * and static TLS are at the top of the same mapping, even for a stack the
 * program gave it); the main thread's frames are all below
 * __libc_stack_end, where the kernel put argc. */
static inline uintptr_t stack_end(uintptr_t sp)
{
	uintptr_t tp;
	__asm__("mov %%fs:0, %0" : "=r"(tp));
	if (sp < tp && tp - sp < STACK_SPAN)
		return tp;
	uintptr_t end = (uintptr_t)__libc_stack_end;
	if (sp < end && end - sp < STACK_SPAN)
		return end;
	return 0;
}

/* The word at addr lies in [lo, hi), where lo is the walk's own stack
 * pointer and hi the stack's end (hi - lo >= 8), and is aligned. */
static inline bool stack_word(uintptr_t addr, uintptr_t lo, uintptr_t hi)
{
	return addr - lo <= hi - lo - sizeof(uintptr_t) && (addr & 7) == 0;
}

/* Replays walk t's frames from frame j, the new walk being at the state
 * that frame's step started from, for as long as the words they read hold
 * the same values (and lie on this walk's part of the stack) and the depth
 * allows; returns the first frame not replayed.  (A frame's bp is the one
 * its step started from or loaded; a later walk compares it only where
 * the steps after need it, and then the two are the same.) */
static unsigned replay(const struct walk_memo *t, unsigned j, uintptr_t start_sp, uintptr_t *pcs,
		       unsigned *n_io, unsigned max, uintptr_t *bp_io, bool *bp_is_entry)
{
	unsigned k = j, n = *n_io;
	uintptr_t bp = *bp_io;
	for (; k < t->nframes && n < max; k++) {
		const struct trace_frame *f = &t->f[k];
		const uintptr_t *ra_at = (const uintptr_t *)(f->cfa - 8);
		if ((uintptr_t)ra_at < start_sp || *ra_at != f->pc)
			break;
		if (f->rbp_off != 0) {
			const uintptr_t *bp_at = (const uintptr_t *)(f->cfa + (uintptr_t)(intptr_t)f->rbp_off);
			if ((uintptr_t)bp_at < start_sp || *bp_at != f->bp)
				break;
			bp = f->bp;
			*bp_is_entry = false;
		}
		pcs[n++] = f->pc;
	}
	*n_io = n;
	*bp_io = bp;
	return k;
}

int hg_cfi_backtrace(uintptr_t *pcs, unsigned max)
{
	uintptr_t ip, sp, bp;
	__asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2"
			 : "=r"(ip), "=r"(sp), "=r"(bp));
	uintptr_t lookup = ip, start_sp = sp;
	uintptr_t end = stack_end(sp);
	if (end == 0 || end - sp < 64)
		return -1; /* libunwind, which validates what it reads */
	unsigned n = 0;
	bool at_top = true, bp_is_entry = true;
	/* Inside a malloc-family call whose caller's frame is known: start
	 * there, without walking heapguard's own frames. */
	struct hg_thread *self = &hg_self;
	struct memo_table *tab;
	struct memo *m = NULL;
	const struct walk_memo *last = NULL;
	struct walk_record record, *w = NULL;
	unsigned j = 0;				/* last's frame to match next */
	memo_pending = NULL;
	/* Read once: a signal handler's malloc may change hg_self's entry
	 * frame before this walk ends. */
	const uintptr_t entry_ra = self->entry_ra, entry_sp = self->entry_sp,
			entry_bp = self->entry_bp;
	if (entry_ra != 0 && entry_sp > sp && entry_sp <= end && max > 0) {
		pcs[n++] = entry_ra;
		lookup = entry_ra - 1;
		sp = entry_sp;
		bp = entry_bp;
		at_top = false;
	}
	if (!at_top && !walk_busy && (tab = memo_table()) != NULL) {
		walk_busy = true;
		last = memo_last;
		if (last != NULL && last->end != end)
			last = NULL;
		w = &record;
		w->last = last;
		w->nhead = 0;
		w->end_at = 0;
		w->tail = w->truncated = false;
		if (__atomic_load_n(&memo_quiet, __ATOMIC_RELAXED) == 0) {
			/* The oldest memo, replaced if the walk is whole. */
			unsigned slot = tab->next++ % MEMO_SLOTS;
			tab->tag[slot] = 0;
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			m = &tab->m[slot];
			m->id = 0;
		} else {
			__atomic_fetch_sub(&memo_quiet, 1, __ATOMIC_RELAXED);
		}
	}
	bool bp_used = false;
	for (unsigned frames = 0; frames < max + HG_OWN_FRAMES_MAX; frames++) {
		if (last != NULL && j < last->nframes) {
			while (j < last->nframes && trace_sp(last, j) < sp)
				j++;
			bool needs_bp;
			if (j < last->nframes && trace_sp(last, j) == sp &&
			    trace_lookup(last, j) == lookup &&
			    (!(needs_bp = trace_needs_bp(last, j)) || trace_bp(last, j) == bp)) {
				if (bp_is_entry && needs_bp)
					bp_used = true;
				unsigned k = replay(last, j, start_sp, pcs, &n, max, &bp, &bp_is_entry);
				if (k > j) {
					sp = last->f[k - 1].cfa;
					lookup = last->f[k - 1].pc - 1;
					if (k == last->nframes) {
						w->tail = true;
						w->tail_from = j;
					} else {
						record_frames(w, &last->f[j], k - j);
					}
				}
				stats.replayed += k - j;
				stats.refused += k < last->nframes && n < max;
				frames += k - j;
				j = k + 1; /* k's words differ (or the depth is reached) */
				if (frames >= max + HG_OWN_FRAMES_MAX)
					break;
			}
		}
		/* The depth is reached: no word further up changes the stack,
		 * so none is read (nor a rule found for it). */
		if (!at_top && n == max)
			break;
		struct rule r;
		stats.rules++;
		if (!rule_at(lookup, &r)) {
			if (w != NULL) /* this walk took the memos, not an outer one */
				walk_busy = false;
			return -1;
		}
		if (r.kind == RULE_END)
			break;
		if (r.cfa_reg != REG_RSP && bp_is_entry)
			bp_used = true;
		uintptr_t cfa = (r.cfa_reg == REG_RSP ? sp : bp) + (uintptr_t)(intptr_t)r.cfa_off;
		/* The stack only grows one way, and every word read is on it:
		 * past a frame that breaks this, nothing can be trusted, and
		 * the stack is kept as far as it could be followed. */
		if (cfa <= sp || !stack_word(cfa - 8, start_sp, end))
			break;
		if (r.rbp_off != 0 && !stack_word(cfa + (uintptr_t)(intptr_t)r.rbp_off, start_sp, end))
			break;
		const uintptr_t *ra_at = (const uintptr_t *)(cfa - 8);
		uintptr_t ra = *ra_at;
		if (r.rbp_off != 0) {
			bp = *(const uintptr_t *)(cfa + (intptr_t)r.rbp_off);
			bp_is_entry = false;
		}
		sp = cfa;
		if (ra == 0) {
			if (w != NULL)
				w->end_at = (uintptr_t)ra_at;
			break;
		}
		if (!at_top || !hg_unwind_is_ours(ra)) {
			at_top = false;
			pcs[n++] = ra;
			struct trace_frame f = { cfa, ra, bp, r.rbp_off, r.cfa_reg != REG_RSP, false };
			record_frame(w, &f);
		}
		lookup = ra - 1;
	}
	if (w != NULL) {
		struct walk_memo *t = &last_walk;
		record_close(w, t, end, !at_top && n == max);
		t->ra = entry_ra;
		t->sp = entry_sp;
		t->bp = entry_bp;
		t->bp_used = bp_used;
		t->max = max;
		memo_last = t;
		if (t->whole && m != NULL)
			memo_note(m, t);
		walk_busy = false;
	}
	return (int)n;
}

int hg_cfi_backtrace_once(uintptr_t *pcs, unsigned max)
{
	bool busy = walk_busy, once = walk_once;
	walk_busy = true; /* as in a signal handler's walk: no memo */
	walk_once = true; /* and no rule kept */
	int n = hg_cfi_backtrace(pcs, max);
	walk_busy = busy;
	walk_once = once;
	return n;
}
