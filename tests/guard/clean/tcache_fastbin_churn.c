/* SPDX-License-Identifier: MIT */
/* Legal churn through every bin: tcache overflow into fastbins, fastbin
 * consolidation by a large request, unsorted sorting into small and large
 * bins, merging into top, in many rounds. */
#include <stdlib.h>
#include <string.h>

int main(void)
{
	static const size_t sizes[] = {24, 56, 120, 400, 1100, 3000, 9000};
	void *p[7][20];
	for (int round = 0; round < 50; round++) {
		for (int s = 0; s < 7; s++)
			for (int i = 0; i < 20; i++) {
				p[s][i] = malloc(sizes[s]);
				memset(p[s][i], round, sizes[s]);
			}
		for (int s = 0; s < 7; s++)
			for (int i = round % 2; i < 20; i += 2)
				free(p[s][i]);
		free(malloc(70000)); /* consolidates, sorts */
		for (int s = 6; s >= 0; s--)
			for (int i = 1 - round % 2; i < 20; i += 2)
				free(p[s][i]);
	}
	return 0;
}
