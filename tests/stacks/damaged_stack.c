/* SPDX-License-Identifier: MIT */
/* damaged_stack HOW: the malloc API called on a stack glibc's malloc
 * tolerates but the ABI does not promise.  HOW: misaligned (every call made
 * with the stack 8 bytes off its 16-byte alignment, through a trampoline
 * with CFI), jit (the same through one without, as from generated code),
 * rbp (a caller's saved frame pointer overwritten while it calls), ra (its
 * saved return address overwritten), exit (exit() called misaligned).
 * Prints what it computed; built with frame pointers, so that the walk
 * above the damaged frame follows them. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* call_misaligned(fn, a, b, c): fn(a, b, c) with rsp % 16 == 8 at the call
 * (the ABI wants 0). */
uintptr_t call_misaligned(void *fn, uintptr_t a, uintptr_t b, uintptr_t c);
uintptr_t call_misaligned_nocfi(void *fn, uintptr_t a, uintptr_t b, uintptr_t c);
__asm__(".text\n"
	".globl call_misaligned\n"
	".type call_misaligned, @function\n"
	"call_misaligned:\n"
	".cfi_startproc\n"
	"	push %rbx\n"
	".cfi_def_cfa_offset 16\n"
	"	sub $8, %rsp\n"
	".cfi_def_cfa_offset 24\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	mov %rcx, %rdx\n"
	"	call *%rax\n"
	"	add $8, %rsp\n"
	".cfi_def_cfa_offset 16\n"
	"	pop %rbx\n"
	".cfi_def_cfa_offset 8\n"
	"	ret\n"
	".cfi_endproc\n"
	".size call_misaligned, .-call_misaligned\n"
	".globl call_misaligned_nocfi\n"
	".type call_misaligned_nocfi, @function\n"
	"call_misaligned_nocfi:\n"
	"	push %rbx\n"
	"	sub $8, %rsp\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	mov %rcx, %rdx\n"
	"	call *%rax\n"
	"	add $8, %rsp\n"
	"	pop %rbx\n"
	"	ret\n"
	".size call_misaligned_nocfi, .-call_misaligned_nocfi\n");

static uintptr_t (*call)(void *, uintptr_t, uintptr_t, uintptr_t) = call_misaligned;
#define CALL(fn, ...) call((void *)(fn), __VA_ARGS__)

static unsigned long sum;

static void use(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		sum = sum * 31 + b[i];
}

/* Every allocating call of the API once, misaligned. */
static void every_call_misaligned(void)
{
	for (int round = 0; round < 200; round++) {
		size_t n = 16 + (size_t)round * 40;
		char *p = (char *)CALL(malloc, n, 0, 0);
		memset(p, round, n);
		p = (char *)CALL(realloc, (uintptr_t)p, 2 * n, 0);
		memset(p + n, round + 1, n);
		use(p, 2 * n);
		char *q = (char *)CALL(calloc, 3, n, 0);
		use(q, 3 * n);
		void *a = NULL;
		if (CALL(posix_memalign, (uintptr_t)&a, 64, n) != 0 || a == NULL)
			abort();
		void *m = (void *)CALL(memalign, 256, n, 0);
		void *al = (void *)CALL(aligned_alloc, 128, 128, 0);
		void *big = (void *)CALL(malloc, 300000, 0, 0); /* mmap'd on its own */
		memset(big, 3, 300000);
		sum += CALL(malloc_usable_size, (uintptr_t)p, 0, 0) >= 2 * n;
		CALL(free, (uintptr_t)big, 0, 0);
		CALL(free, (uintptr_t)al, 0, 0);
		CALL(free, (uintptr_t)m, 0, 0);
		CALL(free, (uintptr_t)a, 0, 0);
		CALL(free, (uintptr_t)q, 0, 0);
		CALL(free, (uintptr_t)p, 0, 0);
	}
}

/* The caller of the malloc family, with the word `which` words above its
 * frame pointer (0: the saved frame pointer, 1: the return address) set to
 * bad while it calls; put back before it returns. */
__attribute__((noinline)) static void calls_with_damaged_frame(int which, uintptr_t bad)
{
	volatile uintptr_t *fp = __builtin_frame_address(0);
	uintptr_t saved = fp[which];
	fp[which] = bad;
	__asm__ volatile("" ::: "memory");
	char *p = malloc(100);
	memset(p, 7, 100);
	p = realloc(p, 5000);
	use(p, 100);
	char *q = calloc(10, 10);
	use(q, 100);
	void *a = memalign(64, 80);
	free(a);
	free(q);
	free(p);
	__asm__ volatile("" ::: "memory");
	fp[which] = saved;
}

/* Each through one more frame, so that the walk has frames above. */
__attribute__((noinline)) static void damaged_frames(int which)
{
	static char global[64];
	char local[64];
	void *heap = malloc(64);
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	const uintptr_t bad[] = {
		0,
		8,
		0x1000,
		0xdeadbeefdead0,	 /* not canonical */
		0x00007fffffffe000 + 8,	 /* near the top of a stack, unaligned */
		(uintptr_t)global,	 /* mapped, not the stack */
		(uintptr_t)heap,
		(uintptr_t)local - 4096, /* below the frame */
		here + ((uintptr_t)1 << 20), /* far above the frame */
		here + 3,		 /* the stack, misaligned */
		(uintptr_t)-8,
		(uintptr_t)&damaged_frames, /* code */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		calls_with_damaged_frame(which, bad[i]);
	free(heap);
	use(local, 0);
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";
	if (strcmp(how, "misaligned") == 0) {
		every_call_misaligned();
	} else if (strcmp(how, "jit") == 0) {
		call = call_misaligned_nocfi;
		every_call_misaligned();
	} else if (strcmp(how, "rbp") == 0) {
		damaged_frames(0);
	} else if (strcmp(how, "ra") == 0) {
		damaged_frames(1);
	} else if (strcmp(how, "exit") == 0) {
		char *p = malloc(1000);
		use(memset(p, 9, 1000), 1000);
		free(p);
		printf("%s %lu\n", how, sum);
		CALL(exit, 3, 0, 0);
	} else {
		return 2;
	}
	printf("%s %lu\n", how, sum);
	return 0;
}
