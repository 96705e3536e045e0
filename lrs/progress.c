/* progress: a one-line progress bar for the data tools. */
#include "progress.h"

#include "iso8601.h"

#include <unistd.h>

#define BAR	30

void
progress_init(struct progress *p, FILE *f, const char *what,
    const char *unit)
{
	p->f = f;
	p->what = what;
	p->unit = unit;
	p->tty = isatty(fileno(f));
	p->start_us = p->last_us = iso8601_now();
	p->drawn = 0;
}

void
progress_update(void *arg, uint64_t done, uint64_t total)
{
	struct progress *p = arg;
	int64_t now = iso8601_now();
	double secs = (double)(now - p->start_us) / 1e6;
	char bar[BAR + 1];
	int i, fill;

	if (!p->tty || (p->drawn && now - p->last_us < 100000 &&
	    done != total))
		return;
	p->last_us = now;
	p->drawn = 1;
	fill = total ? (int)((double)done * BAR / (double)total) : 0;
	for (i = 0; i < BAR; i++)
		bar[i] = i < fill ? '#' : '-';
	bar[BAR] = '\0';
	if (total)
		fprintf(p->f, "\r%s [%s] %3d%% %llu/%llu %s %.0f/s   ",
		    p->what, bar, (int)((double)done * 100 / (double)total),
		    (unsigned long long)done, (unsigned long long)total,
		    p->unit, secs > 0 ? (double)done / secs : 0.0);
	else
		fprintf(p->f, "\r%s %llu %s %.0f/s   ", p->what,
		    (unsigned long long)done, p->unit,
		    secs > 0 ? (double)done / secs : 0.0);
	fflush(p->f);
}

void
progress_end(struct progress *p)
{
	if (p->drawn)
		fputc('\n', p->f);
	p->drawn = 0;
}
