/* log: the one logger of the server and the command-line tool.
 *
 * One timestamped line per event on stderr.  Only main, the HTTP layer and
 * the command-line tool log; library modules return codes instead.
 */
#ifndef LRS_LOG_H
#define LRS_LOG_H

enum log_level { LOG_ERR = 3, LOG_WARN = 4, LOG_INFO = 6, LOG_DEBUG = 7 };

/* Lines above this level are dropped (default LOG_INFO). */
void	log_set_level(enum log_level level);
/* Write one line: "2026-01-02T03:04:05.678Z info message". */
void	log_msg(enum log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Write text as one line of its own (no stamp, no level: the caller's
 * format, e.g. a JSON access-log line, carries them); never dropped. */
void	log_line(const char *text);

#endif
