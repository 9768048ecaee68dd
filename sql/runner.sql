-- runner.sql -- how a superuser applies an instance's migrations without
-- ever running the instance owner's code with its own rights.
--
-- SET ROLE is no boundary for a superuser's session: code it runs may
-- RESET ROLE.  So usersctl (src/migrate.c) makes this function in its own
-- temporary schema, gives it to the owner role, and calls it once: inside
-- a SECURITY DEFINER function PostgreSQL refuses SET ROLE and SET SESSION
-- AUTHORIZATION to everything it calls, so whatever the owner wrote
-- (functions, triggers, views, overloads) runs as the owner.  Before it
-- returns, it fires every deferred trigger and closes every cursor, so
-- nothing of the owner's is left to run at COMMIT; usersctl then commits
-- with the simple protocol and closes the connection (the owner's code may
-- have changed session settings or prepared statements of it).
--
-- p_plan: the migrations to apply, each "version<US>name<US>statement
-- <US>statement..." and separated by <RS> (0x1f, 0x1e: no migration holds
-- either byte).  Returns how many it applied.
CREATE FUNCTION pg_temp.usersd_migrate(p_schema text, p_prefix text,
    p_plan text, p_close boolean) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    m text;
    parts text[];
    i integer;
    done boolean;
    applied integer := 0;
    f regprocedure;
BEGIN
    PERFORM set_config('search_path', quote_ident(p_schema), true);
    IF p_prefix IS NOT NULL THEN
        PERFORM set_config('usersd.role_prefix', p_prefix, true);
    END IF;
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I.usersd_schema ('
        ' version integer PRIMARY KEY, name text NOT NULL,'
        ' applied_at timestamptz NOT NULL DEFAULT now())', p_schema);
    FOREACH m IN ARRAY string_to_array(p_plan, E'\x1e') LOOP
        parts := string_to_array(m, E'\x1f');
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.usersd_schema'
            ' WHERE version = $1)', p_schema) INTO done
            USING parts[1]::integer;
        CONTINUE WHEN done;
        FOR i IN 3 .. coalesce(array_length(parts, 1), 2) LOOP
            EXECUTE parts[i];
        END LOOP;
        EXECUTE format('INSERT INTO %I.usersd_schema (version, name)'
            ' VALUES ($1, $2)', p_schema) USING parts[1]::integer, parts[2];
        applied := applied + 1;
    END LOOP;
    -- Callers resolve names in pg_catalog alone: each function of the
    -- schema gets its own search_path; usersd_time and usersd_act touch
    -- no table and stay inlinable (a SET clause stops that).
    IF applied > 0 THEN
        FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
                   JOIN pg_namespace n ON n.oid = p.pronamespace
                  WHERE n.nspname = p_schema AND p.proconfig IS NULL
                    AND p.proname NOT IN ('usersd_time', 'usersd_act') LOOP
            EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog,'
                ' %I', f, p_schema);
        END LOOP;
    END IF;
    -- Onboarding over HTTP stays shut until the provider sets it up.
    IF p_close AND to_regclass(format('%I.usersd_settings', p_schema))
       IS NOT NULL THEN
        EXECUTE format('INSERT INTO %I.usersd_settings (name, value)'
            ' VALUES (''onboarding'', ''closed'') ON CONFLICT (name)'
            ' DO UPDATE SET value = ''closed''', p_schema);
    END IF;
    EXECUTE 'SET CONSTRAINTS ALL IMMEDIATE';
    EXECUTE 'CLOSE ALL';
    RETURN applied;
END
$$;
REVOKE EXECUTE ON FUNCTION pg_temp.usersd_migrate(text, text, text, boolean)
    FROM PUBLIC;
DO $$
BEGIN
    EXECUTE pg_catalog.format('ALTER FUNCTION pg_temp.usersd_migrate(text,'
        ' text, text, boolean) OWNER TO %I',
        pg_catalog.current_setting('usersd.migrate_owner'));
END
$$;
