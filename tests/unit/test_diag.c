/* SPDX-License-Identifier: MIT */
/* Death tests of base/diag.c: every reporter of base/diag.h, called in a
 * forked child with check=3, must write its exact first line, sentence and
 * glibc line in one write, run the before-abort hook once and die of
 * SIGABRT; and the policy around them: check=0, 1 and 2, each (kind,
 * address) once, log=, and no malloc on the way.  Links base/ alone, with
 * hooks of its own: a fake chunk, fixed stacks, a counter. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../base/diag.h"
#include "../../base/fmt.h"
#include "../../base/options.h"

/* ---- what the child tells the parent ---- */

static struct shared {
	unsigned before_abort; /* calls of the before_abort hook */
	unsigned mallocs;      /* malloc, calloc, realloc inside a reporter */
} *shared;

static volatile bool in_reporter; /* the child is inside a reporter */

/* ---- malloc, watched ---- */

/* A reporter must not allocate (the heap may be what is broken).  Under
 * AddressSanitizer, which owns malloc, its allocation hook watches; else
 * the test binary's own malloc, calloc and realloc do, passing every call
 * on to glibc. */
#if defined(__SANITIZE_ADDRESS__)
#define HG_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HG_TEST_ASAN 1
#endif
#endif

static void note_allocation(void)
{
	if (in_reporter)
		__atomic_fetch_add(&shared->mallocs, 1, __ATOMIC_RELAXED);
}

#ifdef HG_TEST_ASAN
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
					      void (*free_hook)(const volatile void *));

static void asan_malloc_hook(const volatile void *p, size_t n)
{
	(void)p;
	(void)n;
	note_allocation();
}

static void asan_free_hook(const volatile void *p)
{
	(void)p;
}

static bool watch_malloc(void)
{
	/* (refused, returning 0, unless both hooks are given) */
	return __sanitizer_install_malloc_and_free_hooks(asan_malloc_hook, asan_free_hook) != 0;
}
#else
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t k, size_t n);
void *__libc_realloc(void *p, size_t n);

void *malloc(size_t n)
{
	note_allocation();
	return __libc_malloc(n);
}

void *calloc(size_t k, size_t n)
{
	note_allocation();
	return __libc_calloc(k, n);
}

void *realloc(void *p, size_t n)
{
	note_allocation();
	return __libc_realloc(p, n);
}

static bool watch_malloc(void)
{
	return true;
}
#endif

/* ---- the hooks: what the layers above would tell the writer ---- */

/* The chunk every reporter is shown: 48 bytes, 40 requested, allocated by
 * thread 1 (stack 1), freed by thread 2 (stack 2).  Never dereferenced. */
#define CHUNK  ((const struct hg_chunk *)0x7f0000001000)
#define BOUNDS " (chunk 0x7f0000001000..0x7f0000001030, 48 bytes, 40 requested)"
#define MEM    ((const void *)0x7f0000001010)
#define AT(x)  ((const void *)(uintptr_t)(x))
/* Bytes a write after free left, as the reporter is shown them. */
static const unsigned char FOUND[20];

static void describe_chunk(const struct hg_chunk *c, struct hg_diag_chunk *out)
{
	(void)c;
	out->size = 48;
	out->has_requested = true;
	out->requested = 40;
	out->alloc_stack = 1;
	out->alloc_thread = 1;
	out->free_stack = 2;
	out->free_thread = 2;
}

/* Set in a child: the damaged chunk's owners and the block below it are
 * known (chunk_owners, chunk_below); otherwise neither is. */
static bool show_below;
#define BELOW ((const struct hg_chunk *)0x7f0000000fd0)

static bool chunk_owners(const struct hg_chunk *c, struct hg_diag_chunk *out)
{
	(void)c;
	if (!show_below)
		return false;
	out->alloc_stack = 1;
	out->alloc_thread = 1;
	out->free_stack = 2;
	out->free_thread = 2;
	return true;
}

static const struct hg_chunk *chunk_below(const struct hg_chunk *c)
{
	return show_below && c != BELOW ? BELOW : NULL;
}

static unsigned thread_number(void)
{
	return 1;
}

/* Set in a child: every stack as deep as depth= allows (64), and every
 * frame's name 200 characters long, as C++ names can be. */
static bool deep_stacks;

static unsigned unwind(uintptr_t *pcs, unsigned max)
{
	if (deep_stacks) {
		for (unsigned i = 0; i < max; i++)
			pcs[i] = 0x401000 + i;
		return max;
	}
	unsigned n = 0;
	if (n < max)
		pcs[n++] = 0x401000;
	if (n < max)
		pcs[n++] = 0x402000;
	return n;
}

static unsigned stack_frames(uint32_t id, const uintptr_t **pcs)
{
	static const uintptr_t frames[2][2] = { { 0x401100, 0x402100 }, { 0x401200, 0x402200 } };
	static uintptr_t deep[64];
	if (id < 1 || id > 2)
		return 0;
	if (deep_stacks) {
		for (unsigned i = 0; i < 64; i++)
			deep[i] = 0x401000 + i;
		*pcs = deep;
		return 64;
	}
	*pcs = frames[id - 1];
	return 2;
}

static size_t format_frame(char *buf, size_t len, unsigned i, uintptr_t pc)
{
	return hg_fmt(buf, len, "    #%u 0x%zx in %s+0x%zx (test_diag+0x%zx)\n", i, (size_t)pc,
		      deep_stacks ? "stub_with_a_name_two_hundred_characters_long_"
				    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				  : "stub",
		      (size_t)pc & 0xfff, (size_t)pc - 0x400000);
}

static void before_abort(void)
{
	__atomic_fetch_add(&shared->before_abort, 1, __ATOMIC_RELAXED);
}

