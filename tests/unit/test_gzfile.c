/* SPDX-License-Identifier: MIT */
/* Unit tests of the gzip report writer (report/gzfile.c): what it writes
 * reads back the same through zlib, small and over many deflate buffers,
 * with zlib's memory carved from the file's own mapping; the name is taken
 * only at commit, never over an existing file, and is the first free
 * number in a few lookups however many reports of the name exist; an
 * abandoned file leaves nothing behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "../../report/gzfile.h"

static char dir[] = "/tmp/hg-test-gzfile.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	DIR *d = opendir(dir);
	if (d != NULL) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			char path[512];
			if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || e->d_name[1] == '.'))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
	return 0;
}

/* The whole decompressed content of path, malloc'd; *len its length. */
static char *read_back(const char *path, size_t *len)
{
	gzFile f = gzopen(path, "rb");
	assert_non_null(f);
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	int got;
	while ((got = gzread(f, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)got;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	assert_int_equal(got, 0);
	assert_int_equal(gzclose(f), Z_OK);
	*len = n;
	return buf;
}

/* A report dir/NAME + suffix, created; base gets its prefix. */
static struct hg_gzfile *create(char base[256], const char *name, const char *suffix)
{
	snprintf(base, 256, "%s/%s", dir, name);
	int err = -1;
	struct hg_gzfile *gz = hg_gz_create(base, suffix, &err);
	assert_non_null(gz);
	return gz;
}

static void writes_what_reads_back(void **state)
{
	(void)state;
	char base[256], final[512];
	struct hg_gzfile *gz = create(base, "small", ".leaks.gz");
	hg_gz_puts(gz, "heapguard-leaks 3\n");
	hg_gz_printf(gz, "pid %d\n", 1234);
	hg_gz_escaped(gz, "a\tb\n", 4);
	assert_int_equal(hg_gz_commit(gz, final, sizeof(final)), 0);
	char want_name[512];
	snprintf(want_name, sizeof(want_name), "%s.leaks.gz", base);
	assert_string_equal(final, want_name);
	size_t len;
	char *text = read_back(final, &len);
	const char want[] = "heapguard-leaks 3\npid 1234\na\\tb\\n";
	assert_int_equal(len, strlen(want));
	assert_memory_equal(text, want, len);
	free(text);
}

/* Line i of text that compresses badly (a xorshift sequence from *x). */
static int next_line(char *line, size_t len, unsigned i, uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return snprintf(line, len, "line %u 0x%016llx\n", i, (unsigned long long)*x);
}

/* Many times the 64 KiB gathered before deflate and written per call, and
 * text that compresses badly: deflate uses its whole window and hash
 * chains, all in the file's mapping. */
static void writes_megabytes_that_read_back(void **state)
{
	(void)state;
	char base[256], final[512];
	struct hg_gzfile *gz = create(base, "large", ".frag.gz");
	size_t want_len = 0;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < 200000; i++) {
		char line[64];
		int n = next_line(line, sizeof(line), i, &x);
		hg_gz_write(gz, line, (size_t)n);
		want_len += (size_t)n;
	}
	assert_int_equal(hg_gz_commit(gz, final, sizeof(final)), 0);
	size_t len;
	char *text = read_back(final, &len);
	assert_int_equal(len, want_len);
	x = 0x9e3779b97f4a7c15ull;
	size_t pos = 0;
	for (unsigned i = 0; i < 200000; i++) {
		char line[64];
		int n = next_line(line, sizeof(line), i, &x);
		assert_memory_equal(text + pos, line, (size_t)n);
		pos += (size_t)n;
	}
	free(text);
}

static long minor_faults(void)
{
	struct rusage ru;
	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_minflt;
}

/* Reports of every size around the sizes deflate's parameters are chosen
 * by (the text gathered before the first push) read back.  A short one,
 * as most processes write, is stored, not compressed (compressing cost
 * more than the rest of the report), and costs a few page faults: deflate
 * sized for 32 KiB windows cleared 64 KiB of hash table, 16 pages. */
static void short_reports_touch_few_pages(void **state)
{
	(void)state;
	static const size_t sizes[] = { 0, 1, 1023, 1024, 1025, 3000, 40000, 65535, 65536,
					65537, 200000 };
	uint64_t x = 0x243f6a8885a308d3ull;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		char base[256], final[512], name[32];
		snprintf(name, sizeof(name), "sized-%zu", sizes[k]);
		char *want = malloc(sizes[k] + 64);
		size_t n = 0;
		for (unsigned i = 0; n < sizes[k]; i++)
			n += (size_t)next_line(want + n, 64, i, &x);
		long before = minor_faults();
		struct hg_gzfile *gz = create(base, name, ".leaks.gz");
		hg_gz_write(gz, want, sizes[k]);
		assert_int_equal(hg_gz_commit(gz, final, sizeof(final)), 0);
		long faults = minor_faults() - before;
		if (sizes[k] <= 3000)
			assert_true(faults <= 16); /* 23 to 28 before */
		struct stat st;
		assert_int_equal(stat(final, &st), 0);
		if (sizes[k] < 16384) /* stored: the text, gzip's 18 bytes, a block header */
			assert_in_range(st.st_size, sizes[k] + 18, sizes[k] + 18 + 5);
		else /* compressed: the text is 16 hex digits a line */
			assert_true((size_t)st.st_size < sizes[k] * 3 / 4);
		size_t len;
		char *text = read_back(final, &len);
		assert_int_equal(len, sizes[k]);
		assert_memory_equal(text, want, len);
		free(text);
		free(want);
	}
}

