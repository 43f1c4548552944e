/* SPDX-License-Identifier: MIT */
/* Branch hints and symbol visibility, shared by every in-process layer. */
#ifndef HG_COMPILER_H
#define HG_COMPILER_H

#define HG_LIKELY(x) __builtin_expect(!!(x), 1)
#define HG_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HG_HIDDEN __attribute__((visibility("hidden")))

#endif