const struct hg_diag_hooks hg_diag_hooks = {
	.describe_chunk = describe_chunk,
	.chunk_owners = chunk_owners,
	.chunk_below = chunk_below,
	.thread_number = thread_number,
	.unwind = unwind,
	.stack_frames = stack_frames,
	.format_frame = format_frame,
	.before_abort = before_abort,
};

/* ---- running a reporter in a child ---- */

struct outcome {
	pid_t pid;	 /* the child, whose tid in the thread line it is */
	int status;	 /* its status, from waitpid */
	char out[65536]; /* all it wrote to stderr, NUL-terminated */
	size_t len;
	unsigned writes; /* how many write(2) calls that took */
	unsigned before_abort, mallocs;
};

/* Runs call() in a child with check= set and stderr on a SOCK_SEQPACKET
 * socket, so that each write(2) arrives as one record. */
static void run(void (*call)(void), unsigned check, const char *log, struct outcome *o)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	memset(shared, 0, sizeof(*shared));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGABRT, SIG_DFL);
		dup2(sv[1], 2);
		hg_config.options.check = check;
		snprintf(hg_config.options.log, sizeof(hg_config.options.log), "%s",
			 log != NULL ? log : "");
		in_reporter = true;
		call();
		in_reporter = false;
		_exit(0);
	}
	close(sv[1]);
	o->len = 0;
	o->writes = 0;
	for (;;) {
		ssize_t n = recv(sv[0], o->out + o->len, sizeof(o->out) - 1 - o->len, 0);
		if (n <= 0)
			break;
		o->len += (size_t)n;
		o->writes++;
	}
	o->out[o->len] = '\0';
	close(sv[0]);
	assert_int_equal(waitpid(pid, &o->status, 0), pid);
	o->pid = pid;
	o->before_abort = shared->before_abort;
	o->mallocs = shared->mallocs;
}

/* Line i of the output (from the end if i < 0), without its newline, in
 * buf; NULL if there is no such line. */
static const char *line(const struct outcome *o, int i, char *buf, size_t len)
{
	int count = 0;
	for (size_t k = 0; k < o->len; k++)
		count += o->out[k] == '\n';
	if (i < 0)
		i += count;
	if (i < 0 || i >= count)
		return NULL;
	const char *p = o->out;
	for (int k = 0; k < i; k++)
		p = strchr(p, '\n') + 1;
	size_t n = (size_t)(strchr(p, '\n') - p);
	snprintf(buf, len, "%.*s", (int)n, p);
	return buf;
}

static bool died_of_sigabrt(const struct outcome *o)
{
	return WIFSIGNALED(o->status) && WTERMSIG(o->status) == SIGABRT;
}

static bool exited_0(const struct outcome *o)
{
	return WIFEXITED(o->status) && WEXITSTATUS(o->status) == 0;
}

/* ---- one death test per reporter ---- */

struct death {
	const char *name;
	void (*call)(void);
	const char *first;  /* the first line, exactly */
	const char *detail; /* the second, without its two spaces */
	const char *glibc;  /* glibc's message, NULL: no such line */
};

/* DEATH(id, call, first line, detail, glibc) defines death_<id>. */
#define DEATH(id, expr, first_, detail_, glibc_) \
	static void call_##id(void)              \
	{                                        \
		expr;                            \
	}                                        \
	static const struct death death_##id = { #id, call_##id, first_, detail_, glibc_ };

DEATH(free_misaligned, hg_diag_free_misaligned(AT(0x7f0000001018), "free"),
      "heapguard: invalid-free of 0x7f0000001018 in free()",
      "the pointer is not 16-byte aligned: not the start of a heapguard block",
      "free(): invalid pointer")
DEATH(free_misaligned_realloc, hg_diag_free_misaligned(AT(0x7f0000001018), "realloc"),
      "heapguard: invalid-free of 0x7f0000001018 in realloc()",
      "the pointer is not 16-byte aligned: not the start of a heapguard block",
      "realloc(): invalid pointer")
DEATH(free_foreign, hg_diag_free_foreign(MEM, "free"),
      "heapguard: invalid-free of 0x7f0000001010 in free()",
      "the pointer is not in heapguard's heap (stack, global, another mapping, or never allocated)",
      "free(): invalid pointer")
DEATH(free_interior, hg_diag_free_interior(AT(0x7f0000001020), CHUNK, "free", 16),
      "heapguard: invalid-free of 0x7f0000001020" BOUNDS " in free()",
      "the pointer is 16 bytes inside a chunk, not the start of a block", "free(): invalid pointer")
DEATH(free_no_chunk, hg_diag_free_no_chunk(MEM, "malloc_usable_size", 0x4141414141414141),
      "heapguard: invalid-free of 0x7f0000001010 in malloc_usable_size()",
      "no chunk of heapguard's starts here (found 0x4141414141414141 where its header would be)",
      "free(): invalid pointer")
DEATH(double_free, hg_diag_double_free(MEM, CHUNK, "free", false),
      "heapguard: double-free of 0x7f0000001010" BOUNDS " in free()",
      "the chunk is already free (in a thread cache, a bin or merged into top)",
      "free(): double free detected in tcache 2")
DEATH(double_free_fast, hg_diag_double_free(MEM, CHUNK, "free", true),
      "heapguard: double-free of 0x7f0000001010" BOUNDS " in free()",
      "the chunk is already free (in a thread cache, a bin or merged into top)",
      "double free or corruption (fasttop)")
DEATH(double_free_quarantined, hg_diag_double_free_quarantined(MEM, CHUNK, "free"),
      "heapguard: double-free of 0x7f0000001010" BOUNDS " in free()",
      "the chunk was already freed and is in the quarantine",
      "free(): double free detected in tcache 2")
DEATH(double_free_isolated, hg_diag_double_free_isolated(MEM, CHUNK, "realloc"),
      "heapguard: double-free of 0x7f0000001010" BOUNDS " in realloc()",
      "the chunk was already freed and isolated after an earlier error", NULL)
