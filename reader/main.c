/* SPDX-License-Identifier: MIT */
/* heapguard-report(1): reads the leak reports heapguard writes at exit and
 * prints them symbolized, as JSON or as folded stacks, or compares two;
 * reads fragmentation reports too (told apart by their first line), as text,
 * JSON or an SVG heap map; and whole runs (a run directory, or several
 * files), as text, JSON, SARIF or the launcher's one summary line.  Exit
 * status: 0 no lost bytes shown (and every fragmentation report), 1 lost
 * bytes or heap errors shown (diff: a site grew, or is new), 2 usage or
 * input error, always with one "heapguard-report: ..." line. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag_report.h"
#include "html.h"
#include "leak_report.h"
#include "output.h"
#include "run.h"
#include "suppress.h"
#include "symbolize.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

enum {
	HG_EXIT_CLEAN = 0, /* no lost bytes shown / no site grew */
	HG_EXIT_LEAKS = 1, /* lost bytes shown / a site grew */
	HG_EXIT_ERROR = 2, /* usage or input error */
};

enum hg_format {
	HG_FORMAT_TEXT,
	HG_FORMAT_JSON,
	HG_FORMAT_FOLDED,
	HG_FORMAT_SARIF,
	HG_FORMAT_SUMMARY,
};

struct hg_args {
	enum hg_format format;
	unsigned show; /* HG_SHOW() bits, 0 = the default */
	enum hg_sym_backend backend;
	bool demangle;
	struct hg_suppressions supp;
	bool diff;
	bool gen_supp;	  /* --gen-suppressions */
	const char *svg;  /* --svg: the file to draw the heap map in */
	const char *html; /* --html: the file to write the page in */
	const char *const *files;
	size_t nfiles;
};

enum {
	HG_OPT_FOLDED = 256,
	HG_OPT_SHOW,
	HG_OPT_NO_SYMBOLS,
	HG_OPT_SYMBOLIZER,
	HG_OPT_NO_DEMANGLE,
	HG_OPT_SVG,
	HG_OPT_SARIF,
	HG_OPT_SUMMARY_LINE,
	HG_OPT_GEN_SUPPRESSIONS,
	HG_OPT_HTML,
};

static const struct option hg_long_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "folded", no_argument, NULL, HG_OPT_FOLDED },
	{ "suppress", required_argument, NULL, 's' },
	{ "suppressions", required_argument, NULL, 's' },
	{ "sarif", no_argument, NULL, HG_OPT_SARIF },
	{ "summary-line", no_argument, NULL, HG_OPT_SUMMARY_LINE },
	{ "gen-suppressions", no_argument, NULL, HG_OPT_GEN_SUPPRESSIONS },
	{ "show", required_argument, NULL, HG_OPT_SHOW },
	{ "no-symbols", no_argument, NULL, HG_OPT_NO_SYMBOLS },
	{ "symbolizer", required_argument, NULL, HG_OPT_SYMBOLIZER },
	{ "no-demangle", no_argument, NULL, HG_OPT_NO_DEMANGLE },
	{ "svg", required_argument, NULL, HG_OPT_SVG },
	{ "html", required_argument, NULL, HG_OPT_HTML },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void hg_usage(FILE *out)
{
	fputs("usage: heapguard-report [options] FILE.leaks.gz\n"
	      "       heapguard-report [options] [--svg=OUT.svg] FILE.frag.gz\n"
	      "       heapguard-report [options] RUN_DIR | FILE...\n"
	      "       heapguard-report --html=OUT.html RUN_DIR | FILE...\n"
	      "       heapguard-report [options] diff OLD NEW\n"
	      "Print a heapguard leak report symbolized, or the sites that grew between two;\n"
	      "a fragmentation report, its verdict first; or a whole run (a run directory, or\n"
	      "several .proc, .leaks.gz and .frag.gz files), its sites merged over processes.\n"
	      "\n"
	      "  -j, --json             one JSON object instead of text\n"
	      "      --folded           flame-graph folded stacks weighted by bytes\n"
	      "      --sarif            SARIF 2.1.0 (a run, or a report read as one)\n"
	      "      --summary-line     one line: the run's processes, errors and lost bytes\n"
	      "      --gen-suppressions a leak:PATTERN line after each lost site; the text\n"
	      "                         becomes a suppressions file (the rest commented)\n"
	      "  -s, --suppress=FILE    drop sites matching FILE's leak:PATTERN lines "
	      "(repeatable;\n"
	      "                         also --suppressions=FILE)\n"
	      "      --show=KINDS       lost,indirect,reachable or all (default lost,indirect;\n"
	      "                         diff: lost)\n"
	      "      --no-symbols       print module+offset only\n"
	      "      --symbolizer=NAME  libdw or addr2line\n"
	      "      --no-demangle      print C++ names as linked\n"
	      "      --svg=OUT          fragmentation report: draw the heap map in OUT (- for\n"
	      "                         standard output, instead of the text)\n"
	      "      --html=OUT         one self-contained HTML page of the reports or the run\n"
	      "                         (verdict, errors, timeline, flame graphs, heap map)\n"
	      "  -h, --help             print this help\n"
	      "  -V, --version          print the version\n"
	      "\n"
	      "Exit status: 0 no lost bytes shown, 1 lost bytes or heap errors shown (diff:\n"
	      "some site grew or is new), 2 usage or input error (a run: nothing readable).\n"
	      "--summary-line: 0 when the run was read.  See heapguard-report(1) and "
	      "heapguard-report(5).\n",
	      out);
}