/* A report's mapping is kept for the next report, which then faults in
 * none of its pages (a short process writes two reports at exit: the
 * second cost eight page faults and a mapping of its own); the kept one is
 * listed for the leak scan to leave out, and a report after a compressed
 * one reads back as it was written. */
static void the_next_report_reuses_the_last_ones_mapping(void **state)
{
	(void)state;
	char base[256], final[512];
	uint64_t x = 0x13198a2e03707344ull;
	size_t big_len = 0;
	char *big = malloc(200064);
	for (unsigned i = 0; big_len < 200000; i++)
		big_len += (size_t)next_line(big + big_len, 64, i, &x);
	struct hg_gzfile *gz = create(base, "kept-first", ".frag.gz");
	hg_gz_write(gz, big, big_len);
	assert_int_equal(hg_gz_commit(gz, final, sizeof(final)), 0);
	uintptr_t lo[HG_GZ_RANGES], hi[HG_GZ_RANGES];
	assert_int_equal(hg_gz_memory(lo, hi), 1);
	assert_true(hi[0] - lo[0] > 65536);
	const char short_text[] = "heapguard-leaks 3\nlost 48 bytes\n";
	long before = minor_faults();
	gz = create(base, "kept-second", ".leaks.gz");
	assert_ptr_equal(gz, (void *)lo[0]);
	uintptr_t lo2[HG_GZ_RANGES], hi2[HG_GZ_RANGES];
	assert_int_equal(hg_gz_memory(lo2, hi2), 0); /* in use: not kept */
	hg_gz_puts(gz, short_text);
	assert_int_equal(hg_gz_commit(gz, final, sizeof(final)), 0);
	long faults = minor_faults() - before;
	assert_true(faults <= 2); /* 8 to 10 in a mapping of its own */
	assert_int_equal(hg_gz_memory(lo2, hi2), 1);
	assert_int_equal(lo2[0], lo[0]);
	size_t len;
	char *text = read_back(final, &len);
	assert_int_equal(len, strlen(short_text));
	assert_memory_equal(text, short_text, len);
	free(text);
	snprintf(final, sizeof(final), "%s/kept-first.frag.gz", dir);
	text = read_back(final, &len);
	assert_int_equal(len, big_len);
	assert_memory_equal(text, big, len);
	free(text);
	free(big);
}

/* A second report of the same name takes the next free one; an abandoned
 * report leaves no file, not even its temporary one. */
static void never_replaces_and_abandons_cleanly(void **state)
{
	(void)state;
	char base[256], first[512], second[512];
	struct hg_gzfile *gz = create(base, "twice", ".leaks.gz");
	hg_gz_puts(gz, "one\n");
	assert_int_equal(hg_gz_commit(gz, first, sizeof(first)), 0);
	gz = create(base, "twice", ".leaks.gz");
	hg_gz_puts(gz, "two\n");
	assert_int_equal(hg_gz_commit(gz, second, sizeof(second)), 0);
	assert_string_not_equal(first, second);
	size_t len;
	char *text = read_back(first, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(text, "one\n", 4);
	free(text);

	gz = create(base, "twice", ".frag.gz");
	hg_gz_puts(gz, "gone\n");
	hg_gz_abandon(gz);
	unsigned files = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		files += strstr(e->d_name, "twice") != NULL;
	closedir(d);
	assert_int_equal(files, 2);
}

/* Reports of one name take the numbers in order, each the first free. */
static void numbered_in_order(void **state)
{
	(void)state;
	char base[256], final[512], want[512];
	for (unsigned i = 0; i < 40; i++) {
		struct hg_gzfile *gz = create(base, "many", ".leaks.gz");
		hg_gz_puts(gz, "x\n");
		assert_int_equal(hg_gz_commit(gz, final, sizeof(final)), 0);
		if (i == 0)
			snprintf(want, sizeof(want), "%s.leaks.gz", base);
		else
			snprintf(want, sizeof(want), "%s.%u.leaks.gz", base, i);
		assert_string_equal(final, want);
	}
}

/* Ten thousand reports of the same name already there (a run whose
 * report= has no %p): the next one is not lost, and finds its number in
 * a few lookups (it used to try each number in turn, and give up after
 * .9999). */
static void ten_thousand_taken_names_lose_no_report(void **state)
{
	(void)state;
	char base[256], final[512], want[512];
	snprintf(base, sizeof(base), "%s/crowd", dir);
	for (unsigned i = 0; i <= 10000; i++) {
		char name[512];
		if (i == 0)
			snprintf(name, sizeof(name), "%s.leaks.gz", base);
		else
			snprintf(name, sizeof(name), "%s.%u.leaks.gz", base, i);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		close(fd);
	}
	struct hg_gzfile *gz = create(base, "crowd", ".leaks.gz");
	hg_gz_puts(gz, "kept\n");
	assert_int_equal(hg_gz_commit(gz, final, sizeof(final)), 0);
	snprintf(want, sizeof(want), "%s.10001.leaks.gz", base);
	assert_string_equal(final, want);
	size_t len;
	char *text = read_back(final, &len);
	assert_int_equal(len, 5);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(writes_what_reads_back),
		cmocka_unit_test(writes_megabytes_that_read_back),
		cmocka_unit_test(short_reports_touch_few_pages),
		cmocka_unit_test(the_next_report_reuses_the_last_ones_mapping),
		cmocka_unit_test(never_replaces_and_abandons_cleanly),
		cmocka_unit_test(numbered_in_order),
		cmocka_unit_test(ten_thousand_taken_names_lose_no_report),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