DEATH(double_free_unmapped, hg_diag_double_free_unmapped(MEM, "free"),
      "heapguard: double-free of 0x7f0000001010 in free()",
      "the block was mmap'd on its own and has already been freed (unmapped)",
      "munmap_chunk(): invalid pointer")
DEATH(use_after_free, hg_diag_use_after_free(MEM, CHUNK, "malloc_usable_size",
					      HG_DIAG_FREED_QUARANTINED),
      "heapguard: use-after-free of 0x7f0000001010" BOUNDS " in malloc_usable_size()",
      "the block was freed and is in the quarantine: it is used after free", NULL)
DEATH(use_after_free_unmapped, hg_diag_use_after_free(MEM, NULL, "malloc_usable_size",
						      HG_DIAG_FREED_UNMAPPED),
      "heapguard: use-after-free of 0x7f0000001010 in malloc_usable_size()",
      "the block was mmap'd on its own and has been freed (unmapped): it is used after free",
      NULL)
DEATH(header_overwritten, hg_diag_header_overwritten(MEM, "free", 0x4141),
      "heapguard: header-corruption of 0x7f0000001010 in free()",
      "the block's chunk header was overwritten: it reads 0x4141 and does not verify",
      "free(): invalid size")
DEATH(header_after_broken, hg_diag_header_after_broken(MEM, "free", AT(0x7f0000000800)),
      "heapguard: header-corruption of 0x7f0000001010 in free()",
      "the heap is corrupt before this block: the chunk header at 0x7f0000000800 does not verify",
      "free(): invalid size")
DEATH(size_impossible, hg_diag_size_impossible(MEM, "free", 0x8),
      "heapguard: header-corruption of 0x7f0000001010 in free()",
      "the chunk's size field (0x8) is impossible", "free(): invalid size")
DEATH(mmap_header, hg_diag_mmap_header(MEM, "heapguard_check_heap", 0x1002, 0x30),
      "heapguard: mmap-corruption of 0x7f0000001010 in heapguard_check_heap()",
      "the header of a block mmap'd on its own was overwritten (size or offset to its mapping): "
      "reads 0x1002, prev_size 0x30",
      "munmap_chunk(): invalid pointer")
DEATH(mmap_unknown, hg_diag_mmap_unknown(MEM, "free"),
      "heapguard: mmap-corruption of 0x7f0000001010 in free()",
      "the header says mmap'd but heapguard made no such mapping",
      "munmap_chunk(): invalid pointer")
DEATH(mmap_bad_mapping, hg_diag_mmap_bad_mapping(MEM, "free", 0x30, 0x1010, false),
      "heapguard: invalid-free of 0x7f0000001010 in free()",
      "the header of a block mmap'd on its own does not describe a mapping: it starts 0x30 bytes "
      "before the chunk and is 0x1010 bytes long",
      "munmap_chunk(): invalid pointer")
DEATH(mmap_bad_mapping_remap, hg_diag_mmap_bad_mapping(MEM, "realloc", 0x30, 0x1010, true),
      "heapguard: invalid-free of 0x7f0000001010 in realloc()",
      "the header of a block mmap'd on its own does not describe a mapping: it starts 0x30 bytes "
      "before the chunk and is 0x1010 bytes long",
      "mremap_chunk(): invalid pointer")
DEATH(canary, hg_diag_canary(MEM, CHUNK, "free", 40, 41, 0x79, 0xa5),
      "heapguard: heap-overflow of 0x7f0000001010" BOUNDS " in free()",
      "2 byte(s) past the requested 40: byte at offset 41 is 0x79, expected 0xa5",
      "malloc_check_get_size: memory corruption")
DEATH(trailer, hg_diag_trailer(MEM, CHUNK, "realloc", 24),
      "heapguard: heap-overflow of 0x7f0000001010" BOUNDS " in realloc()",
      "the bookkeeping after the canary (offset 24) was overwritten",
      "malloc_check_get_size: memory corruption")
DEATH(freed_header, hg_diag_freed_header(MEM, "free", 0x51),
      "heapguard: write-after-free of 0x7f0000001010 in free()",
      "the freed chunk's header was overwritten (found 0x51)", NULL)
DEATH(freed_trailer, hg_diag_freed_trailer(MEM, CHUNK, "free", 24, 16, FOUND),
      "heapguard: write-after-free of 0x7f0000001010" BOUNDS " in free()",
      "the last 16 bytes of the freed block (offset 24) were overwritten", NULL)
DEATH(freed_fill_at_exit, hg_diag_freed_fill(MEM, CHUNK, HG_DIAG_AT_EXIT, 3, 3, FOUND, 0xdf),
      "heapguard: write-after-free of 0x7f0000001010" BOUNDS " at exit (heap check)",
      "byte at offset 3 of the freed block is 0x00, expected the fill 0xdf", NULL)
DEATH(freed_fill, hg_diag_freed_fill(MEM, CHUNK, "heapguard_check_heap", 3, 3, FOUND, 0xdf),
      "heapguard: write-after-free of 0x7f0000001010" BOUNDS " in heapguard_check_heap()",
      "byte at offset 3 of the freed block is 0x00, expected the fill 0xdf", NULL)
DEATH(access_outside, hg_diag_access_outside(MEM, CHUNK, AT(0x7f0000001050), 64, 64, false, false),
      "heapguard: heap-overflow of 0x7f0000001010" BOUNDS " at a read past the block",
      "a read at 0x7f0000001050, offset 64 of the block (1 byte(s) past the requested 64), hit the "
      "guard page after its sampled slot",
      NULL)
DEATH(access_outside_underflow,
      hg_diag_access_outside(MEM, CHUNK, AT(0x7f0000000ff0), -32, 64, true, true),
      "heapguard: heap-overflow of 0x7f0000001010" BOUNDS " at a write before the block",
      "heap underflow: a write at 0x7f0000000ff0, 32 bytes before the block's start, hit the guard "
      "page before its sampled slot",
      NULL)
