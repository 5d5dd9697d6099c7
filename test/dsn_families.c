/*
 * dsn_families.c
 *	  Driver of test/dsn_families.sh: reads each mail named on the command
 *	  line with the DSN reader and prints "file<TAB>format<TAB>rows<TAB>
 *	  rows with a diagnostic", so that the script can say which reader
 *	  handles each sample.
 */
#include "core/dsn.h"

#include <stdio.h>
#include <string.h>

#include "lib/slurp.h"

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
	{
		size_t		len;
		char	   *msg = slurp(argv[i], &len);
		const char *base = strrchr(argv[i], '/');
		rb_arena	arena;
		rb_dsn_result r;
		size_t		told = 0;

		rb_arena_init(&arena, rb_dsn_arena_limit(len), NULL, NULL, NULL);
		if (rb_dsn_parse(&arena, msg, len, NULL, &r) != RB_DSN_OK)
			r.nrcpt = 0;
		for (size_t k = 0; k < r.nrcpt; k++)
			told += r.rcpt[k].diagnostic.len > 0;
		printf("%s\t%s\t%zu\t%zu\n", base ? base + 1 : argv[i],
			   r.format ? r.format : "-", r.nrcpt, told);
		rb_arena_release(&arena);
		free(msg);
	}
	return 0;
}
