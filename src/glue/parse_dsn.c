/*
 * parse_dsn.c
 *	  rebound.parse_dsn(text) and rebound.parse_dsn(bytea): the rows of a
 *	  raw bounce mail, each classified with what its report's structure
 *	  says (status, reply code, remote MTA).
 *
 * The reading is the core's (core/dsn.h); its arena draws on a memory
 * context of this call, so that an error thrown half-way frees everything.
 */
#include "rebound.h"
#include "classify.h"
#include "core/dsn.h"
#include "core/verp.h"
#include "utils/guc.h"
#include "utils/jsonb.h"

#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include <unicode/ucnv.h>

#define PARSE_DSN_NATTS 12

/* rebound.verp_separator: '' reads no VERP return path. */
static char *verp_separator = NULL;

void
rb_parse_dsn_init(void)
{
	DefineCustomStringVariable("rebound.verp_separator",
							   "Separator of VERP return paths (bounces+jean=client.fr@sender.example: '+').",
							   "parse_dsn() reads the recipient from the bounce's To: when the report names none. Empty: off.",
							   &verp_separator,
							   "",
							   PGC_USERSET, 0,
							   NULL, NULL, NULL);
}

/*
 * The arena's blocks, from a memory context of the call.  NULL rather than
 * an error when memory runs out: nothing may jump out of the core while it
 * reads (see core/poll.h); the core unwinds and says why.
 */