__attribute__((noreturn, format(printf, 1, 2))) static void hg_die(const char *fmt, ...)
{
	va_list ap;

	fputs("heapguard-report: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	putc('\n', stderr);
	exit(HG_EXIT_ERROR);
}

static unsigned hg_parse_show(const char *list)
{
	unsigned show = 0;
	const char *s = list;

	while (*s) {
		size_t n = strcspn(s, ",");

		int k;

		for (k = 0; k < HG_KINDS; k++)
			if (n == strlen(hg_leak_kind_name(k)) &&
			    strncmp(s, hg_leak_kind_name(k), n) == 0)
				break;
		if (k < HG_KINDS)
			show |= HG_SHOW(k);
		else if (n == 3 && strncmp(s, "all", 3) == 0)
			show |= HG_SHOW_ALL;
		else
			hg_die("--show: '%.*s' is not lost, indirect, reachable or all",
			       (int)(n > 40 ? 40 : n), s);
		s += n;
		if (*s == ',')
			s++;
	}
	if (!show)
		hg_die("--show needs a list of kinds");
	return show;
}

static void hg_set_format(struct hg_args *a, enum hg_format format)
{
	if (a->format != HG_FORMAT_TEXT && a->format != format)
		hg_die("--json, --folded, --sarif and --summary-line exclude each other");
	a->format = format;
}

static void hg_parse_args(int argc, char **argv, struct hg_args *a)
{
	char err[HG_LEAKS_ERROR_MAX];
	int c, operands;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":js:hV", hg_long_options, NULL)) != -1) {
		switch (c) {
		case 'j':
			hg_set_format(a, HG_FORMAT_JSON);
			break;
		case HG_OPT_FOLDED:
			hg_set_format(a, HG_FORMAT_FOLDED);
			break;
		case HG_OPT_SARIF:
			hg_set_format(a, HG_FORMAT_SARIF);
			break;
		case HG_OPT_SUMMARY_LINE:
			hg_set_format(a, HG_FORMAT_SUMMARY);
			break;
		case HG_OPT_GEN_SUPPRESSIONS:
			a->gen_supp = true;
			break;
		case 's':
			if (hg_supp_load(&a->supp, optarg, err, sizeof(err)) < 0)
				hg_die("%s", err);
			break;
		case HG_OPT_SHOW:
			a->show = hg_parse_show(optarg);
			break;
		case HG_OPT_NO_SYMBOLS:
			a->backend = HG_SYM_NONE;
			break;
		case HG_OPT_SYMBOLIZER:
			if (strcmp(optarg, "libdw") == 0)
				a->backend = HG_SYM_LIBDW;
			else if (strcmp(optarg, "addr2line") == 0)
				a->backend = HG_SYM_ADDR2LINE;
			else
				hg_die("--symbolizer: '%.40s' is neither libdw nor addr2line",
				       optarg);
			break;
		case HG_OPT_NO_DEMANGLE:
			a->demangle = false;
			break;
		case HG_OPT_SVG:
			if (!*optarg)
				hg_die("--svg needs a file name");
			a->svg = optarg;
			break;
		case HG_OPT_HTML:
			if (!*optarg)
				hg_die("--html needs a file name");
			a->html = optarg;
			break;
		case 'h':
			hg_usage(stdout);
			exit(fflush(stdout) == 0 ? HG_EXIT_CLEAN : HG_EXIT_ERROR);
		case 'V':
			printf("heapguard-report %s\n", PACKAGE_VERSION);
			exit(fflush(stdout) == 0 ? HG_EXIT_CLEAN : HG_EXIT_ERROR);
		case ':':
			hg_die("option '%.40s' needs a value (see --help)", argv[optind - 1]);
		default:
			hg_die("unknown option '%.40s' (see --help)", argv[optind - 1]);
		}
	}
	operands = argc - optind;
	if (a->html &&
	    (a->format != HG_FORMAT_TEXT || a->svg || a->gen_supp || a->show || a->supp.nrules))
		hg_die("--html writes the whole page: no --json, --folded, --sarif, "
		       "--summary-line, "
		       "--svg, --gen-suppressions, --show or --suppress with it");
	if (operands >= 1 && strcmp(argv[optind], "diff") == 0) {
		if (a->html)
			hg_die("--html draws reports or a run, not a diff");
		if (operands != 3)
			hg_die("diff needs two reports: diff OLD NEW (see --help)");
		if (a->format != HG_FORMAT_TEXT && a->format != HG_FORMAT_JSON)
			hg_die("diff prints text or --json only");
		if (a->svg)
			hg_die("--svg draws a fragmentation report, not a diff");
		a->diff = true;
		a->files = (const char *const *)argv + optind + 1;
		a->nfiles = 2;
		return;
	}
	if (operands == 0)
		hg_die("no report or run given (see --help)");
	a->files = (const char *const *)argv + optind;
	a->nfiles = (size_t)operands;
}

