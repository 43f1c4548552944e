/* SPDX-License-Identifier: MIT */
/* The symbolizer's common part: distinct (module, offset) pairs are resolved
 * once each, grouped per module so that a backend sees all of a module's
 * addresses in one call, after the module on disk has been checked against
 * the report's build id.  Demangling uses libstdc++'s __cxa_demangle, loaded
 * at run time: without libstdc++ names stay mangled. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "map.h"
#include "output.h"
#include "symbolize.h"

#define HG_INLINE_DEPTH_MAX 32 /* entries kept per address */

enum hg_module_state {
	HG_MODULE_UNCHECKED,
	HG_MODULE_USABLE,
	HG_MODULE_UNUSABLE,
};

struct hg_symbolizer {
	const struct hg_leaks *r;
	enum hg_sym_backend backend;
	bool demangle;
	struct hg_map keys;	/* (module, offset) -> index into results */
	uint32_t *frame_result; /* per report frame: index into results */
	struct hg_sym_frame *results;
	struct hg_leak_frame *result_key; /* the (module, offset) of each result */
	size_t nresults, cap;
	unsigned char *module_state; /* enum hg_module_state per module */
};

enum hg_sym_backend hg_sym_default_backend(void)
{
#ifdef HAVE_LIBDW
	return HG_SYM_LIBDW;
#else
	return HG_SYM_ADDR2LINE;
#endif
}

struct hg_symbolizer *hg_sym_new(const struct hg_leaks *r, enum hg_sym_backend backend,
				 bool demangle)
{
	struct hg_symbolizer *sym = calloc(1, sizeof(*sym));
	size_t i;

	if (!sym)
		return NULL;
	sym->r = r;
	sym->backend = backend;
	sym->demangle = demangle;
	hg_map_init(&sym->keys);
	sym->frame_result = malloc((r->nframes ? r->nframes : 1) * sizeof(*sym->frame_result));
	sym->module_state = calloc(r->nmodules ? r->nmodules : 1, 1);
	if (!sym->frame_result || !sym->module_state) {
		hg_sym_free(sym);
		return NULL;
	}
	for (i = 0; i < r->nframes; i++)
		sym->frame_result[i] = HG_MAP_NONE;
	return sym;
}

void hg_sym_free(struct hg_symbolizer *sym)
{
	size_t i;
	unsigned j;

	if (!sym)
		return;
	for (i = 0; i < sym->nresults; i++) {
		for (j = 0; j < sym->results[i].count; j++) {
			free(sym->results[i].entries[j].function);
			free(sym->results[i].entries[j].file);
		}
		free(sym->results[i].entries);
	}
	free(sym->results);
	free(sym->result_key);
	free(sym->frame_result);
	free(sym->module_state);
	hg_map_free(&sym->keys);
	free(sym);
}

const struct hg_sym_frame *hg_sym_frame(const struct hg_symbolizer *sym, size_t index)
{
	static const struct hg_sym_frame unknown;

	if (!sym || index >= sym->r->nframes || sym->frame_result[index] == HG_MAP_NONE)
		return &unknown;
	return &sym->results[sym->frame_result[index]];
}

bool hg_sym_push(struct hg_sym_frame *frame, const char *function, const char *file, unsigned line,
		 bool inlined)
{
	struct hg_sym_entry *grown, *e;

	if (frame->count >= HG_INLINE_DEPTH_MAX)
		return true;
	grown = realloc(frame->entries, (frame->count + 1) * sizeof(*grown));
	if (!grown)
		return false;
	frame->entries = grown;
	e = &grown[frame->count];
	e->function = function && *function ? strdup(function) : NULL;
	e->file = file && *file ? strdup(file) : NULL;
	e->line = line;
	e->inlined = inlined;
	frame->count++;
	return true;
}

char *hg_sym_demangle(const char *name)
{
	typedef char *demangle_fn(const char *, char *, size_t *, int *);
	static demangle_fn *demangle;
	static bool looked;
	int status = -1;
	char *out;

	if (!name || name[0] != '_' || name[1] != 'Z')
		return NULL;
	if (!looked) {
		void *lib = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);

		looked = true;
		if (lib)
			*(void **)&demangle = dlsym(lib, "__cxa_demangle");
	}
	if (!demangle)
		return NULL;
	out = demangle(name, NULL, NULL, &status);
	if (status != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* A result slot for report frame index, shared by equal (module, offset). */
static uint32_t hg_sym_slot(struct hg_symbolizer *sym, size_t index)
{
	const struct hg_leak_frame *f = &sym->r->frames[index];
	uint32_t slot = hg_map_get(&sym->keys, f->module, f->offset);

	if (slot != HG_MAP_NONE)
		return slot;
	if (sym->nresults == sym->cap) {
		size_t cap = sym->cap ? sym->cap * 2 : 256;
		struct hg_sym_frame *results = realloc(sym->results, cap * sizeof(*results));
		struct hg_leak_frame *keys;

		if (!results)
			return HG_MAP_NONE;
		sym->results = results;
		keys = realloc(sym->result_key, cap * sizeof(*keys));
		if (!keys)
			return HG_MAP_NONE;
		sym->result_key = keys;
		sym->cap = cap;
	}
	slot = (uint32_t)sym->nresults;
	if (hg_map_put(&sym->keys, f->module, f->offset, slot, NULL) != 0)
		return HG_MAP_NONE;
	sym->results[slot] = (struct hg_sym_frame){ NULL, 0 };
	sym->result_key[slot] = *f;
	sym->nresults++;
	return slot;
}

static void hg_sym_warn(const struct hg_leak_module *m, const char *why)
{
	fputs("heapguard-report: warning: ", stderr);
	hg_put_text(stderr, m->path);
	fprintf(stderr, ": %s; its frames are shown as module+offset\n", why);
}

/* Opens module m if it is the file the report was written from: fd or -1. */
static int hg_sym_open_module(struct hg_symbolizer *sym, uint32_t module)
{
	const struct hg_leak_module *m = &sym->r->modules[module];
	char id[2 * 512 + 1], why[256];
	struct stat st;
	int fd, found;

	if (sym->module_state[module] == HG_MODULE_UNUSABLE)
		return -1;
	if (!*m->path) {
		sym->module_state[module] = HG_MODULE_UNUSABLE;
		return -1;
	}
	/* O_NONBLOCK: a hostile report may name a FIFO; fstat refuses it. */
	fd = open(m->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, sizeof(why), "%s", fd < 0 ? strerror(errno) : "not a regular file");
		goto unusable;
	}
	found = hg_elf_build_id(fd, id, sizeof(id));
	if (found < 0) {
		snprintf(why, sizeof(why), "not an ELF file this reader can read");
		goto unusable;
	}
	if (m->build_id && (!found || strcmp(id, m->build_id) != 0)) {
		snprintf(
			why, sizeof(why),
			"build id %.64s%s differs from the report's %.64s (rebuilt since the run?)",
			found ? id : "(none)", found && strlen(id) > 64 ? "..." : "", m->build_id);
		goto unusable;
	}
	sym->module_state[module] = HG_MODULE_USABLE;
	return fd;
unusable:
	if (fd >= 0)
		close(fd);
	if (sym->module_state[module] == HG_MODULE_UNCHECKED)
		hg_sym_warn(m, why);
	sym->module_state[module] = HG_MODULE_UNUSABLE;
	return -1;
}

