/* SPDX-License-Identifier: MIT */
/* The run's merge (run.h).  Every report's modules and stacks are mapped
 * into one table: a module by its build id (its path when it has none), a
 * stack by its frames in that table's terms.  Sites then merge by (kind,
 * table stack), each distinct frame is symbolized once, and sites merge
 * again by their symbolized frames: one leak compiled into many processes,
 * or reached by stacks that differ only below what a symbol shows, is one
 * site.  Hash keys are two independent 64-bit hashes. */
#define _GNU_SOURCE /* asprintf */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "run.h"

struct hg_hash {
	uint64_t a, b;
};

static void hg_hash_bytes(struct hg_hash *h, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < n; i++) {
		h->a = (h->a ^ p[i]) * 0x100000001b3ull;
		h->b = (h->b ^ p[i]) * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
		h->b ^= h->b >> 29;
	}
}

static struct hg_hash hg_hash_start(void)
{
	return (struct hg_hash){ 0xcbf29ce484222325ull, 0x84222325cbf29ce4ull };
}

struct hg_merge {
	struct hg_run *run;
	struct hg_map modules; /* hash of build id or path -> table module */
	struct hg_map stacks;  /* hash of frames -> table stack */
	struct hg_map sites;   /* (kind and suppressed, table stack) -> raw site */
	size_t cap_modules, cap_stacks, cap_frames, cap_sites, cap_errors;
	uint32_t *module_of; /* a report's module -> table module */
	uint32_t *stack_of;  /* a report's stack -> table stack */
	bool failed;	     /* out of memory */
};

static uint32_t hg_table_module(struct hg_merge *m, const struct hg_leak_module *mod)
{
	struct hg_leaks *t = &m->run->table;
	struct hg_hash h = hg_hash_start();
	uint32_t got;

	if (mod->build_id)
		hg_hash_bytes(&h, mod->build_id, strlen(mod->build_id) + 1);
	else
		hg_hash_bytes(&h, mod->path, strlen(mod->path));
	got = hg_map_get(&m->modules, h.a, h.b);
	if (got != HG_MAP_NONE)
		return got;
	if (t->nmodules == m->cap_modules) {
		size_t cap = m->cap_modules ? 2 * m->cap_modules : 64;
		struct hg_leak_module *grown = realloc(t->modules, cap * sizeof(*grown));

		if (!grown)
			return HG_MAP_NONE;
		t->modules = grown;
		m->cap_modules = cap;
	}
	got = (uint32_t)t->nmodules;
	t->modules[got].base = 0;
	t->modules[got].build_id = mod->build_id ? strdup(mod->build_id) : NULL;
	t->modules[got].path = strdup(mod->path);
	t->nmodules++;
	if (!t->modules[got].path || (mod->build_id && !t->modules[got].build_id) ||
	    hg_map_put(&m->modules, h.a, h.b, got, NULL) < 0)
		return HG_MAP_NONE;
	return got;
}

static int hg_grow(void **array, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *grown;

	if (need <= *cap)
		return 0;
	ncap = *cap ? 2 * *cap : 256;
	while (ncap < need)
		ncap *= 2;
	grown = realloc(*array, ncap * elem);
	if (!grown)
		return -1;
	*array = grown;
	*cap = ncap;
	return 0;
}

/* The table stack of a report's stack index (HG_NO_STACK stays so; and
 * out of memory, with m->failed set). */
