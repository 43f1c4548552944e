/* SPDX-License-Identifier: MIT */
/* heapguard maps its own code and read-only data in one call at start and
 * at a fork child's exit (base/os.h: hg_os_map_own_code), where a page
 * fault per 64 KiB of them cost more than the call.  This program checks
 * the first in its page table (/proc/self/pagemap) when main starts: every
 * page of the library's non-writable mappings past its first is present.
 * It then forks a child that allocates and exits, for test_own_code.sh to
 * see that child's call under strace.
 *   own_code [NAME]   NAME: a part of the library's path (libheapguard) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *name = "libheapguard";
static char *kept; /* the child's block, reachable at its exit */

/* Pages of the library's non-writable file mappings past its first:
 * present in this process's page table, and in all. */
static void count(unsigned *present, unsigned *all)
{
	*present = *all = 0;
	FILE *maps = fopen("/proc/self/maps", "r");
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (maps == NULL || pm < 0)
		exit(99);
	long page = sysconf(_SC_PAGESIZE);
	char line[4096];
	while (fgets(line, sizeof(line), maps) != NULL) {
		unsigned long lo, hi, off;
		char perms[8];
		if (strstr(line, name) == NULL ||
		    sscanf(line, "%lx-%lx %7s %lx", &lo, &hi, perms, &off) != 4 || off == 0 ||
		    perms[1] == 'w')
			continue;
		for (unsigned long a = lo; a < hi; a += (unsigned long)page) {
			uint64_t e;
			if (pread(pm, &e, sizeof(e), (off_t)(a / (unsigned long)page * 8)) != sizeof(e))
				exit(99);
			*present += (unsigned)((e >> 63) & 1);
			(*all)++;
		}
	}
	fclose(maps);
	close(pm);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		name = argv[1];
	unsigned present, all;
	count(&present, &all);
	printf("own_code: %u of %u pages present at start\n", present, all);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		kept = malloc(64);
		exit(0);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 99;
	return all > 0 && present == all ? 0 : 1;
}
