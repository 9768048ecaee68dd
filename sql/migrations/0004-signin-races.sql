-- 0004-signin-races.sql -- the database decides two races of sign-in.
--
-- 1. A credential generation.  A sign-in checks a password, then spends
--    tens of milliseconds in argon2, then opens a session; a password
--    change, deactivation or revocation in that gap used to delete only
--    the sessions that existed, and the late session lived on.  Now every
--    such change bumps users.credential_gen (a trigger, so a plain UPDATE
--    in psql counts too), a session records the generation its password
--    was checked against, and a session is valid only while the two
--    match.  The sign-in's INSERT refuses a stale generation itself.
--
-- 2. The throttle counts an attempt before the password is hashed, in one
--    call under row locks (usersd_signin_attempt), so parallel guesses
--    cannot all pass a check that has not yet seen the others.  Failures
--    are counted per user name and, with a separate, higher limit within a
--    fixed window, per client address.

ALTER TABLE users ADD COLUMN credential_gen bigint NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN credential_gen bigint NOT NULL DEFAULT 0;

-- A new password hash (but not a rehash of the same password, which
-- usersd_rehash_password marks) or a deactivation ends every session.
CREATE FUNCTION usersd_bump_credential_gen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.password_hash IS DISTINCT FROM OLD.password_hash
        AND current_setting('usersd.rehash', true) IS DISTINCT FROM 'on')
       OR (NEW.status = 'inactive' AND OLD.status <> 'inactive') THEN
        NEW.credential_gen := OLD.credential_gen + 1;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER users_bump_credential_gen
    BEFORE UPDATE OF password_hash, status ON users
    FOR EACH ROW EXECUTE FUNCTION usersd_bump_credential_gen();

-- The same password, hashed with today's argon2 parameters: sessions stay.
-- Only when the stored hash is still p_old (a concurrent change wins).
CREATE FUNCTION usersd_rehash_password(p_id text, p_new text, p_old text)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    done boolean;
BEGIN
    PERFORM set_config('usersd.rehash', 'on', true);
    UPDATE users SET password_hash = p_new
     WHERE id = p_id AND password_hash = p_old;
    done := FOUND;
    PERFORM set_config('usersd.rehash', '', true);
    RETURN done;
END
$$;