static uint32_t hg_table_stack(struct hg_merge *m, const struct hg_leaks *r, uint32_t stack)
{
	struct hg_leaks *t = &m->run->table;
	const struct hg_leak_frame *frames;
	struct hg_hash h = hg_hash_start();
	unsigned i, count;
	uint32_t got;

	if (stack == HG_NO_STACK || m->stack_of[stack] != HG_MAP_NONE)
		return stack == HG_NO_STACK ? HG_NO_STACK : m->stack_of[stack];
	frames = hg_leaks_stack(r, stack, &count);
	if (hg_grow((void **)&t->frames, &m->cap_frames, t->nframes + count, sizeof(*t->frames)) <
	    0)
		goto fail;
	for (i = 0; i < count; i++) {
		struct hg_leak_frame *f = &t->frames[t->nframes + i];

		f->module = frames[i].module == HG_NO_MODULE ? HG_NO_MODULE
							     : m->module_of[frames[i].module];
		f->offset = frames[i].offset;
		hg_hash_bytes(&h, &f->module, sizeof(f->module));
		hg_hash_bytes(&h, &f->offset, sizeof(f->offset));
	}
	got = hg_map_get(&m->stacks, h.a, h.b);
	if (got == HG_MAP_NONE) {
		if (hg_grow((void **)&t->stacks, &m->cap_stacks, t->nstacks + 1,
			    sizeof(*t->stacks)) < 0)
			goto fail;
		got = (uint32_t)t->nstacks++;
		t->stacks[got].id = got + 1;
		t->stacks[got].first = (uint32_t)t->nframes;
		t->stacks[got].count = count;
		t->nframes += count;
		if (hg_map_put(&m->stacks, h.a, h.b, got, NULL) < 0)
			goto fail;
	}
	m->stack_of[stack] = got;
	return got;
fail:
	m->failed = true;
	return HG_NO_STACK;
}

static int hg_add_site(struct hg_merge *m, uint32_t process, const struct hg_leak_site *s,
		       uint32_t stack)
{
	struct hg_run *run = m->run;
	struct hg_run_site *site;
	uint32_t got;

	got = hg_map_get(&m->sites, (uint64_t)s->kind | (s->suppressed_by ? 1u << 8 : 0), stack);
	if (got == HG_MAP_NONE) {
		if (hg_grow((void **)&run->sites, &m->cap_sites, run->nsites + 1,
			    sizeof(*run->sites)) < 0)
			return -1;
		got = (uint32_t)run->nsites++;
		site = &run->sites[got];
		memset(site, 0, sizeof(*site));
		site->kind = s->kind;
		site->stack = stack;
		site->suppressed_by = s->suppressed_by;
		site->shown = true;
		if (hg_map_put(&m->sites, (uint64_t)s->kind | (s->suppressed_by ? 1u << 8 : 0),
			       stack, got, NULL) < 0)
			return -1;
	}
	site = &run->sites[got];
	site->bytes += s->bytes;
	site->blocks += s->blocks;
	if (site->nprocesses && site->processes[site->nprocesses - 1] == process)
		return 0;
	/* Powers of two: grow when the count reaches one. */
	if ((site->nprocesses & (site->nprocesses - 1)) == 0) {
		uint32_t *grown =
			realloc(site->processes,
				(site->nprocesses ? 2 * site->nprocesses : 1) * sizeof(*grown));

		if (!grown)
			return -1;
		site->processes = grown;
	}
	site->processes[site->nprocesses++] = process;
	return 0;
}

static int hg_add_error(struct hg_merge *m, const struct hg_run_process *p,
			const struct hg_leak_error *e)
{
	struct hg_run *run = m->run;
	struct hg_run_error *out;

	if (hg_grow((void **)&run->errors, &m->cap_errors, run->nerrors + 1, sizeof(*run->errors)) <
	    0)
		return -1;
	out = &run->errors[run->nerrors++];
	memset(out, 0, sizeof(*out));
	out->process = p;
	out->error = e;
	out->stack = hg_table_stack(m, p->leaks, e->stack);
	out->alloc_stack = hg_table_stack(m, p->leaks, e->alloc_stack);
	out->free_stack = hg_table_stack(m, p->leaks, e->free_stack);
	return m->failed ? -1 : 0;
}

/* The modules, stacks, sites and errors of one process's report. */
static int hg_merge_report(struct hg_merge *m, uint32_t process)
{
	const struct hg_run_process *p = &m->run->processes[process];
	const struct hg_leaks *r = p->leaks;
	size_t i;

	free(m->module_of);
	free(m->stack_of);
	m->module_of = malloc((r->nmodules + 1) * sizeof(*m->module_of));
	m->stack_of = malloc((r->nstacks + 1) * sizeof(*m->stack_of));
	if (!m->module_of || !m->stack_of)
		return -1;
	for (i = 0; i < r->nmodules; i++)
		if ((m->module_of[i] = hg_table_module(m, &r->modules[i])) == HG_MAP_NONE)
			return -1;
	for (i = 0; i < r->nstacks; i++)
		m->stack_of[i] = HG_MAP_NONE;
	for (i = 0; i < r->nerrors; i++)
		if (hg_add_error(m, p, &r->errors[i]) < 0)
			return -1;
	for (i = 0; i < r->nsites; i++) {
		const struct hg_leak_site *s = &r->sites[i];
		uint32_t stack;

		if (!(m->run->show & HG_SHOW(s->kind)))
			continue;
		stack = hg_table_stack(m, r, s->stack);
		if (m->failed || hg_add_site(m, process, s, stack) < 0)
			return -1;
	}
	return 0;
}

