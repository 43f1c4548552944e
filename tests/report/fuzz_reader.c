/* SPDX-License-Identifier: MIT */
/* Fuzz driver for the report reader: mutates good reports, leak and
 * fragmentation ones (bit flips, truncations, duplicated, deleted and swapped
 * lines, extreme numbers, damaged gzip bytes) with a fixed seed and runs the
 * real parser and every printer on each, in-process, thousands of times a
 * second; each mutated file goes to the parser its first line names, as in
 * heapguard-report.  A crash or a hang is the failure; the input being read
 * is always in DIR/current.leaks.gz.
 * usage: fuzz_reader SEED RUNS DIR SAMPLES FIXTURE.txt...  (SAMPLES of the
 * mutated files are kept as DIR/sample-N.leaks.gz for runs of the binary) */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../reader/frag_report.h"
#include "../../reader/html.h"
#include "../../reader/leak_report.h"
#include "../../reader/output.h"
#include "../../reader/run.h"
#include "../../reader/suppress.h"

struct hg_buf {
	unsigned char *data;
	size_t len, cap;
};

static uint64_t hg_rng_state;

static uint64_t hg_rng(void)
{
	uint64_t x = hg_rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	hg_rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static size_t hg_below(size_t n)
{
	return n ? (size_t)(hg_rng() % n) : 0;
}

static void hg_need(struct hg_buf *b, size_t len)
{
	if (len <= b->cap)
		return;
	b->cap = len * 2;
	b->data = realloc(b->data, b->cap);
	if (!b->data) {
		perror("fuzz_reader");
		exit(99);
	}
}

/* Replaces b[at, at + cut) with insert[0, n). */
static void hg_splice(struct hg_buf *b, size_t at, size_t cut, const void *insert, size_t n)
{
	hg_need(b, b->len - cut + n + 1);
	memmove(b->data + at + n, b->data + at + cut, b->len - at - cut);
	memcpy(b->data + at, insert, n);
	b->len = b->len - cut + n;
}

/* The start and length of a random line. */
static size_t hg_pick_line(const struct hg_buf *b, size_t *len)
{
	size_t at = hg_below(b->len), end;

	while (at > 0 && b->data[at - 1] != '\n')
		at--;
	for (end = at; end < b->len && b->data[end] != '\n'; end++)
		;
	*len = end < b->len ? end - at + 1 : end - at;
	return at;
}

static void hg_mutate_number(struct hg_buf *b)
{
	static const char *const numbers[] = {
		"0",
		"1",
		"18446744073709551615",
		"18446744073709551616",
		"99999999999999999999999",
		"4294967295",
		"4294967296",
		"2147483648",
		"0x0",
		"0xffffffffffffffff",
		"0x10000000000000000",
		"-1",
		"",
		"65",
		"64",
		"9",
	};
	const char *with = numbers[hg_below(sizeof(numbers) / sizeof(numbers[0]))];
	size_t at = hg_below(b->len), end;

	while (at < b->len && !(b->data[at] >= '0' && b->data[at] <= '9'))
		at++;
	if (at == b->len)
		return;
	for (end = at;
	     end < b->len && ((b->data[end] >= '0' && b->data[end] <= '9') ||
			      (b->data[end] >= 'a' && b->data[end] <= 'f') || b->data[end] == 'x');
	     end++)
		;
	hg_splice(b, at, end - at, with, strlen(with));
}

static void hg_mutate_text(struct hg_buf *b)
{
	static const char special[] = {
		' ', '\n', '\\', '0', '+', ',', '?', '\0', '\xff', '\t', 'x'
	};
	size_t at, len, at2, len2;
	unsigned char *copy;

	if (b->len == 0)
		return;
	switch (hg_below(9)) {
	case 0: /* bit flip */
		b->data[hg_below(b->len)] ^= (unsigned char)(1u << hg_below(8));
		break;
	case 1: /* one special byte */
		b->data[hg_below(b->len)] = (unsigned char)special[hg_below(sizeof(special))];
		break;
	case 2: /* truncation */
		b->len = hg_below(b->len);
		break;
	case 3: /* duplicated line */
		at = hg_pick_line(b, &len);
		copy = malloc(len + 1);
		memcpy(copy, b->data + at, len);
		hg_splice(b, at, 0, copy, len);
		free(copy);
		break;
	case 4: /* deleted line */
		at = hg_pick_line(b, &len);
		hg_splice(b, at, len, "", 0);
		break;
	case 5: /* two lines swapped (as: line 2 moved before line 1) */
		at = hg_pick_line(b, &len);
		at2 = hg_pick_line(b, &len2);
		if (at2 > at + len) {
			copy = malloc(len2 + 1);
			memcpy(copy, b->data + at2, len2);
			hg_splice(b, at2, len2, "", 0);
			hg_splice(b, at, 0, copy, len2);
			free(copy);
		}
		break;
	case 6: /* extreme numbers */
	case 7:
		hg_mutate_number(b);
		break;
	default: /* a long run of one byte */
		len = 1 + hg_below(hg_below(4) == 0 ? 70000 : 100);
		copy = malloc(len);
		memset(copy, special[hg_below(sizeof(special))], len);
		hg_splice(b, hg_below(b->len), 0, copy, len);
		free(copy);
		break;
	}
}

static void hg_gzip(const struct hg_buf *in, struct hg_buf *out)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		exit(99);
	hg_need(out, deflateBound(&z, in->len) + 1);
	z.next_in = in->data;
	z.avail_in = (uInt)in->len;
	z.next_out = out->data;
	z.avail_out = (uInt)out->cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		exit(99);
	out->len = z.total_out;
	deflateEnd(&z);
}