DEATH(access_freed, hg_diag_access_freed(MEM, CHUNK, AT(0x7f0000001018), 8, true, true),
      "heapguard: use-after-free of 0x7f0000001010" BOUNDS " at a write to the freed block",
      "a write at 0x7f0000001018, offset 8 of the block, after it was freed (its sampled slot is "
      "inaccessible until reused)",
      NULL)
DEATH(access_freed_quarantined,
      hg_diag_access_freed(MEM, CHUNK, AT(0x7f0000011011), 65537, false, false),
      "heapguard: use-after-free of 0x7f0000001010" BOUNDS " at a read of the freed block",
      "a read at 0x7f0000011011, offset 65537 of the block, after it was freed (its pages are "
      "inaccessible while it is in the quarantine)",
      NULL)
DEATH(next_header, hg_diag_next_header(AT(0x7f0000001040), "free", AT(0x7f0000001030), false),
      "heapguard: header-corruption of 0x7f0000001040 in free()",
      "the header of the next chunk (at 0x7f0000001030) does not verify",
      "free(): invalid next size (normal)")
DEATH(next_header_fast, hg_diag_next_header(AT(0x7f0000001040), "free", AT(0x7f0000001030), true),
      "heapguard: header-corruption of 0x7f0000001040 in free()",
      "the header of the next chunk (at 0x7f0000001030) does not verify",
      "free(): invalid next size (fast)")
DEATH(next_header_realloc,
      hg_diag_next_header(AT(0x7f0000001040), "realloc", AT(0x7f0000001030), false),
      "heapguard: header-corruption of 0x7f0000001040 in realloc()",
      "the header of the next chunk (at 0x7f0000001030) does not verify",
      "realloc(): invalid next size")
DEATH(prev_size, hg_diag_prev_size(MEM, CHUNK, "free", 0x100, AT(0x7f0000000f00)),
      "heapguard: header-corruption of 0x7f0000001010" BOUNDS " in free()",
      "the chunk says the one before it is free, but prev_size 0x100 leads to 0x7f0000000f00, "
      "not a free chunk of that size (forged prev_size or P bit)",
      "corrupted size vs. prev_size while consolidating")
DEATH(unlink_header, hg_diag_unlink_header(MEM), "heapguard: header-corruption of 0x7f0000001010",
      "a free chunk's header does not verify", "corrupted size vs. prev_size")
DEATH(unlink_prev_size, hg_diag_unlink_prev_size(MEM, CHUNK, 0x40, 0x30),
      "heapguard: header-corruption of 0x7f0000001010" BOUNDS,
      "the next chunk's prev_size is 0x40, the chunk's size 0x30", "corrupted size vs. prev_size")
DEATH(unlink_links, hg_diag_unlink_links(MEM, CHUNK, AT(0x7f0000002000), AT(0x7f0000003000)),
      "heapguard: freelist-corruption of 0x7f0000001010" BOUNDS,
      "fd 0x7f0000002000 / bk 0x7f0000003000 do not link back to the chunk",
      "corrupted double-linked list")
DEATH(unlink_nextsize, hg_diag_unlink_nextsize(MEM, CHUNK, AT(0x7f0000002000), AT(0x7f0000003000)),
      "heapguard: freelist-corruption of 0x7f0000001010" BOUNDS,
      "fd_nextsize 0x7f0000002000 / bk_nextsize 0x7f0000003000 do not link back to the chunk",
      "corrupted double-linked list (not small)")
DEATH(bin_link, hg_diag_bin_link(MEM, "malloc", HG_DIAG_UNSORTED_HEAD),
      "heapguard: freelist-corruption of 0x7f0000001010 in malloc()",
      "the unsorted bin's first chunk does not link back to the bin",
      "free(): corrupted unsorted chunks")
DEATH(bin_walk, hg_diag_bin_walk(MEM, "heapguard_check_heap", 5, CHUNK),
      "heapguard: freelist-corruption of 0x7f0000001010 in heapguard_check_heap()",
      "bin 5 leads to 0x7f0000001000, which is not a free chunk linked back to its predecessor",
      "corrupted double-linked list")
DEATH(tcache_entry, hg_diag_tcache_entry(MEM, "malloc", 80, CHUNK),
      "heapguard: freelist-corruption of 0x7f0000001010 in malloc()",
      "the thread cache for 80-byte chunks leads to 0x7f0000001000, which is not a free chunk "
      "of that size (forged or overwritten next pointer)",
      "malloc(): unaligned tcache chunk detected")
DEATH(tcache_next, hg_diag_tcache_next(MEM, CHUNK, "malloc", AT(0x4141414141414141)),
      "heapguard: freelist-corruption of 0x7f0000001010" BOUNDS " in malloc()",
      "the freed chunk's next pointer was overwritten (decodes to 0x4141414141414141)",
      "malloc(): unaligned tcache chunk detected")
DEATH(fastbin_entry, hg_diag_fastbin_entry(MEM, "malloc", 64, CHUNK, false),
      "heapguard: freelist-corruption of 0x7f0000001010 in malloc()",
      "the fastbin for 64-byte chunks leads to 0x7f0000001000, which is not a free chunk of "
      "that size (forged or overwritten next pointer)",
      "malloc(): memory corruption (fast)")
DEATH(fastbin_entry_consolidating, hg_diag_fastbin_entry(MEM, "malloc", 64, CHUNK, true),
      "heapguard: freelist-corruption of 0x7f0000001010 in malloc()",
      "the fastbin for 64-byte chunks leads to 0x7f0000001000, which is not a free chunk of "
      "that size (forged or overwritten next pointer)",
      "malloc_consolidate(): invalid chunk size")
