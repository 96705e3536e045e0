/* fault_ctl: how a test sets the failures of lrs/fault.h (tests/fault.c).
 * Only tests built against the -DLRS_FAULTS objects see them happen. */
#ifndef LRS_FAULT_CTL_H
#define LRS_FAULT_CTL_H

/* From now on, FAULT(site) lets skip calls pass, then returns code count
 * times (-1: for ever).  A NULL or "" site clears the rule. */
void	fault_set(const char *site, long skip, long count, int code);
/* How many failures the current rule has injected. */
int	fault_hits(void);

#endif
