/* SPDX-License-Identifier: MIT */
/* write-after-free: a freed block is written to, then the heap is checked.
 * At level=full freed memory is filled with a pattern and held in a
 * quarantine; heapguard_check_heap() verifies the fill and reports
 * write-after-free.  The function is looked up at run time, so the program
 * also builds and runs without heapguard (it then just says so).
 * heapguard-demo: --no-run
 * heapguard-demo-expect: 134 (SIGABRT: heapguard stops the program at the heap error, check=3) */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <dlfcn.h>
#include <heapguard.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	int (*check_heap)(void);
	char *p = malloc(40);

	if (p == NULL)
		return 1;
	free(p);
	p[8] = 'X'; /* BUG: write into the block after free() */
	printf("wrote into %p after freeing it\n", (void *)p);
	fflush(stdout);
	/* heapguard_check_heap() is declared in <heapguard.h>; resolve it
	 * dynamically since this program is not linked to libheapguard. */
	*(void **)&check_heap = dlsym(RTLD_DEFAULT, "heapguard_check_heap");
	if (check_heap == NULL) {
		puts("not running under heapguard: no heap check");
		return 0;
	}
	printf("heapguard_check_heap() found %d error(s)\n", check_heap());
	return 0;
}
