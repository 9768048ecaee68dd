-- 0017-plpgsql-hot-functions.sql -- the SQL functions on the request
-- paths, rewritten in PL/pgSQL with the same bodies (issue 28).
--
-- A LANGUAGE sql function with a SET clause (every function here has
-- SET search_path) is never inlined, and PostgreSQL parses and plans its
-- body again at every statement that calls it: about 45 us each on the
-- bench machine, against about 10 for the same body in PL/pgSQL, whose
-- plans a session keeps.  A sign-in called five of them (the credential
-- read, the device, the address counts, the audit's role check and the
-- session's id), and every INSERT calls usersd_new_id.  What each one
-- does, its owner, grants and SECURITY DEFINER stay as they were.

CREATE OR REPLACE FUNCTION usersd_new_id() RETURNS usersd_id
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public
AS $$
BEGIN
    RETURN lpad(to_hex(
        ((floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint
          - 1491696000000) << 22)
        | (nextval('usersd_id_seq') & 4194303)), 16, '0')::usersd_id;
END
$$;

CREATE OR REPLACE FUNCTION usersd_role(p_kind text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
BEGIN
    RETURN (SELECT r.name FROM usersd_roles r WHERE r.kind = p_kind);
END
$$;

CREATE OR REPLACE FUNCTION usersd_password_by_name(p_name text)
RETURNS TABLE (id text, status text, password_hash text, name text,
               credential_gen bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
BEGIN
    RETURN QUERY SELECT u.id::text, u.status, u.password_hash, u.name::text,
                        u.credential_gen
                   FROM users u WHERE u.name = p_name;
END
$$;

CREATE OR REPLACE FUNCTION usersd_password_by_id(p_id text)
RETURNS TABLE (id text, status text, password_hash text, name text,
               credential_gen bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
BEGIN
    RETURN QUERY SELECT u.id::text, u.status, u.password_hash, u.name::text,
                        u.credential_gen
                   FROM users u WHERE u.id = p_id;
END
$$;

CREATE OR REPLACE FUNCTION usersd_signin_addr_uncount(p_addr text,
    p_net text, p_addr_max integer, p_net_max integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public
AS $$
BEGIN
    UPDATE signin_failures SET failures = greatest(failures - 1, 0),
           blocked_until = CASE WHEN failures - 1 >= p_addr_max
                                THEN blocked_until END
     WHERE kind = 'addr' AND key = p_addr;
    UPDATE signin_failures SET failures = greatest(failures - 1, 0),
           blocked_until = CASE WHEN failures - 1 >= p_net_max
                                THEN blocked_until END
     WHERE kind = 'net' AND key = p_net;
END
$$;

CREATE OR REPLACE FUNCTION usersd_signin_device(p_hash text, p_user text,
    p_gen bigint, p_old text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public
AS $$
BEGIN
    DELETE FROM signin_devices WHERE id_hash = p_old AND user_id = p_user;
    DELETE FROM signin_devices WHERE id_hash IN (
        SELECT d.id_hash FROM signin_devices d WHERE d.user_id = p_user
         ORDER BY d.created_at DESC OFFSET 9);
    INSERT INTO signin_devices (id_hash, user_id, credential_gen)
    VALUES (p_hash, p_user, p_gen);
END
$$;

CREATE OR REPLACE FUNCTION usersd_signin_budget_spend(p_max integer,
    p_window integer) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
DECLARE
    spent boolean;
BEGIN
    INSERT INTO signin_budget AS b (only_row, window_started_at, failures)
    VALUES (true, now(), 1)
    ON CONFLICT (only_row) DO UPDATE SET
        failures = CASE WHEN b.window_started_at
                             < now() - make_interval(secs => p_window)
                        THEN 1 ELSE b.failures + 1 END,
        window_started_at = CASE WHEN b.window_started_at
                             < now() - make_interval(secs => p_window)
                        THEN now() ELSE b.window_started_at END
    RETURNING b.failures > p_max INTO spent;
    RETURN spent;
END
$$;

-- The two-key throttle's functions of 0004, unused since 0009 added the
-- /48 and the device to both (THROTTLE_SUCCESS, THROTTLE_UNCOUNT).
DROP FUNCTION usersd_signin_succeeded(text, text, integer);
DROP FUNCTION usersd_signin_uncount(text, text, integer, integer);
