/* buf: a growable byte buffer.
 *
 * The bytes are always followed by a NUL (not counted in len), so a buf
 * holding text can be used as a C string.  Allocation cannot fail.
 *
 *	struct buf b = BUF_INIT;
 *	buf_puts(&b, "hello");
 *	... use b.p, b.len ...
 *	buf_free(&b);
 */
#ifndef LRS_BUF_H
#define LRS_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*p;	/* the bytes, NUL-terminated; NULL while empty and unallocated */
	size_t	 len;	/* bytes used, not counting the NUL */
	size_t	 cap;	/* bytes allocated */
};

#define BUF_INIT { NULL, 0, 0 }

/* Make room for n more bytes (plus the NUL). */
void	buf_grow(struct buf *b, size_t n);
/* Append n bytes. */
void	buf_add(struct buf *b, const void *p, size_t n);
/* Append a C string. */
void	buf_puts(struct buf *b, const char *s);
/* Append one byte. */
void	buf_putc(struct buf *b, int c);
/* Append printf-formatted text. */
void	buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Forget the contents but keep the memory. */
void	buf_reset(struct buf *b);
/* Release the memory; b is BUF_INIT again. */
void	buf_free(struct buf *b);
/* Hand the bytes to the caller (who frees them; never NULL); b is reset. */
char	*buf_detach(struct buf *b, size_t *len);

#endif
