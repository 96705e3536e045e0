/* fault: a seam through which tests inject failures.
 *
 * FAULT(site) stands before a call that can fail (an LMDB or libcrypto
 * call, named by site, e.g. "store.cursor", "rand").  In a build with
 * -DLRS_FAULTS (the Makefile's fault_* tests and lrsd-faults) it asks
 * tests/fault.c whether that call is to fail now and returns the code to
 * fail with, 0 to go on; in every other build it is the constant 0 and
 * costs nothing.
 */
#ifndef LRS_FAULT_H
#define LRS_FAULT_H

/* The code site is to fail with now (0: go on).  Safe from any thread.
 * Defined in tests/fault.c, which only test builds link. */
int	fault_hit(const char *site);

#ifdef LRS_FAULTS
#define FAULT(site)	fault_hit(site)
#else
#define FAULT(site)	0
#endif

#endif
