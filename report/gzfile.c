/* SPDX-License-Identifier: MIT */
/* The gzip report writer; see gzfile.h.  It runs at exit inside the
 * allocator, so zlib gets its memory from mmap and text is formatted with
 * hg_fmt: nothing here may reach malloc. */
#define _GNU_SOURCE
#include "gzfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../base/fmt.h"
#include "../base/os.h"
#include "../format/common.h"

#define HG_GZ_IN	 65536 /* text gathered before deflate */
#define HG_GZ_OUT	 65536 /* compressed bytes per write */
#define HG_GZ_STORED	 16384 /* a whole report shorter than this is not compressed */
#define HG_GZ_PATH	 4096
#define HG_GZ_NUMBER_MAX 999999 /* .1 ... .999999, then give up */
/* deflate's state, window, hash chains and pending buffer at windowBits 15
 * and memLevel 8 (zlib 1.2.13 asks for 5 blocks, 262 KiB in all). */
#define HG_GZ_ZLIB	 (272 << 10)

struct hg_gzfile {
	z_stream z;
	int fd;
	int error; /* first errno seen, 0 if none */
	uint64_t written, max_size; /* bytes in the file; RLIMIT_FSIZE or UINT64_MAX */
	size_t in_len;
	size_t zlib_used;
	bool started; /* deflateInit2 done */
	/* The fields above start zeroed; those below are written before read. */
	char tmp[HG_GZ_PATH]; /* the temporary file's path */
	char base[HG_GZ_PATH];
	char suffix[64];
	unsigned char in[HG_GZ_IN];
	unsigned char out[HG_GZ_OUT];
	_Alignas(64) unsigned char zlib[HG_GZ_ZLIB];
};

/* The mapping of the last report written, kept for the next: a process
 * that writes two reports at exit faulted in the pages of a second mapping
 * (the text's, deflate's, the paths': eight for a short process's report)
 * and mapped and unmapped it.  Taken and given back by exchange (a
 * crash's report may interrupt another). */
static struct hg_gzfile *spare;

static struct hg_gzfile *gz_take(void)
{
	struct hg_gzfile *gz = __atomic_exchange_n(&spare, NULL, __ATOMIC_ACQ_REL);
	if (gz == NULL)
		return hg_os_map(sizeof(*gz), false);
	memset(gz, 0, offsetof(struct hg_gzfile, tmp));
	return gz;
}