static void *
arena_palloc(size_t size, void *cb)
{
	return MemoryContextAllocExtended((MemoryContext) cb, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

/*
 * The core's stop function: true when CHECK_FOR_INTERRUPTS would throw
 * (a cancel, statement_timeout, pg_terminate_backend).  It only answers;
 * the interrupt is served once the core has returned.
 */
static bool
interrupt_pending(void *arg)
{
	return INTERRUPTS_PENDING_CONDITION() && INTERRUPTS_CAN_BE_PROCESSED() &&
		(QueryCancelPending || ProcDiePending);
}

/*
 * The input as it can be shown in an error: its first bytes, printable
 * ASCII only.
 */
static char *
quote_start(const char *p, size_t len)
{
	size_t		n = len < 60 ? len : 60;
	char	   *out = palloc(n + 4);
	size_t		i;

	for (i = 0; i < n; i++)
		out[i] = (p[i] >= ' ' && p[i] < 127) ? p[i] : '?';
	if (len > n)
	{
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/*
 * UTF-8 to the database encoding without failing: a character the
 * encoding lacks becomes '?' (a bounce's text is evidence, not data to
 * refuse).  ICU does the conversion with a substitution character.
 */
static UConverter *server_cnv = NULL;
static int	server_cnv_encoding = -1;

static text *
utf8_to_text(rb_span s)
{
	int			enc = GetDatabaseEncoding();
	bool		ascii = true;
	UErrorCode	err = U_ZERO_ERROR;
	text	   *t;
	int32_t		n;

	if (enc == PG_UTF8 || enc == PG_SQL_ASCII)
		return cstring_to_text_with_len(s.ptr, (int) s.len);
	for (size_t i = 0; i < s.len && ascii; i++)
		ascii = (unsigned char) s.ptr[i] < 0x80;
	if (ascii)
		return cstring_to_text_with_len(s.ptr, (int) s.len);

	if (server_cnv_encoding != enc)
	{
		const char *name = get_encoding_name_for_icu(enc);

		if (server_cnv)
			ucnv_close(server_cnv);
		server_cnv = NULL;
		server_cnv_encoding = enc;
		if (name != NULL)
		{
			server_cnv = ucnv_open(name, &err);
			if (U_FAILURE(err))
				server_cnv = NULL;
			else
			{
				err = U_ZERO_ERROR;
				ucnv_setSubstChars(server_cnv, "?", 1, &err);
			}
		}
	}
	if (server_cnv != NULL)
	{
		/* at most 4 bytes per UTF-8 byte in any server encoding */
		t = palloc(VARHDRSZ + s.len * 4 + 4);
		err = U_ZERO_ERROR;
		ucnv_reset(server_cnv);
		n = ucnv_fromAlgorithmic(server_cnv, UCNV_UTF8, VARDATA(t), (int32_t) (s.len * 4 + 4),
								 s.ptr, (int32_t) s.len, &err);
		if (U_SUCCESS(err))
		{
			SET_VARSIZE(t, VARHDRSZ + n);
			return t;
		}
		pfree(t);
	}
	/* no converter: keep the ASCII, mark the rest */
	{
		char	   *buf = palloc(s.len + 1);
		size_t		k = 0;

		for (size_t i = 0; i < s.len; i++)
		{
			unsigned char c = (unsigned char) s.ptr[i];

			if (c < 0x80)
				buf[k++] = (char) c;
			else if ((c & 0xc0) != 0x80)
				buf[k++] = '?';
		}
		return cstring_to_text_with_len(buf, (int) k);
	}
}

/* A header value as UTF-8 text: unfolded, encoded words decoded, valid. */
static text *
header_text(rb_arena *arena, rb_span value)
{
	rb_span		v = rb_decode_words(arena, rb_unfold(arena, value));
	rb_span		clean;

	/* valid UTF-8 without NULs, which text cannot hold */
	if (!rb_utf8_valid(v.ptr, v.len) || memchr(v.ptr, '\0', v.len) != NULL)
		v = rb_utf8_sanitize(arena, v.ptr, v.len, &clean) ? clean : RB_SPAN_EMPTY;
	return utf8_to_text(v);
}

/*
 * The returned message's headers as a jsonb object, names in lower case.
 * A name that repeats (Received) keeps its first value, the one nearest
 * the message's arrival: pushed last, it wins jsonb's rule that the last
 * of equal keys stays.
 */
#define MAX_ORIG_HEADERS 256
static Datum
original_headers(rb_arena *arena, rb_span headers)
{
	rb_header_iter it;
	rb_span		names[MAX_ORIG_HEADERS];
	rb_span		values[MAX_ORIG_HEADERS];
	int			n = 0;
	JsonbParseState *state = NULL;
	JsonbValue *res;

	rb_header_iter_init(&it, headers);
	while (n < MAX_ORIG_HEADERS && rb_header_next(&it, &names[n], &values[n]))
	{
		bool		printable = names[n].len > 0;

		/* a name is printable ASCII, or no header worth a key */
		for (size_t i = 0; i < names[n].len && printable; i++)
			printable = names[n].ptr[i] > ' ' && names[n].ptr[i] < 127;
		if (printable)
			n++;
	}
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = n - 1; i >= 0; i--)
	{
		JsonbValue	k,
					v;
		char	   *name = pnstrdup(names[i].ptr, names[i].len);
		text	   *t = header_text(arena, values[i]);

		for (char *c = name; *c; c++)
			*c = (char) pg_ascii_tolower((unsigned char) *c);
		k.type = jbvString;
		k.val.string.val = name;
		k.val.string.len = (int) names[i].len;
		v.type = jbvString;
		v.val.string.val = VARDATA_ANY(t);
		v.val.string.len = (int) VARSIZE_ANY_EXHDR(t);
		pushJsonbValue(&state, WJB_KEY, &k);
		pushJsonbValue(&state, WJB_VALUE, &v);
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbPGetDatum(JsonbValueToJsonb(res));
}

static void
parse_dsn(FunctionCallInfo fcinfo, const char *msg, size_t len, bool raw_is_utf8)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext work;
	MemoryContext old;
	rb_arena	arena;
	rb_dsn_result res;
	rb_dsn_options opt = {raw_is_utf8, interrupt_pending, NULL};
	rb_dsn_error err;
	text	   *message_id = NULL;
	text	   *verp_rcpt = NULL;
	Datum		headers_json = (Datum) 0;

	/*
	 * The executor knows the row type when the call is in FROM: building it
	 * again from pg_proc for every mail would cost more than reading a mail.
	 */
	InitMaterializedSRF(fcinfo, rsinfo && IsA(rsinfo, ReturnSetInfo) && rsinfo->expectedDesc ?
						MAT_SRF_USE_EXPECTED_DESC : 0);

	work = AllocSetContextCreate(CurrentMemoryContext, "rebound parse_dsn",
								 ALLOCSET_DEFAULT_SIZES);
	rb_arena_init(&arena, rb_dsn_arena_limit(len), arena_palloc, NULL, work);
	err = rb_dsn_parse(&arena, msg, len, &opt, &res);
	if (err == RB_DSN_INTERRUPTED)
	{
		/* the core has let go of everything: free it, then serve the interrupt */
		MemoryContextDelete(work);
		CHECK_FOR_INTERRUPTS();
		/* not reached unless the interrupt was withdrawn meanwhile */
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling statement: reading of bounce message interrupted")));
	}
	if (err == RB_DSN_TOO_COMPLEX && arena.out_of_memory)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Reading a bounce message of %zu bytes.", len)));
	if (err == RB_DSN_NOT_A_MESSAGE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("input is not a mail message: \"%s\"", quote_start(msg, len)),
				 errdetail("A mail message starts with header fields such as \"From: ...\"; this input starts with none.")));
	if (err == RB_DSN_TOO_COMPLEX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("bounce message is too complex to read: \"%s\"", quote_start(msg, len)),
				 errdetail("Reading it would need more than %zu bytes of memory.",
						   rb_dsn_arena_limit(len))));

	/* what the returned message says of itself, the same on every row */
	old = MemoryContextSwitchTo(work);
	if (res.orig_headers.len > 0)
	{
		rb_span		mid;

		if (rb_header_get(res.orig_headers, "message-id", &mid))
			message_id = header_text(&arena, mid);
		headers_json = original_headers(&arena, res.orig_headers);
	}
	/* a VERP return path names the recipient a report leaves out */
	if (verp_separator && verp_separator[0] && res.sender.len > 0)
	{
		char	   *buf = palloc(res.sender.len + 1);
		size_t		n;

		if (rb_verp_decode(res.sender.ptr, res.sender.len, verp_separator[0], buf, &n))
			verp_rcpt = utf8_to_text((rb_span) {buf, n});
	}
	MemoryContextSwitchTo(old);

	for (size_t i = 0; i < res.nrcpt; i++)
	{
		const rb_dsn_recipient *r = &res.rcpt[i];
		rb_classify_input in;
		rb_verdict	v;
		Datum		values[PARSE_DSN_NATTS];
		bool		nulls[PARSE_DSN_NATTS];
		int			reply;
		rb_status	st;

		CHECK_FOR_INTERRUPTS();
		memset(&in, 0, sizeof(in));
		in.text = r->diagnostic.ptr;
		in.len = r->diagnostic.len;
		in.reply_code = r->reply_code;
		in.status = r->status;
		in.rhost = r->remote_mta.len ? r->remote_mta.ptr : NULL;
		in.rhost_len = r->remote_mta.len;
		in.smtp_command = r->command;
		in.smtp_command_len = r->command ? strlen(r->command) : 0;
		/*
		 * Not stopped from inside: the phrase scan is a few milliseconds per
		 * megabyte, and user regexes check for interrupts themselves.
		 */
		rb_classify_with_rules(&in, &v);

		/* a complaint or an auto-reply is recognized, whatever it says */
		if (res.kind == RB_DSN_FEEDBACK || res.kind == RB_DSN_VACATION)
		{
			v.reason = res.kind == RB_DSN_FEEDBACK ? RB_REASON_FEEDBACK : RB_REASON_VACATION;
			v.severity = RB_SEVERITY_UNDETERMINED;
			v.infrastructure = false;
		}
		reply = r->reply_code ? r->reply_code : v.reply_code;
		st = r->status ? r->status : v.status;

		old = MemoryContextSwitchTo(work);
		memset(nulls, 0, sizeof(nulls));
		nulls[0] = r->recipient.len == 0 && verp_rcpt == NULL;
		if (r->recipient.len)
			values[0] = PointerGetDatum(utf8_to_text(r->recipient));
		else if (verp_rcpt)
			values[0] = PointerGetDatum(verp_rcpt);
		nulls[1] = r->original_recipient.len == 0;
		if (!nulls[1])
			values[1] = PointerGetDatum(utf8_to_text(r->original_recipient));
		nulls[2] = r->action.len == 0;
		if (!nulls[2])
			values[2] = PointerGetDatum(utf8_to_text(r->action));
		nulls[3] = st == 0;
		values[3] = UInt32GetDatum(st);
		nulls[4] = reply == 0;
		values[4] = Int32GetDatum(reply);
		nulls[5] = r->diagnostic.len == 0;
		if (!nulls[5])
			values[5] = PointerGetDatum(utf8_to_text(r->diagnostic));
		nulls[6] = r->remote_mta.len == 0;
		if (!nulls[6])
			values[6] = PointerGetDatum(utf8_to_text(r->remote_mta));
		MemoryContextSwitchTo(old);
		values[7] = rb_reason_datum(v.reason);
		values[8] = rb_severity_datum(v.severity);
		values[9] = BoolGetDatum(v.infrastructure);
		values[10] = PointerGetDatum(message_id);
		nulls[10] = message_id == NULL;
		values[11] = headers_json;
		nulls[11] = headers_json == (Datum) 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(work);
}

PG_FUNCTION_INFO_V1(rebound_parse_dsn_text);
Datum
rebound_parse_dsn_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	size_t		len;
	char	   *msg = rb_text_to_utf8(t, &len);

	/* database text was converted on its way in: unencoded parts are UTF-8 */
	parse_dsn(fcinfo, msg, len, GetDatabaseEncoding() != PG_SQL_ASCII);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(rebound_parse_dsn_bytea);
Datum
rebound_parse_dsn_bytea(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);

	parse_dsn(fcinfo, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), false);
	return (Datum) 0;
}

/*
 * rebound.verp_decode(address, separator): the recipient a VERP return
 * path encodes, or NULL when the address is not of that shape.
 */
PG_FUNCTION_INFO_V1(rebound_verp_decode);
Datum
rebound_verp_decode(PG_FUNCTION_ARGS)
{
	text	   *addr = PG_GETARG_TEXT_PP(0);
	text	   *sep = PG_GETARG_TEXT_PP(1);
	size_t		len;
	char	   *utf8 = rb_text_to_utf8(addr, &len);
	char	   *out = palloc(len + 1);
	size_t		n;

	if (VARSIZE_ANY_EXHDR(sep) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a VERP separator is one character, not \"%s\"", rb_quote_text(sep))));
	if (!rb_verp_decode(utf8, len, *VARDATA_ANY(sep), out, &n))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(utf8_to_text((rb_span) {out, n}));
}