DEATH(fastbin_next, hg_diag_fastbin_next(MEM, CHUNK, "malloc", AT(0x7f0000004008), false),
      "heapguard: freelist-corruption of 0x7f0000001010" BOUNDS " in malloc()",
      "the freed chunk's next pointer was overwritten (decodes to 0x7f0000004008)",
      "malloc(): unaligned fastbin chunk detected")
DEATH(fastbin_next_consolidating,
      hg_diag_fastbin_next(MEM, CHUNK, "malloc", AT(0x7f0000004008), true),
      "heapguard: freelist-corruption of 0x7f0000001010" BOUNDS " in malloc()",
      "the freed chunk's next pointer was overwritten (decodes to 0x7f0000004008)",
      "malloc_consolidate(): unaligned fastbin chunk detected")
DEATH(fastbin_double_free, hg_diag_fastbin_double_free(MEM),
      "heapguard: double-free of 0x7f0000001010",
      "the chunk being freed is already at the head of its fastbin",
      "double free or corruption (fasttop)")
DEATH(free_top, hg_diag_free_top(MEM), "heapguard: invalid-free of 0x7f0000001010",
      "the chunk being freed is the arena's top chunk, which is never handed out",
      "double free or corruption (top)")
DEATH(free_past_top, hg_diag_free_past_top(MEM), "heapguard: invalid-free of 0x7f0000001010",
      "the chunk being freed ends beyond the arena's top chunk", "double free or corruption (out)")
DEATH(top_size, hg_diag_top_size(MEM, "malloc", 0xfffffffffffffff0, false, 4096),
      "heapguard: top-corruption of 0x7f0000001010 in malloc()",
      "the top chunk's header says 0xfffffffffffffff0 bytes (checksum bad); its memory ends 4096 "
      "bytes after it",
      "malloc(): corrupted top size")
DEATH(top_size_checksum_good, hg_diag_top_size(MEM, "malloc", 0x21000, true, 4096),
      "heapguard: top-corruption of 0x7f0000001010 in malloc()",
      "the top chunk's header says 0x21000 bytes (checksum good); its memory ends 4096 bytes "
      "after it",
      "malloc(): corrupted top size")
DEATH(top_break, hg_diag_top_break(CHUNK, AT(0x555555560000), AT(0x555555580000)),
      "heapguard: top-corruption of 0x7f0000001000",
      "growing the heap, the program break was found at 0x555555560000, below the heap's end at "
      "0x555555580000 (moved by someone else)",
      "break adjusted to free malloc space")
DEATH(heap_walk, hg_diag_heap_walk(MEM, "heapguard_check_heap", CHUNK, 0x4141),
      "heapguard: header-corruption of 0x7f0000001010 in heapguard_check_heap()",
      "walking the heap: the chunk header at 0x7f0000001000 does not verify (reads 0x4141)",
      "malloc(): invalid size (unsorted)")

/* One entry per reporter of diag.h: a reporter added there without a
 * DEATH() here stops this file from compiling. */
#define ENTRY(name) &death_##name,
static const struct death *const reporters[] = { HG_DIAG_REPORTERS(ENTRY) };
#undef ENTRY

/* The other messages a reporter chooses from its facts. */
static const struct death *const variants[] = {
	&death_free_misaligned_realloc,	   &death_double_free_fast,
	&death_mmap_bad_mapping_remap,	   &death_next_header_fast,
	&death_next_header_realloc,	   &death_fastbin_entry_consolidating,
	&death_fastbin_next_consolidating, &death_top_size_checksum_good,
	&death_use_after_free_unmapped,	   &death_freed_fill_at_exit,
	&death_access_outside_underflow,   &death_access_freed_quarantined,
};

#define GLIBC_PREFIX "  glibc 2.36 reports this as: "

/* Everything a diagnostic at check=3 must be, for d. */
static void expect_death(const struct death *d)
{
	struct outcome o;
	char buf[1024], want[1024];
	run(d->call, 3, NULL, &o);
	if (!died_of_sigabrt(&o))
		fail_msg("%s: status 0x%x, not SIGABRT; wrote:\n%s", d->name, o.status, o.out);
	const char *l = line(&o, 0, buf, sizeof(buf));
	if (l == NULL || strcmp(l, d->first) != 0)
		fail_msg("%s: first line\n  %s\nexpected\n  %s", d->name, l ? l : "(none)",
			 d->first);
	snprintf(want, sizeof(want), "  %s", d->detail);
	l = line(&o, 1, buf, sizeof(buf));
	if (l == NULL || strcmp(l, want) != 0)
		fail_msg("%s: second line\n%s\nexpected\n%s", d->name, l ? l : "(none)", want);
	const char *glibc = strstr(o.out, "\n" GLIBC_PREFIX);
	if (d->glibc == NULL) {
		if (glibc != NULL)
			fail_msg("%s: a glibc line where glibc has none:\n%s", d->name, o.out);
	} else {
		snprintf(want, sizeof(want), GLIBC_PREFIX "%s", d->glibc);
		l = line(&o, -2, buf, sizeof(buf));
		if (l == NULL || strcmp(l, want) != 0)
			fail_msg("%s: next to last line\n%s\nexpected\n%s", d->name,
				 l ? l : "(none)", want);
	}
	l = line(&o, -1, buf, sizeof(buf));
	if (l == NULL || strcmp(l, "heapguard: aborting (check=3)") != 0)
		fail_msg("%s: last line %s", d->name, l ? l : "(none)");
	if (o.writes != 1)
		fail_msg("%s: written in %u writes, not one", d->name, o.writes);
	if (o.before_abort != 1)
		fail_msg("%s: the before-abort hook ran %u times", d->name, o.before_abort);
	if (o.mallocs != 0)
		fail_msg("%s: %u calls of malloc, calloc or realloc", d->name, o.mallocs);
}

static void test_every_reporter_dies_with_its_message(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(reporters) / sizeof(reporters[0]); i++)
		expect_death(reporters[i]);
}

