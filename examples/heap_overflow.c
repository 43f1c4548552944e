/* SPDX-License-Identifier: MIT */
/* heap-overflow: one byte is written past the end of a 40-byte block.
 * At level=full (the default) the bytes after the requested size hold a
 * canary, checked when the block is freed: heapguard reports heap-overflow.
 * heapguard-demo: --no-run
 * heapguard-demo-expect: 134 (SIGABRT: heapguard stops the program at the heap error, check=3) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	size_t n = 40;
	char *buf = malloc(n);

	if (buf == NULL)
		return 1;
	memset(buf, 'x', n); /* fine: bytes 0..39 */
	buf[n] = '\0';	     /* BUG: byte 40 is one past the end */
	printf("wrote 1 byte past the end of a %zu-byte block at %p\n", n, (void *)buf);
	fflush(stdout);
	free(buf); /* heapguard checks the canary here */
	puts("not reached under heapguard (check=3)");
	return 0;
}
