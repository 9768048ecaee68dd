/*
 * test_err.c -- the error currency: every code has InfluxDB's code string
 * and HTTP status (kit/transport/http/error_handler.go), and apierr_set
 * formats safely.
 */
#include "err.c"

#include <string.h>

#include "tap.h"

/* Indexed by the enum, so a missing or shifted row shows up as a failure. */
static const struct {
	int		 line;
	const char	*code;
	int		 status;
} want[APIERR__MAX] = {
	[APIERR_OK] = { __LINE__, "ok", 200 },
	[APIERR_INTERNAL] = { __LINE__, "internal error", 500 },
	[APIERR_NOT_IMPLEMENTED] = { __LINE__, "not implemented", 501 },
	[APIERR_NOT_FOUND] = { __LINE__, "not found", 404 },
	[APIERR_CONFLICT] = { __LINE__, "conflict", 422 },
	[APIERR_INVALID] = { __LINE__, "invalid", 400 },
	[APIERR_UNPROCESSABLE] = { __LINE__, "unprocessable entity", 422 },
	[APIERR_EMPTY_VALUE] = { __LINE__, "empty value", 400 },
	[APIERR_UNAVAILABLE] = { __LINE__, "unavailable", 503 },
	[APIERR_FORBIDDEN] = { __LINE__, "forbidden", 403 },
	[APIERR_TOO_MANY_REQUESTS] = { __LINE__, "too many requests", 429 },
	[APIERR_UNAUTHORIZED] = { __LINE__, "unauthorized", 401 },
	[APIERR_METHOD_NOT_ALLOWED] = { __LINE__, "method not allowed", 405 },
	[APIERR_TOO_LARGE] = { __LINE__, "request too large", 413 },
	[APIERR_UNSUPPORTED_MEDIA] = { __LINE__, "unsupported media type",
	    415 },
};

static void
test_tables(void)
{
	int	 i;

	for (i = 0; i < APIERR__MAX; i++) {
		ok_at(want[i].line, want[i].code != NULL,
		    "enum value %d has a row in the test table", i);
		if (want[i].code == NULL)
			continue;
		is_str_at(want[i].line, apierr_string(i), want[i].code,
		    "code %d is \"%s\"", i, want[i].code);
		is_int_at(want[i].line, apierr_status(i), want[i].status,
		    "code \"%s\" is HTTP %d", want[i].code, want[i].status);
	}
	is_str(apierr_string(APIERR__MAX), "internal error",
	    "an out-of-range code renders as \"internal error\"");
	is_int(apierr_status(APIERR__MAX), 500,
	    "an out-of-range code is HTTP 500");
	is_str(apierr_string((enum apierr_code)1000), "internal error",
	    "a wild code renders as \"internal error\"");
	is_int(apierr_status((enum apierr_code)1000), 500,
	    "a wild code is HTTP 500");
}

static void
test_set(void)
{
	struct apierr	 e;
	char		 longname[400];

	memset(&e, 0, sizeof(e));
	e.retry_after = 30;
	is_int(apierr_set(&e, APIERR_NOT_FOUND, "user \"%s\" not found",
	    "bob"), -1, "apierr_set returns -1");
	is_int(e.code, APIERR_NOT_FOUND, "apierr_set stores the code");
	is_str(e.msg, "user \"bob\" not found",
	    "apierr_set formats the message");
	is_int(e.retry_after, 0, "apierr_set clears retry_after");

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	memset(e.msg, 'Z', sizeof(e.msg));
	apierr_set(&e, APIERR_INVALID, "name %s", longname);
	is_int(strlen(e.msg), sizeof(e.msg) - 1,
	    "a long message is truncated to the buffer, NUL-terminated");
	ok(strncmp(e.msg, "name xxxx", 9) == 0,
	    "a truncated message keeps its beginning");

	is_int(apierr_unauthorized(&e), -1, "apierr_unauthorized returns -1");
	is_int(e.code, APIERR_UNAUTHORIZED, "apierr_unauthorized is 401");
	is_str(e.msg, "unauthorized access",
	    "apierr_unauthorized says \"unauthorized access\"");

	is_int(apierr_internal(&e), -1, "apierr_internal returns -1");
	is_int(e.code, APIERR_INTERNAL, "apierr_internal is INTERNAL");
	is_str(e.msg, "internal error", "apierr_internal's message");
}

int
main(void)
{
	test_tables();
	test_set();
	return done_testing();
}
