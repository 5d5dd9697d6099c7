/*
 * ac_phrase.h
 *	  The hand-written phrase automaton, for the matcher benchmark only.
 */
#ifndef REBOUND_BENCH_AC_PHRASE_H
#define REBOUND_BENCH_AC_PHRASE_H

#include "core/phrase.h"

extern bool ac_phrase_init(void);
extern void ac_phrase_scan(const char *text, size_t len,
						   rb_phrase_hit_fn hit, void *arg);
extern size_t ac_phrase_memory(void);

#endif
