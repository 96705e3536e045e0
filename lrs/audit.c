/* audit: records of data-lifecycle operations in LMDB (see audit.h). */
#include "audit.h"
#include "be.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct audit {
	store	*st;
	MDB_dbi	 dbi;
};

int
audit_open(store *st, audit **out)
{
	audit *a = xcalloc(1, sizeof(*a));
	MDB_txn *txn;
	int rc;

	*out = NULL;
	a->st = st;
	if ((rc = store_txn_begin(st, 0, &txn)) != STORE_OK)
		goto out;
	if ((rc = mdb_dbi_open(txn, "audit", MDB_CREATE, &a->dbi)) != 0) {
		store_txn_abort(st, txn);
		rc = STORE_EIO;
		goto out;
	}
	rc = store_txn_commit(st, txn);
out:
	if (rc != STORE_OK)
		free(a);
	else
		*out = a;
	return rc;
}

void
audit_close(audit *a)
{
	free(a);
}

int
audit_put_txn(audit *a, MDB_txn *txn, uint64_t id, json *rec)
{
	uint8_t kb[8];
	MDB_val k = { 8, kb }, v;
	char *text;
	int rc;

	be64_put(kb, id);
	json_set(rec, "id", json_new_int((long long)id));
	text = json_to_string(rec, &v.mv_size);
	v.mv_data = text;
	rc = mdb_put(txn, a->dbi, &k, &v, 0);
	free(text);
	return rc;
}

int
audit_add_txn(audit *a, MDB_txn *txn, json *rec, uint64_t *id)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	*id = 1;
	if ((rc = mdb_cursor_open(txn, a->dbi, &c)) != 0)
		return rc;
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	mdb_cursor_close(c);
	if (rc == 0 && k.mv_size != 8)
		return MDB_CORRUPTED;
	if (rc == 0)
		*id = be64_get(k.mv_data) + 1;
	else if (rc != MDB_NOTFOUND)
		return rc;
	return audit_put_txn(a, txn, *id, rec);
}

int
audit_list(audit *a, uint64_t after, size_t limit, json **out, uint64_t *next)
{
	MDB_cursor *c = NULL;
	store_read *r = NULL;
	uint8_t kb[8];
	MDB_val k = { 8, kb }, v;
	json *rec;
	int rc;

	*out = json_new(JSON_ARRAY);
	*next = 0;
	if ((rc = store_read_begin(a->st, &r)) != STORE_OK)
		return rc;
	if (mdb_cursor_open(store_read_txn(r), a->dbi, &c) != 0) {
		rc = STORE_EIO;
		goto out;
	}
	be64_put(kb, after + 1);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (limit && (*out)->n == limit) {
			*next = be64_get(k.mv_data) - 1;
			break;
		}
		rec = NULL;
		if (json_parse(v.mv_data, v.mv_size, 16, &rec, NULL, 0) != 0) {
			rc = MDB_CORRUPTED;
			break;
		}
		json_push(*out, rec);
	}
	rc = rc == 0 || rc == MDB_NOTFOUND ? STORE_OK :
	    rc == MDB_CORRUPTED ? STORE_ECORRUPT : STORE_EIO;
out:
	if (c)
		mdb_cursor_close(c);
	store_read_end(r);
	return rc;
}
