/*
 * accuracy_command.c
 *	  Driver of test/accuracy_command.sh: classifies NUL-separated texts,
 *	  each with the SMTP command its report names (a second NUL-separated
 *	  file), and prints one "reason<TAB>severity" line per text.
 */
#include "core/classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
slurp(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;
	long		n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0)
		exit(2);
	rewind(f);
	buf = malloc((size_t) n + 1);
	if (buf == NULL || fread(buf, 1, (size_t) n, f) != (size_t) n)
		exit(2);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t) n;
	return buf;
}

int
main(int argc, char **argv)
{
	size_t		tlen,
				clen;
	char	   *texts,
			   *cmds,
			   *t,
			   *c;

	if (argc != 3)
		return 2;
	texts = slurp(argv[1], &tlen);
	cmds = slurp(argv[2], &clen);
	for (t = texts, c = cmds; t < texts + tlen && c < cmds + clen;
		 t += strlen(t) + 1, c += strlen(c) + 1)
	{
		rb_classify_input in;
		rb_verdict	v;

		memset(&in, 0, sizeof(in));
		in.text = t;
		in.len = strlen(t);
		in.smtp_command = c;
		in.smtp_command_len = strlen(c);
		rb_classify(&in, &v);
		printf("%s\t%s\n", rb_reason_name(v.reason), rb_severity_name(v.severity));
	}
	return 0;
}
