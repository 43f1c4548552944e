/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for heapguard-report's reader (reader/): the input
 * is a leak report or a fragmentation report (routed by its first line, as
 * the tool does), gzip-compressed here unless it already starts with the
 * gzip magic (so the mutator works on the text, and on the compressed
 * stream when a seed is one); a process record of a run (first line
 * heapguard-process) is parsed as it is, plain text.  After a line
 * "--supp--" the rest is a suppression file.  The report is parsed from a file, as the tool does, and
 * every printer runs on what parses, the run view's too (symbolization
 * aside, as in tests/report/fuzz_reader.c); a rejected one must give one error line
 * naming the file. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "../reader/frag_report.h"
#include "../reader/leak_report.h"
#include "../reader/output.h"
#include "../reader/process_record.h"
#include "../reader/run.h"
#include "../reader/suppress.h"

static int report_fd = -1, supp_fd = -1;
static char report_path[64], supp_path[64];
static FILE *null_out;
static unsigned char *packed;
static size_t packed_cap;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_reader: %s\n", what);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	report_fd = memfd_create("report", MFD_CLOEXEC);
	supp_fd = memfd_create("supp", MFD_CLOEXEC);
	null_out = fopen("/dev/null", "w");
	if (report_fd < 0 || supp_fd < 0 || null_out == NULL)
		die("memfd_create or /dev/null");
	snprintf(report_path, sizeof(report_path), "/proc/self/fd/%d", report_fd);
	snprintf(supp_path, sizeof(supp_path), "/proc/self/fd/%d", supp_fd);
	return 0;
}

static void put(int fd, const void *data, size_t len)
{
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, len, 0) != (ssize_t)len)
		die("memfd write");
}

/* data, gzip-compressed (fast: the parser is what is tested). */
static void put_gzip(int fd, const uint8_t *data, size_t len)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2");
	if (deflateBound(&z, len) > packed_cap) {
		packed_cap = deflateBound(&z, len);
		packed = realloc(packed, packed_cap);
		if (packed == NULL)
			die("out of memory");
	}
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = packed;
	z.avail_out = (uInt)packed_cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		die("deflate");
	put(fd, packed, z.total_out);
	deflateEnd(&z);
}

/* One line, "PATH:..." or "PATH: ...". */
static void check_error(const char *path, const char *err)
{
	size_t n = strlen(path);

	if (strncmp(err, path, n) != 0 || err[n] != ':' || strchr(err, '\n') != NULL)
		die("badly formed error message");
}

/* A damaged record's warning is formed as an error is. */
static void check_warning(void *ctx, const char *err)
{
	(void)ctx;
	check_error(report_path, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char marker[] = "\n--supp--\n";
	struct hg_suppressions supp = { 0 }, *use_supp = NULL;
	struct hg_leaks r;
	struct hg_view view, again;
	char err[HG_LEAKS_ERROR_MAX];
	const uint8_t *split = memmem(data, size, marker, sizeof(marker) - 1);
	size_t report_len = split != NULL ? (size_t)(split - data) : size;

	if (size > (1u << 20))
		return -1;
	if (split != NULL) {
		const uint8_t *s = split + sizeof(marker) - 1;

		put(supp_fd, s, size - (size_t)(s - data));
		if (hg_supp_load(&supp, supp_path, err, sizeof(err)) == 0)
			use_supp = &supp;
		else
			check_error(supp_path, err);
	}
	if (report_len >= 17 && memcmp(data, "heapguard-process", 17) == 0) {
		struct hg_proc_list procs = { NULL, 0, 0 };

		put(report_fd, data, report_len);
		if (hg_proc_load_all(report_path, &procs, check_warning, NULL, err, sizeof(err)) < 0)
			check_error(report_path, err);
		hg_proc_list_free(&procs);
		hg_supp_free(&supp);
		return 0;
	}
	if (report_len >= 2 && data[0] == 0x1f && data[1] == 0x8b)
		put(report_fd, data, report_len);
	else
		put_gzip(report_fd, data, report_len);
	if (hg_frag_sniff(report_path)) {
		struct hg_frag frag;
		if (hg_frag_load(report_path, &frag, err, sizeof(err)) < 0) {
			check_error(report_path, err);
		} else {
			hg_frag_print_text(null_out, &frag, NULL);
			hg_frag_print_json(null_out, &frag, NULL);
			hg_frag_print_svg(null_out, &frag, NULL);
			hg_frag_free(&frag);
		}
		hg_supp_free(&supp);
		return 0;
	}
	if (hg_leaks_load(report_path, &r, err, sizeof(err)) < 0) {
		check_error(report_path, err);
		hg_supp_free(&supp);
		return 0;
	}
	if (hg_view_build(&view, &r, HG_SHOW_ALL, use_supp, NULL) < 0)
		die("hg_view_build");
	hg_print_text(null_out, &view);
	hg_print_json(null_out, &view);
	hg_print_folded(null_out, &view);
	if (hg_view_build(&again, &r, HG_SHOW_DEFAULT, NULL, NULL) < 0)
		die("hg_view_build");
	if (hg_print_diff(null_out, &again, &view, false) < 0 ||
	    hg_print_diff(null_out, &view, &again, true) < 0)
		die("hg_print_diff");
	{
		struct hg_run_options opt = { HG_SHOW_ALL, HG_SYM_NONE, false, use_supp };
		const char *path = report_path;
		struct hg_run run;

		if (hg_run_load(&run, &path, 1, &opt) == 0) {
			hg_run_print_text(null_out, &run, true);
			hg_run_print_json(null_out, &run, false);
			hg_run_print_sarif(null_out, &run);
			hg_run_print_summary(null_out, &run);
			hg_run_free(&run);
		}
	}
	hg_view_free(&again);
	hg_view_free(&view);
	hg_leaks_free(&r);
	hg_supp_free(&supp);
	return 0;
}
