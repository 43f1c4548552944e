/* SPDX-License-Identifier: MIT */
/* crash HOW: die by a signal after leaving a block behind.  HOW: segv (a
 * write through NULL), bus (a read past the end of a mapped file), fpe (an
 * integer division by zero), ill (a trap instruction), overflow (unbounded
 * recursion: the stack overflows), kill (SIGSEGV sent to itself).  Prints
 * "pid N" first. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void *volatile kept;
static volatile int zero;

static int deeper(int n)
{
	volatile char pad[4096];
	pad[0] = (char)n;
	return deeper(n + 1) + pad[0];
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";
	printf("pid %d\n", (int)getpid());
	fflush(stdout);
	kept = malloc(4321);
	memset(kept, 1, 4321);
	if (strcmp(how, "segv") == 0) {
		*(volatile int *)(uintptr_t)zero = 1;
	} else if (strcmp(how, "bus") == 0) {
		char path[] = "/tmp/hg-crash-XXXXXX";
		int fd = mkstemp(path);
		if (fd < 0 || ftruncate(fd, 4096) != 0)
			return 2;
		volatile char *m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
		unlink(path);
		if (m == MAP_FAILED)
			return 2;
		return m[4096]; /* past the file's end: SIGBUS */
	} else if (strcmp(how, "fpe") == 0) {
		return 10 / zero;
	} else if (strcmp(how, "ill") == 0) {
		__builtin_trap();
	} else if (strcmp(how, "overflow") == 0) {
		return deeper(0);
	} else if (strcmp(how, "kill") == 0) {
		kill(getpid(), SIGSEGV);
	}
	return 1;
}
