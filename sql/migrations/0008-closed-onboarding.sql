-- 0008-closed-onboarding.sql -- settings of the instance, the first of
-- them whether onboarding over HTTP (POST /api/v2/setup) is open.
--
-- A hosted instance starts closed (usersctl instance create, unless
-- --open-setup): until its provider runs usersctl setup, a stranger who
-- guesses its host name cannot become its operator.  A closed instance
-- answers GET /api/v2/setup {"allowed": false} and POST 422, as one that
-- is set up already.  A database instance stays open, as InfluxDB is.
-- Only the owner role (the provider) changes settings.

CREATE TABLE usersd_settings (
    name    text PRIMARY KEY CHECK (name IN ('onboarding')),
    value   text NOT NULL,
    CHECK (name <> 'onboarding' OR value IN ('open', 'closed'))
);
REVOKE ALL ON usersd_settings FROM PUBLIC;

DO $$
BEGIN
    EXECUTE format('GRANT SELECT ON usersd_settings TO %I, %I, %I',
        usersd_role('service'), usersd_role('admin'),
        usersd_role('readonly'));
END
$$;

-- As 0005's, but a closed instance is set up only by usersctl (whose
-- actor address "usersctl" no HTTP request can have: usersd sends a
-- client address only in an IP address's canonical form).
CREATE OR REPLACE FUNCTION usersd_setup(p_username text, p_password_hash text,
                             p_org text, p_bucket text, p_retention bigint,
                             p_token_hash text, p_perms text,
                             p_description text, p_remote text)
RETURNS TABLE (user_id text, user_name text, user_status text,
               org_id text, org_name text, org_created text,
               bucket_id text, bucket_name text, bucket_retention bigint,
               bucket_created text, auth_id text, auth_description text,
               auth_created text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
    u users%ROWTYPE;
    o orgs%ROWTYPE;
    b buckets%ROWTYPE;
    a authorizations%ROWTYPE;
BEGIN
    PERFORM pg_advisory_xact_lock(7236602);
    IF EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM orgs)
       OR (p_remote IS DISTINCT FROM 'usersctl' AND EXISTS (SELECT 1
           FROM usersd_settings WHERE name = 'onboarding'
            AND value = 'closed')) THEN
        RAISE EXCEPTION 'onboarding has already been completed';
    END IF;
    PERFORM usersd_act(NULL, NULL, p_remote);
    INSERT INTO users (name, password_hash, instance_owner)
        VALUES (p_username, p_password_hash, true) RETURNING * INTO u;
    PERFORM usersd_act(u.id, NULL, p_remote);
    INSERT INTO orgs (name) VALUES (p_org) RETURNING * INTO o;
    INSERT INTO org_members (org_id, user_id, role) VALUES (o.id, u.id, 'owner');
    INSERT INTO buckets (org_id, name, retention_seconds)
        VALUES (o.id, p_bucket, p_retention) RETURNING * INTO b;
    INSERT INTO authorizations (token_hash, description, org_id, user_id,
                                permissions)
        VALUES (p_token_hash, p_description, o.id, u.id,
                string_to_array(p_perms, ' '))
        RETURNING * INTO a;
    RETURN QUERY SELECT u.id::text, u.name, u.status, o.id::text, o.name,
        usersd_time(o.created_at), b.id::text, b.name, b.retention_seconds,
        usersd_time(b.created_at), a.id::text, a.description,
        usersd_time(a.created_at);
END
$$;
