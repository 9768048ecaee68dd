-- 0006-rehash-marker.sql -- the rehash marker cannot be forged.
--
-- usersd_rehash_password() sets the transaction-local setting
-- usersd.rehash so that a new hash of the same password neither ends
-- sessions nor writes an audit row.  But any role may set a custom
-- setting (SET usersd.rehash = 'on', PGOPTIONS, ALTER ROLE ... SET), and
-- with it change a password, or anything else, unseen (found by review).
-- The marker now counts only while the function runs: it is SECURITY
-- DEFINER, owned by the owner role, so current_user is the owner there
-- and nowhere a service, admin or readonly session can reach.  The audit
-- trigger then skips only an update that changed nothing but the hash
-- without a generation bump, which only that function can make.

CREATE OR REPLACE FUNCTION usersd_bump_credential_gen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.password_hash IS DISTINCT FROM OLD.password_hash
        AND NOT (current_setting('usersd.rehash', true) = 'on'
                 AND current_user = usersd_role('owner')))
       OR (NEW.status = 'inactive' AND OLD.status <> 'inactive') THEN
        NEW.credential_gen := OLD.credential_gen + 1;
    END IF;
    RETURN NEW;
END
$$;

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
        -- A rehash of the same password changes nothing anyone did: only
        -- usersd_rehash_password() changes a hash without a bump.
        IF d = '{"password": "changed"}'
           AND NEW.credential_gen = OLD.credential_gen THEN
            RETURN NULL;
        END IF;
        IF d = '{}' AND NEW.credential_gen <> OLD.credential_gen THEN
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
