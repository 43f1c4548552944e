/* SPDX-License-Identifier: MIT */
/* Runs a command and prints "<wall seconds> <peak RSS KiB> <end> <CPU
 * seconds>" on stdout: the wall time from fork to reaping, the peak RSS from
 * wait4()'s resource usage (the largest of the process and its reaped
 * descendants), the CLOCK_MONOTONIC nanoseconds at which it was reaped, and
 * the user plus system time of the process and its reaped descendants
 * (wait4() again).  The harness's only clock.  Exits 0 only if the command
 * exited 0.
 * Usage: measure [-p LIBRARY] [-e NAME=VALUE]... [-o FILE] -- program [args...]
 *   -p  run the command with LD_PRELOAD=LIBRARY (without -p: no LD_PRELOAD)
 *   -e  set an environment variable for the command
 *   -o  send the command's stdout and stderr to FILE (created or truncated) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: measure [-p LIBRARY] [-e NAME=VALUE]... [-o FILE] -- program [args...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *preload = NULL, *output = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "+p:e:o:")) != -1) {
		switch (opt) {
		case 'p':
			preload = optarg;
			break;
		case 'e':
			if (strchr(optarg, '=') == NULL || putenv(optarg) != 0)
				return usage();
			break;
		case 'o':
			output = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc)
		return usage();
	if (preload != NULL && *preload != '\0')
		setenv("LD_PRELOAD", preload, 1);
	else
		unsetenv("LD_PRELOAD");
	int out = -1;
	if (output != NULL) {
		out = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out < 0) {
			perror(output);
			return 2;
		}
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid == 0) {
		if (out >= 0 && (dup2(out, 1) < 0 || dup2(out, 2) < 0))
			_exit(126);
		execvp(argv[optind], argv + optind);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		     (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	printf("%.4f %ld %llu %.4f\n", secs, ru.ru_maxrss,
	       (unsigned long long)t1.tv_sec * 1000000000u + (unsigned long long)t1.tv_nsec, cpu);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