/* Kind, then each frame of the stack: function, source base name and
 * line (lines when asked), or module base name and offset when nothing is
 * known; for the fingerprint, no lines and no offsets. */
char *hg_run_stack_key(const struct hg_run *run, const char *kind, uint32_t stack, bool exact)
{
	const struct hg_leaks *t = &run->table;
	const struct hg_leak_frame *frames;
	unsigned i, j, count;
	char *key = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&key, &size);

	if (!out)
		return NULL;
	fputs(kind, out);
	frames = hg_leaks_stack(t, stack, &count);
	for (i = 0; i < count; i++) {
		const struct hg_sym_frame *sf =
			hg_sym_frame(run->sym, (size_t)(frames - t->frames) + i);
		bool named = false;

		for (j = 0; j < sf->count; j++) {
			const struct hg_sym_entry *e = &sf->entries[j];

			if (!e->function)
				continue;
			fprintf(out, "\n%s\t%s", e->function,
				e->file ? hg_run_base_name(e->file) : "");
			if (exact && e->line)
				fprintf(out, ":%u", e->line);
			named = true;
		}
		if (named)
			continue;
		fprintf(out, "\n%s",
			frames[i].module == HG_NO_MODULE
				? "?"
				: hg_run_base_name(t->modules[frames[i].module].path));
		if (exact)
			fprintf(out, "+0x%" PRIx64, frames[i].offset);
	}
	if (fclose(out) != 0) {
		free(key);
		return NULL;
	}
	return key;
}

static char *hg_site_key(const struct hg_run *run, const struct hg_run_site *s, bool exact)
{
	/* A site some processes suppressed stays apart from the same site
	 * others did not. */
	char kind[32];

	snprintf(kind, sizeof(kind), "%s%s", hg_leak_kind_name(s->kind),
		 exact && s->suppressed_by ? " suppressed" : "");
	return hg_run_stack_key(run, kind, s->stack, exact);
}

char *hg_run_fingerprint(const char *key)
{
	struct hg_hash h = hg_hash_start();
	char *hex = malloc(33);

	if (!hex)
		return NULL;
	hg_hash_bytes(&h, key, strlen(key));
	snprintf(hex, 33, "%016" PRIx64 "%016" PRIx64, h.a, h.b);
	return hex;
}

static int hg_by_key(const void *a, const void *b)
{
	return strcmp(((const struct hg_run_site *)a)->key, ((const struct hg_run_site *)b)->key);
}

