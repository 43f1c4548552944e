/* SPDX-License-Identifier: MIT */
/* A small printf subset that writes into a caller's buffer; see fmt.h. */
#include "fmt.h"

#include <stdbool.h>
#include <stdint.h>

#include "os.h"

struct hg_out {
	char *buf;
	size_t len; /* capacity, including the NUL */
	size_t pos;
};

static void put(struct hg_out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos++] = c;
}

static void put_padded(struct hg_out *o, const char *s, size_t n, int width, bool left,
		       char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;
	if (!left)
		while (fill-- > 0)
			put(o, pad);
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static size_t utoa(char *tmp, uint64_t v, unsigned base)
{
	size_t n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	for (size_t i = 0; i < n / 2; i++) {
		char c = tmp[i];
		tmp[i] = tmp[n - 1 - i];
		tmp[n - 1 - i] = c;
	}
	return n;
}

size_t hg_vfmt(char *buf, size_t len, const char *fmt, va_list ap)
{
	struct hg_out o = { buf, len, 0 };
	if (len == 0)
		return 0;
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f++;
		bool left = false;
		char pad = ' ';
		for (; *f == '-' || *f == '0'; f++) {
			if (*f == '-')
				left = true;
			else
				pad = '0';
		}
		int width = 0;
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (*f++ - '0');
		int longs = 0;
		while (*f == 'l' || *f == 'z') {
			longs++;
			f++;
		}
		char tmp[24];
		switch (*f) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			size_t n = 0;
			while (s[n])
				n++;
			put_padded(&o, s, n, width, left, ' ');
			break;
		}
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			put_padded(&o, tmp, 1, width, left, ' ');
			break;
		case 'd':
		case 'i': {
			int64_t v = longs ? va_arg(ap, long) : va_arg(ap, int);
			uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
			size_t n = 0;
			if (v < 0)
				tmp[n++] = '-';
			n += utoa(tmp + n, u, 10);
			put_padded(&o, tmp, n, width, left, pad);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			put_padded(&o, tmp, utoa(tmp, v, *f == 'x' ? 16 : 10), width, left, pad);
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			tmp[0] = '0';
			tmp[1] = 'x';
			put_padded(&o, tmp, 2 + utoa(tmp + 2, v, 16), width, left, ' ');
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default: /* unknown conversion: print it literally, consume nothing */
			put(&o, '%');
			if (*f)
				put(&o, *f);
			else
				f--;
			break;
		}
	}
	o.buf[o.pos] = '\0';
	return o.pos;
}

size_t hg_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = hg_vfmt(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

void hg_fmt_fd(int fd, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	size_t n = hg_vfmt(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	hg_os_write(fd, buf, n);
}