static void hg_sym_resolve_module(struct hg_symbolizer *sym, uint32_t module, const uint32_t *slots,
				  size_t n)
{
	const struct hg_leak_module *m = &sym->r->modules[module];
	uint64_t *addrs = malloc(n * sizeof(*addrs));
	struct hg_sym_frame *out = calloc(n, sizeof(*out));
	char why[256];
	int fd, rc;
	size_t i;

	fd = addrs && out ? hg_sym_open_module(sym, module) : -1;
	if (fd < 0)
		goto done;
	for (i = 0; i < n; i++) {
		uint64_t offset = sym->result_key[slots[i]].offset;

		/* A return address: the call is the instruction before it. */
		addrs[i] = offset ? offset - 1 : 0;
	}
	if (sym->backend == HG_SYM_LIBDW) {
		rc = hg_sym_libdw_module(m->path, fd, addrs, n, out, sym->demangle, why,
					 sizeof(why));
		fd = -1; /* libdw owns it now */
	} else {
		rc = hg_sym_addr2line_module(m->path, addrs, n, out, sym->demangle, why,
					     sizeof(why));
	}
	if (rc < 0) {
		hg_sym_warn(m, why);
		sym->module_state[module] = HG_MODULE_UNUSABLE;
	}
	for (i = 0; i < n; i++)
		sym->results[slots[i]] = out[i];
done:
	if (fd >= 0)
		close(fd);
	free(addrs);
	free(out);
}

static const struct hg_symbolizer *hg_sort_sym;

static int hg_by_module(const void *a, const void *b)
{
	const struct hg_leak_frame *x = &hg_sort_sym->result_key[*(const uint32_t *)a];
	const struct hg_leak_frame *y = &hg_sort_sym->result_key[*(const uint32_t *)b];

	if (x->module != y->module)
		return x->module < y->module ? -1 : 1;
	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Gives each frame of the stack a result slot: the frames still to resolve
 * are the slots from the current nresults on. */
static void hg_sym_mark(struct hg_symbolizer *sym, uint32_t stack)
{
	const struct hg_leak_frame *frames;
	unsigned k, nframes;

	frames = hg_leaks_stack(sym->r, stack, &nframes);
	for (k = 0; k < nframes; k++) {
		size_t index = (size_t)(frames - sym->r->frames) + k;

		if (sym->frame_result[index] == HG_MAP_NONE)
			sym->frame_result[index] = hg_sym_slot(sym, index);
	}
}

/* Resolves the slots from first on, batched per module. */
static void hg_sym_resolve_from(struct hg_symbolizer *sym, size_t first)
{
	size_t i, j, count = sym->nresults - first;
	uint32_t *pending;

	pending = malloc((count ? count : 1) * sizeof(*pending));
	if (!pending)
		return;
	for (i = 0; i < count; i++)
		pending[i] = (uint32_t)(first + i);
	hg_sort_sym = sym;
	qsort(pending, count, sizeof(*pending), hg_by_module);
	for (i = 0; i < count; i = j) {
		uint32_t module = sym->result_key[pending[i]].module;

		for (j = i + 1; j < count && sym->result_key[pending[j]].module == module; j++)
			;
		if (module != HG_NO_MODULE)
			hg_sym_resolve_module(sym, module, pending + i, j - i);
	}
	free(pending);
}

void hg_sym_resolve(struct hg_symbolizer *sym, const struct hg_leak_site *const *sites, size_t n)
{
	size_t first = sym->nresults, i;

	if (sym->backend == HG_SYM_NONE)
		return;
	for (i = 0; i < n; i++)
		hg_sym_mark(sym, sites[i]->stack);
	hg_sym_resolve_from(sym, first);
}

void hg_sym_resolve_stacks(struct hg_symbolizer *sym, const uint32_t *stacks, size_t n)
{
	size_t first = sym->nresults, i;

	if (sym->backend == HG_SYM_NONE)
		return;
	for (i = 0; i < n; i++)
		hg_sym_mark(sym, stacks[i]);
	hg_sym_resolve_from(sym, first);
}
