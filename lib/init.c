/* SPDX-License-Identifier: MIT */
/* Start-up of the heap: the first malloc call (often from the dynamic
 * loader, before any constructor) loads the configuration, seeds the secrets
 * and sets up the main arena.  Nothing here may allocate.  The rest of the
 * process's life (constructor, fork, exit) is preload/process.c's. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "../base/compiler.h"
#include "hooks.h"
#include "internal.h"
#include "usage.h"

HG_START_STATE struct hg_mparams hg_mp;
HG_START_STATE bool hg_ready;
HG_START_STATE uintptr_t hg_link_secret;
__thread struct hg_thread hg_self __attribute__((tls_model("initial-exec")));

HG_START_STATE static struct hg_lock init_lock = HG_LOCK_INIT;

/* The fork handlers, registered as the main program's (no DSO handle), not
 * with pthread_atfork: that passes this library's __dso_handle, and glibc's
 * __cxa_finalize unregisters a library's fork handlers when its destructors
 * run -- before the exit reports, which hold the heap's locks while other
 * threads may still fork (a child would inherit them held). */
extern int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void),
			     void *dso_handle);
extern char **environ;

/* When malloc runs before libc has set environ, the variables we read come
 * from /proc into static storage (the largest single environment string
 * the kernel accepts is 128 KiB). */
static char *const *early_environment(void)
{
	static char buf[256 * 1024];
	static char *envp[256];
	int fd = open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	hg_env_read(fd, buf, sizeof(buf), envp, sizeof(envp) / sizeof(envp[0]));
	close(fd);
	return envp;
}

/* The fast paths' one test: anything that needs the slow paths is on. */
static void update_slow_paths(void)
{
	hg_mp.slow_paths = hg_mp.full || hg_mp.perturb || hg_mp.poll;
}

/* What each parameter of base/params.def means to this heap, one function
 * per line of the table (named for its ID: a parameter added there does not
 * build until it has one). */
static void apply_CHECK(size_t v)
{
	(void)v; /* base/config.c: the check option carries it */
}
static void apply_TOP_PAD(size_t v)
{
	hg_mp.top_pad = v;
}
static void apply_PERTURB(size_t v)
{
	hg_mp.perturb = (int)v;
}
static void apply_MMAP_THRESHOLD(size_t v)
{
	hg_mp.mmap_threshold = v;
}
static void apply_TRIM_THRESHOLD(size_t v)
{
	hg_mp.trim_threshold = v;
}
static void apply_MMAP_MAX(size_t v)
{
	hg_mp.mmap_max = v > 0x7fffffff ? 0x7fffffff : (int)v;
}
static void apply_ARENA_MAX(size_t v)
{
	hg_mp.arena_max = v;
}
static void apply_ARENA_TEST(size_t v)
{
	hg_mp.arena_test = v;
}
static void apply_TCACHE_MAX(size_t v)
{
	/* As glibc: the bins up to the chunk size a request of v needs. */
	hg_mp.tcache_bins = hg_tcache_index(hg_request2size(v)) + 1;
}
static void apply_TCACHE_COUNT(size_t v)
{
	hg_mp.tcache_count = v;
}
static void apply_TCACHE_UNSORTED_LIMIT(size_t v)
{
	hg_mp.tcache_unsorted_limit = v;
}
static void apply_MXFAST(size_t v)
{
	/* 0 disables fastbins: no chunk is as small as MINSIZE / 2. */
	hg_mp.max_fast = v == 0 ? HG_MINSIZE / 2 : (v + HG_SIZE_SZ) & ~HG_ALIGN_MASK;
}
static void apply_HUGETLB(size_t v)
{
	hg_mp.hugetlb = (int)v;
}

