/* SPDX-License-Identifier: MIT */
/* A run's names and the process record; see runfile.h.  The record is
 * built in a static buffer and appended to the run's journal in one write;
 * under a file size limit it goes to a file of its own instead, written to
 * a hidden temporary name and linked to its final one, which fails rather
 * than replace a file.  Either way pid reuse never loses a record. */
#define _GNU_SOURCE
#include "runfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/compiler.h"
#include "../base/fmt.h"
#include "../base/options.h"
#include "../base/os.h"
#include "../base/path.h"
#include "../format/common.h"
#include "../format/process.h"
#include "gzfile.h"
#include "reportfile.h"
#include "scan.h"

#define HG_RECORD_ARGS	  32   /* arg lines at most */
#define HG_RECORD_ARG_MAX 1024 /* bytes of one arg at most */

static char run_dir[HG_REPORT_PATH]; /* absolute when hg_run_start could make it so */
HG_FORK_STATE static char uniq[17];		     /* "" until this process picks one */
HG_FORK_STATE static unsigned fork_generation;

bool hg_run_active(void)
{
	return hg_config.options.run_dir[0] != '\0' && !hg_config.skipped;
}

void hg_run_start(void)
{
	const char *dir = hg_config.options.run_dir;
	if (dir[0] == '\0' || run_dir[0] != '\0')
		return;
	char cwd[HG_REPORT_PATH];
	if (dir[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
		hg_fmt(run_dir, sizeof(run_dir), "%s/%s", cwd, dir);
	else
		hg_fmt(run_dir, sizeof(run_dir), "%s", dir);
}

HG_FORK_CODE void hg_run_fork_child(void)
{
	uniq[0] = '\0';
	fork_generation++;
}

static void pick_uniq(void)
{
	uint64_t r;
	if (!hg_os_random(&r, sizeof(r))) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		r = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		r ^= (uint64_t)getpid() << 32 ^ (uint64_t)gettid() << 16;
		/* splitmix64's finaliser spreads the few bits that differ */
		r = (r ^ r >> 30) * 0xbf58476d1ce4e5b9ull;
		r = (r ^ r >> 27) * 0x94d049bb133111ebull;
		r ^= r >> 31;
	}
	hg_fmt(uniq, sizeof(uniq), "%016lx", (unsigned long)r);
}

/* The program's path, read once: a fork child runs the same (exec starts
 * this library afresh). */
static const char *program_path(void)
{
	static char exe[HG_REPORT_PATH];
	if (exe[0] == '\0')
		hg_path_exe(exe, sizeof(exe));
	return exe;
}

/* mkdir -p, mode 0700 for what it creates. */
static int make_dirs(const char *dir)
{
	struct stat made;
	int saved_errno = errno;
	if (stat(dir, &made) == 0 && S_ISDIR(made.st_mode))
		return 0; /* the common case: one call, not one per component */
	errno = saved_errno;
	char path[HG_REPORT_PATH];
	size_t n = hg_fmt(path, sizeof(path), "%s", dir);
	int saved = errno, err = 0;
	for (size_t i = 1; i <= n && err == 0; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char c = path[i];
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			err = errno;
		path[i] = c;
	}
	struct stat st;
	if (stat(dir, &st) != 0)
		err = err ? err : errno;
	else if (!S_ISDIR(st.st_mode))
		err = ENOTDIR;
	else
		err = 0;
	errno = saved;
	return err;
}

int hg_run_prefix(char *out, size_t len)
{
	if (uniq[0] == '\0')
		pick_uniq();
	hg_run_start();
	int err = make_dirs(run_dir);
	if (err != 0)
		return err;
	const char *exe = program_path();
	char prog[256];
	size_t n = 0;
	for (const char *c = hg_path_base(exe); *c != '\0' && n + 1 < sizeof(prog); c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '+' || *c == '-';
		prog[n++] = ok ? *c : '_';
	}
	prog[n] = '\0';
	size_t used = hg_fmt(out, len, "%s/%s.%d.%s", run_dir, n ? prog : "unknown", (int)getpid(),
			     uniq);
	return used + 1 >= len ? ENAMETOOLONG : 0;
}

/* ---- the record ---- */

struct text {
	char *buf;
	size_t len, used;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (n > t->len - t->used)
		n = t->len - t->used;
	memcpy(t->buf + t->used, s, n);
	t->used += n;
}

static void putf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct text *t, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	size_t n = hg_vfmt(line, sizeof(line), fmt, ap);
	va_end(ap);
	put(t, line, n);
}

