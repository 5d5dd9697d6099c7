/*
 * rebound.c
 *	  Module entry point and helpers shared by the glue.
 */
#include "rebound.h"
#include "classify.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/* Each module defines its settings; then the prefix is reserved. */
	rb_classify_init();
	rb_ledger_init();
	rb_dns_init();
	rb_detect_init();
	rb_parse_dsn_init();
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("rebound");
#else
	EmitWarningsOnPlaceholders("rebound");
#endif
}

/*
 * Core parsers work on UTF-8.  In a UTF-8 database the text is used in
 * place (the result is not NUL-terminated: use *len).  In a SQL_ASCII
 * database no conversion is possible and the bytes are passed on as they
 * are, for the core to validate and reject with its own message.
 */
char *
rb_text_to_utf8(text *t, size_t *len)
{
	char	   *raw = VARDATA_ANY(t);
	int			rawlen = VARSIZE_ANY_EXHDR(t);
	char	   *conv;

	if (GetDatabaseEncoding() == PG_UTF8 ||
		GetDatabaseEncoding() == PG_SQL_ASCII)
	{
		*len = rawlen;
		return raw;
	}
	conv = pg_server_to_any(raw, rawlen, PG_UTF8);
	*len = strlen(conv);
	return conv;
}

char *
rb_quote_text(text *t)
{
	const char *raw = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	int			cut;

	if (len <= RB_QUOTE_MAX)
		return pnstrdup(raw, len);
	cut = pg_mbcliplen(raw, len, RB_QUOTE_MAX);
	return psprintf("%.*s...", cut, raw);
}
