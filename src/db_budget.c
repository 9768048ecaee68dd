/*
 * db_budget.c -- the instance's sign-in failure budget: one statement
 * (SIGNIN_BUDGET) over usersd_signin_budget_spend().
 */
#include <stdio.h>
#include <string.h>

#include "db_budget.h"
#include "banned.h"

enum dbres
db_signin_budget_spend(struct db *db, struct arena *a, long long max,
    long long window, int *spent)
{
	char		 m[24], w[24];
	const char	*params[2] = { m, w };
	struct dbrows	 rows;
	enum dbres	 rc;

	snprintf(m, sizeof(m), "%lld", max);
	snprintf(w, sizeof(w), "%lld", window);
	rc = db_run(db, STMT_SIGNIN_BUDGET, 2, params, a, &rows);
	if (rc == DB_OK)
		*spent = strcmp(dbrows_get(&rows, 0, 0), "t") == 0;
	return rc;
}
