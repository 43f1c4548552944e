/* SPDX-License-Identifier: MIT */
/* malloc_stats writes glibc's report to stderr ("Arena 0:", "system
 * bytes", "in use bytes", "Total (incl. mmap):"); malloc_info(0, fp)
 * writes XML that starts with <malloc version="1"> and that xmllint
 * accepts (when xmllint is installed); malloc_info(1, fp) returns EINVAL. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>

#include "../lib/hgtest.h"

static char *slurp(FILE *f)
{
	static char buf[1 << 20];
	rewind(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	return buf;
}

static void *thread_alloc(void *arg)
{
	void **out = arg;
	*out = malloc(5000);
	return NULL;
}

static void test_stats(void)
{
	FILE *tmp = tmpfile();
	CHECK(tmp != NULL, "tmpfile: %s", strerror(errno));
	fflush(stderr);
	int saved = dup(2);
	CHECK(saved >= 0, "dup");
	CHECK(dup2(fileno(tmp), 2) == 2, "dup2");
	malloc_stats();
	fflush(stderr);
	CHECK(dup2(saved, 2) == 2, "dup2 back");
	close(saved);
	const char *out = slurp(tmp);
	CHECK(strstr(out, "Arena 0:\n") != NULL, "no 'Arena 0:' line in:\n%s",
	      out);
	CHECK(strstr(out, "system bytes") != NULL, "no 'system bytes' in:\n%s",
	      out);
	CHECK(strstr(out, "in use bytes") != NULL, "no 'in use bytes' in:\n%s",
	      out);
	CHECK(strstr(out, "Total (incl. mmap):") != NULL,
	      "no 'Total (incl. mmap):' in:\n%s", out);
	CHECK(strstr(out, "max mmap regions") != NULL,
	      "no 'max mmap regions' in:\n%s", out);
	fclose(tmp);
}

static int have_xmllint(void)
{
	return system("command -v xmllint >/dev/null 2>&1") == 0;
}

static void test_info(void)
{
	char path[] = "/tmp/hg-malloc-info-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp: %s", strerror(errno));
	FILE *f = fdopen(fd, "w+");
	CHECK(f != NULL, "fdopen");
	CHECK(malloc_info(0, f) == 0, "malloc_info(0) failed");
	fflush(f);
	const char *xml = slurp(f);
	CHECK(strncmp(xml, "<malloc version=\"1\">", 20) == 0,
	      "malloc_info output starts with: %.60s", xml);
	CHECK(strstr(xml, "</malloc>") != NULL, "no </malloc> in output");
	CHECK(strstr(xml, "<heap nr=\"0\">") != NULL, "no <heap nr=\"0\">");
	CHECK(strstr(xml, "<system type=\"current\"") != NULL,
	      "no <system type=\"current\" ...>");

	/* glibc returns the error number itself, not -1 */
	int rc = malloc_info(1, f);
	CHECK(rc == EINVAL, "malloc_info(1, fp) = %d, want EINVAL", rc);
	fclose(f);

	if (have_xmllint()) {
		char cmd[256];
		snprintf(cmd, sizeof(cmd),
			 "env -u LD_PRELOAD xmllint --noout %s", path);
		int rc = system(cmd);
		CHECK(rc == 0, "xmllint rejected malloc_info output (%s)",
		      path);
	} else {
		printf("note: xmllint missing, XML validity not checked\n");
	}
	unlink(path);
}

int main(void)
{
	hgtest_timeout(60);
	/* some state: small, large, mmap'd, and a second arena */
	void *keep[4];
	keep[0] = malloc(100);
	keep[1] = malloc(50000);
	keep[2] = malloc(4 << 20);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, thread_alloc, &keep[3]) == 0,
	      "pthread_create");
	pthread_join(t, NULL);
	test_stats();
	test_info();
	for (int i = 0; i < 4; i++)
		free(keep[i]);
	printf("PASS: malloc_stats/malloc_info\n");
	return 0;
}
