/* stats: what a store holds, for operators (lrsd stats).
 *
 * Opens the store read-only, so it runs beside a serving lrsd, and walks
 * every statement in short read transactions (a few thousand statements
 * each): the figures are of a moment per chunk, exact when nothing is
 * being written.
 */
#ifndef LRS_STATS_H
#define LRS_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum {
	STATS_OK = 0,
	STATS_ESTORE = -1	/* the store cannot be opened or read */
};

/* One of the most used verbs or activities. */
struct stats_top {
	char		*id;
	uint64_t	 count;
};

/* One LMDB database of the environment. */
struct stats_db {
	char		 name[64];
	uint64_t	 entries;
	uint64_t	 bytes;		/* its pages */
};

struct stats {
	uint64_t		 statements;	/* all, voiding ones included */
	uint64_t		 voided;
	uint64_t		 voiding;
	uint64_t		 attachments;	/* payloads kept */
	uint64_t		 attachment_bytes;
	uint64_t		 documents;	/* state and profile documents */
	uint64_t		 map_used;	/* bytes of the map in use */
	uint64_t		 map_size;	/* the map now */
	uint64_t		 map_max;	/* as given (--map-max) */
	uint64_t		 disk_bytes;	/* data.mdb's blocks on disk */
	struct stats_db		*dbs;
	size_t			 ndbs;
	struct stats_top	*verbs;		/* most used first, of the */
	size_t			 nverbs;	/* statements not voided */
	struct stats_top	*activities;	/* statement objects */
	size_t			 nactivities;
};

/* Gather the figures of the store in dir, with the top ntop verbs and
 * activities; map_max is reported as given.  Release with stats_free.
 * STATS_ESTORE with err (errlen bytes) saying why. */
int	stats_collect(const char *dir, size_t ntop, uint64_t map_max,
	    struct stats *out, char *err, size_t errlen);
void	stats_free(struct stats *st);
/* The figures as one JSON object, or as a readable table, into out. */
void	stats_json(const struct stats *st, struct buf *out);
void	stats_table(const struct stats *st, struct buf *out);

#endif