static void hg_load(const char *path, struct hg_leaks *report)
{
	char err[HG_LEAKS_ERROR_MAX];

	if (hg_leaks_load(path, report, err, sizeof(err)) < 0)
		hg_die("%s", err);
}

static void hg_build(struct hg_view *view, const struct hg_leaks *report, unsigned show,
		     struct hg_args *a, struct hg_symbolizer **sym)
{
	*sym = NULL;
	if (a->backend != HG_SYM_NONE && !(*sym = hg_sym_new(report, a->backend, a->demangle)))
		hg_die("out of memory");
	if (hg_view_build(view, report, show, &a->supp, *sym) < 0)
		hg_die("out of memory");
}

static void hg_flush_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		hg_die("write error on standard output");
}

static void hg_load_run(struct hg_args *a, struct hg_run *run, const char *const *files, size_t n,
			struct hg_suppressions *supp)
{
	struct hg_run_options opt = { a->show ? a->show : HG_SHOW_DEFAULT, a->backend, a->demangle,
				      supp };

	if (hg_run_load(run, files, n, &opt) < 0)
		exit(HG_EXIT_ERROR);
}

/* A run: text, JSON, SARIF or the summary line. */
static int hg_run_run(struct hg_args *a)
{
	struct hg_run run;
	int status = HG_EXIT_CLEAN;
	size_t i;

	if (a->svg)
		hg_die("--svg draws one fragmentation report, not a run");
	if (a->format == HG_FORMAT_FOLDED)
		hg_die("--folded draws one leak report, not a run");
	hg_load_run(a, &run, a->files, a->nfiles, a->supp.nrules ? &a->supp : NULL);
	if (a->format == HG_FORMAT_SUMMARY) {
		hg_run_print_summary(stdout, &run);
	} else if (a->format == HG_FORMAT_SARIF) {
		hg_run_print_sarif(stdout, &run);
	} else if (a->format == HG_FORMAT_JSON) {
		hg_run_print_json(stdout, &run, a->gen_supp);
	} else if (a->gen_supp) {
		char *buf;
		size_t size;
		FILE *mem = hg_gen_supp_begin(&buf, &size);

		if (!mem)
			hg_die("out of memory");
		hg_run_print_text(mem, &run, true);
		hg_gen_supp_end(stdout, mem, &buf);
	} else {
		hg_run_print_text(stdout, &run, false);
	}
	hg_flush_stdout();
	if (a->format != HG_FORMAT_SUMMARY) {
		if (run.errors_total)
			status = HG_EXIT_LEAKS;
		for (i = 0; i < run.nsites; i++)
			if (run.sites[i].shown && !run.sites[i].suppressed_by &&
			    run.sites[i].kind == HG_LOST)
				status = HG_EXIT_LEAKS;
	}
	hg_run_free(&run);
	return status;
}

static int hg_run_run_diff(struct hg_args *a)
{
	struct hg_run old, new;
	long count;

	hg_load_run(a, &old, a->files, 1, a->supp.nrules ? &a->supp : NULL);
	hg_load_run(a, &new, a->files + 1, 1, a->supp.nrules ? &a->supp : NULL);
	count = hg_run_print_diff(stdout, &old, &new, a->format == HG_FORMAT_JSON);
	hg_flush_stdout();
	hg_run_free(&old);
	hg_run_free(&new);
	return count > 0 ? HG_EXIT_LEAKS : HG_EXIT_CLEAN;
}

