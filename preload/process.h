/* SPDX-License-Identifier: MIT */
/* The process's life: fork handlers, registered by lib/ when the heap
 * starts, and a thread's exit (through hg_lib_hooks, preload/hooks.c). */
#ifndef HG_PROCESS_H
#define HG_PROCESS_H

/* Every layer's locks, taken before fork() in one order and released (or
 * reset, in the child) after it, so that neither process sees a structure
 * in the middle of an update. */
void hg_process_fork_prepare(void);
void hg_process_fork_parent(void);
void hg_process_fork_child(void);

/* A thread is exiting (its cache still works): level=full's quarantine
 * batch and peak counts, and its stack memos, handed on. */
void hg_process_thread_exit(void);

#endif
