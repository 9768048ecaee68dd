-- 0013-roles-on-users.sql -- a user's org roles kept on its row.
--
-- Every request reads what its principal's user may do now (the orgs it
-- owns and those it is a member of), in the statement that reads its token
-- or session (src/stmts.def, PRINCIPAL_*).  Aggregating org_members there
-- cost about a fifth of PostgreSQL's time per read (issue 28).  So the two
-- lists live on the user's row, which that statement reads anyway, kept by
-- a trigger on org_members in the same transaction as the change: a
-- demotion still counts from the next request, whoever makes it (usersd,
-- usersctl, or an admin in psql).  The lists are sorted org ids.
--
-- Nobody but this trigger writes them: no role is granted UPDATE on the
-- columns, and the trigger runs as the owner.  TRUNCATE of org_members
-- (the owner's alone) clears them all.

-- As in 0005: lock first, and give way in a deadlock.
LOCK TABLE users, org_members IN ACCESS EXCLUSIVE MODE;

ALTER TABLE users ADD COLUMN owner_of text[] NOT NULL DEFAULT '{}',
                  ADD COLUMN member_of text[] NOT NULL DEFAULT '{}';

-- p_user's lists from its memberships now.  The row is locked first, in a
-- statement of its own: the UPDATE after it then reads the memberships in
-- a snapshot taken after any concurrent change to them committed (one
-- UPDATE would wait for the row lock and write what its older snapshot
-- saw, keeping an owner just removed).
CREATE FUNCTION usersd_user_roles_sync(p_user text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
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

CREATE FUNCTION usersd_org_members_to_users() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
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

CREATE TRIGGER org_members_to_users
    AFTER INSERT OR UPDATE OR DELETE ON org_members
    FOR EACH ROW EXECUTE FUNCTION usersd_org_members_to_users();
CREATE TRIGGER org_members_truncate_to_users
    AFTER TRUNCATE ON org_members
    FOR EACH STATEMENT EXECUTE FUNCTION usersd_org_members_to_users();

REVOKE EXECUTE ON FUNCTION usersd_user_roles_sync(text),
    usersd_org_members_to_users() FROM PUBLIC;

SELECT usersd_user_roles_sync(u.id) FROM users u
 WHERE EXISTS (SELECT 1 FROM org_members m WHERE m.user_id = u.id);

DO $$
BEGIN
    EXECUTE format('GRANT SELECT (owner_of, member_of) ON users TO %I',
        usersd_role('service'));
END
$$;