static void test_every_variant_dies_with_its_glibc_message(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		expect_death(variants[i]);
}

/* Every check hg_diag_bin_link names: its sentence and glibc's. */
static const char *const bin_expected[HG_DIAG_BIN_COUNT][2] = {
	[HG_DIAG_UNSORTED_HEAD] = { "the unsorted bin's first chunk does not link back to the bin",
				    "free(): corrupted unsorted chunks" },
	[HG_DIAG_UNSORTED_SIZE] = { "the unsorted bin's oldest chunk does not hold up (header, "
				    "links "
				    "or boundary tag)",
				    "malloc(): invalid size (unsorted)" },
	[HG_DIAG_UNSORTED_NEXT_SIZE] = { "the unsorted bin's oldest chunk does not hold up "
					 "(header, "
					 "links or boundary tag)",
					 "malloc(): invalid next size (unsorted)" },
	[HG_DIAG_UNSORTED_PREV_SIZE] = { "the unsorted bin's oldest chunk does not hold up "
					 "(header, "
					 "links or boundary tag)",
					 "malloc(): mismatching next->prev_size (unsorted)" },
	[HG_DIAG_UNSORTED_LINKS] = { "the unsorted bin's oldest chunk does not hold up (header, "
				     "links "
				     "or boundary tag)",
				     "malloc(): unsorted double linked list corrupted" },
	[HG_DIAG_UNSORTED_PREV_INUSE] = { "the unsorted bin's oldest chunk does not hold up "
					  "(header, "
					  "links or boundary tag)",
					  "malloc(): invalid next->prev_inuse (unsorted)" },
	[HG_DIAG_SMALL_HEAD] = { "a small bin's first chunk does not link back to the bin",
				 "malloc(): smallbin double linked list corrupted" },
	[HG_DIAG_SMALL_TAIL] = { "a small bin's last chunk or its back link does not hold up",
				 "malloc(): smallbin double linked list corrupted" },
	[HG_DIAG_LARGE_FIRST] = { "a large bin's first chunk does not verify",
				  "malloc(): largebin double linked list corrupted (nextsize)" },
	[HG_DIAG_LARGE_SIZE_WALK] = { "a large bin's size list leads to something that is not a "
				      "free chunk",
				      "malloc(): largebin double linked list corrupted "
				      "(nextsize)" },
	[HG_DIAG_LARGE_SIZES] = { "a large bin's size list does not link back to its largest chunk",
				  "malloc(): largebin double linked list corrupted (nextsize)" },
	[HG_DIAG_LARGE_LINKS] = { "a large bin's links do not hold together",
				  "malloc(): largebin double linked list corrupted (bk)" },
};

static enum hg_diag_bin bin_check;

static void call_bin_check(void)
{
	hg_diag_bin_link(MEM, "malloc", bin_check);
}

static void test_every_bin_check_dies_with_its_message(void **state)
{
	(void)state;
	for (unsigned i = 0; i < HG_DIAG_BIN_COUNT; i++) {
		char name[32];
		snprintf(name, sizeof(name), "bin_link check %u", i);
		if (bin_expected[i][0] == NULL)
			fail_msg("%s has no expected message in this test", name);
		bin_check = (enum hg_diag_bin)i;
		struct death d = { name, call_bin_check,
				   "heapguard: freelist-corruption of 0x7f0000001010 in malloc()",
				   bin_expected[i][0], bin_expected[i][1] };
		expect_death(&d);
	}
}

/* The list and the declarations agree: every HG_REPORTER declaration of
 * diag.h is a listed name, and every listed name is declared. */
static void test_every_declared_reporter_is_listed(void **state)
{
	(void)state;
	static char text[65536];
	int fd = open(HG_TOP_SRCDIR "/base/diag.h", O_RDONLY);
	assert_true(fd >= 0);
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	assert_true(n > 0 && (size_t)n < sizeof(text) - 1);
	text[n] = '\0';
	const char *decl = "\nHG_REPORTER void hg_diag_";
	size_t declared = 0;
	for (const char *p = text; (p = strstr(p, decl)) != NULL; p++)
		declared++;
	size_t listed = sizeof(reporters) / sizeof(reporters[0]);
	if (declared != listed)
		fail_msg("base/diag.h declares %zu reporters, HG_DIAG_REPORTERS lists %zu",
			 declared, listed);
	for (size_t i = 0; i < listed; i++) {
		char want[128];
		snprintf(want, sizeof(want), "%s%s(", decl, reporters[i]->name);
		if (strstr(text, want) == NULL)
			fail_msg("hg_diag_%s is listed but not declared with HG_REPORTER",
				 reporters[i]->name);
	}
}

/* ---- one whole diagnostic ---- */

static void test_whole_diagnostic_is_exact(void **state)
{
	(void)state;
	char comm[17] = "";
	prctl(PR_GET_NAME, comm, 0, 0, 0); /* the child keeps it */
	struct outcome o;
	run(call_double_free_quarantined, 3, NULL, &o);
	assert_true(died_of_sigabrt(&o));
	char want[4096];
	snprintf(want, sizeof(want),
		 "heapguard: double-free of 0x7f0000001010" BOUNDS " in free()\n"
		 "  the chunk was already freed and is in the quarantine\n"
		 "  thread 1 (%s, tid %d):\n"
		 "    #0 0x401000 in stub+0x0 (test_diag+0x1000)\n"
		 "    #1 0x402000 in stub+0x0 (test_diag+0x2000)\n"
		 "  freed by thread 2:\n"
		 "    #0 0x401200 in stub+0x200 (test_diag+0x1200)\n"
		 "    #1 0x402200 in stub+0x200 (test_diag+0x2200)\n"
		 "  allocated by thread 1:\n"
		 "    #0 0x401100 in stub+0x100 (test_diag+0x1100)\n"
		 "    #1 0x402100 in stub+0x100 (test_diag+0x2100)\n"
		 "  glibc 2.36 reports this as: free(): double free detected in tcache 2\n"
		 "heapguard: aborting (check=3)\n",
		 comm, (int)o.pid);
	assert_string_equal(o.out, want);
}

