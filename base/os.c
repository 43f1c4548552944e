/* SPDX-License-Identifier: MIT */
/* Kernel interface for memory and raw output; see os.h.  errno is preserved
 * across calls that may fail harmlessly, since malloc must not clobber it. */
#define _GNU_SOURCE
#include "os.h"

#include <errno.h>
#include <fcntl.h>
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

void *hg_os_sbrk(ptrdiff_t increment)
{
	int saved = errno;
	void *p = sbrk(increment);
	errno = saved;
	return p;
}

/* stderr kept apart from fd 2: a close-on-exec duplicate at a high
 * descriptor and the file it named, made when the program fcloses stderr
 * (gnulib's close_stdout, at exit), so that heapguard's exit line still
 * gets out. */
static int stderr_copy = -1;
static dev_t stderr_dev;
static ino_t stderr_ino;

void hg_os_stderr_keep(void)
{
	int saved = errno;
	struct stat st;
	struct rlimit nofile;
	int lowest = 3;
	if (stderr_copy >= 0 || fstat(2, &st) != 0)
		goto out;
	/* High, out of the way of programs that expect the lowest free
	 * descriptors, but within the limit. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur > 64)
		lowest = (int)(nofile.rlim_cur > 1024 ? 1024 : nofile.rlim_cur) - 32;
	stderr_copy = fcntl(2, F_DUPFD_CLOEXEC, lowest);
	if (stderr_copy < 0)
		stderr_copy = fcntl(2, F_DUPFD_CLOEXEC, 3);
	stderr_dev = st.st_dev;
	stderr_ino = st.st_ino;
out:
	errno = saved;
}

int hg_os_stderr_fd(void)
{
	int saved = errno;
	int fd = -1;
	struct stat st;
	/* fd 2 is stderr while it is open and not close-on-exec (as no stderr
	 * is), or still the file it was at start: a program that closed it
	 * may have had the number reused by a file of its own or of ours. */
	int flags = fcntl(2, F_GETFD);
	if (flags >= 0 && (!(flags & FD_CLOEXEC) ||
			   (fstat(2, &st) == 0 && st.st_dev == stderr_dev && st.st_ino == stderr_ino)))
		fd = 2;
	else if (stderr_copy >= 0 && fstat(stderr_copy, &st) == 0 && st.st_dev == stderr_dev &&
		 st.st_ino == stderr_ino)
		fd = stderr_copy;
	errno = saved;
	return fd;
}

void hg_os_write(int fd, const char *buf, size_t len)
{
	int saved = errno;
	if (fd == 2)
		fd = hg_os_stderr_fd();
	if (fd < 0)
		return;
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