static int hg_site_order(const void *a, const void *b)
{
	const struct hg_run_site *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (!x->suppressed_by != !y->suppressed_by)
		return x->suppressed_by ? 1 : -1;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* into->processes gets from's, both ascending: the union. */
static int hg_union(struct hg_run_site *into, const struct hg_run_site *from)
{
	uint32_t *out = malloc((into->nprocesses + from->nprocesses) * sizeof(*out));
	size_t i = 0, j = 0, n = 0;

	if (!out)
		return -1;
	while (i < into->nprocesses || j < from->nprocesses) {
		uint32_t next;

		if (j == from->nprocesses ||
		    (i < into->nprocesses && into->processes[i] <= from->processes[j]))
			next = into->processes[i++];
		else
			next = from->processes[j++];
		if (n == 0 || out[n - 1] != next)
			out[n++] = next;
	}
	free(into->processes);
	into->processes = out;
	into->nprocesses = n;
	return 0;
}

/* Sites of equal symbolized keys become one. */
static int hg_merge_symbolized(struct hg_run *run)
{
	size_t i, n = 0;

	if (run->nsites > 1) /* sites is NULL in a run without one */
		qsort(run->sites, run->nsites, sizeof(*run->sites), hg_by_key);
	for (i = 0; i < run->nsites; i++) {
		struct hg_run_site *s = &run->sites[i];

		if (n > 0 && strcmp(run->sites[n - 1].key, s->key) == 0) {
			struct hg_run_site *into = &run->sites[n - 1];

			into->bytes += s->bytes;
			into->blocks += s->blocks;
			into->shown &= s->shown;
			if (hg_union(into, s) < 0)
				return -1;
			free(s->processes);
			free(s->key);
			free(s->fingerprint);
			continue;
		}
		run->sites[n++] = *s;
	}
	run->nsites = n;
	if (n > 1)
		qsort(run->sites, n, sizeof(*run->sites), hg_site_order);
	return 0;
}

static int hg_symbolize(struct hg_run *run, const struct hg_run_options *opt)
{
	uint32_t *stacks;
	size_t i, n = 0;

	if (opt->backend == HG_SYM_NONE)
		return 0;
	run->sym = hg_sym_new(&run->table, opt->backend, opt->demangle);
	stacks = malloc((run->nsites + 3 * run->nerrors + 1) * sizeof(*stacks));
	if (!run->sym || !stacks) {
		free(stacks);
		return -1;
	}
	for (i = 0; i < run->nsites; i++)
		stacks[n++] = run->sites[i].stack;
	for (i = 0; i < run->nerrors; i++) {
		stacks[n++] = run->errors[i].stack;
		stacks[n++] = run->errors[i].alloc_stack;
		stacks[n++] = run->errors[i].free_stack;
	}
	hg_sym_resolve_stacks(run->sym, stacks, n);
	free(stacks);
	return 0;
}

const char *hg_run_function(const struct hg_run *run, uint32_t stack)
{
	return hg_supp_pattern_for(&run->table, run->sym, stack);
}

/* --suppress on the merged sites: matched against the run's table. */
static void hg_apply_suppressions(struct hg_run *run, struct hg_suppressions *supp)
{
	size_t i;

	for (i = 0; supp && i < run->nsites; i++) {
		struct hg_run_site *s = &run->sites[i];
		struct hg_leak_site as_site;

		memset(&as_site, 0, sizeof(as_site));
		as_site.kind = s->kind;
		as_site.stack = s->stack;
		as_site.bytes = s->bytes;
		as_site.blocks = s->blocks;
		if (hg_supp_match(supp, &run->table, run->sym, &as_site))
			s->shown = false;
	}
}

int hg_run_merge(struct hg_run *run, const struct hg_run_options *opt)
{
	struct hg_merge m;
	size_t i;
	int rc = -1;

	memset(&m, 0, sizeof(m));
	m.run = run;
	hg_map_init(&m.modules);
	hg_map_init(&m.stacks);
	hg_map_init(&m.sites);
	for (i = 0; i < run->nprocesses; i++)
		if (run->processes[i].leaks && hg_merge_report(&m, (uint32_t)i) < 0)
			goto out;
	if (hg_symbolize(run, opt) < 0)
		goto out;
	for (i = 0; i < run->nsites; i++) {
		char *loose = hg_site_key(run, &run->sites[i], false);

		run->sites[i].key = hg_site_key(run, &run->sites[i], true);
		run->sites[i].fingerprint = loose ? hg_run_fingerprint(loose) : NULL;
		free(loose);
		if (!run->sites[i].key || !run->sites[i].fingerprint)
			goto out;
	}
	hg_apply_suppressions(run, opt->supp);
	if (hg_merge_symbolized(run) < 0)
		goto out;
	for (i = 0; i < run->nerrors; i++) {
		struct hg_run_error *e = &run->errors[i];
		const char *function = hg_run_function(run, e->stack);

		if (asprintf(&e->where, "%s at %s", e->error->kind, function ? function : "?") <
		    0) {
			e->where = NULL;
			goto out;
		}
	}
	rc = 0;
out:
	free(m.module_of);
	free(m.stack_of);
	hg_map_free(&m.modules);
	hg_map_free(&m.stacks);
	hg_map_free(&m.sites);
	return rc;
}