static void gz_give_back(struct hg_gzfile *gz)
{
	struct hg_gzfile *none = NULL;
	if (!__atomic_compare_exchange_n(&spare, &none, gz, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		hg_os_unmap(gz, sizeof(*gz));
}

unsigned hg_gz_memory(uintptr_t lo[HG_GZ_RANGES], uintptr_t hi[HG_GZ_RANGES])
{
	const struct hg_gzfile *gz = __atomic_load_n(&spare, __ATOMIC_ACQUIRE);
	if (gz == NULL)
		return 0;
	lo[0] = (uintptr_t)gz;
	hi[0] = (uintptr_t)(gz + 1);
	return 1;
}

/* zlib's allocator: from the file's own mapping, which goes with it (a
 * report costs one mapping, not six: a short process writes two); past
 * its room, whole mappings with the length in front. */
static voidpf gz_alloc(voidpf opaque, uInt items, uInt size)
{
	struct hg_gzfile *gz = opaque;
	size_t len = ((size_t)items * size + 63) & ~(size_t)63;
	if (len <= HG_GZ_ZLIB - gz->zlib_used) {
		void *p = gz->zlib + gz->zlib_used;
		gz->zlib_used += len;
		return p;
	}
	char *p = hg_os_map(len + 16, false);
	if (p == NULL)
		return Z_NULL;
	*(size_t *)p = len + 16;
	return p + 16;
}

static void gz_free(voidpf opaque, voidpf address)
{
	struct hg_gzfile *gz = opaque;
	unsigned char *a = address;
	if (a >= gz->zlib && a < gz->zlib + HG_GZ_ZLIB)
		return;
	char *p = (char *)address - 16;
	hg_os_unmap(p, *(size_t *)p);
}

static void gz_fail(struct hg_gzfile *gz, int err)
{
	if (gz->error == 0)
		gz->error = err;
}

/* Writing past RLIMIT_FSIZE would raise SIGXFSZ, which kills the process
 * unless it ignores it: the report must not change how the program ends,
 * so such a write fails here, as it would with SIGXFSZ ignored. */
static void gz_write_out(struct hg_gzfile *gz, const unsigned char *p, size_t n)
{
	if (n > gz->max_size - gz->written) {
		gz_fail(gz, EFBIG);
		return;
	}
	gz->written += n;
	while (n > 0 && gz->error == 0) {
		ssize_t w = write(gz->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			gz_fail(gz, w < 0 ? errno : EIO);
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* deflate starts at the first push.  A report that ends within the first
 * HG_GZ_IN bytes (most processes' two) is sized by its text: under
 * HG_GZ_STORED bytes it is stored, not compressed, in its gzip container
 * (compressing a 3 KiB report cost a fresh process some 50 us, for 2 KiB
 * saved); larger, it gets a window and a hash table the size of its text
 * rather than 32 KiB and 64 Ki entries (deflate clears its whole hash
 * table, 16 pages at memLevel 8).  On a text shorter than the window,
 * matches are as good. */
static bool gz_start(struct hg_gzfile *gz, int flush)
{
	int level = 6, window_bits = 15, mem_level = 8;
	if (flush == Z_FINISH) {
		window_bits = 10; /* zlib's least for a gzip wrapper is 9 */
		while (window_bits < 15 && (size_t)1 << window_bits < gz->in_len)
			window_bits++;
		mem_level = window_bits - 7; /* hash entries: one per window byte */
		if (gz->in_len < HG_GZ_STORED)
			level = 0;
	}
	gz->z.zalloc = gz_alloc;
	gz->z.zfree = gz_free;
	gz->z.opaque = gz;
	/* + 16: a gzip wrapper rather than zlib's own. */
	if (deflateInit2(&gz->z, level, Z_DEFLATED, window_bits + 16, mem_level,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		gz_fail(gz, ENOMEM);
		return false;
	}
	gz->started = true;
	return true;
}

/* Push the gathered text through deflate; flush = Z_FINISH at the end. */
static void gz_deflate(struct hg_gzfile *gz, int flush)
{
	if (!gz->started && (gz->error != 0 || !gz_start(gz, flush))) {
		gz->in_len = 0;
		return;
	}
	gz->z.next_in = gz->in;
	gz->z.avail_in = (uInt)gz->in_len;
	do {
		gz->z.next_out = gz->out;
		gz->z.avail_out = HG_GZ_OUT;
		int rc = deflate(&gz->z, flush);
		if (rc == Z_STREAM_ERROR || (rc == Z_BUF_ERROR && flush != Z_FINISH)) {
			gz_fail(gz, EIO);
			break;
		}
		gz_write_out(gz, gz->out, HG_GZ_OUT - gz->z.avail_out);
		if (rc == Z_STREAM_END)
			break;
	} while (gz->z.avail_out == 0 || (flush == Z_FINISH && gz->error == 0));
	gz->in_len = 0;
}

void hg_gz_write(struct hg_gzfile *gz, const char *s, size_t len)
{
	while (len > 0 && gz->error == 0) {
		size_t room = HG_GZ_IN - gz->in_len;
		size_t n = len < room ? len : room;
		memcpy(gz->in + gz->in_len, s, n);
		gz->in_len += n;
		s += n;
		len -= n;
		if (gz->in_len == HG_GZ_IN)
			gz_deflate(gz, Z_NO_FLUSH);
	}
}

void hg_gz_puts(struct hg_gzfile *gz, const char *s)
{
	hg_gz_write(gz, s, strlen(s));
}

void hg_gz_printf(struct hg_gzfile *gz, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	size_t n = hg_vfmt(line, sizeof(line), fmt, ap);
	va_end(ap);
	hg_gz_write(gz, line, n);
}

void hg_gz_escaped(struct hg_gzfile *gz, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0; /* bytes copied as they are, written in one go */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[4] = { '\\', hg_fmt_escape(c), hex[c >> 4], hex[c & 15] };
		if (esc[1] == 0)
			continue;
		hg_gz_write(gz, s + run, i - run);
		hg_gz_write(gz, esc, esc[1] == 'x' ? 4 : 2);
		run = i + 1;
	}
	hg_gz_write(gz, s + run, len - run);
}

/* A hidden name in the same directory nobody else will pick: pid, a
 * counter and the cycle counter. */
static void tmp_name(struct hg_gzfile *gz, unsigned attempt)
{
	uint64_t r = __builtin_ia32_rdtsc() ^ ((uint64_t)getpid() << 32) ^
		     attempt * 0x9e3779b97f4a7c15ull;
	const char *slash = strrchr(gz->base, '/');
	size_t dir = slash != NULL ? (size_t)(slash + 1 - gz->base) : 0;
	memcpy(gz->tmp, gz->base, dir); /* hg_fmt has no precision */
	hg_fmt(gz->tmp + dir, sizeof(gz->tmp) - dir, ".%s%s.tmp.%06lx", gz->base + dir, gz->suffix,
	       (unsigned long)(r & 0xffffff));
}

struct hg_gzfile *hg_gz_create(const char *base, const char *suffix, int *err)
{
	if (strlen(base) + strlen(suffix) + 32 >= HG_GZ_PATH || strlen(suffix) >= 64) {
		*err = ENAMETOOLONG;
		return NULL;
	}
	struct hg_gzfile *gz = gz_take();
	if (gz == NULL) {
		*err = ENOMEM;
		return NULL;
	}
	hg_fmt(gz->base, sizeof(gz->base), "%s", base);
	hg_fmt(gz->suffix, sizeof(gz->suffix), "%s", suffix);
	gz->fd = -1;
	for (unsigned attempt = 0; attempt < 100 && gz->fd < 0; attempt++) {
		tmp_name(gz, attempt);
		gz->fd = open(gz->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (gz->fd < 0 && errno != EEXIST)
			break;
	}
	if (gz->fd < 0) {
		*err = errno;
		gz_give_back(gz);
		return NULL;
	}
	struct rlimit fsize;
	gz->max_size = UINT64_MAX;
	if (getrlimit(RLIMIT_FSIZE, &fsize) == 0 && fsize.rlim_cur != RLIM_INFINITY)
		gz->max_size = fsize.rlim_cur;
	return gz;
}

static void gz_free_all(struct hg_gzfile *gz)
{
	if (gz->started)
		deflateEnd(&gz->z);
	if (gz->fd >= 0)
		close(gz->fd);
	gz_give_back(gz);
}

void hg_gz_abandon(struct hg_gzfile *gz)
{
	unlink(gz->tmp);
	gz_free_all(gz);
}

/* Give tmp the name to, failing with EEXIST rather than replace anything:
 * renameat2(RENAME_NOREPLACE) where the file system has it, else link() +
 * unlink() (link never follows or replaces an existing name either). */
int hg_gz_place(const char *tmp, const char *to)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != EPERM)
		return errno;
	if (link(tmp, to) != 0)
		return errno;
	unlink(tmp);
	return 0;
}

/* Whether anything has the name: a file, a directory, a dangling link;
 * a name that cannot be looked up counts as taken too (placing it would
 * fail anyway, and says why). */
static bool name_taken(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 || errno != ENOENT;
}

static bool number_taken(const struct hg_gzfile *gz, unsigned n, char *name, size_t len)
{
	hg_fmt(name, len, "%s.%u%s", gz->base, n, gz->suffix);
	return name_taken(name);
}

/* The first number n such that base.n.suffix is free, when the numbers
 * taken are 1 .. k (each report of the same name took the first free
 * one): by doubling, then halving, in about 2 log2 k lookups.  Trying
 * .1, .2, ... in turn cost the k-th process k failed renames, so that a
 * prefix without %p, shared by a run's thousand processes, took half a
 * million.  A number freed in between (a report deleted) may be passed
 * over; nothing is ever replaced. */
static unsigned first_free_number(const struct hg_gzfile *gz, char *name, size_t len)
{
	unsigned taken = 0, free_n = 1;
	while (number_taken(gz, free_n, name, len)) {
		taken = free_n;
		if (free_n > HG_GZ_NUMBER_MAX / 2)
			return HG_GZ_NUMBER_MAX + 1;
		free_n *= 2;
	}
	while (free_n - taken > 1) {
		unsigned mid = taken + (free_n - taken) / 2;
		if (number_taken(gz, mid, name, len))
			taken = mid;
		else
			free_n = mid;
	}
	return free_n;
}

int hg_gz_commit(struct hg_gzfile *gz, char *final, size_t final_len)
{
	gz_deflate(gz, Z_FINISH);
	if (gz->error == 0 && close(gz->fd) != 0)
		gz_fail(gz, errno);
	gz->fd = -1;
	int err = gz->error;
	hg_fmt(final, final_len, "%s%s", gz->base, gz->suffix);
	if (err == 0)
		err = hg_gz_place(gz->tmp, final);
	/* Taken: the first free number, then the next ones while another
	 * process takes each first. */
	for (unsigned n = err == EEXIST ? first_free_number(gz, final, final_len) : 0;
	     err == EEXIST && n <= HG_GZ_NUMBER_MAX; n++) {
		hg_fmt(final, final_len, "%s.%u%s", gz->base, n, gz->suffix);
		err = hg_gz_place(gz->tmp, final);
	}
	if (err != 0)
		unlink(gz->tmp);
	gz_free_all(gz);
	return err;
}
