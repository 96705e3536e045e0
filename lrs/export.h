/* export: statements out of a store as NDJSON or CSV.
 *
 * The store is opened read-only, so an export runs beside a serving lrsd.
 * The statements are the ones GET /statements would find with the same
 * filters (stmtquery.h), as of the moment the export starts (statements
 * stored later are left out), read page by page in short read
 * transactions; by default in store order (ascending), voided statements
 * included, so that the dump restores the store (see import.h).
 */
#ifndef LRS_EXPORT_H
#define LRS_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "params.h"

enum {
	EXPORT_OK = 0,
	EXPORT_EINVALID = -1,	/* a bad filter or option (err says which) */
	EXPORT_ESTORE = -2,	/* the store cannot be opened or read */
	EXPORT_EOUTPUT = -3	/* writing the output (or a payload) failed */
};

enum export_format {
	EXPORT_NDJSON,	/* one statement, exactly as stored, per line */
	EXPORT_CSV	/* RFC 4180, a header line and the columns below */
};

/* The CSV columns, in order (the last is the statement as stored). */
#define EXPORT_CSV_HEADER "id,stored,timestamp,version,actor,actor_name," \
	"verb,verb_display,object_type,object_id,object_name," \
	"result_success,result_completion,result_score_scaled," \
	"result_score_raw,result_duration,registration,voided,statement"

/* Called after each page: done statements written of about total. */
typedef void (*export_progress)(void *arg, uint64_t done, uint64_t total);

struct export_opts {
	const char		*dir;		/* the store */
	const struct params	*filters;	/* GET /statements parameters */
	enum export_format	 format;
	FILE			*out;
	const char		*attachments;	/* a new directory for the
						 * payloads (by SHA-2), or NULL */
	int			 exclude_voided; /* as GET /statements */
	uint64_t		 limit;		/* 0: all */
	export_progress		 progress;	/* or NULL */
	void			*progress_arg;
};

/* What an export wrote. */
struct export_result {
	uint64_t	statements;
	uint64_t	payloads;	/* attachment files written */
};

/* Export what o says.  The filters are agent, verb, activity,
 * registration, related_activities, related_agents, since, until and
 * ascending (default true here); any other name is EXPORT_EINVALID.  On
 * failure err (errlen bytes) says what; the output may then hold part of
 * the export. */
int	export_run(const struct export_opts *o, struct export_result *res,
	    char *err, size_t errlen);

#endif