void hg_params_apply_one(enum hg_param which)
{
	static void (*const apply[HG_PARAM_COUNT])(size_t) = {
#define HG_PARAM(id, name, env, def, min, max, dyn, mallopt, rule, help) \
	[HG_PARAM_##id] = apply_##id,
#include "../base/params.def"
#undef HG_PARAM
	};
	if ((unsigned)which < HG_PARAM_COUNT)
		apply[which](hg_config.params.value[which]);
	update_slow_paths();
	/* Any explicit threshold or padding turns glibc's dynamic threshold off. */
	if (hg_params_no_dyn_threshold(&hg_config.params))
		hg_mp.no_dyn_threshold = true;
}

void hg_poll_request(bool on)
{
	hg_mp.poll = on;
	update_slow_paths();
}

static void seed_secret(void)
{
	uintptr_t s = 0;
	if (!hg_os_random(&s, sizeof(s)))
		s = (uintptr_t)&s ^ ((uintptr_t)&hg_mp << 17) ^ (uintptr_t)getpid() * 0x9e3779b97f4a7c15u;
	/* Keep the low bits zero so an encoded NULL stays recognisable only to
	 * us, and alignment checks on decoded links stay meaningful. */
	hg_link_secret = s & ~HG_ALIGN_MASK & 0x00007ffffffffff0u;
	if (!hg_os_random(&hg_checksum_key, sizeof(hg_checksum_key)))
		hg_checksum_key = s * 0xbf58476d1ce4e5b9u ^ (uintptr_t)&s;
	uint16_t mask = (uint16_t)(hg_checksum_key >> 48 ^ hg_checksum_key >> 7);
	hg_checksum_inuse_mask = mask ? mask : 0x5a3c;
}

/* level=full holds `quarantine` bytes of freed chunks out of reuse, so the
 * heap grows by about that much: grow (and keep before trimming) in steps
 * of a quarter of it rather than glibc's 128 KiB, or the quarantine's
 * ramp-up alone would cost dozens of brk calls.  (A larger step would leave
 * room in top for requests above the mmap threshold, which glibc maps.)
 * Explicit settings win. */
static void size_growth_for_quarantine(void)
{
	size_t step = (size_t)hg_config.options.quarantine / 4;
	const struct hg_params *p = &hg_config.params;
	if (!p->set[HG_PARAM_TOP_PAD] && hg_mp.top_pad < step) {
		hg_mp.top_pad = step;
		hg_mp.top_pad_raised = true;
	}
	/* Chunks leave the quarantine in bursts of up to its size: trimming
	 * below that makes the top grow and shrink on every burst. */
	if (!p->set[HG_PARAM_TRIM_THRESHOLD] && hg_mp.trim_threshold < 6 * step)
		hg_mp.trim_threshold = 6 * step;
}

void hg_init(void)
{
	hg_lock_acquire(&init_lock);
	if (hg_ready) {
		hg_lock_release(&init_lock);
		return;
	}
	hg_os_init();
	hg_os_map_own_code();
	hg_usage_start();
	char *const *envp = environ != NULL ? environ : early_environment();
	/* Set-user-ID and set-group-ID programs: not the environment, the
	 * administrator's file. */
	bool secure = getauxval(AT_SECURE) != 0;
	hg_config_load(&hg_config, envp, secure);
	if (secure)
		hg_config_load_secure(&hg_config, HG_SECURE_CONFIG);
	hg_mp.full = hg_config.options.level == HG_LEVEL_FULL;
	for (int i = 0; i < HG_PARAM_COUNT; i++)
		hg_params_apply_one((enum hg_param)i);
	hg_mp.start_perturb = (unsigned char)hg_mp.perturb;
	if (hg_mp.full)
		size_growth_for_quarantine();
	seed_secret();

	hg_arena_init(&hg_main_arena, 0);
	hg_main_arena.next = &hg_main_arena;
	hg_main_arena.attached_threads = 1;
	hg_self.arena = &hg_main_arena;
	hg_arena_setup_threads();
	__register_atfork(hg_lib_hooks.fork_prepare, hg_lib_hooks.fork_parent,
			  hg_lib_hooks.fork_child, NULL);
	hg_thread_activate(&hg_self);
	__atomic_store_n(&hg_ready, true, __ATOMIC_RELEASE);
	hg_lock_release(&init_lock);
	if (hg_config.options.verbose)
		hg_config_print(&hg_config, 2);
}
