-- 0015-directory.sql -- directory (LDAP) sign-in, per instance (issue 31).
--
-- The instance's directory settings are one row of its own table, so every
-- hosted instance can bring its own directory.  usersd reads them at each
-- directory sign-in (src/dirauth.c); `usersctl ldap set` writes them
-- through usersd_directory_set, the instance's admin role with a plain
-- UPDATE in psql.  The search bind's secret is write-only for the admin
-- role and invisible to readonly; only the service role, which binds with
-- it, reads it.  allow_plain (LDAP without TLS on the wire) is the
-- provider's: the admin role cannot turn it on.
--
-- A directory user is a users row with directory_dn set: it has no password
-- hash, ever (a trigger refuses one, whoever writes it, with UA001, which
-- usersd answers 422), and signs in only through the directory.

CREATE TABLE directory (
    only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    enabled         boolean NOT NULL DEFAULT false,
    -- Tried in order; ldap:// needs StartTLS unless allow_plain.
    uris            text NOT NULL DEFAULT ''
                    CHECK (uris ~ '^((ldaps?|ldapi)://[^ ]+( |$))*$'),
    starttls        boolean NOT NULL DEFAULT true,
    allow_plain     boolean NOT NULL DEFAULT false,
    ca_file         text NOT NULL DEFAULT '',
    bind_dn         text NOT NULL DEFAULT '',
    bind_password   text NOT NULL DEFAULT '',
    base_dn         text NOT NULL DEFAULT '',
    -- A user is (&USER_FILTER(NAME_ATTR=<name, RFC 4515 escaped>)).
    user_filter     text NOT NULL DEFAULT '(objectClass=person)'
                    CHECK (user_filter ~ '^\(.*\)$'
                           AND octet_length(user_filter) <= 1024),
    name_attr       text NOT NULL DEFAULT 'uid'
                    CHECK (name_attr ~ '^[A-Za-z][A-Za-z0-9-]{0,63}$'),
    -- '' for none; else only its (nested) members sign in.
    required_group  text NOT NULL DEFAULT '',
    member_attr     text NOT NULL DEFAULT 'member'
                    CHECK (member_attr ~ '^[A-Za-z][A-Za-z0-9-]{0,63}$'),
    -- A name not known locally is looked up in the directory.
    unknown_names   boolean NOT NULL DEFAULT false,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON directory FROM PUBLIC;
INSERT INTO directory DEFAULT VALUES;

ALTER TABLE users ADD COLUMN directory_dn text
    CHECK (directory_dn <> '' AND octet_length(directory_dn) <= 1024);
-- A service user never signs in (0014), so never through a directory
-- either: otherwise an admin could give one a DN and a directory of its
-- choosing, and sign in as it.
ALTER TABLE users ADD CONSTRAINT users_service_no_directory
    CHECK (kind = 'user' OR directory_dn IS NULL);

-- A directory user's password is the directory's.
CREATE FUNCTION usersd_directory_no_password() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF NEW.directory_dn IS NOT NULL AND NEW.password_hash IS NOT NULL THEN
        RAISE EXCEPTION 'a directory user signs in with the directory''s password; it cannot be set here'
            USING ERRCODE = 'UA001';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER users_directory_no_password
    BEFORE INSERT OR UPDATE OF password_hash, directory_dn ON users
    FOR EACH ROW EXECUTE FUNCTION usersd_directory_no_password();

-- One setting by name (usersctl ldap set); the names are the columns but
-- only_row and updated_at.  True, or UA001 for an unknown name.
CREATE FUNCTION usersd_directory_set(p_key text, p_value text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public AS $$
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
$$;

-- After a successful directory bind: the user row of p_name, created or
-- kept (a directory user keeps its DN: another entry with the same name
-- is refused, as is a local user's name).  Returns id, status and the
-- credential generation; UA001 when the name belongs to someone else.
CREATE FUNCTION usersd_directory_user(p_name text, p_dn text, p_remote text)
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
    RETURN QUERY SELECT u.id::text, u.status, u.credential_gen;
END
$$;

-- Group rules: the (nested) members of group_dn are role of org org_name.
-- At each directory sign-in and sync, a directory user's membership of
-- every org named here is set from its groups (owner wins over member;
-- in neither group: not a member).  Orgs named nowhere here keep their
-- memberships as the API and psql set them.
-- The search bind's secret goes to where the settings send it: a change
-- of where or how usersd connects (uris, starttls, allow_plain, ca_file,
-- bind_dn) forgets it unless the same UPDATE sets it anew, so an admin who
-- may write the settings but not read the secret cannot send it to a
-- server of its own choosing.
CREATE FUNCTION usersd_directory_keep_secret() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
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
CREATE TRIGGER directory_keep_secret BEFORE UPDATE ON directory
    FOR EACH ROW EXECUTE FUNCTION usersd_directory_keep_secret();

CREATE TABLE directory_roles (
    org_name    text NOT NULL CHECK (org_name <> ''),
    role        text NOT NULL CHECK (role IN ('member', 'owner')),
    group_dn    text NOT NULL
                CHECK (group_dn <> '' AND octet_length(group_dn) <= 1024),
    PRIMARY KEY (org_name, role)
);
REVOKE ALL ON directory_roles FROM PUBLIC;

-- Sets p_user's role in each org named in directory_roles, from p_flags:
-- one 't' or 'f' per rule, in the order of
-- SELECT ... ORDER BY org_name, role (usersd read them so, and checked
-- the groups): owner where an owner rule holds, else member where a
-- member rule does, else not a member.  Only a directory user's; NULL
-- (nothing changed) when the rules changed meanwhile.
CREATE FUNCTION usersd_directory_roles(p_user text, p_flags text,
    p_remote text)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
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

REVOKE EXECUTE ON FUNCTION usersd_directory_roles(text, text, text)
    FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION usersd_directory_user(text, text, text),
    usersd_directory_set(text, text), usersd_directory_no_password(),
    usersd_directory_keep_secret()
    FROM PUBLIC;

DO $$
DECLARE
    svc text := usersd_role('service');
    adm text := usersd_role('admin');
    ro text := usersd_role('readonly');
BEGIN
    EXECUTE format($g$
        GRANT SELECT, UPDATE ON directory TO %1$I;
        GRANT SELECT (directory_dn) ON users TO %1$I;
        GRANT SELECT, INSERT, UPDATE, DELETE ON directory_roles TO %1$I;
        GRANT EXECUTE ON FUNCTION usersd_directory_user(text, text, text),
              usersd_directory_set(text, text),
              usersd_directory_roles(text, text, text) TO %1$I;
    $g$, svc);
    EXECUTE format($g$
        GRANT SELECT (enabled, uris, starttls, allow_plain, ca_file, bind_dn,
                      base_dn, user_filter, name_attr, required_group,
                      member_attr, unknown_names, updated_at),
              UPDATE (enabled, uris, starttls, ca_file, bind_dn,
                      bind_password, base_dn, user_filter, name_attr,
                      required_group, member_attr, unknown_names, updated_at)
              ON directory TO %1$I;
        GRANT SELECT (directory_dn), UPDATE (directory_dn) ON users TO %1$I;
        GRANT SELECT, INSERT, UPDATE, DELETE ON directory_roles TO %1$I;
    $g$, adm);
    EXECUTE format($g$
        GRANT SELECT (enabled, uris, starttls, allow_plain, ca_file, bind_dn,
                      base_dn, user_filter, name_attr, required_group,
                      member_attr, unknown_names, updated_at)
              ON directory TO %1$I;
        GRANT SELECT ON directory_roles TO %1$I;
    $g$, ro);
END
$$;
