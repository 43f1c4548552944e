/* SPDX-License-Identifier: MIT */
/* Calls that fail with an errno but are not heap misuse, so they must not
 * produce a diagnostic: huge malloc/realloc/calloc, bad alignments. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	void *p = NULL;
	int bad = 0;
	errno = 0;
	bad |= malloc(SIZE_MAX - 100) != NULL || errno != ENOMEM;
	char *q = malloc(10);
	memset(q, 1, 10);
	errno = 0;
	bad |= realloc(q, SIZE_MAX / 2 + 1) != NULL || errno != ENOMEM;
	free(q); /* still valid after a failed realloc */
	bad |= posix_memalign(&p, 3, 10) != EINVAL;
	bad |= posix_memalign(&p, 4, 10) != EINVAL; /* < sizeof(void *) */
	errno = 0;
	bad |= memalign(SIZE_MAX / 2 + 1, 10) != NULL && errno == 0;
	errno = 0;
	bad |= calloc(SIZE_MAX / 16, 32) != NULL || errno != ENOMEM;
	errno = 0;
	bad |= valloc(SIZE_MAX - 4096) != NULL;
	return bad;
}
