-- 0002-admin.sql -- what an admin needs in psql, without reading the
-- source: views that never show a password hash, token hash or session
-- hash, and functions for the everyday interventions.  Every function
-- writes the audit log (actor "psql:<role>"), like the API does.

CREATE VIEW admin_users AS
SELECT u.id, u.name, u.status, u.instance_owner,
       u.password_hash IS NOT NULL AS has_password,
       (SELECT count(*) FROM sessions s
         WHERE s.user_id = u.id AND s.expires_at > now()) AS active_sessions,
       (SELECT count(*) FROM authorizations a
         WHERE a.user_id = u.id) AS tokens,
       u.created_at, u.updated_at
  FROM users u;

CREATE VIEW admin_sessions AS
SELECT s.id, s.user_id, u.name AS user_name, s.created_at, s.expires_at,
       s.max_expires_at, s.last_used_at, s.remote_addr
  FROM sessions s JOIN users u ON u.id = s.user_id
 WHERE s.expires_at > now();

CREATE VIEW admin_tokens AS
SELECT a.id, a.status, a.description, a.user_id, u.name AS user_name,
       a.org_id, o.name AS org_name, a.permissions, a.created_at,
       a.updated_at
  FROM authorizations a
  JOIN users u ON u.id = a.user_id
  JOIN orgs o ON o.id = a.org_id;

CREATE VIEW admin_signin_failures AS
SELECT kind, key, failures, last_failure_at, blocked_until,
       coalesce(blocked_until > now(), false) AS blocked
  FROM signin_failures;

CREATE FUNCTION usersd_admin_audit(p_action text, p_type text, p_id text,
                                   p_detail text) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO audit_log (action, target_type, target_id, remote_addr, detail)
    VALUES (p_action, p_type, p_id, 'psql:' || session_user, p_detail)
$$;

-- Marks a user inactive and ends its sessions.  false: no such user.
CREATE FUNCTION usersd_deactivate_user(p_name text) RETURNS boolean
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
    PERFORM usersd_admin_audit('update', 'user', uid, 'status=inactive');
    RETURN true;
END
$$;

CREATE FUNCTION usersd_activate_user(p_name text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    uid text;
BEGIN
    UPDATE users SET status = 'active', updated_at = now()
     WHERE name = p_name RETURNING id INTO uid;
    IF uid IS NULL THEN
        RETURN false;
    END IF;
    PERFORM usersd_admin_audit('update', 'user', uid, 'status=active');
    RETURN true;
END
$$;

-- Ends every session of a user; returns how many ended.
CREATE FUNCTION usersd_revoke_sessions(p_name text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    uid text;
    n integer;
BEGIN
    SELECT id INTO uid FROM users WHERE name = p_name;
    IF uid IS NULL THEN
        RETURN 0;
    END IF;
    DELETE FROM sessions WHERE user_id = uid;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM usersd_admin_audit('revoke-sessions', 'user', uid, n::text);
    RETURN n;
END
$$;

-- Deletes a token; it is refused on every worker from the next request.
CREATE FUNCTION usersd_revoke_token(p_id text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM authorizations WHERE id = p_id;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM usersd_admin_audit('delete', 'authorization', p_id, '');
    RETURN true;
END
$$;

-- Lifts sign-in throttling for a user name or client address.
CREATE FUNCTION usersd_clear_signin_failures(p_key text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM signin_failures WHERE key = p_key;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM usersd_admin_audit('clear-signin-failures', 'signin', p_key,
                               n::text);
    RETURN n;
END
$$;
