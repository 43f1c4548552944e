/* SPDX-License-Identifier: MIT */
/* A run's files read into processes (run.h): a directory's records and
 * reports (hidden names are files being written: skipped), or the files
 * given.  A record names its reports; a leak report no record names (one
 * written outside a run) is a process of its own.  A file that cannot be
 * read costs one warning and is skipped; the run fails only when nothing
 * could be read. */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../format/frag.h"
#include "../format/process.h"
#include "frag_report.h"
#include "output.h"
#include "run.h"

/* Defined in run_merge.c. */
int hg_run_merge(struct hg_run *run, const struct hg_run_options *opt);

enum hg_file_kind {
	HG_FILE_RECORD,
	HG_FILE_LEAKS,
	HG_FILE_FRAG,
	HG_FILE_OTHER,
};

struct hg_file_list {
	char **paths;
	unsigned char *kinds; /* enum hg_file_kind */
	size_t n, cap;
};

const char *hg_run_base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path ? path : "";
}

static bool hg_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

bool hg_run_wants(const char *path)
{
	struct stat st;

	return hg_ends_with(path, HG_PROCESS_SUFFIX) ||
	       (stat(path, &st) == 0 && S_ISDIR(st.st_mode));
}

/* NAME.checkpointN.leaks.gz: a checkpoint's report, not the process's. */
static bool hg_is_checkpoint(const char *name)
{
	static const char word[] = ".checkpoint";
	size_t n = strlen(name), m = strlen(HG_LEAKS_SUFFIX), i;

	if (n <= m)
		return false;
	i = n - m;
	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	return i < n - m && i >= sizeof(word) - 1 &&
	       strncmp(name + i - (sizeof(word) - 1), word, sizeof(word) - 1) == 0;
}

static enum hg_file_kind hg_kind_of_name(const char *name)
{
	if (hg_ends_with(name, HG_PROCESS_SUFFIX))
		return HG_FILE_RECORD;
	/* A run is read as it ended: its checkpoints' reports are read one
	 * at a time. */
	if (hg_ends_with(name, HG_LEAKS_SUFFIX) && hg_is_checkpoint(name))
		return HG_FILE_OTHER;
	if (hg_ends_with(name, HG_LEAKS_SUFFIX))
		return HG_FILE_LEAKS;
	if (hg_ends_with(name, HG_FRAG_SUFFIX))
		return HG_FILE_FRAG;
	return HG_FILE_OTHER;
}

static int hg_list_add(struct hg_file_list *l, char *path, enum hg_file_kind kind)
{
	if (!path)
		return -1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		char **paths = realloc(l->paths, cap * sizeof(*paths));
		unsigned char *kinds;

		if (!paths)
			goto fail;
		l->paths = paths;
		kinds = realloc(l->kinds, cap);
		if (!kinds)
			goto fail;
		l->kinds = kinds;
		l->cap = cap;
	}
	l->paths[l->n] = path;
	l->kinds[l->n++] = (unsigned char)kind;
	return 0;
fail:
	free(path);
	return -1;
}

static int hg_by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The records and reports of a directory, by name. */
static int hg_list_dir(struct hg_file_list *l, const char *dir, struct hg_run *run)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "heapguard-report: warning: %s: %s (skipped)\n", dir,
			strerror(errno));
		run->damaged++;
		return 0;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || hg_kind_of_name(e->d_name) == HG_FILE_OTHER)
			continue;
		if (n == cap) {
			char **grown = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*grown));

			if (!grown) {
				rc = -1;
				break;
			}
			names = grown;
		}
		if (!(names[n] = strdup(e->d_name))) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 0) /* names is NULL for an empty directory */
		qsort(names, n, sizeof(*names), hg_by_name);
	for (i = 0; i < n; i++) {
		char *path = NULL;
		bool slash = *dir && dir[strlen(dir) - 1] == '/';

		if (rc == 0 && asprintf(&path, "%s%s%s", dir, slash ? "" : "/", names[i]) < 0)
			path = NULL, rc = -1;
		if (rc == 0 && hg_list_add(l, path, hg_kind_of_name(names[i])) < 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

static int hg_list_operands(struct hg_file_list *l, const char *const *operands, size_t n,
			    struct hg_run *run)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *path = operands[i];
		struct stat st;
		enum hg_file_kind kind;

		if (stat(path, &st) < 0) {
			/* The one run asked for is not there: an input error. */
			if (n == 1) {
				fprintf(stderr, "heapguard-report: %s: %s\n", path,
					strerror(errno));
				return -2;
			}
			fprintf(stderr, "heapguard-report: warning: %s: %s (skipped)\n", path,
				strerror(errno));
			run->damaged++;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (hg_list_dir(l, path, run) < 0)
				return -1;
			continue;
		}
		kind = hg_kind_of_name(path);
		if (kind == HG_FILE_OTHER)
			kind = hg_frag_sniff(path) ? HG_FILE_FRAG : HG_FILE_LEAKS;
		if (hg_list_add(l, strdup(path), kind) < 0)
			return -1;
	}
	return 0;
}

