/* SPDX-License-Identifier: MIT */
/* String building: a growing buffer doubled with realloc, strings split
 * into strndup'ed tokens, joined back with exact-size mallocs (n + 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	size_t cap = 1, len = 0;
	char *s = malloc(cap);
	s[0] = 0;
	for (int i = 0; i < 20000; i++) {
		char w[16];
		int k = snprintf(w, sizeof w, "w%d ", i);
		while (len + (size_t)k + 1 > cap)
			s = realloc(s, cap *= 2);
		memcpy(s + len, w, (size_t)k + 1);
		len += (size_t)k;
	}
	char **tok = malloc(20000 * sizeof *tok);
	size_t nt = 0;
	for (char *p = s; *p;) {
		char *e = strchr(p, ' ');
		tok[nt++] = strndup(p, (size_t)(e - p));
		p = e + 1;
	}
	for (size_t i = 0; i + 1 < nt; i += 2) {
		size_t a = strlen(tok[i]), b = strlen(tok[i + 1]);
		char *j = malloc(a + b + 1);
		memcpy(j, tok[i], a);
		memcpy(j + a, tok[i + 1], b + 1);
		free(tok[i]);
		tok[i] = j;
	}
	for (size_t i = 0; i < nt; i++)
		free(tok[i]);
	free(tok);
	free(s);
	return 0;
}
