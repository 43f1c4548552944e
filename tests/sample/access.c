/* SPDX-License-Identifier: MIT */
/* The accesses guard pages catch at the instruction (test_guard_pages.sh
 * runs each with sample=1, or level=full for the big block), and the
 * faults they must leave to the program.  argv[1] names the case; the
 * program prints what it got past the access to stdout. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile char sink;
static void *volatile leaked;

/* heapguard_check_heap() when heapguard is preloaded, else 0 (glibc). */
static int check_heap(void)
{
	int (*check)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "heapguard_check_heap");
	return check != NULL ? check() : 0;
}

/* A sampled block of n bytes whose page places it as wanted: right-aligned
 * (its end is the page's end) or left-aligned (16 bytes into its page).
 * With sample=1 every block is sampled; one in eight is left-aligned.  On
 * glibc the accesses then touch the heap's own bytes, and go on. */
static char *sampled(size_t n, int left)
{
	char *p = NULL;
	for (int i = 0; i < 200; i++) {
		p = malloc(n);
		uintptr_t a = (uintptr_t)p;
		if (left ? (a & 0xfff) == 16 : ((a + n) & 0xfff) == 0)
			return p;
	}
	return p; /* glibc's, or sampling is off: the last one */
}

/* Lines of /proc/self/maps: the process's mappings (VMAs). */
static int mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0, ch;
	if (f == NULL)
		return -1;
	while ((ch = getc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/* Whether this kernel has guard markers (MADV_GUARD_INSTALL, Linux 6.13). */
static int kernel_has_markers(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ok = p != MAP_FAILED && madvise(p, 4096, 102 /* MADV_GUARD_INSTALL */) == 0;
	if (p != MAP_FAILED)
		munmap(p, 4096);
	return ok;
}

static void own_handler(int sig)
{
	static const char msg[] = "own handler: SIGSEGV\n";
	(void)sig;
	write(1, msg, sizeof(msg) - 1);
	_exit(7);
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(c, "read-overflow") == 0) {
		volatile char *p = sampled(64, 0);
		memset((char *)p, 1, 64);
		sink = p[64];
		printf("read past the block\n");
	} else if (strcmp(c, "read-after-free") == 0) {
		volatile char *p = sampled(64, 0);
		free((char *)p);
		sink = p[8];
		printf("read after free\n");
	} else if (strcmp(c, "write-after-free") == 0) {
		volatile char *p = sampled(48, 0);
		free((char *)p);
		p[40] = 'x';
		printf("wrote after free\n");
	} else if (strcmp(c, "underflow") == 0) {
		volatile char *p = sampled(64, 1);
		sink = p[-32];
		printf("read before the block\n");
	} else if (strcmp(c, "big-write") == 0) {
		volatile char *p = malloc(128 * 1024);
		memset((char *)p, 0, 128 * 1024);
		free((char *)p);
		p[65537] = 'x';
		printf("wrote after free\n");
	} else if (strcmp(c, "big-resident") == 0 || strcmp(c, "big-read") == 0 ||
		   strcmp(c, "mid-resident") == 0) {
		/* 100 KiB: in the heap on glibc too; the block after it keeps
		 * it from the top, which glibc would trim.  40 KiB: protected,
		 * but too small for its pages to go. */
		size_t n = strcmp(c, "mid-resident") == 0 ? 40 * 1024 : 100 * 1024;
		volatile char *p = malloc(n);
		void *volatile after = malloc(16);
		memset((char *)p, 'b', n);
		free((char *)p);
		if (strcmp(c, "big-read") == 0) {
			printf("read after free: %c\n", p[65537]);
		} else {
			/* The pages well inside the block: resident or not. */
			long page = sysconf(_SC_PAGESIZE);
			uintptr_t lo = ((uintptr_t)p + 2 * page) & ~(uintptr_t)(page - 1);
			uintptr_t hi = ((uintptr_t)p + n - 2 * page) & ~(uintptr_t)(page - 1);
			unsigned char vec[32];
			size_t pages = (hi - lo) / page, resident = 0;
			if (pages > sizeof(vec) || mincore((void *)lo, hi - lo, vec) != 0)
				return 1;
			for (size_t i = 0; i < pages; i++)
				resident += vec[i] & 1;
			printf("resident %zu of %zu\n", resident, pages);
		}
		free(after);
	} else if (strcmp(c, "continue") == 0) {
		/* check=1: reported, then the program goes on. */
		volatile char *p = sampled(64, 0);
		memset((char *)p, 1, 64);
		sink = p[64];
		p[70] = 2;
		volatile char *q = sampled(32, 0);
		free((char *)q);
		sink = q[0];
		printf("went on: %d\n", p[70]);
		free((char *)p);
	} else if (strcmp(c, "fork-overflow") == 0) {
		/* A fork child reads past a block its parent allocated: the
		 * guard page is one in the child too. */
		volatile char *p = sampled(64, 0);
		memset((char *)p, 1, 64);
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			sink = p[64];
			printf("child read past the block\n");
			_exit(0);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		printf("child: %s %d\n", WIFSIGNALED(st) ? "signal" : "exit",
		       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	} else if (strcmp(c, "fork-protected") == 0) {
		/* level=full: 40 freed blocks of 20 KiB, their pages protected
		 * in the quarantine (each split the heap's mapping in three).
		 * From the first fork on they are guard markers: the pieces
		 * merge, and a write after free still faults, in a child and
		 * in the parent. */
		static char *blocks[40];
		static void *volatile spacers[40];
		int base = mappings();
		for (int i = 0; i < 40; i++) {
			blocks[i] = malloc(20 * 1024);
			spacers[i] = malloc(16);
			memset(blocks[i], 'f', 20 * 1024);
		}
		for (int i = 0; i < 40; i++)
			free(blocks[i]);
		int before = mappings() - base;
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
		printf("markers %d mappings +%d before the fork, +%d after\n", kernel_has_markers(),
		       before, mappings() - base);
		pid = fork();
		if (pid == 0) {
			((volatile char *)blocks[3])[8192] = 'x';
			_exit(0);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		printf("child: %s %d\n", WIFSIGNALED(st) ? "signal" : "exit",
		       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		((volatile char *)blocks[5])[8192] = 'x';
		printf("wrote after free\n");
	} else if (strcmp(c, "mappings") == 0) {
		/* 100 live sampled blocks and 100 freed ones: how many more
		 * mappings the process has than before them (each live slot
		 * between PROT_NONE pages would be two). */
		static char *live[100];
		free(malloc(64)); /* the pool exists */
		int before = mappings();
		for (int i = 0; i < 100; i++) {
			free(malloc(64));
			live[i] = malloc(64);
			memset(live[i], 1, 64);
		}
		printf("markers %d more mappings %d\n", kernel_has_markers(), mappings() - before);
		for (int i = 0; i < 100; i++)
			free(live[i]);
	} else if (strcmp(c, "own-fault") == 0) {
		/* A fault that is not heapguard's, with a handler of the
		 * program's installed after heapguard's: the program's runs. */
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = own_handler;
		sigaction(SIGSEGV, &sa, NULL);
		for (int i = 0; i < 1000; i++)
			free(malloc(64)); /* sampling stops: the handler is not ours */
		char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		sink = page[1];
		printf("not reached\n");
	} else if (strcmp(c, "wild-fault") == 0) {
		/* No handler of the program's: it dies of SIGSEGV as on glibc. */
		char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		free(malloc(64));
		sink = page[1];
		printf("not reached\n");
	} else if (strcmp(c, "api") == 0) {
		/* A sampled block to the rest of the API (sample=1, level=full):
		 * its request, a realloc that keeps its bytes, calloc's zeros in
		 * a reused slot, the heap check, a leak. */
		char *p = sampled(100, 0);
		memset(p, 'a', 100);
		printf("usable %zu\n", malloc_usable_size(p));
		p = realloc(p, 3000);
		printf("kept %d\n", p[0] == 'a' && p[99] == 'a');
		free(p);
		for (int i = 0; i < 300; i++) { /* every slot used and freed */
			char *q = malloc(64);
			memset(q, 0xff, 64);
			free(q);
		}
		char *z = calloc(8, 8);
		int zero = 1;
		for (int i = 0; i < 64; i++)
			zero &= z[i] == 0;
		printf("zero %d\n", zero);
		free(z);
		printf("check %d\n", check_heap());
		leaked = malloc(48); /* lost at exit */
		leaked = NULL;
	} else if (strcmp(c, "double-free") == 0) {
		char *p = sampled(64, 0);
		free(p);
		free(p);
		printf("not reached\n");
	} else if (strcmp(c, "canary") == 0) {
		/* 60 requested: 4 bytes of slack before the guard page hold the
		 * canary, seen at free (level=full). */
		volatile char *p = NULL;
		for (int i = 0; i < 200; i++) {
			p = malloc(60);
			if ((((uintptr_t)p + 64) & 0xfff) == 0)
				break;
		}
		p[61] = 'x';
		free((char *)p);
		printf("not reached\n");
	} else if (strcmp(c, "detect") == 0) {
		/* One byte read past each of 20,000 fresh 64-byte blocks. */
		for (int i = 0; i < 20000; i++) {
			volatile char *p = malloc(64);
			memset((char *)p, 1, 64);
			sink = p[64];
		}
		printf("no fault in 20000\n");
	} else {
		fprintf(stderr, "access: unknown case '%s'\n", c);
		return 2;
	}
	return 0;
}