static void hg_write(const char *path, const struct hg_buf *b)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0) {
		perror(path);
		exit(99);
	}
}

static void hg_read(const char *path, struct hg_buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t n;

	if (!f) {
		perror(path);
		exit(99);
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		hg_need(b, b->len + n + 1);
		memcpy(b->data + b->len, chunk, n);
		b->len += n;
	}
	fclose(f);
}

/* Everything the binary does after parsing, minus symbolization. */
static void hg_exercise(const struct hg_leaks *r, const struct hg_leaks *fixture,
			struct hg_suppressions *supp, FILE *null)
{
	struct hg_view view, old;

	if (hg_view_build(&view, r, HG_SHOW_ALL, supp, NULL) < 0)
		exit(99);
	hg_print_text(null, &view);
	hg_print_json(null, &view);
	hg_print_folded(null, &view);
	if (hg_view_build(&old, fixture, HG_SHOW_ALL, NULL, NULL) < 0 ||
	    hg_print_diff(null, &old, &view, hg_below(2)) < 0)
		exit(99);
	hg_view_free(&old);
	hg_view_free(&view);
}

/* The run view of a report read as a run of one process. */
static void hg_exercise_run(const char *path, FILE *null)
{
	struct hg_run_options opt = { HG_SHOW_ALL, HG_SYM_NONE, false, NULL };
	struct hg_run run;

	if (hg_run_load(&run, &path, 1, &opt) < 0)
		return;
	hg_run_print_text(null, &run, true);
	hg_run_print_json(null, &run, true);
	hg_run_print_sarif(null, &run);
	hg_run_print_summary(null, &run);
	hg_run_free(&run);
}

/* The same for a fragmentation report: text, JSON and SVG. */
static void hg_exercise_frag(const char *path, FILE *null, char *err, size_t errlen,
			     unsigned long *accepted);

static void hg_check_error(const char *path, const char *err)
{
	size_t n = strlen(path);

	if (strncmp(err, path, n) != 0 || err[n] != ':' || !strchr(err, ' ') || strchr(err, '\n')) {
		fprintf(stderr, "fuzz_reader: badly formed error message: %s\n", err);
		exit(1);
	}
}

static void hg_exercise_frag(const char *path, FILE *null, char *err, size_t errlen,
			     unsigned long *accepted)
{
	struct hg_frag frag;

	if (hg_frag_load(path, &frag, err, errlen) < 0) {
		hg_check_error(path, err);
		return;
	}
	++*accepted;
	hg_frag_print_text(null, &frag, NULL);
	hg_frag_print_json(null, &frag, NULL);
	hg_frag_print_svg(null, &frag, NULL);
	hg_frag_free(&frag);
	/* The HTML page reads the file again, the run's way. */
	if (hg_html_write("/dev/null", &path, 1, HG_SYM_NONE, false) == 2) {
		fprintf(stderr, "fuzz_reader: --html refused %s, which the parser read\n", path);
		exit(1);
	}
}

