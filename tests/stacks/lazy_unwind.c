/* SPDX-License-Identifier: MIT */
/* Whether libunwind is in this process, and how many descriptors it has
 * open, after a few allocations whose stacks the CFI walk handles ("plain")
 * or after one more from a signal handler, whose signal frame only
 * libunwind walks ("signal": that block is lost, its stack must reach
 * main through the handler's frame).  Usage: lazy_unwind plain|signal */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile lost;

static __attribute__((noinline)) void on_signal(int sig)
{
	(void)sig;
	lost = malloc(48);
	lost = NULL;
}

int main(int argc, char **argv)
{
	for (int i = 0; i < 100; i++) {
		char *volatile p = malloc(16 + (size_t)i);
		free(p);
	}
	if (argc > 1 && strcmp(argv[1], "signal") == 0) {
		signal(SIGUSR1, on_signal);
		raise(SIGUSR1);
	}
	FILE *maps = fopen("/proc/self/maps", "r");
	if (maps == NULL)
		return 2;
	char line[4096];
	int loaded = 0;
	while (fgets(line, sizeof(line), maps) != NULL)
		if (strstr(line, "/libunwind") != NULL)
			loaded = 1;
	fclose(maps);
	DIR *dir = opendir("/proc/self/fd");
	if (dir == NULL)
		return 2;
	int fds = 0;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL)
		fds += e->d_name[0] != '.';
	closedir(dir);
	printf("libunwind %s, %d descriptors\n", loaded ? "loaded" : "not loaded", fds);
	return 0;
}
