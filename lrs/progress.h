/* progress: a one-line progress bar for the data tools.
 *
 * Drawn on a stream only when that stream is a terminal (isatty), at most
 * ten times a second; elsewhere (a log, a pipe) nothing is drawn and the
 * caller prints its summary line alone.
 */
#ifndef LRS_PROGRESS_H
#define LRS_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

struct progress {
	FILE		*f;
	const char	*what;		/* "export", "import" */
	const char	*unit;		/* "statements", "bytes" */
	int		 tty;
	int64_t		 start_us, last_us;
	int		 drawn;
};

/* Set p up to draw on f (stderr) when it is a terminal. */
void	progress_init(struct progress *p, FILE *f, const char *what,
	    const char *unit);
/* Show done of total (total 0: unknown).  arg is a struct progress; the
 * signature fits export_progress and import_progress. */
void	progress_update(void *arg, uint64_t done, uint64_t total);
/* End the bar's line, if one was drawn. */
void	progress_end(struct progress *p);

#endif
