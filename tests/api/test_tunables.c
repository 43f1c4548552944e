/* SPDX-License-Identifier: MIT */
/* glibc's environment configuration works the same through the old
 * MALLOC_*_ variables and through GLIBC_TUNABLES=glibc.malloc.*: each case
 * re-executes this program with the variable set and checks the effect
 * (mmap_max, mmap_threshold with top_pad, perturb) through mallinfo2. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "../lib/hgtest.h"

struct tcase {
	const char *name;
	const char *env[3]; /* NAME=VALUE, NULL-terminated */
};

static const struct tcase cases[] = {
	{ "default", { NULL } },
	{ "mmap_max", { "MALLOC_MMAP_MAX_=0", NULL } },
	{ "mmap_max", { "GLIBC_TUNABLES=glibc.malloc.mmap_max=0", NULL } },
	{ "threshold", { "MALLOC_MMAP_THRESHOLD_=65536", "MALLOC_TOP_PAD_=0",
			 NULL } },
	{ "threshold",
	  { "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=65536:"
	    "glibc.malloc.top_pad=0",
	    NULL } },
	{ "perturb", { "MALLOC_PERTURB_=90", NULL } },
	{ "perturb", { "GLIBC_TUNABLES=glibc.malloc.perturb=90", NULL } },
};

/* Is a fresh block of n bytes mmap'd? Shrink the top first: glibc
 * consults the threshold only when the top chunk is too small. */
static int comes_from_mmap(size_t n)
{
	malloc_trim(0);
	size_t before = mallinfo2().hblks;
	char *volatile p = malloc(n);
	CHECK(p != NULL, "malloc(%zu)", n);
	p[0] = 1;
	size_t after = mallinfo2().hblks;
	free(p);
	return after > before;
}

static void check_case(const char *name)
{
	if (strcmp(name, "default") == 0) {
		/* nothing freed yet: the threshold is at its 128 KiB start */
		size_t before = mallinfo2().hblks;
		char *volatile p = malloc(4 << 20);
		CHECK(p != NULL, "malloc(4 MiB)");
		p[0] = 1;
		CHECK(mallinfo2().hblks == before + 1,
		      "default: 4 MiB not mmap'd");
		free(p);
	} else if (strcmp(name, "mmap_max") == 0) {
		static const size_t sizes[] = { 200 << 10, 4 << 20, 16 << 20 };
		for (size_t i = 0; i < 3; i++)
			CHECK(!comes_from_mmap(sizes[i]),
			      "mmap_max=0: %zu bytes mmap'd", sizes[i]);
	} else if (strcmp(name, "threshold") == 0) {
		CHECK(!comes_from_mmap(32 << 10),
		      "threshold 64 KiB: 32 KiB mmap'd");
		/* a fixed threshold is not raised by freeing mmap'd chunks */
		for (int i = 0; i < 3; i++) {
			CHECK(comes_from_mmap(100 << 10),
			      "threshold 64 KiB: 100 KiB not mmap'd (round %d)",
			      i);
			CHECK(comes_from_mmap(1 << 20),
			      "threshold 64 KiB: 1 MiB not mmap'd (round %d)",
			      i);
		}
	} else if (strcmp(name, "perturb") == 0) {
		unsigned char *p = malloc(300);
		CHECK(p != NULL, "malloc");
		for (int i = 0; i < 300; i++)
			CHECK(p[i] == (90 ^ 0xff),
			      "perturb=90: fresh byte %d = %#x, want %#x", i,
			      p[i], 90 ^ 0xff);
		free(p);
		p = calloc(300, 1);
		CHECK(p != NULL, "calloc");
		for (int i = 0; i < 300; i++)
			CHECK(p[i] == 0, "perturb=90: calloc byte %d = %#x", i,
			      p[i]);
		free(p);
	} else {
		CHECK(0, "unknown case %s", name);
	}
}

int main(int argc, char **argv)
{
	hgtest_timeout(60);
	if (argc > 1) {
		check_case(argv[1]);
		return 0;
	}
	int failed = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fflush(stdout);
		pid_t pid = fork();
		CHECK(pid >= 0, "fork");
		if (pid == 0) {
			unsetenv("GLIBC_TUNABLES");
			unsetenv("MALLOC_MMAP_MAX_");
			unsetenv("MALLOC_MMAP_THRESHOLD_");
			unsetenv("MALLOC_TOP_PAD_");
			unsetenv("MALLOC_PERTURB_");
			for (int k = 0; cases[i].env[k]; k++)
				putenv((char *)cases[i].env[k]);
			execl("/proc/self/exe", argv[0], cases[i].name,
			      (char *)NULL);
			_exit(127);
		}
		int status;
		CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
		int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		printf("%s: %s %s\n", ok ? "ok" : "FAILED", cases[i].name,
		       cases[i].env[0] ? cases[i].env[0] : "(no variable)");
		failed |= !ok;
	}
	CHECK(!failed, "some environment settings had no effect");
	printf("PASS: glibc environment variables and tunables\n");
	return 0;
}
