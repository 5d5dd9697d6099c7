/*
 * slurp.h
 *	  The whole of a file in memory, NUL-terminated, for the accuracy
 *	  drivers (test/accuracy_command.c, test/loso.c).  Exits with status 2
 *	  when the file cannot be read: a driver has nothing to measure then.
 */
#ifndef REBOUND_TEST_SLURP_H
#define REBOUND_TEST_SLURP_H

#include <stdio.h>
#include <stdlib.h>

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

#endif							/* REBOUND_TEST_SLURP_H */
