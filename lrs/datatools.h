/* datatools: the data commands of lrsd (export, import, backup, restore,
 * stats): their flags, their messages and exit codes.  The work is done
 * by export.c, import.c, stats.c and the store; see README "Data tools".
 */
#ifndef LRS_DATATOOLS_H
#define LRS_DATATOOLS_H

/* Nonzero when word names one of the data commands. */
int	datatools_is(const char *word);
/* Run "lrsd WORD ..." (argv[1] is the command): 0 done, 1 failed (the
 * reason on stderr), 2 bad usage. */
int	datatools_main(int argc, char **argv);
/* Their lines of lrsd's usage text. */
const char *datatools_usage(void);

#endif
