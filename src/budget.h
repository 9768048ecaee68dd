/*
 * budget.h -- the instance's sign-in failure budget: every failed sign-in
 * of an instance counts, whatever its name and address, so an attacker
 * with many addresses (every IPv6 /64 is one to the per-address limit)
 * still meets a limit.  Past signin_max_failures_per_instance within
 * signin_addr_window, an unknown name gets its 401 without the dummy hash;
 * known users' passwords are still checked.
 */
#ifndef BUDGET_H
#define BUDGET_H

struct arena;
struct cfg;
struct db;

/*
 * Counts the failure of an unknown name; 1 when the budget is spent (skip
 * the dummy hash), else 0 (also when the count failed: logged, and the
 * hash is paid as before).
 */
int	budget_unknown_name(struct db *, struct arena *, const struct cfg *);
/* Counts the failure of a known name (a wrong password). */
void	budget_known_name(struct db *, struct arena *, const struct cfg *);

#endif
