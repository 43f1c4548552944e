/* SPDX-License-Identifier: MIT */
/* The address space a process starts with, and what a program under
 * RLIMIT_AS can allocate: after a first malloc and free (the allocator's
 * start-up, the first stack stored), prints VmSize in KiB, then sets a
 * 64 MiB RLIMIT_AS and counts the posix_memalign(128, 512) calls that
 * succeed before the first failure.  Prints "vmsize=K count=N". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

int main(void)
{
	char *volatile first = malloc(100);
	free(first);
	FILE *status = fopen("/proc/self/status", "r");
	if (status == NULL)
		return 2;
	char line[256];
	long vmsize = -1;
	while (fgets(line, sizeof(line), status) != NULL)
		if (strncmp(line, "VmSize:", 7) == 0)
			vmsize = atol(line + 7);
	fclose(status);
	struct rlimit limit = { (rlim_t)64 << 20, (rlim_t)64 << 20 };
	if (setrlimit(RLIMIT_AS, &limit) != 0)
		return 2;
	long count = 0;
	void *p;
	while (posix_memalign(&p, 128, 512) == 0)
		count++;
	printf("vmsize=%ld count=%ld\n", vmsize, count);
	return 0;
}
