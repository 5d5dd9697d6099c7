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

#include "lib/slurp.h"

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