/* A write after free: its modified range and bytes, the freed block's
 * owners and the block below it, named as the likely writer. */
static void report_write_after_free(void)
{
	static const unsigned char found[] = { 0x41, 0xdf, 0x42 };
	show_below = true;
	hg_diag_freed_fill(MEM, CHUNK, "free", 3, 5, found, 0xdf);
}

static void test_write_after_free_names_bytes_and_writer(void **state)
{
	(void)state;
	char comm[17] = "";
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	struct outcome o;
	run(report_write_after_free, 3, NULL, &o);
	assert_true(died_of_sigabrt(&o));
	char want[4096];
	snprintf(want, sizeof(want),
		 "heapguard: write-after-free of 0x7f0000001010" BOUNDS " in free()\n"
		 "  byte at offset 3 of the freed block is 0x41, expected the fill 0xdf\n"
		 "  modified: offsets 3..5 of the freed block (3 bytes)\n"
		 "  found: 41 df 42\n"
		 "  thread 1 (%s, tid %d):\n"
		 "    #0 0x401000 in stub+0x0 (test_diag+0x1000)\n"
		 "    #1 0x402000 in stub+0x0 (test_diag+0x2000)\n"
		 "  freed by thread 2:\n"
		 "    #0 0x401200 in stub+0x200 (test_diag+0x1200)\n"
		 "    #1 0x402200 in stub+0x200 (test_diag+0x2200)\n"
		 "  allocated by thread 1:\n"
		 "    #0 0x401100 in stub+0x100 (test_diag+0x1100)\n"
		 "    #1 0x402100 in stub+0x100 (test_diag+0x2100)\n"
		 "  the block below, likely the writer: 40 bytes (chunk 0x7f0000000fd0..0x7f0000001000, 48 bytes) allocated by thread 1 at:\n"
		 "    #0 0x401100 in stub+0x100 (test_diag+0x1100)\n"
		 "    #1 0x402100 in stub+0x100 (test_diag+0x2100)\n"
		 "heapguard: aborting (check=3)\n",
		 comm, (int)o.pid);
	assert_string_equal(o.out, want);
}

/* A header that does not verify: the chunk is not described on the first
 * line, but its owners (recorded out of its reach) are shown, and for the
 * header of the chunk after the one freed, under its own heading. */
static void report_next_header(void)
{
	show_below = true;
	hg_diag_next_header(MEM, "free", AT(0x7f0000001030), false);
}

static void report_overrun(void)
{
	show_below = true;
	hg_diag_trailer(MEM, CHUNK, "free", 52);
}

static void report_long_write_after_free(void)
{
	static unsigned char found[100];
	memset(found, 0x43, sizeof(found));
	show_below = true;
	hg_diag_freed_fill(MEM, CHUNK, "free", 8, 107, found, 0xdf);
}

static void test_broken_header_names_owners_and_writer(void **state)
{
	(void)state;
	struct outcome o;
	run(report_next_header, 3, NULL, &o);
	assert_true(died_of_sigabrt(&o));
	assert_non_null(strstr(o.out, "\n  the damaged chunk at 0x7f0000001030:\n"
				      "  freed by thread 2:\n"));
	assert_non_null(strstr(o.out, "\n  allocated by thread 1:\n"));
	assert_non_null(strstr(o.out, "\n  the block below, likely the writer: 40 bytes (chunk "
				      "0x7f0000000fd0..0x7f0000001000, 48 bytes) allocated by thread 1 at:\n"));
	/* a long modified range: 32 bytes shown, the rest counted */
	run(report_long_write_after_free, 3, NULL, &o);
	assert_non_null(strstr(o.out, "\n  modified: offsets 8..107 of the freed block (100 bytes)\n"
				      "  found: 43 43 43 43 43 43 43 43 43 43 43 43 43 43 43 43 43 43 43 43 "
				      "43 43 43 43 43 43 43 43 43 43 43 43 ... (68 more)\n"));
	/* an overflow of the block itself: the block below is shown, not blamed */
	run(report_overrun, 3, NULL, &o);
	assert_non_null(strstr(o.out, "\n  the block below: 40 bytes (chunk 0x7f0000000fd0..0x7f0000001000, "
				      "48 bytes) allocated by thread 1 at:\n"));
	assert_null(strstr(o.out, "likely the writer"));
}

/* Three stacks of 64 long frames do not fit the writer's buffer: frames
 * are left out whole, and the glibc line and the last line are kept. */
static void report_deep_stacks(void)
{
	hg_config.options.depth = 64;
	deep_stacks = true;
	hg_diag_double_free_quarantined(MEM, CHUNK, "free");
}

static void test_deep_stacks_never_cut_the_last_lines(void **state)
{
	(void)state;
	struct outcome o;
	char buf[1024];
	run(report_deep_stacks, 3, NULL, &o);
	assert_true(died_of_sigabrt(&o));
	assert_int_equal(o.writes, 1);
	assert_true(o.len > 8192); /* the stacks did fill the buffer */
	assert_string_equal(line(&o, 0, buf, sizeof(buf)), death_double_free_quarantined.first);
	assert_string_equal(line(&o, -2, buf, sizeof(buf)),
			    GLIBC_PREFIX "free(): double free detected in tcache 2");
	assert_string_equal(line(&o, -1, buf, sizeof(buf)), "heapguard: aborting (check=3)");
	/* Every frame line is whole. */
	for (int i = 0; line(&o, i, buf, sizeof(buf)) != NULL; i++)
		if (strncmp(buf, "    #", 5) == 0 && buf[strlen(buf) - 1] != ')')
			fail_msg("line %d is cut: %s", i, buf);
}

