-- 0003-instance-owner.sql -- the instance always keeps an active owner.
-- Deactivating, deleting or demoting the last active instance owner is
-- refused whoever tries it (the API, usersctl, the psql functions or a
-- plain UPDATE/DELETE in psql), with SQLSTATE UA001, which usersd answers
-- as 422.  The check runs after the change, under a lock, so two
-- concurrent transactions that each remove a different owner cannot both
-- pass: the second waits for the first to end and then counts afresh
-- (each statement of a VOLATILE function takes a new snapshot in READ
-- COMMITTED, usersd's and psql's isolation level).

CREATE FUNCTION usersd_keep_instance_owner() RETURNS trigger
LANGUAGE plpgsql AS $$
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

CREATE TRIGGER users_keep_instance_owner_update
    AFTER UPDATE OF status, instance_owner ON users
    FOR EACH ROW
    WHEN (OLD.instance_owner AND OLD.status = 'active'
          AND NOT (NEW.instance_owner AND NEW.status = 'active'))
    EXECUTE FUNCTION usersd_keep_instance_owner();

CREATE TRIGGER users_keep_instance_owner_delete
    AFTER DELETE ON users
    FOR EACH ROW
    WHEN (OLD.instance_owner AND OLD.status = 'active')
    EXECUTE FUNCTION usersd_keep_instance_owner();
