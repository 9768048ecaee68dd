-- sql/schema.sql: the schema sql/migrations make, as pg_dump
-- writes it (normalised). Do not edit: run make schema.

ALTER SCHEMA public OWNER TO usersd_owner;

CREATE DOMAIN public.usersd_id AS text COLLATE pg_catalog."C"
	CONSTRAINT usersd_id_check CHECK (((VALUE ~ '^[0-9a-f]{16}$'::text) AND (VALUE <> '0000000000000000'::text)));

ALTER DOMAIN public.usersd_id OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_act(p_user text, p_auth text, p_addr text) RETURNS boolean
    LANGUAGE sql
    AS $$
    SELECT set_config('usersd.actor', 'on', true) IS NOT NULL
       AND set_config('usersd.actor_user', coalesce(p_user, ''), true)
           IS NOT NULL
       AND set_config('usersd.actor_auth', coalesce(p_auth, ''), true)
           IS NOT NULL
       AND set_config('usersd.actor_addr', coalesce(p_addr, ''), true)
           IS NOT NULL
$$;

ALTER FUNCTION public.usersd_act(p_user text, p_auth text, p_addr text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_activate_user(p_name text) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    UPDATE users SET status = 'active', updated_at = now()
     WHERE name = p_name;
    RETURN FOUND;
END
$$;

ALTER FUNCTION public.usersd_activate_user(p_name text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    IF current_user <> usersd_role('owner') THEN
        RAISE EXCEPTION 'audit_log is append-only'
            USING ERRCODE = '42501',
                  HINT = 'only the owner role may change it';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;

ALTER FUNCTION public.usersd_audit_append_only() OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_audit_authorizations() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
DECLARE
    d jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM usersd_audit_write('create', 'authorization', NEW.id,
            usersd_audit_pick(to_jsonb(NEW), ARRAY['description', 'status',
                'org_id', 'user_id', 'permissions', 'expires_at']));
    ELSIF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
           AND EXISTS (SELECT 1 FROM orgs WHERE id = OLD.org_id) THEN
            PERFORM usersd_audit_write('delete', 'authorization', OLD.id,
                usersd_audit_pick(to_jsonb(OLD), ARRAY['description',
                    'user_id']));
        END IF;
    ELSIF NEW.token_hash <> OLD.token_hash THEN
        PERFORM usersd_audit_write('rotate', 'authorization', NEW.id,
            jsonb_build_object('grace_until', NEW.prev_expires_at));
    ELSE
        d := usersd_audit_diff(to_jsonb(OLD), to_jsonb(NEW),
            ARRAY['status', 'description', 'permissions', 'expires_at']);
        IF d <> '{}' THEN
            PERFORM usersd_audit_write('update', 'authorization', NEW.id, d);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

ALTER FUNCTION public.usersd_audit_authorizations() OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_audit_diff(o jsonb, n jsonb, cols text[]) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_audit_diff(o jsonb, n jsonb, cols text[]) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_audit_org_members() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_audit_org_members() OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_audit_orgs() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_audit_orgs() OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_audit_pick(r jsonb, cols text[]) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_audit_pick(r jsonb, cols text[]) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_audit_sessions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_audit_sessions() OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_audit_users() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_audit_users() OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_audit_write(p_action text, p_type text, p_id text, p_details jsonb, p_user text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_audit_write(p_action text, p_type text, p_id text, p_details jsonb, p_user text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_bump_credential_gen() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    IF NEW.password_hash IS DISTINCT FROM OLD.password_hash
       OR (NEW.status = 'inactive' AND OLD.status <> 'inactive') THEN
        NEW.credential_gen := OLD.credential_gen + 1;
    END IF;
    RETURN NEW;
END
$$;

ALTER FUNCTION public.usersd_bump_credential_gen() OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_clear_signin_failures(p_key text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_clear_signin_failures(p_key text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_deactivate_user(p_name text) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_deactivate_user(p_name text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_directory_keep_secret() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    IF (NEW.uris, NEW.starttls, NEW.allow_plain, NEW.ca_file, NEW.bind_dn)
       IS DISTINCT FROM
       (OLD.uris, OLD.starttls, OLD.allow_plain, OLD.ca_file, OLD.bind_dn)
       AND NEW.bind_password = OLD.bind_password THEN
        NEW.bind_password := '';
    END IF;
    RETURN NEW;
END
$$;

ALTER FUNCTION public.usersd_directory_keep_secret() OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_directory_no_password() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    IF NEW.directory_dn IS NOT NULL AND NEW.password_hash IS NOT NULL THEN
        RAISE EXCEPTION 'a directory user signs in with the directory''s password; it cannot be set here'
            USING ERRCODE = 'UA001';
    END IF;
    RETURN NEW;
END
$$;

ALTER FUNCTION public.usersd_directory_no_password() OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_directory_roles(p_user text, p_flags text, p_remote text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
DECLARE
    r record;
    o record;
    i integer := 0;
    n integer := 0;
    owner text[] := '{}';
    member text[] := '{}';
    want text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = p_user
                    AND directory_dn IS NOT NULL) THEN
        RETURN 0;
    END IF;
    IF (SELECT count(*) FROM directory_roles) <> length(p_flags) THEN
        RETURN NULL;
    END IF;
    FOR r IN SELECT org_name, role FROM directory_roles
              ORDER BY org_name, role
    LOOP
        i := i + 1;
        IF substr(p_flags, i, 1) = 't' THEN
            IF r.role = 'owner' THEN
                owner := owner || r.org_name;
            ELSE
                member := member || r.org_name;
            END IF;
        END IF;
    END LOOP;
    PERFORM usersd_act(p_user, NULL, p_remote);
    FOR o IN SELECT DISTINCT g.id, g.name FROM orgs g
               JOIN directory_roles d ON d.org_name = g.name
    LOOP
        want := CASE WHEN o.name = ANY (owner) THEN 'owner'
                     WHEN o.name = ANY (member) THEN 'member' END;
        IF want IS NULL THEN
            DELETE FROM org_members WHERE org_id = o.id AND user_id = p_user;
        ELSE
            INSERT INTO org_members (org_id, user_id, role)
                VALUES (o.id, p_user, want)
                ON CONFLICT (org_id, user_id) DO UPDATE SET role = want
                WHERE org_members.role <> want;
        END IF;
        IF FOUND THEN
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END
$$;

ALTER FUNCTION public.usersd_directory_roles(p_user text, p_flags text, p_remote text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_directory_set(p_key text, p_value text) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
BEGIN
    IF p_key NOT IN ('enabled', 'uris', 'starttls', 'allow_plain',
                     'ca_file', 'bind_dn', 'bind_password', 'base_dn',
                     'user_filter', 'name_attr', 'required_group',
                     'member_attr', 'unknown_names') THEN
        RAISE EXCEPTION 'unknown directory setting "%"', p_key
            USING ERRCODE = 'UA001';
    END IF;
    IF p_key IN ('enabled', 'starttls', 'allow_plain', 'unknown_names')
       AND p_value IS DISTINCT FROM 'true'
       AND p_value IS DISTINCT FROM 'false' THEN
        RAISE EXCEPTION '% is true or false', p_key USING ERRCODE = 'UA001';
    END IF;
    EXECUTE format('UPDATE directory SET %I = $1::%s, updated_at = now()',
        p_key, CASE WHEN p_key IN ('enabled', 'starttls', 'allow_plain',
                                   'unknown_names')
                    THEN 'boolean' ELSE 'text' END)
        USING p_value;
    RETURN true;
END
$_$;

ALTER FUNCTION public.usersd_directory_set(p_key text, p_value text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_directory_user(p_name text, p_dn text, p_remote text) RETURNS TABLE(user_id text, user_status text, user_gen bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_directory_user(p_name text, p_dn text, p_remote text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_end_upgrade() RETURNS text
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
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
$_$;

ALTER FUNCTION public.usersd_end_upgrade() OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_keep_instance_owner() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7236603);
    IF NOT EXISTS (SELECT 1 FROM users
                    WHERE instance_owner AND status = 'active') THEN
        RAISE EXCEPTION 'the last active instance owner cannot be deactivated or deleted'
            USING ERRCODE = 'UA001',
                  HINT = 'make another user an instance owner first';
    END IF;
    RETURN NULL;
END
$$;

ALTER FUNCTION public.usersd_keep_instance_owner() OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_new_id() RETURNS public.usersd_id
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    RETURN lpad(to_hex(
        ((floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint
          - 1491696000000) << 22)
        | (nextval('usersd_id_seq') & 4194303)), 16, '0')::usersd_id;
END
$$;

ALTER FUNCTION public.usersd_new_id() OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_org_members_to_users() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE users SET owner_of = '{}', member_of = '{}'
         WHERE owner_of <> '{}' OR member_of <> '{}';
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM usersd_user_roles_sync(OLD.user_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE')
       AND (TG_OP = 'INSERT' OR NEW.user_id IS DISTINCT FROM OLD.user_id) THEN
        PERFORM usersd_user_roles_sync(NEW.user_id);
    END IF;
    RETURN NULL;
END
$$;

ALTER FUNCTION public.usersd_org_members_to_users() OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_password_by_id(p_id text) RETURNS TABLE(id text, status text, password_hash text, name text, credential_gen bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    RETURN QUERY SELECT u.id::text, u.status, u.password_hash, u.name::text,
                        u.credential_gen
                   FROM users u WHERE u.id = p_id;
END
$$;

ALTER FUNCTION public.usersd_password_by_id(p_id text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_password_by_name(p_name text) RETURNS TABLE(id text, status text, password_hash text, name text, credential_gen bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    RETURN QUERY SELECT u.id::text, u.status, u.password_hash, u.name::text,
                        u.credential_gen
                   FROM users u WHERE u.name = p_name;
END
$$;

ALTER FUNCTION public.usersd_password_by_name(p_name text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_rehash_password(p_id text, p_new text, p_old text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_rehash_password(p_id text, p_new text, p_old text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_revoke_sessions(p_name text) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_revoke_sessions(p_name text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_revoke_token(p_id text) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    DELETE FROM authorizations WHERE id = p_id;
    RETURN FOUND;
END
$$;

ALTER FUNCTION public.usersd_revoke_token(p_id text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_role(p_kind text) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    RETURN (SELECT r.name FROM usersd_roles r WHERE r.kind = p_kind);
END
$$;

ALTER FUNCTION public.usersd_role(p_kind text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_setup(p_username text, p_password_hash text, p_org text, p_bucket text, p_retention bigint, p_token_hash text, p_perms text, p_description text, p_remote text) RETURNS TABLE(user_id text, user_name text, user_status text, org_id text, org_name text, org_created text, bucket_id text, bucket_name text, bucket_retention bigint, bucket_created text, auth_id text, auth_description text, auth_created text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_setup(p_username text, p_password_hash text, p_org text, p_bucket text, p_retention bigint, p_token_hash text, p_perms text, p_description text, p_remote text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_signin_addr_uncount(p_addr text, p_net text, p_addr_max integer, p_net_max integer) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
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

ALTER FUNCTION public.usersd_signin_addr_uncount(p_addr text, p_net text, p_addr_max integer, p_net_max integer) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_signin_attempt(p_name text, p_addr text, p_net text, p_device text, p_user_max integer, p_first integer, p_longest integer, p_addr_max integer, p_net_max integer, p_addr_window integer) RETURNS TABLE(wait integer, device boolean)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_signin_attempt(p_name text, p_addr text, p_net text, p_device text, p_user_max integer, p_first integer, p_longest integer, p_addr_max integer, p_net_max integer, p_addr_window integer) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_signin_budget_spend(p_max integer, p_window integer) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
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

ALTER FUNCTION public.usersd_signin_budget_spend(p_max integer, p_window integer) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_signin_device(p_hash text, p_user text, p_gen bigint, p_old text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
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

ALTER FUNCTION public.usersd_signin_device(p_hash text, p_user text, p_gen bigint, p_old text) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_signin_succeeded(p_name text, p_addr text, p_net text, p_device text, p_addr_max integer, p_net_max integer) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_signin_succeeded(p_name text, p_addr text, p_net text, p_device text, p_addr_max integer, p_net_max integer) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_signin_uncount(p_name text, p_addr text, p_net text, p_device text, p_user_max integer, p_addr_max integer, p_net_max integer) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION public.usersd_signin_uncount(p_name text, p_addr text, p_net text, p_device text, p_user_max integer, p_addr_max integer, p_net_max integer) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_time(timestamp with time zone) RETURNS text
    LANGUAGE sql STABLE
    AS $_$
    SELECT to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$_$;

ALTER FUNCTION public.usersd_time(timestamp with time zone) OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_token_copy_user_status() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
DECLARE
    s text;
BEGIN
    SELECT status INTO s FROM users WHERE id = NEW.user_id FOR SHARE;
    IF FOUND THEN
        NEW.user_status := s;
    END IF;
    RETURN NEW;
END
$$;

ALTER FUNCTION public.usersd_token_copy_user_status() OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_tokens_user_status() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    UPDATE authorizations SET user_status = NEW.status
     WHERE user_id = NEW.id AND user_status <> NEW.status;
    RETURN NULL;
END
$$;

ALTER FUNCTION public.usersd_tokens_user_status() OWNER TO usersd_owner;

CREATE FUNCTION public.usersd_user_roles_sync(p_user text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    PERFORM 1 FROM users WHERE id = p_user FOR UPDATE;
    UPDATE users u SET
           owner_of = coalesce((SELECT array_agg(m.org_id::text ORDER BY m.org_id)
                                  FROM org_members m
                                 WHERE m.user_id = u.id AND m.role = 'owner'),
                               '{}'),
           member_of = coalesce((SELECT array_agg(m.org_id::text ORDER BY m.org_id)
                                   FROM org_members m
                                  WHERE m.user_id = u.id AND m.role = 'member'),
                                '{}')
     WHERE u.id = p_user;
END
$$;

ALTER FUNCTION public.usersd_user_roles_sync(p_user text) OWNER TO usersd_owner;

CREATE TABLE public.sessions (
    id public.usersd_id DEFAULT public.usersd_new_id() NOT NULL,
    id_hash text NOT NULL,
    user_id public.usersd_id NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    max_expires_at timestamp with time zone NOT NULL,
    last_used_at timestamp with time zone DEFAULT now() NOT NULL,
    remote_addr text DEFAULT ''::text NOT NULL,
    credential_gen bigint DEFAULT 0 NOT NULL,
    user_agent text DEFAULT ''::text NOT NULL,
    CONSTRAINT sessions_id_hash_check CHECK ((id_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT sessions_user_agent_check CHECK (((length(user_agent) <= 256) AND (user_agent ~ '^[ -~]*$'::text)))
);

ALTER TABLE public.sessions OWNER TO usersd_owner;

CREATE TABLE public.users (
    id public.usersd_id DEFAULT public.usersd_new_id() NOT NULL,
    name text NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    password_hash text,
    instance_owner boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    credential_gen bigint DEFAULT 0 NOT NULL,
    owner_of text[] DEFAULT '{}'::text[] NOT NULL,
    member_of text[] DEFAULT '{}'::text[] NOT NULL,
    kind text DEFAULT 'user'::text NOT NULL,
    directory_dn text,
    directory_checked_at timestamp with time zone,
    CONSTRAINT users_directory_dn_check CHECK (((directory_dn <> ''::text) AND (octet_length(directory_dn) <= 1024))),
    CONSTRAINT users_kind_check CHECK ((kind = ANY (ARRAY['user'::text, 'service'::text]))),
    CONSTRAINT users_name_check CHECK (((name <> ''::text) AND (octet_length(name) <= 256))),
    CONSTRAINT users_service_no_directory CHECK (((kind = 'user'::text) OR (directory_dn IS NULL))),
    CONSTRAINT users_service_no_password CHECK (((kind = 'user'::text) OR (password_hash IS NULL))),
    CONSTRAINT users_status_check CHECK ((status = ANY (ARRAY['active'::text, 'inactive'::text])))
);

ALTER TABLE public.users OWNER TO usersd_owner;

CREATE VIEW public.admin_sessions AS
 SELECT s.id,
    s.user_id,
    u.name AS user_name,
    s.created_at,
    s.expires_at,
    s.max_expires_at,
    s.last_used_at,
    s.remote_addr,
    s.user_agent
   FROM (public.sessions s
     JOIN public.users u ON (((u.id)::text = (s.user_id)::text)))
  WHERE ((s.expires_at > now()) AND (s.credential_gen = u.credential_gen));

ALTER TABLE public.admin_sessions OWNER TO usersd_owner;

CREATE TABLE public.signin_failures (
    kind text NOT NULL,
    key text NOT NULL,
    failures integer DEFAULT 0 NOT NULL,
    last_failure_at timestamp with time zone DEFAULT now() NOT NULL,
    blocked_until timestamp with time zone,
    window_started_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT signin_failures_kind_check CHECK ((kind = ANY (ARRAY['user'::text, 'addr'::text, 'net'::text])))
);

ALTER TABLE public.signin_failures OWNER TO usersd_owner;

CREATE VIEW public.admin_signin_failures AS
 SELECT signin_failures.kind,
    signin_failures.key,
    signin_failures.failures,
    signin_failures.last_failure_at,
    signin_failures.blocked_until,
    COALESCE((signin_failures.blocked_until > now()), false) AS blocked
   FROM public.signin_failures;

ALTER TABLE public.admin_signin_failures OWNER TO usersd_owner;

CREATE TABLE public.authorization_use (
    auth_id public.usersd_id NOT NULL,
    last_used_at timestamp with time zone NOT NULL,
    last_used_addr text DEFAULT ''::text NOT NULL,
    CONSTRAINT authorization_use_last_used_addr_check CHECK (((length(last_used_addr) <= 64) AND (last_used_addr ~ '^[ -~]*$'::text)))
);

ALTER TABLE public.authorization_use OWNER TO usersd_owner;

CREATE TABLE public.authorizations (
    id public.usersd_id DEFAULT public.usersd_new_id() NOT NULL,
    token_hash text NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    org_id public.usersd_id NOT NULL,
    user_id public.usersd_id NOT NULL,
    permissions text[] NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    user_status text DEFAULT 'active'::text NOT NULL,
    expires_at timestamp with time zone,
    prev_token_hash text,
    prev_expires_at timestamp with time zone,
    rotated_at timestamp with time zone,
    CONSTRAINT authorizations_expiry_after_creation CHECK ((expires_at > created_at)),
    CONSTRAINT authorizations_grace_with_hash CHECK (((prev_token_hash IS NULL) = (prev_expires_at IS NULL))),
    CONSTRAINT authorizations_permissions_check CHECK ((cardinality(permissions) > 0)),
    CONSTRAINT authorizations_prev_token_hash_check CHECK ((prev_token_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT authorizations_status_check CHECK ((status = ANY (ARRAY['active'::text, 'inactive'::text]))),
    CONSTRAINT authorizations_token_hash_check CHECK ((token_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT authorizations_user_status_check CHECK ((user_status = ANY (ARRAY['active'::text, 'inactive'::text])))
);

ALTER TABLE public.authorizations OWNER TO usersd_owner;

CREATE TABLE public.orgs (
    id public.usersd_id DEFAULT public.usersd_new_id() NOT NULL,
    name text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT orgs_name_check CHECK (((name <> ''::text) AND (octet_length(name) <= 256)))
);

ALTER TABLE public.orgs OWNER TO usersd_owner;

CREATE VIEW public.admin_tokens AS
 SELECT a.id,
    a.status,
    a.description,
    a.user_id,
    u.name AS user_name,
    a.org_id,
    o.name AS org_name,
    a.permissions,
    a.created_at,
    a.updated_at,
    a.expires_at,
    COALESCE((a.expires_at <= now()), false) AS expired,
    w.last_used_at,
    w.last_used_addr,
    a.rotated_at,
        CASE
            WHEN (a.prev_expires_at > now()) THEN a.prev_expires_at
            ELSE NULL::timestamp with time zone
        END AS old_secret_valid_until,
    u.kind AS user_kind
   FROM (((public.authorizations a
     JOIN public.users u ON (((u.id)::text = (a.user_id)::text)))
     JOIN public.orgs o ON (((o.id)::text = (a.org_id)::text)))
     LEFT JOIN public.authorization_use w ON (((w.auth_id)::text = (a.id)::text)));

ALTER TABLE public.admin_tokens OWNER TO usersd_owner;

CREATE VIEW public.admin_token_hygiene AS
 SELECT t.id,
    t.description,
    t.user_name,
    t.user_kind,
    t.org_name,
    t.status,
    t.created_at,
    t.expires_at,
    t.last_used_at,
    t.last_used_addr,
        CASE
            WHEN t.expired THEN 'expired'::text
            WHEN (t.expires_at < (now() + '7 days'::interval)) THEN 'expiring'::text
            ELSE 'stale'::text
        END AS why
   FROM public.admin_tokens t
  WHERE (t.expired OR (t.expires_at < (now() + '7 days'::interval)) OR (COALESCE(t.last_used_at, t.created_at) < (now() - '90 days'::interval)));

ALTER TABLE public.admin_token_hygiene OWNER TO usersd_owner;

CREATE VIEW public.admin_users AS
 SELECT u.id,
    u.name,
    u.status,
    u.instance_owner,
    (u.password_hash IS NOT NULL) AS has_password,
    ( SELECT count(*) AS count
           FROM public.sessions s
          WHERE (((s.user_id)::text = (u.id)::text) AND (s.expires_at > now()) AND (s.credential_gen = u.credential_gen))) AS active_sessions,
    ( SELECT count(*) AS count
           FROM public.authorizations a
          WHERE ((a.user_id)::text = (u.id)::text)) AS tokens,
    u.created_at,
    u.updated_at,
    u.kind
   FROM public.users u;

ALTER TABLE public.admin_users OWNER TO usersd_owner;

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    actor_user_id text,
    actor_auth_id text,
    action text NOT NULL,
    target_type text NOT NULL,
    target_id text,
    remote_addr text DEFAULT ''::text NOT NULL,
    detail text DEFAULT ''::text NOT NULL,
    actor text,
    details jsonb
);

ALTER TABLE public.audit_log OWNER TO usersd_owner;

COMMENT ON COLUMN public.audit_log.detail IS 'before 0005 only; see details';

CREATE SEQUENCE public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER TABLE public.audit_log_id_seq OWNER TO usersd_owner;

ALTER SEQUENCE public.audit_log_id_seq OWNED BY public.audit_log.id;

CREATE TABLE public.buckets (
    id public.usersd_id DEFAULT public.usersd_new_id() NOT NULL,
    org_id public.usersd_id NOT NULL,
    name text NOT NULL,
    retention_seconds bigint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT buckets_name_check CHECK (((name <> ''::text) AND (name !~ '^_'::text))),
    CONSTRAINT buckets_retention_seconds_check CHECK ((retention_seconds >= 0))
);

ALTER TABLE public.buckets OWNER TO usersd_owner;

CREATE TABLE public.directory (
    only_row boolean DEFAULT true NOT NULL,
    enabled boolean DEFAULT false NOT NULL,
    uris text DEFAULT ''::text NOT NULL,
    starttls boolean DEFAULT true NOT NULL,
    allow_plain boolean DEFAULT false NOT NULL,
    ca_file text DEFAULT ''::text NOT NULL,
    bind_dn text DEFAULT ''::text NOT NULL,
    bind_password text DEFAULT ''::text NOT NULL,
    base_dn text DEFAULT ''::text NOT NULL,
    user_filter text DEFAULT '(objectClass=person)'::text NOT NULL,
    name_attr text DEFAULT 'uid'::text NOT NULL,
    required_group text DEFAULT ''::text NOT NULL,
    member_attr text DEFAULT 'member'::text NOT NULL,
    unknown_names boolean DEFAULT false NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT directory_member_attr_check CHECK ((member_attr ~ '^[A-Za-z][A-Za-z0-9-]{0,63}$'::text)),
    CONSTRAINT directory_name_attr_check CHECK ((name_attr ~ '^[A-Za-z][A-Za-z0-9-]{0,63}$'::text)),
    CONSTRAINT directory_only_row_check CHECK (only_row),
    CONSTRAINT directory_uris_check CHECK ((uris ~ '^((ldaps?|ldapi)://[^ ]+( |$))*$'::text)),
    CONSTRAINT directory_user_filter_check CHECK (((user_filter ~ '^\(.*\)$'::text) AND (octet_length(user_filter) <= 1024)))
);

ALTER TABLE public.directory OWNER TO usersd_owner;

CREATE TABLE public.directory_roles (
    org_name text NOT NULL,
    role text NOT NULL,
    group_dn text NOT NULL,
    CONSTRAINT directory_roles_group_dn_check CHECK (((group_dn <> ''::text) AND (octet_length(group_dn) <= 1024))),
    CONSTRAINT directory_roles_org_name_check CHECK ((org_name <> ''::text)),
    CONSTRAINT directory_roles_role_check CHECK ((role = ANY (ARRAY['member'::text, 'owner'::text])))
);

ALTER TABLE public.directory_roles OWNER TO usersd_owner;

CREATE TABLE public.org_members (
    org_id public.usersd_id NOT NULL,
    user_id public.usersd_id NOT NULL,
    role text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT org_members_role_check CHECK ((role = ANY (ARRAY['member'::text, 'owner'::text])))
);

ALTER TABLE public.org_members OWNER TO usersd_owner;

CREATE TABLE public.signin_budget (
    only_row boolean DEFAULT true NOT NULL,
    window_started_at timestamp with time zone NOT NULL,
    failures integer NOT NULL,
    CONSTRAINT signin_budget_only_row_check CHECK (only_row)
);

ALTER TABLE public.signin_budget OWNER TO usersd_owner;

CREATE TABLE public.signin_devices (
    id_hash text NOT NULL,
    user_id public.usersd_id NOT NULL,
    credential_gen bigint NOT NULL,
    failures integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE public.signin_devices OWNER TO usersd_owner;

CREATE SEQUENCE public.usersd_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER TABLE public.usersd_id_seq OWNER TO usersd_owner;

CREATE TABLE public.usersd_roles (
    kind text NOT NULL,
    name text NOT NULL,
    CONSTRAINT usersd_roles_kind_check CHECK ((kind = ANY (ARRAY['owner'::text, 'service'::text, 'admin'::text, 'readonly'::text, 'legacy'::text])))
);

ALTER TABLE public.usersd_roles OWNER TO usersd_owner;

CREATE TABLE public.usersd_schema (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE public.usersd_schema OWNER TO usersd_owner;

CREATE TABLE public.usersd_settings (
    name text NOT NULL,
    value text NOT NULL,
    CONSTRAINT usersd_settings_check CHECK (((name <> 'onboarding'::text) OR (value = ANY (ARRAY['open'::text, 'closed'::text])))),
    CONSTRAINT usersd_settings_interval_check CHECK (
CASE
    WHEN (name = 'onboarding'::text) THEN true
    ELSE (((value)::interval > '00:00:00'::interval) AND ((value)::interval < '1000 years'::interval))
END),
    CONSTRAINT usersd_settings_name_check CHECK ((name = ANY (ARRAY['onboarding'::text, 'token_max_lifetime'::text, 'token_default_lifetime'::text, 'token_rotate_max_grace'::text])))
);

ALTER TABLE public.usersd_settings OWNER TO usersd_owner;

ALTER TABLE ONLY public.audit_log ALTER COLUMN id SET DEFAULT nextval('public.audit_log_id_seq'::regclass);

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.authorization_use
    ADD CONSTRAINT authorization_use_pkey PRIMARY KEY (auth_id);

ALTER TABLE ONLY public.authorizations
    ADD CONSTRAINT authorizations_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.authorizations
    ADD CONSTRAINT authorizations_prev_token_hash_key UNIQUE (prev_token_hash);

ALTER TABLE ONLY public.authorizations
    ADD CONSTRAINT authorizations_token_hash_key UNIQUE (token_hash);

ALTER TABLE ONLY public.buckets
    ADD CONSTRAINT buckets_org_id_name_key UNIQUE (org_id, name);

ALTER TABLE ONLY public.buckets
    ADD CONSTRAINT buckets_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.directory
    ADD CONSTRAINT directory_pkey PRIMARY KEY (only_row);

ALTER TABLE ONLY public.directory_roles
    ADD CONSTRAINT directory_roles_pkey PRIMARY KEY (org_name, role);

ALTER TABLE ONLY public.org_members
    ADD CONSTRAINT org_members_pkey PRIMARY KEY (org_id, user_id);

ALTER TABLE ONLY public.orgs
    ADD CONSTRAINT orgs_name_key UNIQUE (name);

ALTER TABLE ONLY public.orgs
    ADD CONSTRAINT orgs_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_id_hash_key UNIQUE (id_hash);

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.signin_budget
    ADD CONSTRAINT signin_budget_pkey PRIMARY KEY (only_row);

ALTER TABLE ONLY public.signin_devices
    ADD CONSTRAINT signin_devices_pkey PRIMARY KEY (id_hash);

ALTER TABLE ONLY public.signin_failures
    ADD CONSTRAINT signin_failures_pkey PRIMARY KEY (kind, key);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_name_key UNIQUE (name);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.usersd_roles
    ADD CONSTRAINT usersd_roles_name_key UNIQUE (name);

ALTER TABLE ONLY public.usersd_roles
    ADD CONSTRAINT usersd_roles_pkey PRIMARY KEY (kind);

ALTER TABLE ONLY public.usersd_schema
    ADD CONSTRAINT usersd_schema_pkey PRIMARY KEY (version);

ALTER TABLE ONLY public.usersd_settings
    ADD CONSTRAINT usersd_settings_pkey PRIMARY KEY (name);

CREATE INDEX audit_log_at ON public.audit_log USING btree (at);

CREATE INDEX authorizations_expires ON public.authorizations USING btree (expires_at) WHERE (expires_at IS NOT NULL);

CREATE INDEX authorizations_org ON public.authorizations USING btree (org_id);

CREATE INDEX authorizations_user ON public.authorizations USING btree (user_id);

CREATE INDEX org_members_user ON public.org_members USING btree (user_id);

CREATE INDEX sessions_expires ON public.sessions USING btree (expires_at);

CREATE INDEX sessions_user ON public.sessions USING btree (user_id);

CREATE INDEX signin_devices_user ON public.signin_devices USING btree (user_id, created_at);

CREATE INDEX signin_failures_last ON public.signin_failures USING btree (last_failure_at);

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.usersd_audit_append_only();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION public.usersd_audit_append_only();

CREATE TRIGGER authorizations_audit AFTER INSERT OR DELETE OR UPDATE ON public.authorizations FOR EACH ROW EXECUTE FUNCTION public.usersd_audit_authorizations();

CREATE TRIGGER authorizations_user_status BEFORE INSERT OR UPDATE OF user_id ON public.authorizations FOR EACH ROW EXECUTE FUNCTION public.usersd_token_copy_user_status();

CREATE TRIGGER directory_keep_secret BEFORE UPDATE ON public.directory FOR EACH ROW EXECUTE FUNCTION public.usersd_directory_keep_secret();

CREATE TRIGGER org_members_audit AFTER INSERT OR DELETE OR UPDATE ON public.org_members FOR EACH ROW EXECUTE FUNCTION public.usersd_audit_org_members();

CREATE TRIGGER org_members_to_users AFTER INSERT OR DELETE OR UPDATE ON public.org_members FOR EACH ROW EXECUTE FUNCTION public.usersd_org_members_to_users();

CREATE TRIGGER org_members_truncate_to_users AFTER TRUNCATE ON public.org_members FOR EACH STATEMENT EXECUTE FUNCTION public.usersd_org_members_to_users();

CREATE TRIGGER orgs_audit AFTER INSERT OR DELETE OR UPDATE ON public.orgs FOR EACH ROW EXECUTE FUNCTION public.usersd_audit_orgs();

CREATE TRIGGER sessions_audit AFTER INSERT OR DELETE ON public.sessions FOR EACH ROW EXECUTE FUNCTION public.usersd_audit_sessions();

CREATE TRIGGER users_audit AFTER INSERT OR DELETE OR UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.usersd_audit_users();

CREATE TRIGGER users_bump_credential_gen BEFORE UPDATE OF password_hash, status ON public.users FOR EACH ROW EXECUTE FUNCTION public.usersd_bump_credential_gen();

CREATE TRIGGER users_directory_no_password BEFORE INSERT OR UPDATE OF password_hash, directory_dn ON public.users FOR EACH ROW EXECUTE FUNCTION public.usersd_directory_no_password();

CREATE TRIGGER users_keep_instance_owner_delete AFTER DELETE ON public.users FOR EACH ROW WHEN ((old.instance_owner AND (old.status = 'active'::text))) EXECUTE FUNCTION public.usersd_keep_instance_owner();

CREATE TRIGGER users_keep_instance_owner_update AFTER UPDATE OF status, instance_owner ON public.users FOR EACH ROW WHEN ((old.instance_owner AND (old.status = 'active'::text) AND (NOT (new.instance_owner AND (new.status = 'active'::text))))) EXECUTE FUNCTION public.usersd_keep_instance_owner();

CREATE TRIGGER users_status_to_tokens AFTER UPDATE OF status ON public.users FOR EACH ROW WHEN ((new.status IS DISTINCT FROM old.status)) EXECUTE FUNCTION public.usersd_tokens_user_status();

ALTER TABLE ONLY public.authorization_use
    ADD CONSTRAINT authorization_use_auth_id_fkey FOREIGN KEY (auth_id) REFERENCES public.authorizations(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.authorizations
    ADD CONSTRAINT authorizations_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.orgs(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.authorizations
    ADD CONSTRAINT authorizations_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.buckets
    ADD CONSTRAINT buckets_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.orgs(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.org_members
    ADD CONSTRAINT org_members_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.orgs(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.org_members
    ADD CONSTRAINT org_members_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.signin_devices
    ADD CONSTRAINT signin_devices_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

GRANT USAGE ON SCHEMA public TO usersd_service;
GRANT USAGE ON SCHEMA public TO usersd_admin;
GRANT USAGE ON SCHEMA public TO usersd_readonly;

REVOKE ALL ON FUNCTION public.usersd_act(p_user text, p_auth text, p_addr text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_act(p_user text, p_auth text, p_addr text) TO usersd_service;

REVOKE ALL ON FUNCTION public.usersd_activate_user(p_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_activate_user(p_name text) TO usersd_admin;

REVOKE ALL ON FUNCTION public.usersd_audit_append_only() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_audit_authorizations() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_audit_diff(o jsonb, n jsonb, cols text[]) FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_audit_org_members() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_audit_orgs() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_audit_pick(r jsonb, cols text[]) FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_audit_sessions() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_audit_users() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_audit_write(p_action text, p_type text, p_id text, p_details jsonb, p_user text) FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_bump_credential_gen() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_clear_signin_failures(p_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_clear_signin_failures(p_key text) TO usersd_admin;

REVOKE ALL ON FUNCTION public.usersd_deactivate_user(p_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_deactivate_user(p_name text) TO usersd_admin;

REVOKE ALL ON FUNCTION public.usersd_directory_keep_secret() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_directory_no_password() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_directory_roles(p_user text, p_flags text, p_remote text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_directory_roles(p_user text, p_flags text, p_remote text) TO usersd_service;

REVOKE ALL ON FUNCTION public.usersd_directory_set(p_key text, p_value text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_directory_set(p_key text, p_value text) TO usersd_service;

REVOKE ALL ON FUNCTION public.usersd_directory_user(p_name text, p_dn text, p_remote text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_directory_user(p_name text, p_dn text, p_remote text) TO usersd_service;

REVOKE ALL ON FUNCTION public.usersd_end_upgrade() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_keep_instance_owner() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_new_id() FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_new_id() TO usersd_service;

REVOKE ALL ON FUNCTION public.usersd_org_members_to_users() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_password_by_id(p_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_password_by_id(p_id text) TO usersd_service;

REVOKE ALL ON FUNCTION public.usersd_password_by_name(p_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_password_by_name(p_name text) TO usersd_service;

REVOKE ALL ON FUNCTION public.usersd_rehash_password(p_id text, p_new text, p_old text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_rehash_password(p_id text, p_new text, p_old text) TO usersd_service;

REVOKE ALL ON FUNCTION public.usersd_revoke_sessions(p_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_revoke_sessions(p_name text) TO usersd_admin;

REVOKE ALL ON FUNCTION public.usersd_revoke_token(p_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_revoke_token(p_id text) TO usersd_admin;

REVOKE ALL ON FUNCTION public.usersd_role(p_kind text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_role(p_kind text) TO usersd_service;
GRANT ALL ON FUNCTION public.usersd_role(p_kind text) TO usersd_admin;
GRANT ALL ON FUNCTION public.usersd_role(p_kind text) TO usersd_readonly;

REVOKE ALL ON FUNCTION public.usersd_setup(p_username text, p_password_hash text, p_org text, p_bucket text, p_retention bigint, p_token_hash text, p_perms text, p_description text, p_remote text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_setup(p_username text, p_password_hash text, p_org text, p_bucket text, p_retention bigint, p_token_hash text, p_perms text, p_description text, p_remote text) TO usersd_service;

REVOKE ALL ON FUNCTION public.usersd_signin_addr_uncount(p_addr text, p_net text, p_addr_max integer, p_net_max integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_signin_addr_uncount(p_addr text, p_net text, p_addr_max integer, p_net_max integer) TO usersd_service;

REVOKE ALL ON FUNCTION public.usersd_signin_attempt(p_name text, p_addr text, p_net text, p_device text, p_user_max integer, p_first integer, p_longest integer, p_addr_max integer, p_net_max integer, p_addr_window integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_signin_attempt(p_name text, p_addr text, p_net text, p_device text, p_user_max integer, p_first integer, p_longest integer, p_addr_max integer, p_net_max integer, p_addr_window integer) TO usersd_service;

REVOKE ALL ON FUNCTION public.usersd_signin_budget_spend(p_max integer, p_window integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_signin_budget_spend(p_max integer, p_window integer) TO usersd_service;

REVOKE ALL ON FUNCTION public.usersd_signin_device(p_hash text, p_user text, p_gen bigint, p_old text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_signin_device(p_hash text, p_user text, p_gen bigint, p_old text) TO usersd_service;

REVOKE ALL ON FUNCTION public.usersd_signin_succeeded(p_name text, p_addr text, p_net text, p_device text, p_addr_max integer, p_net_max integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_signin_succeeded(p_name text, p_addr text, p_net text, p_device text, p_addr_max integer, p_net_max integer) TO usersd_service;

REVOKE ALL ON FUNCTION public.usersd_signin_uncount(p_name text, p_addr text, p_net text, p_device text, p_user_max integer, p_addr_max integer, p_net_max integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_signin_uncount(p_name text, p_addr text, p_net text, p_device text, p_user_max integer, p_addr_max integer, p_net_max integer) TO usersd_service;

REVOKE ALL ON FUNCTION public.usersd_time(timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION public.usersd_time(timestamp with time zone) TO usersd_service;
GRANT ALL ON FUNCTION public.usersd_time(timestamp with time zone) TO usersd_admin;
GRANT ALL ON FUNCTION public.usersd_time(timestamp with time zone) TO usersd_readonly;

REVOKE ALL ON FUNCTION public.usersd_token_copy_user_status() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_tokens_user_status() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.usersd_user_roles_sync(p_user text) FROM PUBLIC;

GRANT SELECT,DELETE ON TABLE public.sessions TO usersd_service;
GRANT DELETE ON TABLE public.sessions TO usersd_admin;

GRANT SELECT(id) ON TABLE public.sessions TO usersd_admin;

GRANT INSERT(id_hash) ON TABLE public.sessions TO usersd_service;

GRANT INSERT(user_id) ON TABLE public.sessions TO usersd_service;
GRANT SELECT(user_id) ON TABLE public.sessions TO usersd_admin;

GRANT SELECT(created_at) ON TABLE public.sessions TO usersd_admin;

GRANT INSERT(expires_at),UPDATE(expires_at) ON TABLE public.sessions TO usersd_service;
GRANT SELECT(expires_at) ON TABLE public.sessions TO usersd_admin;

GRANT INSERT(max_expires_at) ON TABLE public.sessions TO usersd_service;
GRANT SELECT(max_expires_at) ON TABLE public.sessions TO usersd_admin;

GRANT UPDATE(last_used_at) ON TABLE public.sessions TO usersd_service;
GRANT SELECT(last_used_at) ON TABLE public.sessions TO usersd_admin;

GRANT INSERT(remote_addr) ON TABLE public.sessions TO usersd_service;
GRANT SELECT(remote_addr) ON TABLE public.sessions TO usersd_admin;

GRANT INSERT(credential_gen),UPDATE(credential_gen) ON TABLE public.sessions TO usersd_service;
GRANT SELECT(credential_gen) ON TABLE public.sessions TO usersd_admin;

GRANT INSERT(user_agent) ON TABLE public.sessions TO usersd_service;

GRANT DELETE ON TABLE public.users TO usersd_service;
GRANT DELETE ON TABLE public.users TO usersd_admin;

GRANT SELECT(id),INSERT(id) ON TABLE public.users TO usersd_service;
GRANT SELECT(id) ON TABLE public.users TO usersd_admin;

GRANT SELECT(name),INSERT(name),UPDATE(name) ON TABLE public.users TO usersd_service;
GRANT SELECT(name),UPDATE(name) ON TABLE public.users TO usersd_admin;

GRANT SELECT(status),INSERT(status),UPDATE(status) ON TABLE public.users TO usersd_service;
GRANT SELECT(status),UPDATE(status) ON TABLE public.users TO usersd_admin;

GRANT INSERT(password_hash),UPDATE(password_hash) ON TABLE public.users TO usersd_service;

GRANT SELECT(instance_owner),INSERT(instance_owner) ON TABLE public.users TO usersd_service;
GRANT SELECT(instance_owner),UPDATE(instance_owner) ON TABLE public.users TO usersd_admin;

GRANT SELECT(created_at) ON TABLE public.users TO usersd_service;
GRANT SELECT(created_at) ON TABLE public.users TO usersd_admin;

GRANT SELECT(updated_at),UPDATE(updated_at) ON TABLE public.users TO usersd_service;
GRANT SELECT(updated_at),UPDATE(updated_at) ON TABLE public.users TO usersd_admin;

GRANT SELECT(credential_gen),UPDATE(credential_gen) ON TABLE public.users TO usersd_service;
GRANT SELECT(credential_gen),UPDATE(credential_gen) ON TABLE public.users TO usersd_admin;

GRANT SELECT(owner_of) ON TABLE public.users TO usersd_service;

GRANT SELECT(member_of) ON TABLE public.users TO usersd_service;

GRANT SELECT(kind),INSERT(kind) ON TABLE public.users TO usersd_service;
GRANT SELECT(kind) ON TABLE public.users TO usersd_admin;

GRANT SELECT(directory_dn) ON TABLE public.users TO usersd_service;
GRANT SELECT(directory_dn),UPDATE(directory_dn) ON TABLE public.users TO usersd_admin;

GRANT SELECT(directory_checked_at),UPDATE(directory_checked_at) ON TABLE public.users TO usersd_service;
GRANT SELECT(directory_checked_at) ON TABLE public.users TO usersd_admin;

GRANT SELECT ON TABLE public.admin_sessions TO usersd_admin;
GRANT SELECT ON TABLE public.admin_sessions TO usersd_readonly;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.signin_failures TO usersd_service;
GRANT SELECT,DELETE ON TABLE public.signin_failures TO usersd_admin;

GRANT SELECT ON TABLE public.admin_signin_failures TO usersd_admin;
GRANT SELECT ON TABLE public.admin_signin_failures TO usersd_readonly;

GRANT SELECT,INSERT,UPDATE ON TABLE public.authorization_use TO usersd_service;
GRANT SELECT ON TABLE public.authorization_use TO usersd_admin;

GRANT SELECT,DELETE ON TABLE public.authorizations TO usersd_service;
GRANT DELETE ON TABLE public.authorizations TO usersd_admin;

GRANT SELECT(id) ON TABLE public.authorizations TO usersd_admin;

GRANT INSERT(token_hash),UPDATE(token_hash) ON TABLE public.authorizations TO usersd_service;

GRANT INSERT(status),UPDATE(status) ON TABLE public.authorizations TO usersd_service;
GRANT SELECT(status),UPDATE(status) ON TABLE public.authorizations TO usersd_admin;

GRANT INSERT(description),UPDATE(description) ON TABLE public.authorizations TO usersd_service;
GRANT SELECT(description),UPDATE(description) ON TABLE public.authorizations TO usersd_admin;

GRANT INSERT(org_id) ON TABLE public.authorizations TO usersd_service;
GRANT SELECT(org_id) ON TABLE public.authorizations TO usersd_admin;

GRANT INSERT(user_id) ON TABLE public.authorizations TO usersd_service;
GRANT SELECT(user_id) ON TABLE public.authorizations TO usersd_admin;

GRANT INSERT(permissions) ON TABLE public.authorizations TO usersd_service;
GRANT SELECT(permissions) ON TABLE public.authorizations TO usersd_admin;

GRANT SELECT(created_at) ON TABLE public.authorizations TO usersd_admin;

GRANT UPDATE(updated_at) ON TABLE public.authorizations TO usersd_service;
GRANT SELECT(updated_at),UPDATE(updated_at) ON TABLE public.authorizations TO usersd_admin;

GRANT INSERT(expires_at),UPDATE(expires_at) ON TABLE public.authorizations TO usersd_service;
GRANT SELECT(expires_at),UPDATE(expires_at) ON TABLE public.authorizations TO usersd_admin;

GRANT UPDATE(prev_token_hash) ON TABLE public.authorizations TO usersd_service;

GRANT UPDATE(prev_expires_at) ON TABLE public.authorizations TO usersd_service;

GRANT UPDATE(rotated_at) ON TABLE public.authorizations TO usersd_service;
GRANT SELECT(rotated_at) ON TABLE public.authorizations TO usersd_admin;

GRANT SELECT,DELETE ON TABLE public.orgs TO usersd_service;
GRANT SELECT,DELETE ON TABLE public.orgs TO usersd_admin;
GRANT SELECT ON TABLE public.orgs TO usersd_readonly;

GRANT INSERT(name),UPDATE(name) ON TABLE public.orgs TO usersd_service;
GRANT UPDATE(name) ON TABLE public.orgs TO usersd_admin;

GRANT INSERT(description),UPDATE(description) ON TABLE public.orgs TO usersd_service;
GRANT UPDATE(description) ON TABLE public.orgs TO usersd_admin;

GRANT UPDATE(updated_at) ON TABLE public.orgs TO usersd_service;
GRANT UPDATE(updated_at) ON TABLE public.orgs TO usersd_admin;

GRANT SELECT ON TABLE public.admin_tokens TO usersd_admin;
GRANT SELECT ON TABLE public.admin_tokens TO usersd_readonly;

GRANT SELECT ON TABLE public.admin_token_hygiene TO usersd_admin;
GRANT SELECT ON TABLE public.admin_token_hygiene TO usersd_readonly;

GRANT SELECT ON TABLE public.admin_users TO usersd_admin;
GRANT SELECT ON TABLE public.admin_users TO usersd_readonly;

GRANT SELECT ON TABLE public.audit_log TO usersd_admin;
GRANT SELECT ON TABLE public.audit_log TO usersd_readonly;

GRANT SELECT ON TABLE public.buckets TO usersd_service;
GRANT SELECT ON TABLE public.buckets TO usersd_admin;
GRANT SELECT ON TABLE public.buckets TO usersd_readonly;

GRANT INSERT(org_id) ON TABLE public.buckets TO usersd_service;

GRANT INSERT(name) ON TABLE public.buckets TO usersd_service;

GRANT INSERT(retention_seconds) ON TABLE public.buckets TO usersd_service;

GRANT SELECT,UPDATE ON TABLE public.directory TO usersd_service;

GRANT SELECT(enabled),UPDATE(enabled) ON TABLE public.directory TO usersd_admin;
GRANT SELECT(enabled) ON TABLE public.directory TO usersd_readonly;

GRANT SELECT(uris),UPDATE(uris) ON TABLE public.directory TO usersd_admin;
GRANT SELECT(uris) ON TABLE public.directory TO usersd_readonly;

GRANT SELECT(starttls),UPDATE(starttls) ON TABLE public.directory TO usersd_admin;
GRANT SELECT(starttls) ON TABLE public.directory TO usersd_readonly;

GRANT SELECT(allow_plain) ON TABLE public.directory TO usersd_admin;
GRANT SELECT(allow_plain) ON TABLE public.directory TO usersd_readonly;

GRANT SELECT(ca_file),UPDATE(ca_file) ON TABLE public.directory TO usersd_admin;
GRANT SELECT(ca_file) ON TABLE public.directory TO usersd_readonly;

GRANT SELECT(bind_dn),UPDATE(bind_dn) ON TABLE public.directory TO usersd_admin;
GRANT SELECT(bind_dn) ON TABLE public.directory TO usersd_readonly;

GRANT UPDATE(bind_password) ON TABLE public.directory TO usersd_admin;

GRANT SELECT(base_dn),UPDATE(base_dn) ON TABLE public.directory TO usersd_admin;
GRANT SELECT(base_dn) ON TABLE public.directory TO usersd_readonly;

GRANT SELECT(user_filter),UPDATE(user_filter) ON TABLE public.directory TO usersd_admin;
GRANT SELECT(user_filter) ON TABLE public.directory TO usersd_readonly;

GRANT SELECT(name_attr),UPDATE(name_attr) ON TABLE public.directory TO usersd_admin;
GRANT SELECT(name_attr) ON TABLE public.directory TO usersd_readonly;

GRANT SELECT(required_group),UPDATE(required_group) ON TABLE public.directory TO usersd_admin;
GRANT SELECT(required_group) ON TABLE public.directory TO usersd_readonly;

GRANT SELECT(member_attr),UPDATE(member_attr) ON TABLE public.directory TO usersd_admin;
GRANT SELECT(member_attr) ON TABLE public.directory TO usersd_readonly;

GRANT SELECT(unknown_names),UPDATE(unknown_names) ON TABLE public.directory TO usersd_admin;
GRANT SELECT(unknown_names) ON TABLE public.directory TO usersd_readonly;

GRANT SELECT(updated_at),UPDATE(updated_at) ON TABLE public.directory TO usersd_admin;
GRANT SELECT(updated_at) ON TABLE public.directory TO usersd_readonly;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.directory_roles TO usersd_service;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.directory_roles TO usersd_admin;
GRANT SELECT ON TABLE public.directory_roles TO usersd_readonly;

GRANT SELECT,INSERT,DELETE ON TABLE public.org_members TO usersd_service;
GRANT SELECT,INSERT,DELETE ON TABLE public.org_members TO usersd_admin;
GRANT SELECT ON TABLE public.org_members TO usersd_readonly;

GRANT UPDATE(role) ON TABLE public.org_members TO usersd_service;
GRANT UPDATE(role) ON TABLE public.org_members TO usersd_admin;

GRANT SELECT,INSERT,DELETE ON TABLE public.signin_devices TO usersd_service;
GRANT DELETE ON TABLE public.signin_devices TO usersd_admin;

GRANT SELECT(user_id) ON TABLE public.signin_devices TO usersd_admin;

GRANT SELECT(credential_gen) ON TABLE public.signin_devices TO usersd_admin;

GRANT UPDATE(failures) ON TABLE public.signin_devices TO usersd_service;
GRANT SELECT(failures) ON TABLE public.signin_devices TO usersd_admin;

GRANT SELECT(created_at) ON TABLE public.signin_devices TO usersd_admin;

GRANT USAGE ON SEQUENCE public.usersd_id_seq TO usersd_service;

GRANT SELECT ON TABLE public.usersd_roles TO usersd_service;
GRANT SELECT ON TABLE public.usersd_roles TO usersd_admin;
GRANT SELECT ON TABLE public.usersd_roles TO usersd_readonly;

GRANT SELECT ON TABLE public.usersd_schema TO usersd_service;
GRANT SELECT ON TABLE public.usersd_schema TO usersd_admin;
GRANT SELECT ON TABLE public.usersd_schema TO usersd_readonly;

GRANT SELECT ON TABLE public.usersd_settings TO usersd_service;
GRANT SELECT ON TABLE public.usersd_settings TO usersd_admin;
GRANT SELECT ON TABLE public.usersd_settings TO usersd_readonly;

ALTER DEFAULT PRIVILEGES FOR ROLE usersd_owner REVOKE ALL ON FUNCTIONS  FROM PUBLIC;

