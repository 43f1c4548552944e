/* SPDX-License-Identifier: MIT */
/* verbose=1: heapguard prints its effective configuration at start-up.
 * Every glibc malloc parameter and heapguard option is listed with the source
 * of its value (default, MALLOC_*, GLIBC_TUNABLES, HEAPGUARD_OPTIONS).
 * heapguard-demo: --no-run --verbose=1
 * heapguard-demo-env: MALLOC_TOP_PAD_=262144 GLIBC_TUNABLES=glibc.malloc.tcache_count=3 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	char *greeting = malloc(32);

	if (greeting == NULL)
		return 1;
	strcpy(greeting, "hello from the heapguard heap");
	puts(greeting);
	free(greeting);
	return 0;
}
