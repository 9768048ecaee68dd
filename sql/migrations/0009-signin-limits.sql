-- 0009-signin-limits.sql -- no password hash changes unseen; sign-in
-- limits that hold for IPv6 and never lock out the rightful user.
--
-- 1. Every change of a password hash moves the credential generation
--    (ending the user's sessions) and writes an audit row, whoever makes
--    it.  usersd_rehash_password() used to spare both, as "a new hash of
--    the same password": but the database cannot check that it is the
--    same password (argon2 runs in C), so the service role, which reads
--    any one hash through usersd_password_by_id(), could set a hash of
--    its choosing unseen (found by review).  A rehash is now recorded as
--    "rehash", with the actor the service role names, and returns the new
--    generation for the session of the sign-in that rehashed.

-- As in 0005: lock first, and give way in a deadlock (usersctl sets the
-- short deadlock_timeout: a superuser's setting).
LOCK TABLE users, signin_failures IN ACCESS EXCLUSIVE MODE;

CREATE OR REPLACE FUNCTION usersd_bump_credential_gen() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF NEW.password_hash IS DISTINCT FROM OLD.password_hash
       OR (NEW.status = 'inactive' AND OLD.status <> 'inactive') THEN
        NEW.credential_gen := OLD.credential_gen + 1;
    END IF;
    RETURN NEW;
END
$$;

-- usersd.rehash only names the row: anyone may set the setting, and the
-- most it buys is "rehash" instead of "password" on a change that is
-- recorded and ends sessions all the same.
CREATE OR REPLACE FUNCTION usersd_audit_users() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    cols text[] := ARRAY['name', 'status', 'instance_owner',
                         'password_hash'];
    d jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM usersd_audit_write('create', 'user', NEW.id,
            usersd_audit_pick(to_jsonb(NEW), cols));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM usersd_audit_write('delete', 'user', OLD.id,
            usersd_audit_pick(to_jsonb(OLD), ARRAY['name']));
    ELSE
        d := usersd_audit_diff(to_jsonb(OLD), to_jsonb(NEW), cols);
        IF d = '{"password": "changed"}'
           AND current_setting('usersd.rehash', true) = 'on' THEN
            PERFORM usersd_audit_write('rehash', 'user', NEW.id, d);
        ELSIF d = '{}' AND NEW.credential_gen <> OLD.credential_gen THEN
            PERFORM usersd_audit_write('revoke-sessions', 'user', NEW.id,
                '{"sessions": "revoked"}');
        ELSIF d = '{"password": "changed"}' THEN
            PERFORM usersd_audit_write('password', 'user', NEW.id, d);
        ELSIF d <> '{}' THEN
            PERFORM usersd_audit_write('update', 'user', NEW.id, d);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- A new hash of the same password (usersd checked it in C), only while
-- the stored hash is still p_old (a concurrent change wins): the new
-- credential generation, or NULL.  The owner runs it: it compares a hash
-- the service role cannot read.
DROP FUNCTION usersd_rehash_password(text, text, text);
CREATE FUNCTION usersd_rehash_password(p_id text, p_new text, p_old text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    g bigint;
BEGIN
    PERFORM set_config('usersd.rehash', 'on', true);
    UPDATE users SET password_hash = p_new
     WHERE id = p_id AND password_hash = p_old
    RETURNING credential_gen INTO g;
    PERFORM set_config('usersd.rehash', '', true);
    RETURN g;
END
$$;
REVOKE EXECUTE ON FUNCTION usersd_rehash_password(text, text, text)
    FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('GRANT EXECUTE ON FUNCTION '
        'usersd_rehash_password(text, text, text) TO %I',
        usersd_role('service'));
END
$$;

-- 2. The sign-in limits.
--
--    Addresses: usersd counts an IPv4 address as itself, an IPv6 address
--    per /64 (kind 'addr'; one host holds a whole /64) and, with a limit
--    ten times higher, per /48 (kind 'net'; what a site is given), and an
--    IPv4-mapped IPv6 address as the IPv4 one.  The keys are computed in C
--    (util_addr_key); this function only counts them.
--
--    Devices: a successful sign-in gets a device cookie, a random value
--    whose SHA-256 is a row of signin_devices for that user at the
--    credential generation of the sign-in (OWASP's "device cookie").  An
--    attempt that presents a device of the name it signs in as, at that
--    name's current generation (no password change, deactivation,
--    revocation or rehash since), under a year old and with fewer than
--    p_user_max failures of its own, is not counted on the name and not
--    stopped by the name's block: other people's failures cannot lock the
--    owner out of a device that has signed in before, and a stolen device
--    cookie buys p_user_max guesses, once.  Addresses count as always.
--
--    Sweeping: each attempt deletes up to four rows of signin_failures
--    that have had no failure for a day (and the address window) and are
--    not blocked: such a row says no more than no row (a name's count
--    starts again after a day, an address's after its window), so the
--    table holds at most the keys of the last day's failures, at two or
--    three rows per failure, and shrinks once a flood stops.

ALTER TABLE signin_failures DROP CONSTRAINT signin_failures_kind_check;
ALTER TABLE signin_failures ADD CONSTRAINT signin_failures_kind_check
    CHECK (kind IN ('user', 'addr', 'net'));
CREATE INDEX signin_failures_last ON signin_failures (last_failure_at);

CREATE TABLE signin_devices (
    id_hash         text PRIMARY KEY,
    user_id         usersd_id NOT NULL REFERENCES users ON DELETE CASCADE,
    credential_gen  bigint NOT NULL,
    failures        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signin_devices_user ON signin_devices (user_id, created_at);

-- Counts one sign-in attempt before its password is checked: wait 0
-- means go on (the attempt is counted as a failure until
-- usersd_signin_succeeded says otherwise), more means refuse (429) and
-- nothing was counted; device says the attempt counted on p_device, not
-- on the name.  p_net may be NULL (an IPv4 client).
--   p_user_max failures of a name block it for p_first seconds, doubling
--   with each further failure up to p_longest; a day without failures
--   starts the count again.
--   p_addr_max (p_net_max) failures from an address (a /48) within
--   p_addr_window seconds of the first block it until that window ends.
-- Rows are locked device, name, address, /48, in that order, by every
-- caller, so parallel attempts queue here instead of passing together.
CREATE FUNCTION usersd_signin_attempt(p_name text, p_addr text, p_net text,
    p_device text, p_user_max integer, p_first integer, p_longest integer,
    p_addr_max integer, p_net_max integer, p_addr_window integer)
RETURNS TABLE (wait integer, device boolean)
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    dev boolean := false;
    u signin_failures;
    w numeric := 0;
    since timestamptz := now() - make_interval(secs => p_addr_window);
BEGIN
    IF p_device IS NOT NULL THEN
        PERFORM 1 FROM signin_devices d JOIN users x ON x.id = d.user_id
         WHERE d.id_hash = p_device AND x.name = p_name
           AND d.credential_gen = x.credential_gen
           AND d.created_at > now() - interval '1 year'
           AND d.failures < p_user_max
           FOR UPDATE OF d;
        dev := FOUND;
    END IF;
    -- A blocked name or address is refused before anything is written, so
    -- a flood of blocked attempts under ever new names adds no rows.  The
    -- locked check below still decides; this one only answers early.
    SELECT extract(epoch FROM max(f.blocked_until) - now()) INTO w
      FROM signin_failures f
     WHERE ((f.kind = 'user' AND f.key = p_name AND NOT dev)
            OR (f.kind = 'addr' AND f.key = p_addr)
            OR (f.kind = 'net' AND f.key = p_net))
       AND f.blocked_until > now();
    IF w > 0 THEN
        RETURN QUERY SELECT greatest(ceil(w)::integer, 1), dev;
        RETURN;
    END IF;
    w := 0;

    DELETE FROM signin_failures f USING (
        SELECT o.kind, o.key FROM signin_failures o
         WHERE o.last_failure_at < least(now() - interval '1 day', since)
           AND (o.blocked_until IS NULL OR o.blocked_until < now())
         ORDER BY o.last_failure_at LIMIT 4 FOR UPDATE SKIP LOCKED) old
     WHERE f.kind = old.kind AND f.key = old.key;

    -- Each row is created or locked in one statement (a sweep in between
    -- cannot leave an attempt without its row), and its block read.
    IF NOT dev THEN
        INSERT INTO signin_failures AS f (kind, key) VALUES ('user', p_name)
            ON CONFLICT (kind, key) DO UPDATE SET kind = f.kind
            RETURNING * INTO u;
        IF u.blocked_until > now() THEN
            w := extract(epoch FROM u.blocked_until - now());
        END IF;
    END IF;
    INSERT INTO signin_failures AS f (kind, key) VALUES ('addr', p_addr)
        ON CONFLICT (kind, key) DO UPDATE SET kind = f.kind;
    IF p_net IS NOT NULL THEN
        INSERT INTO signin_failures AS f (kind, key) VALUES ('net', p_net)
            ON CONFLICT (kind, key) DO UPDATE SET kind = f.kind;
    END IF;
    SELECT greatest(w, extract(epoch FROM max(f.blocked_until) - now()))
      INTO w FROM signin_failures f
     WHERE ((f.kind = 'addr' AND f.key = p_addr)
            OR (f.kind = 'net' AND f.key = p_net))
       AND f.blocked_until > now();
    IF w > 0 THEN
        RETURN QUERY SELECT greatest(ceil(w)::integer, 1), dev;
        RETURN;
    END IF;

    IF dev THEN
        UPDATE signin_devices SET failures = failures + 1
         WHERE id_hash = p_device;
    ELSE
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
    END IF;
    -- A window that ended starts again at this failure.
    UPDATE signin_failures f SET
           failures = CASE WHEN f.window_started_at < since THEN 1
                           ELSE f.failures + 1 END,
           window_started_at = CASE WHEN f.window_started_at < since
                                    THEN now() ELSE f.window_started_at END,
           last_failure_at = now(),
           blocked_until = CASE
               WHEN (CASE WHEN f.window_started_at < since THEN 1
                          ELSE f.failures + 1 END)
                    >= CASE f.kind WHEN 'addr' THEN p_addr_max
                                   ELSE p_net_max END
               THEN (CASE WHEN f.window_started_at < since THEN now()
                          ELSE f.window_started_at END)
                    + make_interval(secs => p_addr_window)
               END
     WHERE (f.kind = 'addr' AND f.key = p_addr)
        OR (f.kind = 'net' AND f.key = p_net);
    RETURN QUERY SELECT 0, dev;
END
$$;

-- An address's (a /48's) count gives back the attempt's one failure.  One
-- statement per row, in the order usersd_signin_attempt locks them (one
-- UPDATE of both would lock them in scan order and could deadlock).
CREATE FUNCTION usersd_signin_addr_uncount(p_addr text, p_net text,
    p_addr_max integer, p_net_max integer) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, public AS $$
    UPDATE signin_failures SET failures = greatest(failures - 1, 0),
           blocked_until = CASE WHEN failures - 1 >= p_addr_max
                                THEN blocked_until END
     WHERE kind = 'addr' AND key = p_addr;
    UPDATE signin_failures SET failures = greatest(failures - 1, 0),
           blocked_until = CASE WHEN failures - 1 >= p_net_max
                                THEN blocked_until END
     WHERE kind = 'net' AND key = p_net;
$$;

-- The attempt's password was right: what it counted on starts again from
-- nothing (the device, or else the name), and the addresses get back
-- their one failure.  The name's row stays (at zero): an attempt already
-- waiting for its lock must still find it.  A sign-in on a device leaves
-- the name's count alone: the owner signing in lifts no block on others.
CREATE FUNCTION usersd_signin_succeeded(p_name text, p_addr text,
    p_net text, p_device text, p_addr_max integer, p_net_max integer)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF p_device IS NOT NULL THEN
        UPDATE signin_devices SET failures = 0 WHERE id_hash = p_device;
    ELSE
        UPDATE signin_failures SET failures = 0, blocked_until = NULL
         WHERE kind = 'user' AND key = p_name;
    END IF;
    PERFORM usersd_signin_addr_uncount(p_addr, p_net, p_addr_max,
        p_net_max);
END
$$;

-- The attempt was counted but its password never checked (no free hash
-- slot): every count gets back its one failure, in the locking order.
CREATE FUNCTION usersd_signin_uncount(p_name text, p_addr text,
    p_net text, p_device text, p_user_max integer, p_addr_max integer,
    p_net_max integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF p_device IS NOT NULL THEN
        UPDATE signin_devices SET failures = greatest(failures - 1, 0)
         WHERE id_hash = p_device;
    ELSE
        UPDATE signin_failures SET failures = greatest(failures - 1, 0),
               blocked_until = CASE WHEN failures - 1 >= p_user_max
                                    THEN blocked_until END
         WHERE kind = 'user' AND key = p_name;
    END IF;
    PERFORM usersd_signin_addr_uncount(p_addr, p_net, p_addr_max,
        p_net_max);
END
$$;

-- A successful sign-in's new device (p_hash) for p_user at generation
-- p_gen; the device it presented (p_old) goes, and so do the user's
-- oldest beyond ten: a user has at most ten devices.
CREATE FUNCTION usersd_signin_device(p_hash text, p_user text, p_gen bigint,
    p_old text) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, public AS $$
    DELETE FROM signin_devices WHERE id_hash = p_old AND user_id = p_user;
    DELETE FROM signin_devices WHERE id_hash IN (
        SELECT id_hash FROM signin_devices WHERE user_id = p_user
         ORDER BY created_at DESC OFFSET 9);
    INSERT INTO signin_devices (id_hash, user_id, credential_gen)
    VALUES (p_hash, p_user, p_gen);
$$;

-- The 0004 versions stay for a release that still calls them while an
-- upgrade runs; they count an address per /128.
REVOKE EXECUTE ON FUNCTION
    usersd_signin_attempt(text, text, text, text, integer, integer, integer,
                          integer, integer, integer),
    usersd_signin_addr_uncount(text, text, integer, integer),
    usersd_signin_succeeded(text, text, text, text, integer, integer),
    usersd_signin_uncount(text, text, text, text, integer, integer, integer),
    usersd_signin_device(text, text, bigint, text)
    FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format($g$
        GRANT SELECT, INSERT, UPDATE (failures), DELETE ON signin_devices
              TO %1$I;
        GRANT EXECUTE ON FUNCTION
              usersd_signin_attempt(text, text, text, text, integer, integer,
                                    integer, integer, integer, integer),
              usersd_signin_addr_uncount(text, text, integer, integer),
              usersd_signin_succeeded(text, text, text, text, integer,
                                      integer),
              usersd_signin_uncount(text, text, text, text, integer, integer,
                                    integer),
              usersd_signin_device(text, text, bigint, text)
              TO %1$I;
    $g$, usersd_role('service'));
    -- An admin may see whose devices there are and forget them.
    EXECUTE format('GRANT SELECT (user_id, credential_gen, failures, '
        'created_at), DELETE ON signin_devices TO %I', usersd_role('admin'));
END
$$;
