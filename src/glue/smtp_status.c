/*
 * smtp_status.c
 *	  The rebound.smtp_status base type: an RFC 3463 enhanced status code.
 *
 * Stored as a pass-by-value uint32 (see core/status.h) whose integer order
 * is the order of (class, subject, detail).
 */
#include "rebound.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "core/status.h"

/* First byte of the binary form, so that it can change later. */
#define SMTP_STATUS_BINARY_VERSION 1

#define PG_GETARG_STATUS(n)		((rb_status) PG_GETARG_UINT32(n))
#define PG_RETURN_STATUS(x)		PG_RETURN_UINT32(x)

PG_FUNCTION_INFO_V1(smtp_status_in);
Datum
smtp_status_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	rb_status	st;
	rb_status_error err;

	err = rb_status_parse(str, strlen(str), &st);
	if (err != RB_STATUS_OK)
		RB_INPUT_ERROR(fcinfo,
					   errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					   errmsg("invalid input syntax for type %s: \"%s\"",
							  "smtp_status", str),
					   errdetail("%s", rb_status_strerror(err)));
	PG_RETURN_STATUS(st);
}

PG_FUNCTION_INFO_V1(smtp_status_out);
Datum
smtp_status_out(PG_FUNCTION_ARGS)
{
	rb_status	st = PG_GETARG_STATUS(0);
	char	   *out = palloc(RB_STATUS_TEXT_MAX + 1);

	rb_status_format(st, out);
	PG_RETURN_CSTRING(out);
}

/*
 * Binary form: a version byte, the class as a byte, subject and detail as
 * 16-bit integers.  Validated exactly like the text form.
 */
PG_FUNCTION_INFO_V1(smtp_status_recv);
Datum
smtp_status_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgbyte(buf);
	int			klass,
				subject,
				detail;

	if (version != SMTP_STATUS_BINARY_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported binary format version %d for type %s",
						version, "smtp_status")));
	klass = pq_getmsgbyte(buf);
	subject = pq_getmsgint(buf, 2);
	detail = pq_getmsgint(buf, 2);
	if (!rb_status_valid(klass, subject, detail))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type %s: \"%d.%d.%d\"",
						"smtp_status", klass, subject, detail),
				 errdetail("%s", klass != 2 && klass != 4 && klass != 5 ?
						   rb_status_strerror(RB_STATUS_BAD_CLASS) :
						   rb_status_strerror(RB_STATUS_PART_TOO_LONG))));
	PG_RETURN_STATUS(RB_STATUS_MAKE(klass, subject, detail));
}

PG_FUNCTION_INFO_V1(smtp_status_send);
Datum
smtp_status_send(PG_FUNCTION_ARGS)
{
	rb_status	st = PG_GETARG_STATUS(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, SMTP_STATUS_BINARY_VERSION);
	pq_sendbyte(&buf, RB_STATUS_CLASS(st));
	pq_sendint16(&buf, RB_STATUS_SUBJECT(st));
	pq_sendint16(&buf, RB_STATUS_DETAIL(st));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Comparison: the packed value orders like the code itself. */
#define STATUS_CMP_FN(name, op) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(PG_GETARG_STATUS(0) op PG_GETARG_STATUS(1)); \
}

STATUS_CMP_FN(smtp_status_eq, ==)
STATUS_CMP_FN(smtp_status_ne, !=)
STATUS_CMP_FN(smtp_status_lt, <)
STATUS_CMP_FN(smtp_status_le, <=)
STATUS_CMP_FN(smtp_status_gt, >)
STATUS_CMP_FN(smtp_status_ge, >=)

PG_FUNCTION_INFO_V1(smtp_status_cmp);
Datum
smtp_status_cmp(PG_FUNCTION_ARGS)
{
	rb_status	a = PG_GETARG_STATUS(0);
	rb_status	b = PG_GETARG_STATUS(1);

	PG_RETURN_INT32(a < b ? -1 : (a > b ? 1 : 0));
}

/*
 * Hash values may end up in hash partitions: never change these two.
 */
PG_FUNCTION_INFO_V1(smtp_status_hash);
Datum
smtp_status_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32(PG_GETARG_STATUS(0));
}

PG_FUNCTION_INFO_V1(smtp_status_hash_extended);
Datum
smtp_status_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended(PG_GETARG_STATUS(0), PG_GETARG_INT64(1));
}

PG_FUNCTION_INFO_V1(rebound_status_class);
Datum
rebound_status_class(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(RB_STATUS_CLASS(PG_GETARG_STATUS(0)));
}

PG_FUNCTION_INFO_V1(rebound_status_subject);
Datum
rebound_status_subject(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(RB_STATUS_SUBJECT(PG_GETARG_STATUS(0)));
}

PG_FUNCTION_INFO_V1(rebound_status_detail);
Datum
rebound_status_detail(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(RB_STATUS_DETAIL(PG_GETARG_STATUS(0)));
}

/* Transition functions of min() and max(). */
PG_FUNCTION_INFO_V1(smtp_status_larger);
Datum
smtp_status_larger(PG_FUNCTION_ARGS)
{
	PG_RETURN_STATUS(Max(PG_GETARG_STATUS(0), PG_GETARG_STATUS(1)));
}

PG_FUNCTION_INFO_V1(smtp_status_smaller);
Datum
smtp_status_smaller(PG_FUNCTION_ARGS)
{
	PG_RETURN_STATUS(Min(PG_GETARG_STATUS(0), PG_GETARG_STATUS(1)));
}
