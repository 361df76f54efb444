// SPDX-License-Identifier: MIT
/*
 * printf-style formatting (C11 7.21.6.1 semantics for the supported subset).
 *
 * Output goes through a bounded sink that keeps counting after the buffer is
 * full, so the return value is the length of the complete output, as C99
 * vsnprintf returns. No floating point, no %n (it writes through a pointer
 * taken from the argument list, which a logging path must never do).
 */
#include <stdarg.h>

#include "lib/format.h"
#include "lib/string.h"

/* Flags (C11 7.21.6.1p6). */
#define FL_LEFT	 (1u << 0) /* '-': pad on the right */
#define FL_ZERO	 (1u << 1) /* '0': pad numbers with zeros */
#define FL_PLUS	 (1u << 2) /* '+': always print a sign */
#define FL_SPACE (1u << 3) /* ' ': space where '+' would go */
#define FL_ALT	 (1u << 4) /* '#': 0x prefix, leading octal 0 */

/*
 * Width and precision are clamped so a hostile or mistyped format cannot
 * overflow the arithmetic; no real message needs a wider field.
 */
#define FMT_FIELD_MAX 65536

/* Enough for the longest 64-bit value: 22 octal digits. */
#define FMT_DIGITS_MAX 24

#define FMT_NULL_STR "(null)"

enum fmt_len {
	LEN_NONE,
	LEN_HH,
	LEN_H,
	LEN_L,
	LEN_LL,
	LEN_Z,
	LEN_J,
	LEN_T,
};

struct fmt_out {
	char *buf;
	size_t size;
	size_t pos; /* bytes the full output has so far, may exceed size */
};

struct fmt_spec {
	unsigned int flags;
	int width; /* 0: none */
	int prec;  /* -1: none */
	enum fmt_len len;
	char conv;
};

static void out_char(struct fmt_out *o, char c)
{
	/* The last byte of the buffer is reserved for the terminating NUL. */
	if (o->size && o->pos < o->size - 1)
		o->buf[o->pos] = c;
	o->pos++;
}

static void out_repeat(struct fmt_out *o, char c, int n)
{
	for (int i = 0; i < n; i++)
		out_char(o, c);
}

static void out_mem(struct fmt_out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out_char(o, s[i]);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Decimal number in the format string, saturated at FMT_FIELD_MAX. */
static int parse_field(const char **pp)
{
	const char *p = *pp;
	int v = 0;

	while (is_digit(*p)) {
		v = v * 10 + (*p - '0');
		if (v > FMT_FIELD_MAX)
			v = FMT_FIELD_MAX;
		p++;
	}
	*pp = p;
	return v;
}

/* Field width from a '*' argument: negative means '-' flag (7.21.6.1p5). */
static void set_star_width(struct fmt_spec *sp, int w)
{
	if (w < 0) {
		sp->flags |= FL_LEFT;
		/* -INT_MIN overflows; anything below -FMT_FIELD_MAX clamps anyway. */
		w = w < -FMT_FIELD_MAX ? FMT_FIELD_MAX : -w;
	}
	sp->width = MIN(w, FMT_FIELD_MAX);
}

/* Pad a field of content length n to the width. */
static int pad_len(const struct fmt_spec *sp, size_t n)
{
	return (size_t)sp->width > n ? sp->width - (int)n : 0;
}

static void emit_str(struct fmt_out *o, const struct fmt_spec *sp, const char *s)
{
	size_t n;

	if (!s)
		s = FMT_NULL_STR;
	/* With a precision the string need not be terminated (7.21.6.1p8). */
	n = sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s);

	if (!(sp->flags & FL_LEFT))
		out_repeat(o, ' ', pad_len(sp, n));
	out_mem(o, s, n);
	if (sp->flags & FL_LEFT)
		out_repeat(o, ' ', pad_len(sp, n));
}

static void emit_char(struct fmt_out *o, const struct fmt_spec *sp, char c)
{
	if (!(sp->flags & FL_LEFT))
		out_repeat(o, ' ', pad_len(sp, 1));
	out_char(o, c);
	if (sp->flags & FL_LEFT)
		out_repeat(o, ' ', pad_len(sp, 1));
}

/*
 * A number: [spaces][sign or 0x][zeros][digits][spaces]. mag is the
 * magnitude, neg its sign (only for signed conversions).
 */