-- Revocation ends sessions being opened right now too.
CREATE OR REPLACE FUNCTION usersd_revoke_sessions(p_name text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    uid text;
    n integer;
BEGIN
    UPDATE users SET credential_gen = credential_gen + 1
     WHERE name = p_name RETURNING id INTO uid;
    IF uid IS NULL THEN
        RETURN 0;
    END IF;
    DELETE FROM sessions WHERE user_id = uid;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM usersd_admin_audit('revoke-sessions', 'user', uid, n::text);
    RETURN n;
END
$$;

CREATE OR REPLACE VIEW admin_users AS
SELECT u.id, u.name, u.status, u.instance_owner,
       u.password_hash IS NOT NULL AS has_password,
       (SELECT count(*) FROM sessions s
         WHERE s.user_id = u.id AND s.expires_at > now()
           AND s.credential_gen = u.credential_gen) AS active_sessions,
       (SELECT count(*) FROM authorizations a
         WHERE a.user_id = u.id) AS tokens,
       u.created_at, u.updated_at
  FROM users u;

CREATE OR REPLACE VIEW admin_sessions AS
SELECT s.id, s.user_id, u.name AS user_name, s.created_at, s.expires_at,
       s.max_expires_at, s.last_used_at, s.remote_addr
  FROM sessions s JOIN users u ON u.id = s.user_id
 WHERE s.expires_at > now() AND s.credential_gen = u.credential_gen;

-- The address count runs in a fixed window from its first failure.
ALTER TABLE signin_failures
    ADD COLUMN window_started_at timestamptz NOT NULL DEFAULT now();

-- Counts one sign-in attempt for p_name and p_addr before its password is
-- checked, and returns the seconds to wait: 0 means go on (the attempt is
-- counted as a failure until usersd_signin_succeeded says otherwise), more
-- means refuse (429) and nothing was counted.
--   p_user_max failures of a name block it for p_first seconds, doubling
--   with each further failure up to p_longest; a day without failures
--   starts the count again.
--   p_addr_max failures from an address within p_addr_window seconds of
--   the first block it until that window ends.
-- The rows are locked name first, then address, by every caller, so
-- parallel attempts queue here instead of passing together.
CREATE FUNCTION usersd_signin_attempt(p_name text, p_addr text,
    p_user_max integer, p_first integer, p_longest integer,
    p_addr_max integer, p_addr_window integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    u signin_failures;
    a signin_failures;
    wait numeric := 0;
BEGIN
    -- A blocked name or address is refused before anything is written, so
    -- a flood of blocked attempts under ever new names adds no rows.  The
    -- locked check below still decides; this one only answers early.
    SELECT extract(epoch FROM max(blocked_until) - now()) INTO wait
      FROM signin_failures
     WHERE ((kind = 'user' AND key = p_name) OR (kind = 'addr' AND key = p_addr))
       AND blocked_until > now();
    IF wait > 0 THEN
        RETURN greatest(ceil(wait)::integer, 1);
    END IF;
    wait := 0;
    INSERT INTO signin_failures (kind, key) VALUES ('user', p_name),
        ('addr', p_addr) ON CONFLICT DO NOTHING;
    SELECT * INTO u FROM signin_failures
     WHERE kind = 'user' AND key = p_name FOR UPDATE;
    SELECT * INTO a FROM signin_failures
     WHERE kind = 'addr' AND key = p_addr FOR UPDATE;
    IF u.blocked_until > now() THEN
        wait := extract(epoch FROM u.blocked_until - now());
    END IF;
    IF a.blocked_until > now() THEN
        wait := greatest(wait, extract(epoch FROM a.blocked_until - now()));
    END IF;
    IF wait > 0 THEN
        RETURN greatest(ceil(wait)::integer, 1);
    END IF;

    IF u.last_failure_at < now() - interval '1 day' THEN
        u.failures := 0;
    END IF;
    UPDATE signin_failures SET failures = u.failures + 1,
           last_failure_at = now(),
           blocked_until = CASE WHEN u.failures + 1 >= p_user_max
               THEN now() + make_interval(secs => least(p_longest,
                   p_first * power(2, least(u.failures + 1 - p_user_max,
                                            24))))
               END
     WHERE kind = 'user' AND key = p_name;

    IF a.window_started_at < now() - make_interval(secs => p_addr_window) THEN
        a.failures := 0;
        a.window_started_at := now();
    END IF;
    UPDATE signin_failures SET failures = a.failures + 1,
           last_failure_at = now(), window_started_at = a.window_started_at,
           blocked_until = CASE WHEN a.failures + 1 >= p_addr_max
               THEN a.window_started_at
                    + make_interval(secs => p_addr_window)
               END
     WHERE kind = 'addr' AND key = p_addr;
    RETURN 0;
END
$$;

-- The attempt's password was right: the name starts again from nothing,
-- and the address gets back the one failure the attempt had counted.  The
-- name's row stays (at zero): an attempt already waiting for its lock
-- must still find it and be counted.
CREATE FUNCTION usersd_signin_succeeded(p_name text, p_addr text,
    p_addr_max integer) RETURNS void
LANGUAGE sql AS $$
    UPDATE signin_failures SET failures = 0, blocked_until = NULL
     WHERE kind = 'user' AND key = p_name;
    UPDATE signin_failures SET failures = greatest(failures - 1, 0),
           blocked_until = CASE WHEN failures - 1 >= p_addr_max
                                THEN blocked_until END
     WHERE kind = 'addr' AND key = p_addr;
$$;

-- The attempt was counted but its password never checked (no free hash
-- slot): both counts get back their one failure.  Name first, then
-- address, the order usersd_signin_attempt locks them in: one UPDATE of
-- both rows would lock them in scan order and could deadlock with it.
CREATE FUNCTION usersd_signin_uncount(p_name text, p_addr text,
    p_user_max integer, p_addr_max integer) RETURNS void
LANGUAGE sql AS $$
    UPDATE signin_failures SET failures = greatest(failures - 1, 0),
           blocked_until = CASE WHEN failures - 1 >= p_user_max
                                THEN blocked_until END
     WHERE kind = 'user' AND key = p_name;
    UPDATE signin_failures SET failures = greatest(failures - 1, 0),
           blocked_until = CASE WHEN failures - 1 >= p_addr_max
                                THEN blocked_until END
     WHERE kind = 'addr' AND key = p_addr;
$$;
