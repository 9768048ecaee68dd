-- 0011-instance-budget.sql -- a failure budget for the whole instance
-- (issue 26).  The throttle of 0004 counts per name and per address: an
-- attacker with many addresses and ever new names passes both, and every
-- attempt costs a hash (an unknown name is verified against a dummy hash
-- so that timing does not tell it apart).  Here every failed sign-in of
-- the instance counts, whatever its name and address, in windows of
-- p_window seconds; past p_max in a window the budget is spent, and
-- usersd then answers an unknown name 401 without its dummy hash, while
-- known users still have their passwords checked (see session.c).
--
-- One row per instance, written by one function: the service role has no
-- grant on the table itself.

CREATE TABLE signin_budget (
    only_row          boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    window_started_at timestamptz NOT NULL,
    failures          integer NOT NULL
);
REVOKE ALL ON signin_budget FROM PUBLIC;

-- Counts one failed sign-in; true when the window's failures, this one
-- included, are past p_max.
CREATE FUNCTION usersd_signin_budget_spend(p_max integer, p_window integer)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
    INSERT INTO signin_budget AS b (only_row, window_started_at, failures)
    VALUES (true, now(), 1)
    ON CONFLICT (only_row) DO UPDATE SET
        failures = CASE WHEN b.window_started_at
                             < now() - make_interval(secs => p_window)
                        THEN 1 ELSE b.failures + 1 END,
        window_started_at = CASE WHEN b.window_started_at
                             < now() - make_interval(secs => p_window)
                        THEN now() ELSE b.window_started_at END
    RETURNING failures > p_max;
$$;

REVOKE EXECUTE ON FUNCTION usersd_signin_budget_spend(integer, integer)
    FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('GRANT EXECUTE ON FUNCTION '
        'usersd_signin_budget_spend(integer, integer) TO %I',
        usersd_role('service'));
END
$$;
