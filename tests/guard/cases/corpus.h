/* SPDX-License-Identifier: MIT */
/* Shared by the guard corpus cases (tests/guard/cases/*.c): the result
 * markers the runner looks for.  stdout is flushed at once, so that a marker
 * printed before an abort at exit is never lost in a stdio buffer. */
#ifndef HG_CORPUS_H
#define HG_CORPUS_H
/* No optimisation, whatever CFLAGS say (automake puts the user's -O2 after
 * the per-target -O0): malloc/free carry attribute malloc and alloc_size in
 * glibc's headers, so at -O2 GCC drops stores it can prove out of bounds
 * or never read again, which is exactly what these programs do. */
#if defined(__clang__)
#pragma clang optimize off
#elif defined(__GNUC__)
#pragma GCC optimize("O0")
#endif
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Print the marker: 1 = the technique worked, 0 = it was defeated. */
static inline int corpus_result(int succeeded)
{
	/* write(2), not stdio: stdio would allocate (and could touch the
	 * corrupted heap) and buffer (and lose the line at an abort). */
	const char *m = succeeded ? "ATTACK SUCCEEDED\n" : "attack failed\n";
	fflush(stdout);
	if (write(1, m, strlen(m)) < 0)
		return 1;
	return 0;
}

/* Keeps pointers alive in the compiler's eyes. */
static void *volatile corpus_sink;

/* glibc 2.32+ safe-linking: a tcache/fastbin next pointer stored at POS. */
static inline void *corpus_protect(void *pos, void *ptr)
{
	return (void *)(((uintptr_t)pos >> 12) ^ (uintptr_t)ptr);
}

/* glibc's chunk size for a request (x86-64): header 8, alignment 16. */
static inline size_t corpus_csize(size_t req)
{
	return req + 8 < 32 ? 32 : (req + 8 + 15) & ~(size_t)15;
}
#endif
