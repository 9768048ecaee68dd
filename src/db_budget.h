/*
 * db_budget.h -- the instance's sign-in failure budget (sql 0011), typed
 * (see db_users.h for the conventions).
 */
#ifndef DB_BUDGET_H
#define DB_BUDGET_H

#include "db.h"

/*
 * Counts one failed sign-in of the instance; *spent: 1 when the failures
 * of the window, this one included, are past max.
 */
enum dbres	 db_signin_budget_spend(struct db *, struct arena *,
		    long long max, long long window, int *spent);

#endif
