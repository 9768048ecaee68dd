-- 0005-roles-audit.sql -- four roles instead of one, and an audit log the
-- database writes itself.
--
-- Roles (cluster-wide; PREFIX is the setting usersd.role_prefix when this
-- migration runs, e.g. PGOPTIONS='-c usersd.role_prefix=acme', else the
-- database name):
--   PREFIX_owner     owns the schema and every object; runs migrations.
--   PREFIX_service   what usersd and usersctl connect as: only the rows and
--                    columns its statements use, no DDL, nothing on
--                    audit_log, password hashes only through the two
--                    sign-in functions.
--   PREFIX_admin     for people in psql (GRANT PREFIX_admin TO alice): the
--                    admin_* views and functions, plain UPDATE/DELETE of
--                    users, tokens, sessions and orgs, no hashes.
--   PREFIX_readonly  reporting: the views, orgs and the audit log.
-- usersd_role('owner' | 'service' | 'admin' | 'readonly') names them.
--
-- The audit log is written by triggers on users, orgs, org_members,
-- authorizations and sessions, so a change is recorded whoever makes it.
-- The actor is what usersd_act() set for the transaction (usersd and
-- usersctl call it in the statement that changes the row), else
-- "psql:<session user>".  Details are jsonb, never concatenated text, and
-- never a hash.  The log is append-only for every role but the owner.
--
-- The first run needs a superuser (it creates roles and moves ownership);
-- it takes only brief locks, so usersd keeps serving while it runs.

-- Every table it changes is locked at once, before anything else, and a
-- deadlock with a running request makes this migration the one that gives
-- way (usersctl migrate tries again), never the request: the short
-- deadlock_timeout that does it is set by usersctl for every migration
-- (src/stmts.def, MIGRATE_LOCK), since only a superuser may set it and the
-- migrations run as the owner role.
LOCK TABLE users, sessions, orgs, org_members, authorizations, buckets,
    signin_failures, audit_log IN ACCESS EXCLUSIVE MODE;

CREATE TABLE usersd_roles (
    kind    text PRIMARY KEY
            CHECK (kind IN ('owner', 'service', 'admin', 'readonly',
                            'legacy')),
    name    text NOT NULL UNIQUE
);

DO $$
DECLARE
    prefix text := coalesce(nullif(current_setting('usersd.role_prefix',
        true), ''), current_database());
    k text;
    r text;
BEGIN
    FOREACH k IN ARRAY ARRAY['owner', 'service', 'admin', 'readonly'] LOOP
        r := prefix || '_' || k;
        IF length(r) > 63 THEN
            RAISE EXCEPTION 'role name "%" is too long; set usersd.role_prefix', r;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I %s', r,
                CASE WHEN k IN ('owner', 'service') THEN 'LOGIN'
                     ELSE 'NOLOGIN' END);
        END IF;
        INSERT INTO usersd_roles (kind, name) VALUES (k, r);
    END LOOP;
END
$$;

