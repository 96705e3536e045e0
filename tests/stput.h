/* stput: store one statement given as JSON text, for the unit tests. */
#ifndef LRS_TEST_STPUT_H
#define LRS_TEST_STPUT_H

#include "store.h"

/* Store text (a statement without "id") with id idtext, as credential
 * "tester" stores it.  store_put's code, or -100 when text does not
 * parse. */
int	stput_text(store *s, const char *idtext, const char *text);

#endif
