-- hosting.sql -- the provider's machinery of a hosting database: the
-- register of its instances and the functions that create, open and drop
-- one.  usersctl runs this file as a superuser, under the migrations'
-- advisory lock and with search_path = pg_catalog, before it touches an
-- instance (src/migrate.c); everything here is the provider's alone.
--
-- The boundary (docs/deploy.md, "The hosting boundary"): every object of
-- instance NAME belongs to NAME_owner, a NOLOGIN role nobody is granted;
-- tenants get NAME_admin and NAME_readonly, which may create nothing
-- anywhere in this database, so no code a tenant wrote exists to run as
-- the hosting role or a superuser.

-- Functions of this file, or a register, that a role other than a
-- superuser owns would be code a superuser runs (its body, a trigger):
-- refuse to go on (CREATE OR REPLACE keeps the owner of an existing
-- function, CREATE TABLE IF NOT EXISTS an existing table).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_proc p
                 JOIN pg_catalog.pg_roles r ON r.oid = p.proowner
                WHERE p.pronamespace = 'public'::pg_catalog.regnamespace
                  AND p.proname LIKE 'usersd\_hosted\_%'
                  AND NOT r.rolsuper)
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                    JOIN pg_catalog.pg_roles r ON r.oid = c.relowner
                   WHERE c.relnamespace = 'public'::pg_catalog.regnamespace
                     AND c.relname = 'usersd_hosted' AND NOT r.rolsuper) THEN
        RAISE EXCEPTION 'a usersd_hosted* object of schema public belongs'
            ' to a role that is no superuser: it is not ours; drop it';
    END IF;
END
$$;

