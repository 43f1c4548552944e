/* SPDX-License-Identifier: MIT */
/* malloc_usable_size() of a freed block returns 0, as glibc 2.36's does
 * once the chunk is in a bin; under check=0 heapguard says nothing about it
 * (check=1 and 3 report a use-after-free: tests/guard/cases).  The block is
 * larger than a thread cache's, with a neighbour kept, so that glibc puts
 * it in the unsorted bin and its answer is 0 too.  Each level runs in a
 * child re-executed with HEAPGUARD_OPTIONS. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "../lib/hgtest.h"

static size_t (*volatile usable)(void *) = malloc_usable_size;
static void (*volatile release)(void *) = free;

static void freed_block_is_zero(void)
{
	char *p = malloc(2000), *keep = malloc(32);
	CHECK(p != NULL && keep != NULL, "malloc");
	release(p);
	char path[] = "/tmp/hg-usable-freed.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	unlink(path);
	int saved = dup(2);
	CHECK(saved >= 0 && dup2(fd, 2) == 2, "dup2");
	size_t n = usable(p);
	CHECK(dup2(saved, 2) == 2, "dup2 back");
	close(saved);
	CHECK(n == 0, "malloc_usable_size of a freed block = %zu, expected 0", n);
	off_t said = lseek(fd, 0, SEEK_END);
	char text[256] = "";
	CHECK(pread(fd, text, sizeof(text) - 1, 0) >= 0, "pread");
	CHECK(said == 0, "malloc_usable_size of a freed block wrote %ld bytes under check=0: %s",
	      (long)said, text);
	close(fd);
	release(keep);
}

int main(int argc, char **argv)
{
	static const char *const options[] = { "check=0:level=full:leaks=0:frag=0",
					       "check=0:level=fast:leaks=0:frag=0" };
	hgtest_timeout(60);
	if (argc == 2) {
		freed_block_is_zero();
		return 0;
	}
	for (size_t i = 0; i < 2; i++) {
		pid_t pid = fork();
		CHECK(pid >= 0, "fork");
		if (pid == 0) {
			setenv("HEAPGUARD_OPTIONS", options[i], 1);
			execl("/proc/self/exe", argv[0], "child", (char *)NULL);
			_exit(127);
		}
		int status;
		CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "HEAPGUARD_OPTIONS=%s: status 0x%x", options[i], status);
	}
	return 0;
}