static int hg_run_diff(struct hg_args *a)
{
	struct hg_leaks old, new;
	struct hg_view vold, vnew;
	struct hg_symbolizer *sold, *snew;
	long grew;

	if (hg_run_wants(a->files[0]) || hg_run_wants(a->files[1]))
		return hg_run_run_diff(a);
	hg_load(a->files[0], &old);
	hg_load(a->files[1], &new);
	hg_build(&vold, &old, a->show ? a->show : HG_SHOW(HG_LOST), a, &sold);
	hg_build(&vnew, &new, a->show ? a->show : HG_SHOW(HG_LOST), a, &snew);
	grew = hg_print_diff(stdout, &vold, &vnew, a->format == HG_FORMAT_JSON);
	if (grew < 0)
		hg_die("out of memory");
	hg_flush_stdout();
	hg_view_free(&vold);
	hg_view_free(&vnew);
	hg_sym_free(sold);
	hg_sym_free(snew);
	hg_leaks_free(&old);
	hg_leaks_free(&new);
	return grew > 0 ? HG_EXIT_LEAKS : HG_EXIT_CLEAN;
}

/* A fragmentation report: text or JSON on standard output, and the SVG. */
static int hg_run_frag(struct hg_args *a)
{
	struct hg_frag frag;
	struct hg_symbolizer *sym = NULL;
	char err[HG_LEAKS_ERROR_MAX];
	bool svg_stdout = a->svg && strcmp(a->svg, "-") == 0;
	FILE *svg = NULL;

	if (a->format == HG_FORMAT_FOLDED || a->show || a->supp.nrules || a->gen_supp)
		hg_die("%s is a fragmentation report: --folded, --show, --suppress and "
		       "--gen-suppressions are for leak reports",
		       a->files[0]);
	if (hg_frag_load(a->files[0], &frag, err, sizeof(err)) < 0)
		hg_die("%s", err);
	if (frag.doubt)
		fprintf(stderr,
			"heapguard-report: warning: %s (the heap was damaged when the report was "
			"written?)\n",
			frag.doubt);
	if (a->backend != HG_SYM_NONE && !(sym = hg_sym_new(&frag.run, a->backend, a->demangle)))
		hg_die("out of memory");
	hg_frag_symbolize(&frag, sym);
	if (a->svg && !svg_stdout) {
		svg = fopen(a->svg, "w");
		if (!svg)
			hg_die("%s: %s", a->svg, strerror(errno));
		hg_frag_print_svg(svg, &frag, sym);
		if (fclose(svg) != 0)
			hg_die("%s: write error: %s", a->svg, strerror(errno));
	}
	if (svg_stdout)
		hg_frag_print_svg(stdout, &frag, sym);
	else if (a->format == HG_FORMAT_JSON)
		hg_frag_print_json(stdout, &frag, sym);
	else
		hg_frag_print_text(stdout, &frag, sym);
	hg_flush_stdout();
	hg_sym_free(sym);
	hg_frag_free(&frag);
	return HG_EXIT_CLEAN;
}

static int hg_run_report(struct hg_args *a)
{
	struct hg_leaks report;
	struct hg_view view;
	struct hg_symbolizer *sym;
	int status;

	if (a->html)
		return hg_html_write(a->html, a->files, a->nfiles, a->backend, a->demangle);
	if (a->nfiles > 1 || hg_run_wants(a->files[0]) || a->format == HG_FORMAT_SARIF ||
	    a->format == HG_FORMAT_SUMMARY)
		return hg_run_run(a);
	if (hg_frag_sniff(a->files[0]))
		return hg_run_frag(a);
	hg_load(a->files[0], &report);
	if (a->svg)
		hg_die("--svg draws fragmentation reports; %s is a leak report", a->files[0]);
	hg_build(&view, &report, a->show ? a->show : HG_SHOW_DEFAULT, a, &sym);
	view.gen_supp = a->gen_supp;
	if (a->format == HG_FORMAT_JSON) {
		hg_print_json(stdout, &view);
	} else if (a->format == HG_FORMAT_FOLDED) {
		hg_print_folded(stdout, &view);
	} else if (a->gen_supp) {
		char *buf;
		size_t size;
		FILE *mem = hg_gen_supp_begin(&buf, &size);

		if (!mem)
			hg_die("out of memory");
		hg_print_text(mem, &view);
		hg_gen_supp_end(stdout, mem, &buf);
	} else {
		hg_print_text(stdout, &view);
	}
	hg_flush_stdout();
	status = view.shown[HG_LOST].bytes > 0 || report.errors_total ? HG_EXIT_LEAKS
								      : HG_EXIT_CLEAN;
	hg_view_free(&view);
	hg_sym_free(sym);
	hg_leaks_free(&report);
	return status;
}

int main(int argc, char **argv)
{
	struct hg_args a = { .backend = hg_sym_default_backend(), .demangle = true };
	int status;

	hg_parse_args(argc, argv, &a);
	status = a.diff ? hg_run_diff(&a) : hg_run_report(&a);
	hg_supp_free(&a.supp);
	return status;
}
