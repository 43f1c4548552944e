/* SPDX-License-Identifier: MIT */
/* A lost block whose address is still in rbp when malloc is next called, as
 * optimised code leaves a pointer in a callee-saved register (examples/leaks
 * does): the main thread and a joined thread each lose one (100 and 101
 * bytes, in leak_in_register()) and keep one (16 bytes, keep_in_global()).
 * heapguard's stack walk remembers the registers of each malloc call in its
 * own thread-local memory, which is no root of the program: both are lost. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lk.h"

void *kept[2];

/* lk_with_rbp(fn, bp): call fn() with rbp = bp (and rbp restored after). */
void lk_with_rbp(void (*fn)(void), void *bp);
__asm__(".text\n"
	".globl lk_with_rbp\n"
	".type lk_with_rbp, @function\n"
	"lk_with_rbp:\n"
	"	.cfi_startproc\n"
	"	push %rbp\n"
	"	.cfi_def_cfa_offset 16\n"
	"	.cfi_offset %rbp, -16\n"
	"	mov %rsi, %rbp\n"
	"	xor %esi, %esi\n"
	"	call *%rdi\n"
	"	pop %rbp\n"
	"	.cfi_def_cfa_offset 8\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size lk_with_rbp, .-lk_with_rbp\n");

LK_SITE void *leak_in_register(size_t size)
{
	char *p = malloc(size);

	memset(p, 'r', size);
	return p;
}

/* Without a frame pointer of its own: rbp is still the caller's at malloc. */
static __thread unsigned which;
LK_SITE __attribute__((optimize("omit-frame-pointer"))) void keep_in_global(void)
{
	kept[which] = malloc(16);
}

LK_SITE static void lose_one(size_t size)
{
	lk_with_rbp(keep_in_global, leak_in_register(size));
}

static void *worker(void *arg)
{
	(void)arg;
	which = 1;
	lose_one(101);
	lk_scrub_stack();
	return NULL;
}

int main(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, worker, NULL) != 0)
		return 1;
	pthread_join(t, NULL);
	lose_one(100);
	lk_scrub_stack();
	return 0;
}
