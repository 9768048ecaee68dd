/*
 * test_migrate.c -- migrate_split, which cuts each migration into the
 * statements sql/runner.sql EXECUTEs one by one: a ';' inside quoted
 * text, a quoted name, a dollar-quoted body or a comment is no end; a
 * statement of comments alone is none; the separators are refused.
 */
#include "migrate.c"

#include "tap.h"

/* The statements split from sql, joined by '|'; NULL if refused. */
static const char *
split(struct arena *a, const char *sql)
{
	struct abuf	 b;
	char		*p;

	abuf_init(&b, a, 64);
	if (migrate_split(&b, sql) == -1)
		return NULL;
	abuf_add(&b, "", 1);
	for (p = b.data; *p != '\0'; p++)
		if (*p == PLAN_US)
			*p = '|';
	return b.data;
}

static const struct {
	int		 line;
	const char	*sql, *want;
} cases[] = {
	{ __LINE__, "SELECT 1; SELECT 2", "|SELECT 1| SELECT 2" },
	{ __LINE__, "SELECT 1;", "|SELECT 1" },
	{ __LINE__, "SELECT ';'; SELECT 'it''s;'", "|SELECT ';'| SELECT 'it''s;'" },
	{ __LINE__, "SELECT \"a;b\" FROM t", "|SELECT \"a;b\" FROM t" },
	{ __LINE__, "DO $$ BEGIN x; y; END $$; SELECT 1",
	    "|DO $$ BEGIN x; y; END $$| SELECT 1" },
	{ __LINE__, "CREATE FUNCTION f() AS $body$ a; $$ b; $body$; X",
	    "|CREATE FUNCTION f() AS $body$ a; $$ b; $body$| X" },
	{ __LINE__, "SELECT $1; SELECT $2", "|SELECT $1| SELECT $2" },
	{ __LINE__, "-- a; comment\nSELECT 1; -- tail;\n",
	    "|-- a; comment\nSELECT 1" },
	{ __LINE__, "/* a; /* nested; */ b; */ SELECT 1",
	    "|/* a; /* nested; */ b; */ SELECT 1" },
	{ __LINE__, "  ;  ; -- nothing\n", "" },
	{ __LINE__, "SELECT 'open", NULL },
	{ __LINE__, "DO $x$ never closed", NULL },
	{ __LINE__, "SELECT 1; \036 SELECT 2", NULL },
	{ __LINE__, "SELECT '\037'", NULL },
};

int
main(void)
{
	struct arena	*a = arena_new();
	const char	*got;
	size_t		 i;
	struct abuf	 b;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = split(a, cases[i].sql);
		if (cases[i].want == NULL)
			ok_at(cases[i].line, got == NULL, "refused: %s",
			    cases[i].sql);
		else
			is_str_at(cases[i].line, got, cases[i].want, "split: %s",
			    cases[i].sql);
	}
	/* Every migration splits, into statements that each hold code. */
	for (i = 0; i < nmigrations; i++) {
		abuf_init(&b, a, 4096);
		ok(migrate_split(&b, migrations[i].sql) == 0 && b.len > 0,
		    "%s splits into statements", migrations[i].name);
	}
	abuf_init(&b, a, 4096);
	ok(migrate_split(&b, runner_sql) == 0 && migrate_split(&b,
	    hosting_sql) == 0, "runner.sql and hosting.sql split too");
	arena_free(a);
	return done_testing();
}
