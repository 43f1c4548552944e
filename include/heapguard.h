/* SPDX-License-Identifier: MIT */
/* heapguard's public API.  The malloc family itself is declared by <stdlib.h>
 * and <malloc.h>; this header declares only what heapguard adds.  Link with
 * `pkg-config --libs heapguard`, or load the library with LD_PRELOAD. */
#ifndef HEAPGUARD_H
#define HEAPGUARD_H

#ifdef __cplusplus
extern "C" {
#endif

#define HEAPGUARD_VERSION "0.1.0"

/* The library's version string, e.g. "0.1.0". */
const char *heapguard_version(void);

/* Later issues add heapguard_check_heap() (walk and verify the whole heap now)
 * and heapguard_report() (write the leak and fragmentation reports now). */

#ifdef __cplusplus
}
#endif

#endif
