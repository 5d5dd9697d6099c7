/*
 * mime.h
 *	  A bounded reader of Internet messages: RFC 5322 header fields (folding,
 *	  RFC 2047 encoded words), MIME entities nested to a fixed depth,
 *	  quoted-printable and base64, and charsets converted to UTF-8 with ICU.
 *
 * Plain C99 over ICU: no PostgreSQL here.  Nothing recurses: the entity
 * tree is walked with an explicit stack, at most RB_MIME_MAX_DEPTH deep and
 * RB_MIME_MAX_PARTS wide; what lies deeper is kept as an opaque leaf.  All
 * memory comes from the caller's arena, and every decoded buffer is no
 * longer than a small multiple of the bytes it was decoded from.
 */
#ifndef REBOUND_CORE_MIME_H
#define REBOUND_CORE_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "arena.h"
#include "poll.h"

#define RB_MIME_MAX_DEPTH	8
#define RB_MIME_MAX_PARTS	128

/* A piece of some buffer; not NUL-terminated. */
typedef struct rb_span
{
	const char *ptr;
	size_t		len;
} rb_span;

#define RB_SPAN_EMPTY ((rb_span) {"", 0})

/* memchr and memcpy that accept a NULL pointer with a zero length. */
static inline const char *
rb_memchr(const char *p, int c, size_t n)
{
	return n ? (const char *) memchr(p, c, n) : NULL;
}

static inline void
rb_memcpy(char *dst, const char *src, size_t n)
{
	if (n)
		memcpy(dst, src, n);
}

typedef enum rb_ctype
{
	RB_CT_OTHER = 0,
	RB_CT_TEXT_PLAIN,
	RB_CT_TEXT_HTML,
	RB_CT_TEXT_OTHER,
	RB_CT_MULTIPART,
	RB_CT_DELIVERY_STATUS,		/* message/delivery-status (RFC 3464) */
	RB_CT_GLOBAL_DELIVERY_STATUS,	/* message/global-delivery-status (6533) */
	RB_CT_MESSAGE,				/* message/rfc822, message/global */
	RB_CT_HEADERS,				/* text/rfc822-headers, message/global-headers */
	RB_CT_FEEDBACK_REPORT,		/* message/feedback-report (ARF, RFC 5965) */
	RB_CT_DISPOSITION,			/* message/disposition-notification */
	RB_CT_JSON					/* application/json */
} rb_ctype;

typedef enum rb_cte
{
	RB_CTE_IDENTITY = 0,		/* 7bit, 8bit, binary, or none */
	RB_CTE_QP,
	RB_CTE_BASE64
} rb_cte;

typedef struct rb_part
{
	rb_span		headers;		/* the header block, without the blank line */
	rb_span		body;			/* as transmitted (still encoded) */
	rb_ctype	ctype;
	bool		typed;			/* a Content-Type field was present */
	rb_cte		cte;
	rb_span		charset;
	rb_span		boundary;
	rb_span		report_type;	/* multipart/report's report-type */
	int			depth;			/* 0 for the message itself */
	int			parent;			/* index in rb_message.parts, -1 for the root */
} rb_part;

typedef struct rb_message
{
	rb_part    *parts;			/* in document order; parts[0] is the message */
	int			nparts;
	bool		clipped;		/* deeper or further entities were not split */
} rb_message;

/* ---- header fields ---- */

typedef struct rb_header_iter
{
	const char *p;
	const char *end;
} rb_header_iter;

extern void rb_header_iter_init(rb_header_iter *it, rb_span headers);

/* The next field: its name and raw (folded) value, trimmed. */
extern bool rb_header_next(rb_header_iter *it, rb_span *name, rb_span *value);

/* The first field called name (ASCII, case-insensitive). */
extern bool rb_header_get(rb_span headers, const char *name, rb_span *value);

/*
 * Split an entity into its header block and body.  The header block ends at
 * the first empty line, or at the first line that is neither a field nor a
 * continuation (a part without headers starts straight with its body).
 */
extern void rb_split_entity(rb_span entity, rb_span *headers, rb_span *body);

/* Folded value to one line (CRLF + white space become one space). */
extern rb_span rb_unfold(rb_arena *a, rb_span value);

/* RFC 2047: a field value with its encoded words decoded, in UTF-8. */
extern rb_span rb_decode_words(rb_arena *a, rb_span value);

/* A parameter of a structured field (Content-Type's boundary …). */
extern bool rb_mime_param(rb_span value, const char *name, rb_span *out);

/* ---- entities ---- */

/*
 * Read the entity tree of msg[0..len).  Returns false only when the arena
 * is exhausted; malformed structure gives a shallower tree, never an error.
 */
extern bool rb_mime_parse(rb_arena *a, const char *msg, size_t len,
						  rb_message *out);

/*
 * The content of a part in UTF-8: transfer decoding, then its charset.
 * raw_is_utf8: bytes that were not transfer-encoded are already UTF-8 (the
 * message came as database text, which was converted on the way in).
 * Invalid sequences become U+FFFD, so the result is always valid UTF-8.
 */
extern bool rb_mime_decode_text(rb_arena *a, const rb_part *part,
								bool raw_is_utf8, rb_span *out);

/* Transfer decoding only (message/rfc822 sent as base64 …). */
extern bool rb_mime_decode_transfer(rb_arena *a, const rb_part *part,
									rb_span *out);

/* bytes in charset to UTF-8; an unknown label falls back to UTF-8 or CP1252. */
extern bool rb_charset_to_utf8(rb_arena *a, rb_span charset, const char *p,
							   size_t len, rb_span *out);

/* True when p[0..len) is valid UTF-8. */
extern bool rb_utf8_valid(const char *p, size_t len);

/* A valid UTF-8 copy, without NULs: invalid bytes become U+FFFD. */
extern bool rb_utf8_sanitize(rb_arena *a, const char *p, size_t len,
							 rb_span *out);

/* ---- small span helpers shared by the DSN readers ---- */

extern bool rb_span_ieq(rb_span s, const char *lit);
extern bool rb_span_istarts(rb_span s, const char *lit);
extern rb_span rb_span_trim(rb_span s);
extern const char *rb_memcasemem(const char *hay, size_t hlen,
								 const char *needle, size_t nlen);

#endif							/* REBOUND_CORE_MIME_H */
