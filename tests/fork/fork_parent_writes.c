/* SPDX-License-Identifier: MIT */
/* What a process that forks writes of heapguard's data at each fork: its
 * pages are shared copy-on-write with the children, so each page written
 * costs the parent a page fault at every fork (a shell: every subshell).
 * heapguard's fork handlers write one page of its data in the parent: the
 * prepare handler's clock reading, which saves the child the clock's page
 * faults; the parent handler writes none.  The library of stop 30 wrote
 * another page at every fork (the program's path state, which it
 * compared-and-exchanged: that writes even when it fails), and its
 * fork-state page after the fork too (a flag it set again each time).
 *
 * Page map: a page is "exclusive" when this process alone maps it.
 * Child `holder` (made by the clone system call, so that no fork handler
 * runs in it) stays alive throughout, sharing every page of the parent as
 * it was; the parent then forks `probe`:
 *   - right after fork returns, while probe lives, a page of heapguard's
 *     data the parent maps alone was written after the fork (its parent
 *     handler): there must be none;
 *   - once probe is gone, a page the parent maps alone was written in the
 *     prepare handler or after: there may be one (the clock reading).
 * The pages are those of heapguard's writable segment.  (Not its
 * thread-local block: that shares its pages with libc's and with the
 * thread's descriptor, which libc and the kernel write at every fork.)
 * Prints the pages found written, by their offset in the library (see
 * readelf -S); exits 0 when within those bounds, 1 when not, 77 when the
 * page map does not tell (no exclusive bit, or not under heapguard).
 *   fork_parent_writes LIBRARY-NAME */
#define _GNU_SOURCE
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_RANGES 4

struct ranges {
	const char *name;
	uintptr_t base; /* the library's load address */
	unsigned n;
	uintptr_t lo[MAX_RANGES], hi[MAX_RANGES];
};

static int find_library(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	struct ranges *r = ctx;
	if (info->dlpi_name == NULL || strstr(info->dlpi_name, r->name) == NULL)
		return 0;
	r->base = info->dlpi_addr;
	for (unsigned i = 0; i < info->dlpi_phnum && r->n < MAX_RANGES; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		r->lo[r->n] = lo & ~(uintptr_t)4095;
		r->hi[r->n] = (lo + ph->p_memsz + 4095) & ~(uintptr_t)4095;
		r->n++;
	}
	return 1;
}

/* Pages of the ranges this process maps alone (present and exclusive),
 * each printed after `what` when it is not NULL; -1 when the page map
 * cannot be read. */
static int exclusive_pages(const struct ranges *r, const char *what)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	if (pm < 0)
		return -1;
	int n = 0;
	for (unsigned i = 0; i < r->n; i++)
		for (uintptr_t a = r->lo[i]; a < r->hi[i]; a += 4096) {
			uint64_t e;
			if (pread(pm, &e, sizeof(e), (off_t)(a / 4096 * sizeof(e))) != sizeof(e)) {
				close(pm);
				return -1;
			}
			if ((e >> 63 & 1) && (e >> 56 & 1)) {
				if (what != NULL)
					printf("written %s: the page at +%#lx\n", what,
					       (unsigned long)(a - r->base));
				n++;
			}
		}
	close(pm);
	return n;
}

/* A child that waits for its pipe to close, then exits.  The holder is
 * made by the clone system call itself, not fork(): no fork handler runs
 * in it, so it writes none of heapguard's pages (a page it wrote would be
 * the parent's alone once the probe is gone, as if the parent had). */
static pid_t waiting_child(int *wfd, bool raw)
{
	int p[2];
	if (pipe(p) != 0)
		exit(98);
	pid_t pid = raw ? (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0) : fork();
	if (pid < 0)
		exit(98);
	if (pid == 0) {
		char c;
		syscall(SYS_close, p[1]);
		while (syscall(SYS_read, p[0], &c, 1) > 0)
			;
		syscall(SYS_exit_group, 0);
	}
	close(p[0]);
	*wfd = p[1];
	return pid;
}

static void reap(pid_t pid, int wfd)
{
	close(wfd);
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		exit(98);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0); /* printing allocates nothing */
	struct ranges r = { .name = argv[1] };
	dl_iterate_phdr(find_library, &r);
	if (r.n == 0) {
		printf("%s is not loaded\n", argv[1]);
		return 77;
	}
	/* The first forks do their once-only work (the program's path, a
	 * child's tables): the steady state is what a shell pays. */
	for (int i = 0; i < 3; i++) {
		int w;
		pid_t c = waiting_child(&w, false);
		reap(c, w);
		free(malloc(64));
	}
	/* A page of this program's, present before the holder's fork: shared
	 * after it, the parent's alone once written. */
	static char own[2 * 4096];
	char *mine = (char *)(((uintptr_t)own + 4095) & ~(uintptr_t)4095);
	struct ranges me = { .n = 1, .lo = { (uintptr_t)mine }, .hi = { (uintptr_t)mine + 4096 } };
	/* Up to three tries: what the handlers write at every fork shows in
	 * each, and a one-off write fails one only.  (With a holder made by
	 * fork(), whose own handlers wrote pages too, one run in 300 failed.) */
	for (int try = 1; try <= 3; try++) {
		int hw, pw;
		mine[0] = 1;
		pid_t holder = waiting_child(&hw, true);
		int shared = exclusive_pages(&me, NULL);
		mine[0] = 2;
		if (shared != 0 || exclusive_pages(&me, NULL) != 1) {
			printf("the page map does not tell which pages are shared\n");
			reap(holder, hw);
			return 77;
		}
		pid_t probe = waiting_child(&pw, false);
		int after_fork = exclusive_pages(&r, "after the fork");
		reap(probe, pw);
		int whole_fork = exclusive_pages(&r, "in the whole fork");
		reap(holder, hw);
		if (after_fork < 0 || whole_fork < 0) {
			printf("no page map\n");
			return 77;
		}
		printf("try %d: heapguard's pages written by the parent at a fork: %d after it, "
		       "%d in all (at most 0 and 1)\n",
		       try, after_fork, whole_fork);
		if (after_fork == 0 && whole_fork <= 1)
			return 0;
	}
	return 1;
}