static void put_escaped(struct text *t, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[4] = { '\\', hg_fmt_escape(c), hex[c >> 4], hex[c & 15] };
		if (esc[1] == 0)
			put(t, s + i, 1);
		else
			put(t, esc, esc[1] == 'x' ? 4 : 2);
	}
}

static void put_args(struct text *t)
{
	size_t len, map_len;
	char *args = hg_scan_read_file("/proc/self/cmdline", &len, &map_len);
	if (args == NULL)
		return;
	unsigned i = 0;
	for (size_t pos = 0; pos < len && i < HG_RECORD_ARGS; i++) {
		size_t n = strnlen(args + pos, len - pos);
		putf(t, HG_PROCESS_ARG " %u ", i);
		put_escaped(t, args + pos, n < HG_RECORD_ARG_MAX ? n : HG_RECORD_ARG_MAX);
		put(t, "\n", 1);
		pos += n + 1;
	}
	hg_scan_unmap(args, map_len);
}

static void put_number_or_unknown(struct text *t, const char *key, int v)
{
	if (v < 0)
		putf(t, "%s " HG_FMT_STATUS_UNKNOWN "\n", key);
	else
		putf(t, "%s %u\n", key, (unsigned)v & 0xff);
}

static void put_report(struct text *t, const char *kind, const char *path)
{
	if (path == NULL || path[0] == '\0')
		return;
	putf(t, HG_PROCESS_REPORT " %s ", kind);
	const char *name = hg_path_base(path);
	put_escaped(t, name, strlen(name));
	put(t, "\n", 1);
}

