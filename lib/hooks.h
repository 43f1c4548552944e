/* SPDX-License-Identifier: MIT */
/* The points where lib/ lets the layers above it act, without knowing
 * them: preload/ fills this table.  It is a constant, set at link time, so
 * it is in place before the first malloc (which the dynamic loader may make
 * before any constructor runs).  A NULL member does nothing. */
#ifndef HG_HOOKS_H
#define HG_HOOKS_H

struct hg_lib_hooks {
	/* fork(): registered with pthread_atfork when the heap starts.  The
	 * prepare handler takes lib/'s own locks (hg_arena_fork_prepare) last. */
	void (*fork_prepare)(void);
	void (*fork_parent)(void);
	void (*fork_child)(void);
	/* A thread is exiting; its cache still works. */
	void (*thread_exit)(void);
	/* The heap took memory from the system or gave it back, or the live
	 * total passed a mark: a slow path, where the timeline may sample. */
	void (*heap_changed)(void);
};

extern const struct hg_lib_hooks hg_lib_hooks;

#endif
