/*
 * test_db.c -- the statements' boundary: every table, view, function,
 * domain and sequence of an instance that a statement of stmts.def names
 * is marked T(name), so db.c's qualify() gives it the instance's schema,
 * and every marked name is one the migrations create.  An unmarked name
 * would resolve through the search_path (pg_catalog alone on usersd's
 * connections, so it fails to prepare; without that pin it would reach
 * whatever schema comes first: another instance's, a tenant's).
 * Run from the top of the tree (tests/run.sh does): it reads the files of
 * sql/migrations and src/migrate.c.
 */
#include "db.c"

#include <glob.h>
#include <regex.h>

#include "tap.h"

#define MAX_OBJECTS	256

static char	*objects[MAX_OBJECTS];
static size_t	 nobjects;

static int
is_object(const char *w, size_t n)
{
	size_t	 i;

	for (i = 0; i < nobjects; i++)
		if (strlen(objects[i]) == n && strncmp(objects[i], w, n) == 0)
			return 1;
	return 0;
}

/* The names a file creates: CREATE [OR REPLACE] TABLE|VIEW|... [public.]name. */
static void
read_objects(const char *path)
{
	regex_t		 re;
	regmatch_t	 m[6];
	FILE		*f;
	char		*text, *p;
	long		 len;

	if ((f = fopen(path, "r")) == NULL ||
	    fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (text = calloc(1, (size_t)len + 1)) == NULL ||
	    fread(text, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	if (regcomp(&re, "CREATE[[:space:]]+(OR[[:space:]]+REPLACE[[:space:]]+)?"
	    "(TABLE|VIEW|FUNCTION|DOMAIN|SEQUENCE)[[:space:]]+"
	    "(IF[[:space:]]+NOT[[:space:]]+EXISTS[[:space:]]+)?"
	    "(public\\.)?([a-z_][a-z0-9_]*)", REG_EXTENDED | REG_ICASE) != 0)
		exit(1);
	for (p = text; regexec(&re, p, 6, m, 0) == 0; p += m[0].rm_eo)
		if (!is_object(p + m[5].rm_so, (size_t)(m[5].rm_eo - m[5].rm_so)) &&
		    nobjects < MAX_OBJECTS)
			objects[nobjects++] = strndup(p + m[5].rm_so,
			    (size_t)(m[5].rm_eo - m[5].rm_so));
	regfree(&re);
	free(text);
}

static int
word(int c)
{
	return isalnum(c) || c == '_';
}

/*
 * Checks statement s: names of objects outside T() (not after a '.',
 * another schema's name; not before one, a table's name as a column's
 * qualifier) and T() names that are no object.
 */
static void
check_statement(int s)
{
	const char	*sql = stmts[s].sql, *p = sql, *w;
	int		 bare = 0, unknown = 0, marked = 0;
	char		 first[64] = "";

	while (*p != '\0') {
		if (*p == '\'') {
			for (p++; *p != '\0' && *p != '\''; p++)
				;
			if (*p != '\0')
				p++;
			continue;
		}
		if (!(isalpha((unsigned char)*p) || *p == '_') ||
		    (p > sql && word((unsigned char)p[-1]))) {
			p++;
			continue;
		}
		for (w = p; word((unsigned char)*p); p++)
			;
		if (w > sql && w[-1] == T_MARK) {
			marked++;
			if (!is_object(w, (size_t)(p - w)) && unknown++ == 0)
				snprintf(first, sizeof(first), "%.*s",
				    (int)(p - w), w);
		} else if (is_object(w, (size_t)(p - w)) && *p != '.' &&
		    (w == sql || w[-1] != '.') && bare++ == 0)
			snprintf(first, sizeof(first), "%.*s", (int)(p - w), w);
	}
	ok(bare == 0, "%s marks every instance object it names%s%s",
	    stmts[s].name, bare ? ": not " : "", bare ? first : "");
	ok(unknown == 0, "%s marks only objects the migrations create%s%s",
	    stmts[s].name, unknown ? ": not " : "", unknown ? first : "");
	(void)marked;
}

/* qualify() leaves no marker, and puts "schema". before each name. */
static void
check_qualify(int s)
{
	char		*q = qualify(stmts[s].sql, "acme-1");
	const char	*p;
	size_t		 marks = 0, quals = 0;

	for (p = stmts[s].sql; *p != '\0'; p++)
		marks += *p == T_MARK;
	for (p = q; (p = strstr(p, "\"acme-1\".")) != NULL; p++)
		quals++;
	ok(strchr(q, T_MARK) == NULL && quals == marks,
	    "%s qualified: %zu names of %zu marked", stmts[s].name, quals,
	    marks);
	free(q);
}

int
main(void)
{
	glob_t	 g;
	size_t	 i;
	int	 s;
	char	*q;

	if (glob("sql/migrations/*.sql", 0, NULL, &g) != 0) {
		fprintf(stderr, "run from the top of the tree\n");
		return 1;
	}
	for (i = 0; i < g.gl_pathc; i++)
		read_objects(g.gl_pathv[i]);
	globfree(&g);
	read_objects("src/migrate.c");	/* usersd_schema */
	ok(is_object("users", 5) && is_object("usersd_time", 11) &&
	    is_object("usersd_schema", 13), "the migrations' objects are read "
	    "(%zu)", nobjects);
	for (s = 0; s < STMT__MAX; s++) {
		check_statement(s);
		check_qualify(s);
	}
	q = qualify(stmts[STMT_USER_GET].sql, "acme");
	is_str(q, "SELECT id, name, status, kind FROM \"acme\".users WHERE id = $1",
	    "USER_GET in schema acme");
	free(q);
	return done_testing();
}