static size_t build(char *buf, size_t len, const struct hg_run_outcome *o)
{
	const char *exe = program_path();
	struct text t = { buf, len, 0 };
	putf(&t, HG_PROCESS_MAGIC " %d\n", HG_PROCESS_FORMAT_VERSION);
	putf(&t, HG_FMT_VERSION " %s\n", PACKAGE_VERSION);
	put(&t, HG_PROCESS_PROGRAM " ", sizeof(HG_PROCESS_PROGRAM));
	put_escaped(&t, exe, strlen(exe));
	put(&t, "\n", 1);
	put_args(&t);
	putf(&t, HG_PROCESS_PID " %d\n" HG_PROCESS_PPID " %d\n" HG_PROCESS_FORK " %u\n",
	     (int)getpid(), (int)getppid(), fork_generation);
	char when[64];
	hg_reportfile_time(when, sizeof(when), time(NULL));
	putf(&t, HG_PROCESS_TIME " %s\n", when);
	putf(&t, HG_PROCESS_LEVEL " %s\n",
	     hg_fmt_level_name(hg_config.options.level == HG_LEVEL_FULL ? HG_FMT_LEVEL_FULL
									 : HG_FMT_LEVEL_FAST));
	put_number_or_unknown(&t, HG_PROCESS_STATUS, o->status);
	put_number_or_unknown(&t, HG_PROCESS_EXITCODE, o->exitcode);
	putf(&t, HG_PROCESS_ERRORS " %lu\n", o->errors);
	putf(&t, HG_PROCESS_LOST " %lu %lu\n", (unsigned long)o->lost[0], (unsigned long)o->lost[1]);
	putf(&t, HG_PROCESS_INDIRECT " %lu %lu\n", (unsigned long)o->indirect[0],
	     (unsigned long)o->indirect[1]);
	putf(&t, HG_PROCESS_SUPPRESSED " %lu %lu\n", (unsigned long)o->suppressed[0],
	     (unsigned long)o->suppressed[1]);
	putf(&t, HG_PROCESS_SCANNED " %d\n", o->scanned ? 1 : 0);
	put_report(&t, "leaks", o->leaks_report);
	put_report(&t, "frag", o->frag_report);
	put(&t, HG_PROCESS_END "\n", sizeof(HG_PROCESS_END));
	return t.used;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Its own file, PREFIX.proc: a hidden temporary name linked to the final
 * one, never over another file. */
static int write_own_file(const char *record, size_t len, char *final, size_t final_len)
{
	static char prefix[HG_REPORT_PATH], tmp[HG_REPORT_PATH + 32];
	int err = hg_run_prefix(prefix, sizeof(prefix));
	hg_fmt(final, final_len, "%s", run_dir);
	if (err != 0)
		return err;
	hg_fmt(final, final_len, "%s" HG_PROCESS_SUFFIX, prefix);
	const char *base = hg_path_base(prefix);
	size_t dir = (size_t)(base - prefix); /* hg_fmt has no precision */
	memcpy(tmp, prefix, dir);
	hg_fmt(tmp + dir, sizeof(tmp) - dir, ".%s" HG_PROCESS_SUFFIX ".tmp", base);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	err = write_all(fd, record, len);
	if (close(fd) != 0 && err == 0)
		err = errno;
	if (err == 0)
		err = hg_gz_place(tmp, final);
	if (err != 0)
		unlink(tmp);
	return err;
}

/* The run's journal, RUN_DIR/processes.proc: the record in one write with
 * O_APPEND, which the kernel does not interleave with another process's
 * on a local file system.  A file of its own per process costs an inode:
 * 30 to 50 us on ext4, 400 us after a large directory was deleted (no
 * journal), against 4 us for the append.  The newline in front ends a
 * record cut short before it (a writer killed mid-write), so that this
 * one still starts a line. */
static int append_to_journal(const char *record, size_t len, char *path, size_t path_len)
{
	hg_run_start();
	int err = make_dirs(run_dir);
	hg_fmt(path, path_len, "%s/" HG_PROCESS_JOURNAL, run_dir);
	if (err != 0)
		return err;
	/* O_NONBLOCK: a FIFO planted at the name must not hang the exit. */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		      0600);
	if (fd < 0)
		return errno;
	ssize_t n;
	do
		n = write(fd, record, len);
	while (n < 0 && errno == EINTR);
	err = n < 0 ? errno : (size_t)n < len ? EIO : 0;
	if (close(fd) != 0 && err == 0)
		err = errno;
	return err;
}

void hg_run_write_record(const struct hg_run_outcome *o)
{
	static char record[1 + HG_RECORD_ARGS * (4 * HG_RECORD_ARG_MAX + 16) + 3 * HG_REPORT_PATH];
	static char name[HG_REPORT_PATH + 32];
	int saved = errno;
	record[0] = '\n';
	size_t len = 1 + build(record + 1, sizeof(record) - 1, o);
	/* A journal that grows past RLIMIT_FSIZE would raise SIGXFSZ, and
	 * its size is every process's doing: under a file size limit each
	 * record takes a file of its own (a few hundred bytes). */
	struct rlimit fsize;
	bool limited = getrlimit(RLIMIT_FSIZE, &fsize) == 0 && fsize.rlim_cur != RLIM_INFINITY;
	int err = limited ? write_own_file(record + 1, len - 1, name, sizeof(name))
			  : append_to_journal(record, len, name, sizeof(name));
	if (err != 0)
		hg_fmt_fd(2, "heapguard: cannot write the process record to %s: %s\n", name,
			  strerrordesc_np(err) ? strerrordesc_np(err) : "error");
	errno = saved;
}
