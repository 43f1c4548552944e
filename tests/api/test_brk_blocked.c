/* SPDX-License-Identifier: MIT */
/* When the break cannot grow (a mapping sits right after it), the main
 * arena goes on in mmap'd segments, as glibc's does; free(NULL) and the
 * other calls that check a pointer against those segments must still work
 * (the header "before" NULL is at the top of the address space).  Run once
 * per heapguard level, in a child exec'd with HEAPGUARD_OPTIONS set, since
 * each level takes its own path through free(). */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/hgtest.h"

static int blocked_break(void)
{
	long page = sysconf(_SC_PAGESIZE);
	free(malloc(100)); /* the heap exists */
	uintptr_t brk_end = ((uintptr_t)sbrk(0) + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	void *wall = mmap((void *)brk_end, (size_t)page, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (wall == MAP_FAILED || (uintptr_t)wall != brk_end)
		hgtest_skip("cannot map a page at the break");
	/* More than the top pad: the arena needs new memory, and brk fails. */
	enum { N = 64 };
	char *blocks[N];
	for (int i = 0; i < N; i++) {
		blocks[i] = malloc(60000);
		CHECK(blocks[i] != NULL, "malloc(60000) #%d with the break blocked", i);
		memset(blocks[i], i, 60000);
	}
	CHECK((uintptr_t)sbrk(0) <= brk_end, "the break moved past the wall");
	void *volatile none = NULL; /* not folded away by the compiler */
	free(none);
	CHECK(malloc_usable_size(none) == 0, "malloc_usable_size(NULL)");
	char *q = realloc(none, 10);
	CHECK(q != NULL, "realloc(NULL, 10)");
	free(q);
	for (int i = 0; i < N; i++) {
		CHECK(blocks[i][59999] == (char)i, "block %d kept its bytes", i);
		free(blocks[i]);
	}
	free(none);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return blocked_break();
	static const char *const levels[] = { "level=fast:leaks=0:frag=0", "level=full:leaks=0:frag=0" };
	for (unsigned i = 0; i < 2; i++) {
		pid_t pid = fork();
		CHECK(pid >= 0, "fork");
		if (pid == 0) {
			setenv("HEAPGUARD_OPTIONS", levels[i], 1);
			execl("/proc/self/exe", argv[0], "child", (char *)NULL);
			_exit(99);
		}
		int status;
		CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
		if (WIFEXITED(status) && WEXITSTATUS(status) == HGTEST_SKIP)
			hgtest_skip("cannot map a page at the break");
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "%s: the child ended with status 0x%x", levels[i], status);
	}
	printf("PASS: the main arena goes on in mmap'd segments; free(NULL) is a no-op there\n");
	return 0;
}