CREATE FUNCTION usersd_role(p_kind text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    SELECT name FROM usersd_roles WHERE kind = p_kind
$$;

-- The audit log gains its actor and jsonb details; older rows keep their
-- text detail and have neither.
ALTER TABLE audit_log ADD COLUMN actor text;
ALTER TABLE audit_log ADD COLUMN details jsonb;
COMMENT ON COLUMN audit_log.detail IS 'before 0005 only; see details';

-- Called by usersd and usersctl in the statement that changes rows: who
-- acts, for the audit triggers, until the transaction ends.  Always true,
-- so it can sit in a WHERE clause.
CREATE FUNCTION usersd_act(p_user text, p_auth text, p_addr text)
RETURNS boolean
LANGUAGE sql VOLATILE AS $$
    SELECT set_config('usersd.actor', 'on', true) IS NOT NULL
       AND set_config('usersd.actor_user', coalesce(p_user, ''), true)
           IS NOT NULL
       AND set_config('usersd.actor_auth', coalesce(p_auth, ''), true)
           IS NOT NULL
       AND set_config('usersd.actor_addr', coalesce(p_addr, ''), true)
           IS NOT NULL
$$;

-- One audit row.  The actor usersd_act() set counts only for the service
-- role (anyone may set a custom setting); otherwise the session user, as
-- "psql:<role>", is the actor.  p_user: the acting user when usersd set
-- none (a sign-in acts as its own user).
CREATE FUNCTION usersd_audit_write(p_action text, p_type text, p_id text,
    p_details jsonb, p_user text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
    trusted boolean := current_setting('usersd.actor', true) = 'on'
        AND pg_has_role(session_user, usersd_role('service'), 'MEMBER');
    addr text := current_setting('usersd.actor_addr', true);
BEGIN
    IF trusted THEN
        INSERT INTO audit_log (actor, actor_user_id, actor_auth_id, action,
                               target_type, target_id, remote_addr, details)
        VALUES (CASE addr WHEN 'usersctl' THEN 'usersctl' ELSE 'usersd' END,
                coalesce(nullif(current_setting('usersd.actor_user', true),
                                ''), p_user),
                nullif(current_setting('usersd.actor_auth', true), ''),
                p_action, p_type, p_id, coalesce(addr, ''), p_details);
    ELSE
        INSERT INTO audit_log (actor, action, target_type, target_id,
                               remote_addr, details)
        VALUES ('psql:' || session_user, p_action, p_type, p_id,
                'psql:' || session_user, p_details);
    END IF;
END
$$;

-- The changed columns of a row as {"col": {"from": x, "to": y}}, a
-- password hash as "changed" only.
CREATE FUNCTION usersd_audit_diff(o jsonb, n jsonb, cols text[])
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    d jsonb := '{}';
    c text;
BEGIN
    FOREACH c IN ARRAY cols LOOP
        IF o -> c IS DISTINCT FROM n -> c THEN
            IF c = 'password_hash' THEN
                d := d || jsonb_build_object('password',
                    CASE WHEN n -> c = 'null' THEN 'removed'
                         ELSE 'changed' END);
            ELSE
                d := d || jsonb_build_object(c,
                    jsonb_build_object('from', o -> c, 'to', n -> c));
            END IF;
        END IF;
    END LOOP;
    RETURN d;
END
$$;

-- The listed columns of a row, a password hash as "set" or nothing.
CREATE FUNCTION usersd_audit_pick(r jsonb, cols text[]) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    d jsonb := '{}';
    c text;
BEGIN
    FOREACH c IN ARRAY cols LOOP
        IF c = 'password_hash' THEN
            IF r -> c <> 'null' THEN
                d := d || '{"password": "set"}';
            END IF;
        ELSE
            d := d || jsonb_build_object(c, r -> c);
        END IF;
    END LOOP;
    RETURN d;
END
$$;

CREATE FUNCTION usersd_audit_users() RETURNS trigger
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
        -- A rehash of the same password changes nothing anyone did.
        IF current_setting('usersd.rehash', true) = 'on' THEN
            RETURN NULL;
        END IF;
        d := usersd_audit_diff(to_jsonb(OLD), to_jsonb(NEW), cols);
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

CREATE FUNCTION usersd_audit_orgs() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    cols text[] := ARRAY['name', 'description'];
    d jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM usersd_audit_write('create', 'org', NEW.id,
            usersd_audit_pick(to_jsonb(NEW), cols));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM usersd_audit_write('delete', 'org', OLD.id,
            usersd_audit_pick(to_jsonb(OLD), ARRAY['name']));
    ELSE
        d := usersd_audit_diff(to_jsonb(OLD), to_jsonb(NEW), cols);
        IF d <> '{}' THEN
            PERFORM usersd_audit_write('update', 'org', NEW.id, d);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- Tokens that go with their user or org (ON DELETE CASCADE) are covered
-- by that row's "delete".
CREATE FUNCTION usersd_audit_authorizations() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    d jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM usersd_audit_write('create', 'authorization', NEW.id,
            usersd_audit_pick(to_jsonb(NEW), ARRAY['description', 'status',
                'org_id', 'user_id', 'permissions']));
    ELSIF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
           AND EXISTS (SELECT 1 FROM orgs WHERE id = OLD.org_id) THEN
            PERFORM usersd_audit_write('delete', 'authorization', OLD.id,
                usersd_audit_pick(to_jsonb(OLD), ARRAY['description',
                    'user_id']));
        END IF;
    ELSE
        d := usersd_audit_diff(to_jsonb(OLD), to_jsonb(NEW),
            ARRAY['status', 'description', 'permissions']);
        IF d <> '{}' THEN
            PERFORM usersd_audit_write('update', 'authorization', NEW.id, d);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- A membership is recorded on its org: add-owner, remove-member, ...
CREATE FUNCTION usersd_audit_org_members() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM usersd_audit_write('add-' || NEW.role, 'org', NEW.org_id,
            jsonb_build_object('user_id', NEW.user_id, 'role', NEW.role));
    ELSIF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
           AND EXISTS (SELECT 1 FROM orgs WHERE id = OLD.org_id) THEN
            PERFORM usersd_audit_write('remove-' || OLD.role, 'org',
                OLD.org_id, jsonb_build_object('user_id', OLD.user_id,
                'role', OLD.role));
        END IF;
    ELSIF NEW.role <> OLD.role THEN
        PERFORM usersd_audit_write('add-' || NEW.role, 'org', NEW.org_id,
            jsonb_build_object('user_id', NEW.user_id, 'role',
                jsonb_build_object('from', OLD.role, 'to', NEW.role)));
    END IF;
    RETURN NULL;
END
$$;

-- A session opened is a sign-in of its user; a live session ended is a
-- sign-out.  Not recorded: touches (UPDATE), expired sessions swept away,
-- and sessions a password change, deactivation, revocation or deletion of
-- their user had already ended (that change has its own row).
CREATE FUNCTION usersd_audit_sessions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM usersd_audit_write('signin', 'user', NEW.user_id,
            jsonb_build_object('session_id', NEW.id), NEW.user_id);
    ELSIF OLD.expires_at > now() AND EXISTS (SELECT 1 FROM users u
            WHERE u.id = OLD.user_id
              AND u.credential_gen = OLD.credential_gen) THEN
        PERFORM usersd_audit_write('signout', 'user', OLD.user_id,
            jsonb_build_object('session_id', OLD.id), OLD.user_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_audit AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION usersd_audit_users();
CREATE TRIGGER orgs_audit AFTER INSERT OR UPDATE OR DELETE ON orgs
    FOR EACH ROW EXECUTE FUNCTION usersd_audit_orgs();
CREATE TRIGGER authorizations_audit
    AFTER INSERT OR UPDATE OR DELETE ON authorizations
    FOR EACH ROW EXECUTE FUNCTION usersd_audit_authorizations();
CREATE TRIGGER org_members_audit
    AFTER INSERT OR UPDATE OR DELETE ON org_members
    FOR EACH ROW EXECUTE FUNCTION usersd_audit_org_members();
CREATE TRIGGER sessions_audit AFTER INSERT OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION usersd_audit_sessions();

-- Append-only: only the owner role itself may change or remove rows (a
-- superuser too must SET ROLE to it, or disable the trigger on purpose).
CREATE FUNCTION usersd_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_user <> usersd_role('owner') THEN
        RAISE EXCEPTION 'audit_log is append-only'
            USING ERRCODE = '42501',
                  HINT = 'only the owner role may change it';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION usersd_audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION usersd_audit_append_only();

-- The triggers write the log now: the functions no longer do it
-- themselves (they would write every row twice).
CREATE OR REPLACE FUNCTION usersd_deactivate_user(p_name text)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    uid text;
BEGIN
    UPDATE users SET status = 'inactive', updated_at = now()
     WHERE name = p_name RETURNING id INTO uid;
    IF uid IS NULL THEN
        RETURN false;
    END IF;
    DELETE FROM sessions WHERE user_id = uid;
    RETURN true;
END
$$;

CREATE OR REPLACE FUNCTION usersd_activate_user(p_name text)
RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET status = 'active', updated_at = now()
     WHERE name = p_name;
    RETURN FOUND;
END
$$;

CREATE OR REPLACE FUNCTION usersd_revoke_sessions(p_name text)
RETURNS integer
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
    RETURN n;
END
$$;

CREATE OR REPLACE FUNCTION usersd_revoke_token(p_id text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM authorizations WHERE id = p_id;
    RETURN FOUND;
END
$$;

-- signin_failures has no trigger (every failed sign-in would be a row):
-- this function records its own, as the owner, so admins need no
-- privilege on audit_log.
CREATE OR REPLACE FUNCTION usersd_clear_signin_failures(p_key text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM signin_failures WHERE key = p_key;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM usersd_audit_write('clear-signin-failures', 'signin', p_key,
        jsonb_build_object('cleared', n));
    RETURN n;
END
$$;

DROP FUNCTION usersd_admin_audit(text, text, text, text);

-- Setup's rows come from the triggers, acted by the new user.  It runs as
-- the owner: it returns rows the service role may not read in full.
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
    IF EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM orgs) THEN
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

-- The only ways the service role reads a password hash: by name for a
-- sign-in, by id for a password check.
CREATE FUNCTION usersd_password_by_name(p_name text)
RETURNS TABLE (id text, status text, password_hash text, name text,
               credential_gen bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    SELECT u.id, u.status, u.password_hash, u.name, u.credential_gen
      FROM users u WHERE u.name = p_name
$$;

CREATE FUNCTION usersd_password_by_id(p_id text)
RETURNS TABLE (id text, status text, password_hash text, name text,
               credential_gen bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    SELECT u.id, u.status, u.password_hash, u.name, u.credential_gen
      FROM users u WHERE u.id = p_id
$$;

-- Compares the stored hash, which the service role cannot read.
ALTER FUNCTION usersd_rehash_password(text, text, text) SECURITY DEFINER
    SET search_path = pg_catalog, public;

-- The role that owned the tables until now (an upgrade), unless it is a
-- superuser: usersd may still be connected as it, running the statements
-- of the previous release, so it keeps what they need until
-- usersd_end_upgrade() (docs/deploy.md, "Upgrading to roles").
INSERT INTO usersd_roles (kind, name)
SELECT 'legacy', r.rolname FROM pg_class c JOIN pg_roles r
    ON r.oid = c.relowner
 WHERE c.oid = 'users'::regclass AND NOT r.rolsuper
   AND r.rolname NOT IN (SELECT name FROM usersd_roles);

-- Ownership: everything in the schema goes to the owner role.
DO $$
DECLARE
    own text := usersd_role('owner');
    r record;
BEGIN
    EXECUTE format('ALTER SCHEMA public OWNER TO %I', own);
    FOR r IN SELECT c.oid::regclass AS n, c.relkind FROM pg_class c
              WHERE c.relnamespace = 'public'::regnamespace
                AND c.relkind IN ('r', 'v', 'm', 'S', 'p')
                AND NOT EXISTS (SELECT 1 FROM pg_depend d
                     WHERE d.classid = 'pg_class'::regclass
                       AND d.objid = c.oid AND d.deptype IN ('a', 'e', 'i'))
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I',
            CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                 WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
            r.n, own);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS n FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace
                AND NOT EXISTS (SELECT 1 FROM pg_depend d
                     WHERE d.classid = 'pg_proc'::regclass
                       AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO %I', r.n, own);
    END LOOP;
    EXECUTE format('ALTER DOMAIN usersd_id OWNER TO %I', own);
END
$$;

-- Privileges: nothing for PUBLIC, then precisely what each role needs.
DO $$
DECLARE
    own text := usersd_role('owner');
    svc text := usersd_role('service');
    adm text := usersd_role('admin');
    ro text := usersd_role('readonly');
    r record;
BEGIN
    EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM PUBLIC',
        current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I, %I, %I, %I',
        current_database(), own, svc, adm, ro);
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I, %I, %I', svc, adm,
        ro);
    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC;
    REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I '
        'REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC', own);
    -- Whatever the old single role (the one running this) held goes.
    FOR r IN SELECT c.oid::regclass AS n FROM pg_class c
              WHERE c.relnamespace = 'public'::regnamespace
                AND c.relkind IN ('r', 'v', 'S')
    LOOP
        EXECUTE format('REVOKE ALL ON %s FROM %I, %I, %I', r.n, svc, adm,
            ro);
    END LOOP;

    -- The service role: the statements of src/db.c, nothing more.
    EXECUTE format($g$
        GRANT SELECT (id, name, status, instance_owner, credential_gen,
                      created_at, updated_at),
              INSERT (id, name, status, password_hash, instance_owner),
              UPDATE (name, status, password_hash, updated_at,
                      credential_gen),
              DELETE ON users TO %1$I;
        GRANT SELECT, INSERT (name, description),
              UPDATE (name, description, updated_at), DELETE ON orgs TO %1$I;
        GRANT SELECT, INSERT (org_id, name, retention_seconds)
              ON buckets TO %1$I;
        GRANT SELECT, INSERT, UPDATE (role), DELETE ON org_members TO %1$I;
        GRANT SELECT, INSERT (token_hash, status, description, org_id,
                              user_id, permissions),
              UPDATE (status, description, updated_at), DELETE
              ON authorizations TO %1$I;
        GRANT SELECT, INSERT (id_hash, user_id, expires_at, max_expires_at,
                              remote_addr, credential_gen),
              UPDATE (expires_at, last_used_at, credential_gen), DELETE
              ON sessions TO %1$I;
        GRANT SELECT, INSERT, UPDATE, DELETE ON signin_failures TO %1$I;
        GRANT SELECT ON usersd_schema, usersd_roles TO %1$I;
        GRANT USAGE ON SEQUENCE usersd_id_seq TO %1$I;
        GRANT EXECUTE ON FUNCTION usersd_new_id(), usersd_time(timestamptz),
              usersd_role(text), usersd_act(text, text, text),
              usersd_setup(text, text, text, text, bigint, text, text, text,
                           text),
              usersd_rehash_password(text, text, text),
              usersd_password_by_name(text), usersd_password_by_id(text),
              usersd_signin_attempt(text, text, integer, integer, integer,
                                    integer, integer),
              usersd_signin_succeeded(text, text, integer),
              usersd_signin_uncount(text, text, integer, integer)
              TO %1$I;
    $g$, svc);

    -- People in psql: the views, functions and plain edits, no hashes.
    EXECUTE format($g$
        GRANT SELECT ON admin_users, admin_sessions, admin_tokens,
              admin_signin_failures, audit_log, orgs, buckets, org_members,
              signin_failures, usersd_schema, usersd_roles TO %1$I;
        GRANT SELECT (id, name, status, instance_owner, credential_gen,
                      created_at, updated_at),
              UPDATE (name, status, instance_owner, updated_at,
                      credential_gen),
              DELETE ON users TO %1$I;
        GRANT SELECT (id, status, description, org_id, user_id, permissions,
                      created_at, updated_at),
              UPDATE (status, description, updated_at), DELETE
              ON authorizations TO %1$I;
        GRANT SELECT (id, user_id, created_at, expires_at, max_expires_at,
                      last_used_at, remote_addr, credential_gen), DELETE
              ON sessions TO %1$I;
        GRANT UPDATE (name, description, updated_at), DELETE ON orgs
              TO %1$I;
        GRANT INSERT, UPDATE (role), DELETE ON org_members TO %1$I;
        GRANT DELETE ON signin_failures TO %1$I;
        GRANT EXECUTE ON FUNCTION usersd_time(timestamptz), usersd_role(text),
              usersd_deactivate_user(text), usersd_activate_user(text),
              usersd_revoke_sessions(text), usersd_revoke_token(text),
              usersd_clear_signin_failures(text) TO %1$I;
    $g$, adm);

    -- Reporting: read the views, orgs and the audit log.
    EXECUTE format($g$
        GRANT SELECT ON admin_users, admin_sessions, admin_tokens,
              admin_signin_failures, audit_log, orgs, buckets, org_members,
              usersd_schema, usersd_roles TO %1$I;
        GRANT EXECUTE ON FUNCTION usersd_time(timestamptz), usersd_role(text)
              TO %1$I;
    $g$, ro);
END
$$;

-- Until the upgrade ends, the old role can do what the old release did:
-- the service role's privileges, plus its own audit rows and hash reads.
DO $$
DECLARE
    old text := usersd_role('legacy');
BEGIN
    IF old IS NOT NULL THEN
        EXECUTE format('GRANT %I TO %I', usersd_role('service'), old);
        EXECUTE format('GRANT INSERT ON audit_log TO %1$I; '
            'GRANT USAGE ON SEQUENCE audit_log_id_seq TO %1$I; '
            'GRANT SELECT (password_hash) ON users TO %1$I; '
            'GRANT SELECT ON users TO %1$I', old);
    END IF;
END
$$;

-- Run (as the owner or a superuser) once usersd connects as the service
-- role: the old role keeps nothing (the database, if it owned it, goes to
-- the owner role).  Returns the old role, or NULL.
CREATE FUNCTION usersd_end_upgrade() RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    old text := usersd_role('legacy');
BEGIN
    IF old IS NOT NULL THEN
        EXECUTE format('REVOKE ALL ON audit_log, users FROM %1$I; '
            'REVOKE ALL ON SEQUENCE audit_log_id_seq FROM %1$I', old);
        EXECUTE format('REVOKE %I FROM %I', usersd_role('service'), old);
        IF (SELECT r.rolname FROM pg_database d JOIN pg_roles r
                ON r.oid = d.datdba
             WHERE d.datname = current_database()) = old THEN
            EXECUTE format('ALTER DATABASE %I OWNER TO %I',
                current_database(), usersd_role('owner'));
        END IF;
        DELETE FROM usersd_roles WHERE kind = 'legacy';
    END IF;
    RETURN old;
END
$$;
REVOKE EXECUTE ON FUNCTION usersd_end_upgrade() FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION usersd_end_upgrade() OWNER TO %I',
        usersd_role('owner'));
END
$$;
