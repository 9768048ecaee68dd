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

-- As in 0005: lock first, and give way in a deadlock.
SET LOCAL deadlock_timeout = '20ms';
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
