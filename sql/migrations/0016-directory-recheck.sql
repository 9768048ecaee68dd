-- 0016-directory-recheck.sql -- a directory user's last directory check
-- (issue 31).
--
-- A directory sign-in looks the user up in the directory; so does a
-- session's touch (src/auth.c, src/dirauth.c) once the last look is older
-- than usersd.conf's ldap_recheck_interval, so a user the directory
-- dropped keeps its sessions no longer than that window, without waiting
-- for `usersctl ldap sync`.  directory_checked_at is when it was last
-- looked up (NULL: never since this migration: due).  The touch claims
-- the check by moving it to now() in a conditional UPDATE, so one worker
-- checks a user at a time: the others find it recent.

ALTER TABLE users ADD COLUMN directory_checked_at timestamptz;

-- As in 0015, and the row's check time is now: the directory has just
-- answered for it.
CREATE OR REPLACE FUNCTION usersd_directory_user(p_name text, p_dn text,
    p_remote text)
RETURNS TABLE (user_id text, user_status text, user_gen bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
    u users%ROWTYPE;
BEGIN
    SELECT * INTO u FROM users WHERE name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM usersd_act(NULL, NULL, p_remote);
        INSERT INTO users (name, directory_dn) VALUES (p_name, p_dn)
            ON CONFLICT (name) DO NOTHING RETURNING * INTO u;
        IF NOT FOUND THEN
            SELECT * INTO u FROM users WHERE name = p_name FOR UPDATE;
        END IF;
    END IF;
    IF u.directory_dn IS NULL OR lower(u.directory_dn) <> lower(p_dn) THEN
        RAISE EXCEPTION 'the name belongs to another user'
            USING ERRCODE = 'UA001';
    END IF;
    UPDATE users SET directory_checked_at = now() WHERE id = u.id;
    RETURN QUERY SELECT u.id::text, u.status, u.credential_gen;
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT SELECT (directory_checked_at), '
        'UPDATE (directory_checked_at) ON users TO %I',
        usersd_role('service'));
    EXECUTE format('GRANT SELECT (directory_checked_at) ON users TO %I',
        usersd_role('admin'));
END
$$;