/* ---- check= ---- */

static void test_check1_prints_and_returns(void **state)
{
	(void)state;
	struct outcome o;
	char buf[1024];
	run(call_double_free_quarantined, 1, NULL, &o);
	assert_true(exited_0(&o));
	assert_string_equal(line(&o, 0, buf, sizeof(buf)), death_double_free_quarantined.first);
	assert_string_equal(line(&o, -2, buf, sizeof(buf)),
			    GLIBC_PREFIX "free(): double free detected in tcache 2");
	assert_string_equal(line(&o, -1, buf, sizeof(buf)),
			    "heapguard: continuing (check=1): the chunk is isolated");
	assert_int_equal(o.writes, 1);
	assert_int_equal(o.before_abort, 0);
	assert_int_equal(o.mallocs, 0);
}

/* At check=1: the same kind at the same address again (from the same or
 * another reporter) prints nothing; another address or another kind does. */
static void report_repeatedly(void)
{
	hg_diag_double_free_quarantined(MEM, CHUNK, "free");
	hg_diag_double_free_quarantined(MEM, CHUNK, "free");
	hg_diag_double_free(MEM, CHUNK, "free", false); /* same kind, same address */
	hg_diag_double_free_quarantined(AT(0x7f0000002010), CHUNK, "free"); /* another address */
	hg_diag_freed_header(MEM, "free", 0x51);			    /* another kind */
	hg_diag_freed_header(MEM, "free", 0x52);
	if (hg_errors_reported != 3)
		_exit(3);
}

static void test_each_kind_and_address_is_reported_once(void **state)
{
	(void)state;
	struct outcome o;
	run(report_repeatedly, 1, NULL, &o);
	assert_true(exited_0(&o));
	assert_int_equal(o.writes, 3);
	const char *first[3] = { "heapguard: double-free of 0x7f0000001010",
				 "heapguard: double-free of 0x7f0000002010",
				 "heapguard: write-after-free of 0x7f0000001010" };
	const char *p = o.out;
	for (int i = 0; i < 3; i++) {
		assert_non_null(p);
		assert_memory_equal(p, first[i], strlen(first[i]));
		p = strstr(p, "heapguard: continuing (check=1): the chunk is isolated\n");
		assert_non_null(p);
		p = strchr(p, '\n') + 1;
	}
	assert_string_equal(p, "");
}

static void test_check2_aborts_silently(void **state)
{
	(void)state;
	struct outcome o;
	run(call_canary, 2, NULL, &o);
	assert_true(died_of_sigabrt(&o));
	assert_int_equal(o.len, 0);
	assert_int_equal(o.before_abort, 1);
}

static void report_silently(void)
{
	hg_diag_canary(MEM, CHUNK, "free", 40, 41, 0x79, 0xa5);
	hg_diag_canary(MEM, CHUNK, "free", 40, 41, 0x79, 0xa5);
	if (hg_errors_reported != 1) /* counted, once */
		_exit(3);
}

static void test_check0_returns_silently(void **state)
{
	(void)state;
	struct outcome o;
	run(report_silently, 0, NULL, &o);
	assert_true(exited_0(&o));
	assert_int_equal(o.len, 0);
	assert_int_equal(o.before_abort, 0);
}

/* ---- log= ---- */

static void test_log_file_gets_the_same_bytes(void **state)
{
	(void)state;
	char path[] = "/tmp/test_diag.log.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct outcome o;
	run(report_repeatedly, 1, path, &o);
	bool first_ok = exited_0(&o);
	run(call_trailer, 3, path, &o); /* appended, and written before the abort */
	static char logged[65536];
	fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, logged, sizeof(logged) - 1) : -1;
	close(fd);
	unlink(path); /* before any assertion can return */
	assert_true(first_ok);
	assert_true(died_of_sigabrt(&o));
	assert_true(n > 0);
	logged[n] = '\0';
	/* The second run's bytes end the file, exactly. */
	assert_true((size_t)n > o.len);
	assert_string_equal(logged + (size_t)n - o.len, o.out);
	assert_memory_equal(logged, "heapguard: double-free of 0x7f0000001010",
			    strlen("heapguard: double-free of 0x7f0000001010"));
}

/* ---- the malloc watch itself ---- */

static void allocate_inside(void)
{
	void *(*volatile allocate)(size_t) = malloc; /* not optimised away */
	free(allocate(16));
}

/* Without this, "no malloc" above could pass because nothing watched. */
static void test_malloc_inside_a_reporter_would_be_seen(void **state)
{
	(void)state;
	struct outcome o;
	run(allocate_inside, 3, NULL, &o);
	assert_true(exited_0(&o));
	assert_int_equal(o.mallocs, 1);
}

static int setup(void **state)
{
	(void)state;
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		      0);
	if (shared == MAP_FAILED)
		return -1;
	hg_config_load(&hg_config, NULL, false);
	return watch_malloc() ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_reporter_dies_with_its_message),
		cmocka_unit_test(test_every_variant_dies_with_its_glibc_message),
		cmocka_unit_test(test_every_bin_check_dies_with_its_message),
		cmocka_unit_test(test_every_declared_reporter_is_listed),
		cmocka_unit_test(test_whole_diagnostic_is_exact),
		cmocka_unit_test(test_write_after_free_names_bytes_and_writer),
		cmocka_unit_test(test_broken_header_names_owners_and_writer),
		cmocka_unit_test(test_deep_stacks_never_cut_the_last_lines),
		cmocka_unit_test(test_check1_prints_and_returns),
		cmocka_unit_test(test_each_kind_and_address_is_reported_once),
		cmocka_unit_test(test_check2_aborts_silently),
		cmocka_unit_test(test_check0_returns_silently),
		cmocka_unit_test(test_log_file_gets_the_same_bytes),
		cmocka_unit_test(test_malloc_inside_a_reporter_would_be_seen),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
