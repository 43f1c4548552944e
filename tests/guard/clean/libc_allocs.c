/* SPDX-License-Identifier: MIT */
/* libc allocating on the program's behalf: strdup, strndup, asprintf,
 * getline, open_memstream, qsort (may malloc), fopen/fgets/fclose,
 * opendir/readdir, setlocale/strerror. */
#define _GNU_SOURCE
#include <dirent.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int main(void)
{
	char *s = strdup("heapguard"), *t = strndup("heapguard", 4), *u = NULL;
	if (asprintf(&u, "%s-%s-%d", s, t, 42) < 0)
		return 1;
	free(s);
	free(t);
	free(u);
	FILE *f = fopen("/proc/self/maps", "r");
	char *line = NULL;
	size_t cap = 0;
	while (f != NULL && getline(&line, &cap, f) > 0)
		;
	free(line);
	if (f != NULL)
		fclose(f);
	char *ms;
	size_t msz;
	FILE *m = open_memstream(&ms, &msz);
	for (int i = 0; i < 10000; i++)
		fprintf(m, "%d,", i);
	fclose(m);
	free(ms);
	size_t n = 200000;
	int *a = malloc(n * sizeof *a);
	for (size_t i = 0; i < n; i++)
		a[i] = (int)((i * 2654435761u) % 100000);
	qsort(a, n, sizeof *a, cmp);
	free(a);
	DIR *d = opendir("/proc/self/fd");
	while (d != NULL && readdir(d) != NULL)
		;
	if (d != NULL)
		closedir(d);
	setlocale(LC_ALL, "C");
	(void)strerror(2);
	return 0;
}