static void hg_warn_skipped(struct hg_run *run, const char *err)
{
	fputs("heapguard-report: warning: ", stderr);
	hg_put_text(stderr, err);
	fputs(" (file skipped)\n", stderr);
	run->damaged++;
}

/* One damaged record of a .proc file (a journal's others are read). */
static void hg_warn_record(void *ctx, const char *err)
{
	struct hg_run *run = ctx;

	fputs("heapguard-report: warning: ", stderr);
	hg_put_text(stderr, err);
	fputs(" (record skipped)\n", stderr);
	run->damaged++;
}

/* The real path of a file, to match a record's report names: malloc'd or NULL. */
static char *hg_real(const char *path)
{
	return realpath(path, NULL);
}

static char *hg_sibling(const char *record, const char *name)
{
	const char *slash = strrchr(record, '/');
	char *path = NULL, *real;

	if (asprintf(&path, "%.*s%s", slash ? (int)(slash - record + 1) : 0, record, name) < 0)
		return NULL;
	real = hg_real(path);
	free(path);
	return real;
}

static void hg_process_from_report(struct hg_run_process *p, struct hg_leaks *r)
{
	p->leaks = r;
	p->program = r->program;
	p->pid = r->pid;
	p->fast = r->fast;
	p->errors = r->errors_total;
	p->lost = r->totals[HG_LOST];
	p->indirect = r->totals[HG_INDIRECT];
	/* The suppressed sites of a report without its record: off lost first. */
	{
		struct hg_leak_amount s = r->suppressed;
		uint64_t b = s.bytes < p->lost.bytes ? s.bytes : p->lost.bytes;
		uint64_t k = s.blocks < p->lost.blocks ? s.blocks : p->lost.blocks;

		p->lost.bytes -= b, p->lost.blocks -= k, s.bytes -= b, s.blocks -= k;
		p->indirect.bytes -= s.bytes < p->indirect.bytes ? s.bytes : p->indirect.bytes;
		p->indirect.blocks -= s.blocks < p->indirect.blocks ? s.blocks : p->indirect.blocks;
	}
}

static void hg_process_from_record(struct hg_run_process *p, struct hg_proc *rec)
{
	p->record = rec;
	p->program = rec->program;
	p->pid = rec->pid;
	p->fast = rec->fast;
	p->errors = rec->errors;
	p->lost = rec->lost;
	p->indirect = rec->indirect;
}

/* One process per record, with its leak report when read; one per report
 * left over. */
static int hg_run_processes(struct hg_run *run, char **report_real)
{
	bool *claimed = calloc(run->nreports + 1, sizeof(*claimed));
	size_t i, j;

	run->processes = calloc(run->records.n + run->nreports + 1, sizeof(*run->processes));
	if (!claimed || !run->processes) {
		free(claimed);
		return -1;
	}
	for (i = 0; i < run->records.n; i++) {
		struct hg_run_process *p = &run->processes[run->nprocesses++];
		struct hg_proc *rec = &run->records.procs[i];
		char *real = rec->report_leaks ? hg_sibling(rec->path, rec->report_leaks) : NULL;

		hg_process_from_record(p, rec);
		for (j = 0; real && j < run->nreports; j++)
			if (!claimed[j] && report_real[j] && strcmp(real, report_real[j]) == 0) {
				claimed[j] = true;
				p->leaks = &run->reports[j];
				break;
			}
		free(real);
	}
	for (j = 0; j < run->nreports; j++)
		if (!claimed[j])
			hg_process_from_report(&run->processes[run->nprocesses++],
					       &run->reports[j]);
	free(claimed);
	return 0;
}

