/* SPDX-License-Identifier: MIT */
/* Kernel interface for memory and raw output; see os.h.  errno is preserved
 * across calls that may fail harmlessly, since malloc must not clobber it. */
#define _GNU_SOURCE
#include "os.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sched.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

size_t hg_page_size = 4096;

void hg_os_init(void)
{
	unsigned long ps = getauxval(AT_PAGESZ);
	if (ps >= 4096 && (ps & (ps - 1)) == 0)
		hg_page_size = ps;
}

/* heapguard's own ELF header: the start of its first loaded page (GNU ld
 * and lld define the symbol, hidden, in every output). */
extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));
static pid_t own_code_mapped_in;

const void *hg_os_own_phdrs(unsigned *count, uintptr_t *bias)
{
	const ElfW(Phdr) *ph =
		(const ElfW(Phdr) *)((const char *)&__ehdr_start + __ehdr_start.e_phoff);
	*count = __ehdr_start.e_phnum;
	*bias = (uintptr_t)&__ehdr_start;
	for (unsigned i = 0; i < *count; i++) {
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0) {
			*bias -= ph[i].p_vaddr;
			break;
		}
	}
	return ph;
}

void hg_os_map_own_code(void)
{
	pid_t pid = getpid();
	if (own_code_mapped_in == pid)
		return;
	own_code_mapped_in = pid;
	unsigned count;
	uintptr_t bias, page = hg_page_size;
	const ElfW(Phdr) *ph = hg_os_own_phdrs(&count, &bias);
	int saved = errno;
	/* The segments after the first (which the loader read): code, then
	 * read-only data (the stack walk's .eh_frame_hdr among it). */
	for (unsigned i = 0; i < count; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_offset == 0 || (ph[i].p_flags & PF_W))
			continue;
		uintptr_t lo = (bias + ph[i].p_vaddr) & ~(page - 1);
		uintptr_t hi = (bias + ph[i].p_vaddr + ph[i].p_memsz + page - 1) & ~(page - 1);
		madvise((void *)lo, hi - lo, MADV_POPULATE_READ);
	}
	errno = saved;
}

void *hg_os_map(size_t size, bool huge)
{
	int saved = errno;
	void *p = MAP_FAILED;
	if (huge)
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED)
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	errno = saved;
	return p == MAP_FAILED ? NULL : p;
}

void *hg_os_reserve(size_t size)
{
	int saved = errno;
	void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	errno = saved;
	return p == MAP_FAILED ? NULL : p;
}

bool hg_os_commit(void *addr, size_t size)
{
	int saved = errno;
	bool ok = mprotect(addr, size, PROT_READ | PROT_WRITE) == 0;
	errno = saved;
	return ok;
}

bool hg_os_protect(void *addr, size_t size)
{
	int saved = errno;
	bool ok = mprotect(addr, size, PROT_NONE) == 0;
	errno = saved;
	return ok;
}

