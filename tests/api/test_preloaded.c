/* SPDX-License-Identifier: MIT */
/* The harness really runs the tests on heapguard: with HEAPGUARD_LIB set,
 * every malloc-family symbol this program calls resolves into that library
 * (not glibc). Skips when run without HEAPGUARD_LIB. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <stdlib.h>

#include "../lib/hgtest.h"

struct sym {
	const char *name;
	void *addr;
};

int main(void)
{
	if (!hgtest_under_heapguard())
		hgtest_skip("HEAPGUARD_LIB not set");
	const char *lib = getenv("HEAPGUARD_LIB");
	const char *base = strrchr(lib, '/');
	base = base ? base + 1 : lib;
	/* libtool may hand us libheapguard.so.N; compare the stem */
	char stem[256];
	snprintf(stem, sizeof(stem), "%s", base);
	char *dot = strstr(stem, ".so");
	if (dot)
		dot[3] = '\0';

	struct sym syms[] = {
		{ "malloc", (void *)malloc },
		{ "free", (void *)free },
		{ "calloc", (void *)calloc },
		{ "realloc", (void *)realloc },
		{ "reallocarray", (void *)reallocarray },
		{ "memalign", (void *)memalign },
		{ "posix_memalign", (void *)posix_memalign },
		{ "aligned_alloc", (void *)aligned_alloc },
		{ "valloc", (void *)valloc },
		{ "pvalloc", (void *)pvalloc },
		{ "malloc_usable_size", (void *)malloc_usable_size },
		{ "mallopt", (void *)mallopt },
		{ "mallinfo2", (void *)mallinfo2 },
		{ "malloc_trim", (void *)malloc_trim },
		{ "malloc_stats", (void *)malloc_stats },
		{ "malloc_info", (void *)malloc_info },
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		Dl_info info;
		void *addr = dlsym(RTLD_DEFAULT, syms[i].name);
		CHECK(addr != NULL, "dlsym(%s)", syms[i].name);
		CHECK(dladdr(addr, &info) != 0 && info.dli_fname != NULL,
		      "dladdr(%s)", syms[i].name);
		CHECK(strstr(info.dli_fname, stem) != NULL,
		      "%s resolves to %s, not %s", syms[i].name,
		      info.dli_fname, stem);
		CHECK(syms[i].addr == addr,
		      "%s: direct call target differs from dlsym", syms[i].name);
	}
	void *p = malloc(10);
	CHECK(p != NULL, "malloc");
	free(p);
	printf("PASS: malloc API comes from %s\n", lib);
	return 0;
}
