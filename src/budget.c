/*
 * budget.c -- the instance's sign-in failure budget (budget.h), kept apart
 * from the per-name and per-address throttle of session.c.  Under attack
 * an unknown name answers faster than a known one: that tells a name's
 * existence to whoever measures it, the price of not hashing for the
 * attacker.  Below the budget nothing changes.
 */
#include "budget.h"
#include "cfg.h"
#include "db_budget.h"
#include "log.h"
#include "banned.h"

static int
spend(struct db *db, struct arena *a, const struct cfg *c)
{
	int	 spent = 0;

	if (db_signin_budget_spend(db, a, c->signin_max_failures_per_instance,
	    c->signin_addr_window, &spent) != DB_OK) {
		log_warnx("cannot count a sign-in failure in the instance's "
		    "budget");
		return 0;
	}
	return spent;
}

int
budget_unknown_name(struct db *db, struct arena *a, const struct cfg *c)
{
	return spend(db, a, c);
}

void
budget_known_name(struct db *db, struct arena *a, const struct cfg *c)
{
	(void)spend(db, a, c);
}