void hg_os_decommit(void *addr, size_t size)
{
	int saved = errno;
	/* A fresh PROT_NONE mapping drops the pages and the commit charge. */
	mmap(addr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	errno = saved;
}

void hg_os_unmap(void *addr, size_t size)
{
	int saved = errno;
	munmap(addr, size);
	errno = saved;
}

void *hg_os_remap(void *addr, size_t old_size, size_t new_size)
{
	int saved = errno;
	void *p = mremap(addr, old_size, new_size, MREMAP_MAYMOVE);
	errno = saved;
	return p == MAP_FAILED ? NULL : p;
}

void hg_os_purge(void *addr, size_t size)
{
	int saved = errno;
	madvise(addr, size, MADV_DONTNEED);
	errno = saved;
}

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#define MADV_GUARD_REMOVE 103
#endif

static bool advise(void *addr, size_t size, int advice)
{
	int saved = errno;
	bool ok = madvise(addr, size, advice) == 0;
	errno = saved;
	return ok;
}

bool hg_os_guard(void *addr, size_t size)
{
	return advise(addr, size, MADV_GUARD_INSTALL);
}

bool hg_os_unguard(void *addr, size_t size)
{
	return advise(addr, size, MADV_GUARD_REMOVE);
}

void hg_os_advise_huge(void *addr, size_t size)
{
	int saved = errno;
	madvise(addr, size, MADV_HUGEPAGE);
	errno = saved;
}

bool hg_os_residency(const void *addr, size_t pages, unsigned char *vec)
{
	int saved = errno;
	bool ok = pages == 0 || mincore((void *)addr, pages * hg_page_size, vec) == 0;
	errno = saved;
	return ok;
}

/* Bytes resident in [addr, addr + size), size a multiple of the page
 * size, counted in slices on the stack; a range not all mapped counts as
 * resident (the caller asked about memory it believes it owns). */
size_t hg_os_resident(const void *addr, size_t size)
{
	unsigned char vec[512];
	size_t pages = size / hg_page_size, total = 0;
	for (size_t first = 0; first < pages; first += sizeof(vec)) {
		size_t n = pages - first < sizeof(vec) ? pages - first : sizeof(vec);
		if (!hg_os_residency((const char *)addr + first * hg_page_size, n, vec)) {
			total += n;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			total += vec[i] & 1;
	}
	return total * hg_page_size;
}

size_t hg_os_rss(void)
{
	/* Raw system calls: open, read and close are cancellation points, and
	 * malloc, which samples the timeline, must not be one (glibc's reads
	 * its own files with the _nocancel calls). */
	int saved = errno;
	long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errno = saved;
		return 0;
	}
	char buf[128];
	long n = syscall(SYS_read, (int)fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, (int)fd);
	errno = saved;
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "size resident shared ...", in pages: the second number. */
	const char *c = buf;
	while (*c >= '0' && *c <= '9')
		c++;
	if (*c++ != ' ')
		return 0;
	size_t pages = 0;
	for (; *c >= '0' && *c <= '9' && pages < ((size_t)1 << 40); c++)
		pages = pages * 10 + (size_t)(*c - '0');
	return pages * hg_page_size;
}

void *hg_os_sbrk(ptrdiff_t increment)
{
	int saved = errno;
	void *p = sbrk(increment);
	errno = saved;
	return p;
}

/* stderr after the program closed it: when the program fcloses stderr
 * (gnulib's close_stdout, at exit) the file it names is noted, and a line
 * written after that reopens it, if it is a regular file or a terminal.  No
 * descriptor is kept: a copy would hold a pipe's write end open, and whoever
 * reads that pipe would never see its end (glibc's
 * tst-malloc-stats-cancellation waits for just that). */
static char stderr_path[1024];
static dev_t stderr_dev;
static ino_t stderr_ino;
static bool stderr_kept;

void hg_os_stderr_keep(void)
{
	int saved = errno;
	struct stat st;
	ssize_t n;
	stderr_kept = false;
	if (fstat(2, &st) == 0 && (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)) &&
	    (n = readlink("/proc/self/fd/2", stderr_path, sizeof(stderr_path) - 1)) > 0 &&
	    stderr_path[0] == '/') {
		stderr_path[n] = '\0';
		stderr_dev = st.st_dev;
		stderr_ino = st.st_ino;
		stderr_kept = true;
	}
	errno = saved;
}

static bool is_stderr(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && st.st_dev == stderr_dev && st.st_ino == stderr_ino;
}

/* Where a line for stderr goes now: fd 2 while it is open and not
 * close-on-exec (as no stderr is), or still the file it was; else the file
 * stderr was, reopened (*opened: the caller closes it); else -1.  System
 * calls, not their wrappers: open and close are cancellation points. */
static int stderr_fd(bool *opened)
{
	*opened = false;
	int flags = fcntl(2, F_GETFD);
	if (flags >= 0 && (!(flags & FD_CLOEXEC) || (stderr_kept && is_stderr(2))))
		return 2;
	if (!stderr_kept)
		return -1;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, stderr_path,
			      O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (!is_stderr(fd)) {
		syscall(SYS_close, fd);
		return -1;
	}
	*opened = true;
	return fd;
}

void hg_os_write(int fd, const char *buf, size_t len)
{
	int saved = errno;
	bool opened = false;
	if (fd == 2)
		fd = stderr_fd(&opened);
	if (fd < 0) {
		errno = saved;
		return;
	}
	while (len > 0) {
		/* The system call itself, not write(): that is a cancellation
		 * point, and a diagnostic written from inside free (which is
		 * not one) must never end its thread half-way. */
		ssize_t n = syscall(SYS_write, fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf += n;
		len -= (size_t)n;
	}
	if (opened)
		syscall(SYS_close, fd);
	errno = saved;
}

bool hg_os_random(void *buf, size_t len)
{
	int saved = errno;
	ssize_t n = getrandom(buf, len, GRND_NONBLOCK);
	errno = saved;
	return n == (ssize_t)len;
}

int hg_os_ncpus(void)
{
	int saved = errno;
	cpu_set_t set;
	int n = 0;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	errno = saved;
	return n > 0 ? n : 1;
}

/* The kernel's dirent64, declared here: glibc's needs _LARGEFILE64_SOURCE. */
struct hg_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

bool hg_os_each_number(const char *path, void (*visit)(long number, void *ctx), void *ctx)
{
	int saved = errno;
	int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		errno = saved;
		return false;
	}
	bool own_fds = __builtin_strcmp(path, "/proc/self/fd") == 0;
	char buf[4096] __attribute__((aligned(8)));
	long n;
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			const struct hg_dirent64 *d = (const struct hg_dirent64 *)(buf + off);
			off += d->d_reclen;
			const char *c = d->d_name;
			long number = 0;
			if (*c < '0' || *c > '9')
				continue;
			for (; *c >= '0' && *c <= '9' && number < (1L << 40); c++)
				number = number * 10 + (*c - '0');
			if (*c == '\0' && !(own_fds && number == dir))
				visit(number, ctx);
		}
	}
	close(dir);
	errno = saved;
	return n == 0;
}
