/* SPDX-License-Identifier: MIT */
/* The seed's loop: N x malloc(100)/free.  Usage: seedloop [N] */
#include "bench.h"

int main(int argc, char **argv)
{
	long n = bench_arg(argc, argv, 1, 1000000);
	uint64_t start = bench_now_ns();
	for (long i = 0; i < n; i++) {
		/* volatile: the compiler may not drop the pair */
		char *volatile p = bench_check(malloc(100));
		p[0] = (char)i;
		free(p);
	}
	bench_report(n, start);
	return 0;
}