static void hg_run_sums(struct hg_run *run)
{
	size_t i;

	for (i = 0; i < run->nprocesses; i++) {
		const struct hg_run_process *p = &run->processes[i];
		bool lost =
			p->lost.bytes || p->lost.blocks || p->indirect.bytes || p->indirect.blocks;

		run->errors_total += p->errors;
		run->error_processes += p->errors > 0;
		run->lost_processes += lost;
		run->clean += !lost && !p->errors;
		run->lost.bytes += p->lost.bytes;
		run->lost.blocks += p->lost.blocks;
		run->indirect.bytes += p->indirect.bytes;
		run->indirect.blocks += p->indirect.blocks;
	}
}

static int hg_run_read(struct hg_run *run, const struct hg_file_list *l, char **report_real)
{
	char err[HG_LEAKS_ERROR_MAX];
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->kinds[i] == HG_FILE_RECORD) {
			if (hg_proc_load_all(l->paths[i], &run->records, hg_warn_record, run, err,
					     sizeof(err)) < 0)
				hg_warn_skipped(run, err);
		} else if (l->kinds[i] == HG_FILE_LEAKS) {
			if (hg_leaks_load(l->paths[i], &run->reports[run->nreports], err,
					  sizeof(err)) < 0) {
				hg_warn_skipped(run, err);
				continue;
			}
			report_real[run->nreports++] = hg_real(l->paths[i]);
		} else if (l->kinds[i] == HG_FILE_FRAG) {
			char *path = strdup(l->paths[i]);

			if (!path)
				return -1;
			run->frag_paths[run->frag_reports++] = path;
		}
	}
	return 0;
}

int hg_run_load(struct hg_run *run, const char *const *operands, size_t n,
		const struct hg_run_options *opt)
{
	struct hg_file_list l = { NULL, NULL, 0, 0 };
	char **report_real = NULL;
	int rc = -1;
	size_t i;

	memset(run, 0, sizeof(*run));
	run->operands = operands;
	run->noperands = n;
	run->show = opt->show;
	run->supp = opt->supp;
	switch (hg_list_operands(&l, operands, n, run)) {
	case -2: /* said why */
		goto out;
	case -1:
		goto oom;
	}
	run->reports = calloc(l.n + 1, sizeof(*run->reports));
	report_real = calloc(l.n + 1, sizeof(*report_real));
	run->frag_paths = calloc(l.n + 1, sizeof(*run->frag_paths));
	if (!run->reports || !report_real || !run->frag_paths)
		goto oom;
	if (hg_run_read(run, &l, report_real) < 0)
		goto oom;
	if (run->records.n == 0 && run->nreports == 0) {
		if (n == 1)
			fprintf(stderr,
				"heapguard-report: %s: no process record or leak report could be "
				"read\n",
				operands[0]);
		else
			fputs("heapguard-report: none of the files given is a readable process "
			      "record or leak report\n",
			      stderr);
		goto out;
	}
	if (hg_run_processes(run, report_real) < 0)
		goto oom;
	hg_run_sums(run);
	if (hg_run_merge(run, opt) < 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	fputs("heapguard-report: out of memory\n", stderr);
out:
	for (i = 0; i < l.n; i++)
		free(l.paths[i]);
	free(l.paths);
	free(l.kinds);
	for (i = 0; report_real && i < run->nreports; i++)
		free(report_real[i]);
	free(report_real);
	if (rc < 0)
		hg_run_free(run);
	return rc;
}

void hg_run_free(struct hg_run *run)
{
	size_t i;

	hg_sym_free(run->sym);
	for (i = 0; i < run->nerrors; i++)
		free(run->errors[i].where);
	free(run->errors);
	for (i = 0; i < run->nsites; i++) {
		free(run->sites[i].processes);
		free(run->sites[i].key);
		free(run->sites[i].fingerprint);
	}
	free(run->sites);
	hg_leaks_free(&run->table);
	hg_proc_list_free(&run->records);
	for (i = 0; i < run->nreports; i++)
		hg_leaks_free(&run->reports[i]);
	free(run->reports);
	for (i = 0; i < run->frag_reports; i++)
		free(run->frag_paths[i]);
	free(run->frag_paths);
	free(run->processes);
	memset(run, 0, sizeof(*run));
}