-- Nobody but the provider creates anything in this database: not in
-- public (PostgreSQL 15's default, made sure of for older databases), not
-- a schema, not a temporary object.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
DO $$
BEGIN
    EXECUTE pg_catalog.format('REVOKE CREATE, TEMPORARY ON DATABASE %I'
        ' FROM PUBLIC', pg_catalog.current_database());
END
$$;

CREATE TABLE IF NOT EXISTS public.usersd_hosted (
    name text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
REVOKE ALL ON public.usersd_hosted FROM PUBLIC;

-- The four role names of an instance, in one place.
CREATE OR REPLACE FUNCTION public.usersd_hosted_roles(p_name text)
RETURNS text[]
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS $$
    SELECT ARRAY[p_name || '_owner', p_name || '_service',
                 p_name || '_admin', p_name || '_readonly']
$$;

-- A role whose rights go past its instance: what an instance's roles, and
-- the hosting role, must never be.
CREATE OR REPLACE FUNCTION public.usersd_hosted_refuse_mighty(p_role text)
RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_role
                  AND (rolsuper OR rolcreaterole OR rolcreatedb
                       OR rolbypassrls OR rolreplication)) THEN
        RAISE EXCEPTION 'role "%" has SUPERUSER, CREATEROLE, CREATEDB, '
            'BYPASSRLS or REPLICATION: refusing to act for it', p_role;
    END IF;
END
$$;

-- Makes instance p_name when it is new (p_create), or checks the one that
-- is there; either way returns its owner role, the role the migrations
-- then run as (SET ROLE).  Nothing of the instance's schema runs here: the
-- owner comes from the register's fixed name and the catalog.
-- p_hosting_role: the role usersd connects as ('' for none yet), made a
-- member of the service role.
CREATE OR REPLACE FUNCTION public.usersd_hosted_open(p_name text,
    p_create boolean, p_hosting_role text) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog AS $$
DECLARE
    roles text[] := public.usersd_hosted_roles(p_name);
    own text := roles[1];
    r text;
BEGIN
    IF p_name !~ '^[a-z0-9][a-z0-9_-]{0,38}$' OR p_name LIKE 'pg\_%'
       OR p_name IN ('public', 'information_schema') THEN
        RAISE EXCEPTION '"%" cannot name a hosted instance', p_name;
    END IF;
    IF p_hosting_role <> '' THEN
        PERFORM public.usersd_hosted_refuse_mighty(p_hosting_role);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.usersd_hosted
                    WHERE name = p_name) THEN
        IF NOT p_create THEN
            RAISE EXCEPTION 'no hosted instance "%" here', p_name;
        END IF;
        IF to_regnamespace(quote_ident(p_name)) IS NOT NULL THEN
            RAISE EXCEPTION 'a schema "%" exists that is no instance',
                p_name;
        END IF;
        -- Role and schema names share no namespace in PostgreSQL, but a
        -- schema named like a role joins that role's search_path
        -- ("$user"), and role names are cluster-wide: the new names must
        -- meet no role and no schema, and the instance no role.
        IF EXISTS (SELECT 1 FROM pg_roles
                    WHERE rolname = p_name OR rolname = ANY (roles))
           OR p_name = p_hosting_role THEN
            RAISE EXCEPTION 'the name "%" or its roles %_* are taken by '
                'roles of this server (another instance, the hosting '
                'role?); choose another name', p_name, p_name;
        END IF;
        FOREACH r IN ARRAY roles LOOP
            IF to_regnamespace(quote_ident(r)) IS NOT NULL THEN
                RAISE EXCEPTION 'a schema "%" exists: choose another name',
                    r;
            END IF;
        END LOOP;
        -- The owner never logs in: it is the provider's, worth the whole
        -- hosting database.  The service role logs in only for a usersd
        -- that serves this instance alone.
        EXECUTE format('CREATE ROLE %I NOLOGIN', own);
        EXECUTE format('CREATE ROLE %I LOGIN', roles[2]);
        EXECUTE format('CREATE ROLE %I NOLOGIN', roles[3]);
        EXECUTE format('CREATE ROLE %I NOLOGIN', roles[4]);
        FOREACH r IN ARRAY roles LOOP
            EXECUTE format('COMMENT ON ROLE %I IS %L', r,
                'usersd hosted instance');
        END LOOP;
        EXECUTE format('CREATE SCHEMA %I AUTHORIZATION %I', p_name, own);
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I, %I, %I, %I',
            current_database(), own, roles[2], roles[3], roles[4]);
        INSERT INTO public.usersd_hosted (name) VALUES (p_name);
    END IF;
    -- An instance made before the owner was NOLOGIN: it is now.
    IF (SELECT n.nspowner FROM pg_namespace n WHERE n.nspname = p_name)
       IS DISTINCT FROM (SELECT oid FROM pg_roles WHERE rolname = own) THEN
        RAISE EXCEPTION 'schema "%" does not belong to role "%"', p_name,
            own;
    END IF;
    FOREACH r IN ARRAY roles LOOP
        PERFORM public.usersd_hosted_refuse_mighty(r);
    END LOOP;
    IF (SELECT rolcanlogin FROM pg_roles WHERE rolname = own) THEN
        EXECUTE format('ALTER ROLE %I NOLOGIN', own);
    END IF;
    -- Nobody holds the owner role (a member could act as it).
    FOR r IN SELECT m.rolname FROM pg_auth_members a
               JOIN pg_roles o ON o.oid = a.roleid
               JOIN pg_roles m ON m.oid = a.member
              WHERE o.rolname = own LOOP
        EXECUTE format('REVOKE %I FROM %I', own, r);
    END LOOP;
    IF p_hosting_role <> '' THEN
        EXECUTE format('GRANT %I TO %I', roles[2], p_hosting_role);
        EXECUTE format('GRANT SELECT ON public.usersd_hosted TO %I',
            p_hosting_role);
    END IF;
    RETURN own;
END
$$;

-- Removes instance p_name, all its data and its four roles.  The role
-- names come from p_name, never from the instance's own tables (its
-- owner may write them, and DROP OWNED BY another instance's role would
-- remove that instance).
CREATE OR REPLACE FUNCTION public.usersd_hosted_drop(p_name text)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog AS $$
DECLARE
    r text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.usersd_hosted
                    WHERE name = p_name) THEN
        RAISE EXCEPTION 'no hosted instance "%" here', p_name;
    END IF;
    DELETE FROM public.usersd_hosted WHERE name = p_name;
    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', p_name);
    FOR r IN SELECT rolname FROM pg_roles
              WHERE rolname = ANY (public.usersd_hosted_roles(p_name)) LOOP
        EXECUTE format('DROP OWNED BY %I', r);
        EXECUTE format('DROP ROLE %I', r);
    END LOOP;
END
$$;

REVOKE EXECUTE ON FUNCTION public.usersd_hosted_roles(text),
    public.usersd_hosted_refuse_mighty(text),
    public.usersd_hosted_open(text, boolean, text),
    public.usersd_hosted_drop(text) FROM PUBLIC;