static void emit_num(struct fmt_out *o, const struct fmt_spec *sp, uint64_t mag, bool neg)
{
	static const char lower[] = "0123456789abcdef";
	static const char upper[] = "0123456789ABCDEF";
	const char *digits = sp->conv == 'X' ? upper : lower;
	unsigned int base = 10;
	char tmp[FMT_DIGITS_MAX];
	char prefix[2];
	size_t nprefix = 0, ndig = 0;
	int zeros = 0, prec = sp->prec;
	size_t total;

	if (sp->conv == 'x' || sp->conv == 'X' || sp->conv == 'p')
		base = 16;
	else if (sp->conv == 'o')
		base = 8;

	/* Digits, least significant first; value 0 with precision 0 has none. */
	if (!(mag == 0 && prec == 0)) {
		do {
			tmp[ndig++] = digits[mag % base];
			mag /= base;
		} while (mag);
	}

	if (sp->conv == 'd' || sp->conv == 'i') {
		if (neg)
			prefix[nprefix++] = '-';
		else if (sp->flags & FL_PLUS)
			prefix[nprefix++] = '+';
		else if (sp->flags & FL_SPACE)
			prefix[nprefix++] = ' ';
	} else if (base == 16 && (sp->flags & FL_ALT) && ndig && !(ndig == 1 && tmp[0] == '0')) {
		/* '#' adds 0x only to a nonzero value; %p always has it. */
		prefix[nprefix++] = '0';
		prefix[nprefix++] = sp->conv == 'X' ? 'X' : 'x';
	} else if (sp->conv == 'p') {
		prefix[nprefix++] = '0';
		prefix[nprefix++] = 'x';
	}

	if (prec >= 0) {
		zeros = (size_t)prec > ndig ? prec - (int)ndig : 0;
	} else if ((sp->flags & FL_ZERO) && !(sp->flags & FL_LEFT)) {
		/* '0' flag: zeros fill the width; ignored with a precision. */
		if ((size_t)sp->width > nprefix + ndig)
			zeros = sp->width - (int)(nprefix + ndig);
	}
	/* '#' with octal: the first digit must be a 0 (raises the precision). */
	if (base == 8 && (sp->flags & FL_ALT) && zeros == 0 && (ndig == 0 || tmp[ndig - 1] != '0'))
		zeros = 1;

	total = nprefix + (size_t)zeros + ndig;
	if (!(sp->flags & FL_LEFT))
		out_repeat(o, ' ', pad_len(sp, total));
	out_mem(o, prefix, nprefix);
	out_repeat(o, '0', zeros);
	while (ndig)
		out_char(o, tmp[--ndig]);
	if (sp->flags & FL_LEFT)
		out_repeat(o, ' ', pad_len(sp, total));
}

/* Fetch a signed argument of the given length and reduce it to int64_t. */
static int64_t arg_signed(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		/* The signed type corresponding to size_t (7.21.6.1p7). */
		return (int64_t)va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_NONE:
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	case LEN_T:
		/* The unsigned type corresponding to ptrdiff_t. */
		return (uint64_t)va_arg(*ap, ptrdiff_t);
	case LEN_NONE:
	default:
		return va_arg(*ap, unsigned int);
	}
}

static const char *parse_length(const char *p, enum fmt_len *len)
{
	switch (*p) {
	case 'h':
		if (p[1] == 'h') {
			*len = LEN_HH;
			return p + 2;
		}
		*len = LEN_H;
		return p + 1;
	case 'l':
		if (p[1] == 'l') {
			*len = LEN_LL;
			return p + 2;
		}
		*len = LEN_L;
		return p + 1;
	case 'z':
		*len = LEN_Z;
		return p + 1;
	case 'j':
		*len = LEN_J;
		return p + 1;
	case 't':
		*len = LEN_T;
		return p + 1;
	default:
		*len = LEN_NONE;
		return p;
	}
}

static unsigned int parse_flag(char c)
{
	switch (c) {
	case '-':
		return FL_LEFT;
	case '0':
		return FL_ZERO;
	case '+':
		return FL_PLUS;
	case ' ':
		return FL_SPACE;
	case '#':
		return FL_ALT;
	default:
		return 0;
	}
}

/*
 * One conversion; p points just after the '%'. Returns the position after
 * the conversion. An unsupported conversion is copied through literally,
 * without consuming an argument.
 */
static const char *convert(struct fmt_out *o, const char *p, va_list *ap)
{
	const char *start = p - 1;
	struct fmt_spec sp = {.prec = -1};
	unsigned int fl;

	while ((fl = parse_flag(*p)) != 0) {
		sp.flags |= fl;
		p++;
	}

	if (*p == '*') {
		set_star_width(&sp, va_arg(*ap, int));
		p++;
	} else {
		sp.width = parse_field(&p);
	}

	if (*p == '.') {
		p++;
		if (*p == '*') {
			int prec = va_arg(*ap, int);

			/* A negative precision is taken as if omitted. */
			sp.prec = prec < 0 ? -1 : MIN(prec, FMT_FIELD_MAX);
			p++;
		} else {
			sp.prec = parse_field(&p);
		}
	}

	p = parse_length(p, &sp.len);
	sp.conv = *p;

	switch (sp.conv) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(ap, sp.len);
		/* Magnitude via unsigned negation, defined even for INT64_MIN. */
		uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

		emit_num(o, &sp, mag, v < 0);
		break;
	}
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		emit_num(o, &sp, arg_unsigned(ap, sp.len), false);
		break;
	case 'p':
		emit_num(o, &sp, (uintptr_t)va_arg(*ap, void *), false);
		break;
	case 's':
		emit_str(o, &sp, va_arg(*ap, const char *));
		break;
	case 'c':
		emit_char(o, &sp, (char)va_arg(*ap, int));
		break;
	case '%':
		out_char(o, '%');
		break;
	case '\0':
		/* Format ends inside a conversion: show what was there. */
		out_mem(o, start, (size_t)(p - start));
		return p;
	default:
		out_mem(o, start, (size_t)(p + 1 - start));
		break;
	}
	return p + 1;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = {.buf = buf, .size = size, .pos = 0};
	const char *p = fmt;
	va_list aq;

	/* A copy, so the helpers can take it by pointer on every ABI. */
	va_copy(aq, ap);
	while (*p) {
		if (*p != '%') {
			out_char(&o, *p++);
			continue;
		}
		p = convert(&o, p + 1, &aq);
	}
	va_end(aq);

	if (size)
		buf[MIN(o.pos, size - 1)] = '\0';
	/* C99 says the return is an int; saturate rather than wrap. */
	return o.pos > (size_t)INT32_MAX ? INT32_MAX : (int)o.pos;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
