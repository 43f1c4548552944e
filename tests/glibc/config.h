/* SPDX-License-Identifier: MIT
 * What glibc's generated config.h and libc-symbols.h give its support/
 * library and malloc tests, for building them out of tree against the
 * installed glibc (tests/glibc/check-glibc.py -include's this file). */
#ifndef HG_GLIBC_TESTS_CONFIG_H
#define HG_GLIBC_TESTS_CONFIG_H

/* configure --with-timeoutfactor; the TIMEOUTFACTOR variable still wins. */
#define TIMEOUTFACTOR 1

/* In-tree, glibc's internal headers see <limits.h> through libc-symbols.h. */
#include <limits.h>

/* Internal headers (scratch_buffer.h) declare hidden aliases for calls
 * made inside libc.so; a program calls the exported GLIBC_PRIVATE symbol. */
#define libc_hidden_proto(name, ...)

#endif