static bool hg_is_frag(const struct hg_buf *b)
{
	return b->len >= sizeof(HG_FRAG_MAGIC) &&
	       memcmp(b->data, HG_FRAG_MAGIC " ", sizeof(HG_FRAG_MAGIC)) == 0;
}

int main(int argc, char **argv)
{
	struct hg_buf *fixtures, text = { 0 }, packed = { 0 };
	struct hg_leaks *parsed, r;
	struct hg_suppressions supp = { 0 };
	char path[4096], sample[4096], err[HG_LEAKS_ERROR_MAX];
	unsigned long runs, samples, stride, kept = 0, i, accepted = 0;
	int nfix, k;
	FILE *null = fopen("/dev/null", "w");

	if (argc < 6 || !null) {
		fputs("usage: fuzz_reader SEED RUNS DIR SAMPLES FIXTURE.txt...\n", stderr);
		return 99;
	}
	hg_rng_state = strtoull(argv[1], NULL, 0) * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
	runs = strtoul(argv[2], NULL, 0);
	samples = strtoul(argv[4], NULL, 0);
	stride = samples && runs / samples ? runs / samples : 1;
	nfix = argc - 5;
	fixtures = calloc((size_t)nfix, sizeof(*fixtures));
	parsed = calloc((size_t)nfix, sizeof(*parsed));
	snprintf(path, sizeof(path), "%s/current.leaks.gz", argv[3]);
	for (k = 0; k < nfix; k++) {
		hg_read(argv[5 + k], &fixtures[k]);
		hg_gzip(&fixtures[k], &packed);
		hg_write(path, &packed);
		if (hg_is_frag(&fixtures[k])) {
			struct hg_frag frag;

			if (hg_frag_load(path, &frag, err, sizeof(err)) < 0) {
				fprintf(stderr, "fuzz_reader: a fixture does not parse: %s\n", err);
				return 99;
			}
			hg_frag_free(&frag);
			continue;
		}
		if (hg_leaks_load(path, &parsed[k], err, sizeof(err)) < 0) {
			fprintf(stderr, "fuzz_reader: a fixture does not parse: %s\n", err);
			return 99;
		}
	}
	/* Rules that match module paths, the only names without symbols. */
	supp.rules = calloc(2, sizeof(*supp.rules));
	supp.rules[0].pattern = strdup("^/nonexistent/*app$");
	supp.rules[1].pattern = strdup("libc*");
	supp.nrules = supp.cap = 2;
	for (i = 0; i < runs; i++) {
		int m, mutations = 1 + (int)hg_below(3);

		k = (int)hg_below((size_t)nfix);
		text.len = 0;
		hg_need(&text, fixtures[k].len + 1);
		memcpy(text.data, fixtures[k].data, fixtures[k].len);
		text.len = fixtures[k].len;
		for (m = 0; m < mutations; m++)
			hg_mutate_text(&text);
		hg_gzip(&text, &packed);
		if (hg_below(8) == 0) {
			/* damage the compressed stream itself */
			if (hg_below(2))
				packed.data[hg_below(packed.len)] ^=
					(unsigned char)(1u << hg_below(8));
			else
				packed.len = hg_below(packed.len);
		}
		hg_write(path, &packed);
		if (kept < samples && i % stride == 0) {
			snprintf(sample, sizeof(sample), "%s/sample-%05lu.leaks.gz", argv[3],
				 kept++);
			hg_write(sample, &packed);
		}
		if (hg_frag_sniff(path)) {
			hg_exercise_frag(path, null, err, sizeof(err), &accepted);
			continue;
		}
		if (hg_leaks_load(path, &r, err, sizeof(err)) < 0) {
			hg_check_error(path, err);
			continue;
		}
		accepted++;
		/* diff needs a leak report to compare with: the fixture's, if it is one */
		hg_exercise(&r, hg_is_frag(&fixtures[k]) ? &r : &parsed[k], &supp, null);
		if (i % 16 == 0)
			hg_exercise_run(path, null);
		hg_leaks_free(&r);
	}
	printf("fuzz_reader: %lu mutated reports, %lu accepted, %lu rejected\n", runs, accepted,
	       runs - accepted);
	for (k = 0; k < nfix; k++) {
		hg_leaks_free(&parsed[k]);
		free(fixtures[k].data);
	}
	free(fixtures);
	free(parsed);
	free(text.data);
	free(packed.data);
	hg_supp_free(&supp);
	fclose(null);
	return 0;
}
