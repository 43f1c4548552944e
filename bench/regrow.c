/* SPDX-License-Identifier: MIT */
/* realloc growth of buffers, as string builders and vectors do: 64 buffers,
 * each grown step by step (small appends, sometimes doubling) from 16 bytes
 * up to a random final size of 256 B..64 KiB, then freed and started over.
 * Usage: regrow [reallocs] */
#include <string.h>

#include "bench.h"

#define BUFFERS 64

struct buffer {
	char *data;
	size_t size, limit;
};

static void restart(struct buffer *b, uint64_t *rng)
{
	b->size = 16;
	b->limit = (size_t)256 << bench_random(rng) % 9;
	b->data = bench_check(malloc(b->size));
	memset(b->data, 1, b->size);
}

int main(int argc, char **argv)
{
	long reallocs = bench_arg(argc, argv, 1, 4000000);
	uint64_t rng = 0x853c49e6748fea9bull;
	struct buffer buf[BUFFERS];
	long operations = 0;
	uint64_t start = bench_now_ns();
	for (int i = 0; i < BUFFERS; i++)
		restart(&buf[i], &rng);
	for (long i = 0; i < reallocs; i++) {
		uint64_t r = bench_random(&rng);
		struct buffer *b = &buf[r % BUFFERS];
		size_t grown = r >> 32 & 7 ? b->size + 1 + (r >> 8) % 256 : b->size * 2;
		b->data = bench_check(realloc(b->data, grown));
		b->data[grown - 1] = (char)i; /* the appended bytes are written */
		b->size = grown;
		operations++;
		if (b->size >= b->limit) {
			free(b->data);
			restart(b, &rng);
			operations++;
		}
	}
	for (int i = 0; i < BUFFERS; i++)
		free(buf[i].data);
	bench_report(operations, start);
	return 0;
}
