/*
 * dsn_json.c
 *	  Recipients of JSON event notifications.  Not a JSON parser: the
 *	  documents are flat enough that each recipient is the innermost {...}
 *	  around its address key, and the other fields are read inside it.
 */
#include "dsn_json.h"

#include <string.h>

/* Recipient objects are small: look no further than this for their braces. */
#define OBJECT_REACH 4096

static rb_span
object_around(rb_span text, const char *at)
{
	const char *s = at,
			   *e = at;
	const char *end = text.ptr + text.len;
	const char *lo = at - text.ptr > OBJECT_REACH ? at - OBJECT_REACH : text.ptr;
	const char *hi = end - at > OBJECT_REACH ? at + OBJECT_REACH : end;

	while (s > lo && *s != '{')
		s--;
	while (e < hi && *e != '}')
		e++;
	return (rb_span) {s, (size_t) (e - s)};
}

static bool
event_matches(rb_span obj, rb_span doc, const rb_json_names *n)
{
	rb_span		v;

	if (n->event_key == NULL)
		return true;
	if (!rb_json_string(obj, n->event_key, &v) && !rb_json_string(doc, n->event_key, &v))
		return false;
	for (const char *const *e = n->events; *e; e++)
		if (rb_span_ieq(v, *e))
			return true;
	return false;
}

int
rb_json_recipients(rb_dsn_ctx *ctx, rb_span text, const rb_json_names *n)
{
	char		key[64];
	rb_span		rest = text,
				remote = RB_SPAN_EMPTY;
	int			found = 0;
	size_t		klen = strlen(n->address);

	if (klen + 2 >= sizeof(key))
		return 0;
	key[0] = '"';
	memcpy(key + 1, n->address, klen);
	key[klen + 1] = '"';
	key[klen + 2] = '\0';
	if (n->remote)
		rb_json_string(text, n->remote, &remote);

	for (;;)
	{
		const char *at = rb_memcasemem(rest.ptr, rest.len, key, klen + 2);
		rb_span		obj,
					v,
					addr;
		rb_dsn_recipient *r;

		if (at == NULL)
			break;
		obj = object_around(text, at);
		rest.len -= at + klen + 2 - rest.ptr;
		rest.ptr = at + klen + 2;
		if (!rb_json_string(obj, n->address, &v) || !rb_find_address(v, &addr))
			continue;
		if (!event_matches(obj, text, n))
			continue;
		if ((r = rb_add_recipient(ctx, addr)) == NULL)
			break;
		found++;
		if (n->action && rb_json_string(obj, n->action, &v))
			r->action = v;
		if (n->status && rb_json_string(obj, n->status, &v))
			r->status = rb_find_status(v);
		if ((n->diagnostic && rb_json_string(obj, n->diagnostic, &v)) ||
			(n->diagnostic2 && rb_json_string(obj, n->diagnostic2, &v)))
		{
			const char *semi = rb_memchr(v.ptr, ';', v.len);

			/* "smtp; 550 ..." as in Diagnostic-Code */
			if (semi && semi - v.ptr < 10)
			{
				v.len -= semi + 1 - v.ptr;
				v.ptr = semi + 1;
			}
			r->diagnostic = rb_span_trim(v);
		}
		if (remote.len)
		{
			const char *semi = rb_memchr(remote.ptr, ';', remote.len);

			r->remote_mta = semi ? rb_span_trim((rb_span) {semi + 1, (size_t) (remote.ptr + remote.len - semi - 1)})
				: remote;
		}
		rb_complete_recipient(r);
	}
	return found;
}
