/* SPDX-License-Identifier: MIT */
/* --gen-suppressions: a ready-to-paste "leak:PATTERN" line for a stack, the
 * innermost function that is not an allocation function (so the line names
 * the code that leaked, not malloc or a wrapper of it) and was not inlined
 * (the library's suppressions= knows only the functions of the ELF symbol
 * table: a line naming an inlined one would suppress nothing there), and
 * the text output made a suppressions file: each line of the view a
 * comment, each generated rule a line of its own. */
#include <stdlib.h>
#include <string.h>

#include "output.h"

bool hg_is_allocator_function(const char *function)
{
	static const char *const exact[] = {
		"malloc",   "calloc",	      "realloc",       "reallocarray", "free",
		"memalign", "posix_memalign", "aligned_alloc", "valloc",       "pvalloc",
		"strdup",   "strndup",	      "__strdup",      "__strndup",    "wcsdup",
		"xmalloc",  "xcalloc",	      "xrealloc",      "xstrdup",
	};
	static const char *const prefixes[] = { "operator new", "operator delete", "__libc_",
						"heapguard_" };
	size_t i;

	if (!function)
		return false;
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(function, exact[i]) == 0)
			return true;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(function, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static const char *hg_base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

const char *hg_supp_pattern_for(const struct hg_leaks *r, const struct hg_symbolizer *sym,
				uint32_t stack)
{
	const struct hg_leak_frame *frames;
	unsigned i, j, count;

	frames = hg_leaks_stack(r, stack, &count);
	for (i = 0; i < count; i++) {
		const struct hg_sym_frame *sf = hg_sym_frame(sym, (size_t)(frames - r->frames) + i);

		for (j = 0; j < sf->count; j++)
			if (sf->entries[j].function && !sf->entries[j].inlined &&
			    !hg_is_allocator_function(sf->entries[j].function))
				return sf->entries[j].function;
	}
	/* Nothing symbolized: the module of the innermost frame that has one. */
	for (i = 0; i < count; i++)
		if (frames[i].module != HG_NO_MODULE && *r->modules[frames[i].module].path)
			return hg_base_of(r->modules[frames[i].module].path);
	return NULL;
}

void hg_put_supp_line(FILE *out, const struct hg_leaks *r, const struct hg_symbolizer *sym,
		      uint32_t stack)
{
	const char *pattern = hg_supp_pattern_for(r, sym, stack);

	if (!pattern) {
		fputs("(no function or module known: no suppression)\n", out);
		return;
	}
	putc(HG_SUPP_MARK, out);
	fputs("leak:", out);
	hg_put_text(out, pattern);
	putc('\n', out);
}

void hg_put_json_suppression(FILE *out, const struct hg_leaks *r, const struct hg_symbolizer *sym,
			     uint32_t stack)
{
	const char *pattern = hg_supp_pattern_for(r, sym, stack);

	fputs(",\"suppression\":", out);
	if (!pattern) {
		fputs("null", out);
		return;
	}
	fputs("\"leak:", out);
	hg_put_json_string_body(out, pattern);
	putc('"', out);
}

FILE *hg_gen_supp_begin(char **buf, size_t *size)
{
	*buf = NULL;
	*size = 0;
	return open_memstream(buf, size);
}

void hg_gen_supp_end(FILE *out, FILE *mem, char **bufp)
{
	char *line, *next, *buf;

	if (fclose(mem) != 0 || !(buf = *bufp)) {
		free(*bufp);
		return;
	}
	for (line = buf; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (*line == HG_SUPP_MARK)
			fwrite(line + 1, 1, (size_t)(next - line - 1), out);
		else if (*line == '\n')
			fputs("#\n", out);
		else {
			fputs("# ", out);
			fwrite(line, 1, (size_t)(next - line), out);
		}
	}
	free(buf);
}
