-- 0007-token-user-status.sql -- a token carries its user's status, so
-- authenticating a token reads its own row and no users row (a GET by id
-- then reads two rows, not three).
--
-- authorizations.user_status is users.status of the token's user, kept in
-- the same transaction as every change by two triggers:
--   * a user's status change rewrites the copies on its tokens;
--   * a new token (or one moved to another user) copies its user's status
--     under a share lock on the user's row.  A deactivation that runs
--     meanwhile either holds the row first (the copy waits, then reads
--     'inactive') or waits for the new token to commit (its trigger's
--     UPDATE, a new statement, then sees the token and rewrites it).
-- So no committed state has a token whose copy is newer or older than its
-- user's row: a deactivation refuses the user's tokens the moment it
-- commits, as before.  Deleting a user deletes its tokens (ON DELETE
-- CASCADE).

-- As in 0005: lock first, and give way in a deadlock.
LOCK TABLE users, authorizations IN ACCESS EXCLUSIVE MODE;

ALTER TABLE authorizations ADD COLUMN user_status text NOT NULL
    DEFAULT 'active' CHECK (user_status IN ('active', 'inactive'));
-- No audited column changes: the audit trigger writes nothing for these.
UPDATE authorizations a SET user_status = u.status
  FROM users u
 WHERE u.id = a.user_id AND a.user_status <> u.status;

CREATE FUNCTION usersd_tokens_user_status() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    UPDATE authorizations SET user_status = NEW.status
     WHERE user_id = NEW.id AND user_status <> NEW.status;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_status_to_tokens
    AFTER UPDATE OF status ON users
    FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status)
    EXECUTE FUNCTION usersd_tokens_user_status();

-- A missing user leaves the default: the foreign key then refuses the row.
CREATE FUNCTION usersd_token_copy_user_status() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
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

CREATE TRIGGER authorizations_user_status
    BEFORE INSERT OR UPDATE OF user_id ON authorizations
    FOR EACH ROW EXECUTE FUNCTION usersd_token_copy_user_status();

REVOKE EXECUTE ON FUNCTION usersd_tokens_user_status(),
    usersd_token_copy_user_status() FROM PUBLIC;
