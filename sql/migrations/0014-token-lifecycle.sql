-- 0014-token-lifecycle.sql -- token expiry, last use and rotation, and
-- service users (issue 29).
--
-- Expiry: authorizations.expires_at (NULL: never).  The statement that
-- reads a token (src/stmts.def, PRINCIPAL_TOKEN) compares it with now(),
-- so an expired token is unknown from its first second on whatever a
-- worker's clock says; the row stays, for listing, until it is deleted.
-- The CHECK keeps an expiry after its token's creation: a request for
-- one in the past fails here, whoever sends it.
--
-- Rotation: a new token_hash on the same row; the old one may stay
-- valid until prev_expires_at (the grace the request asked for, capped by
-- the instance's token_rotate_max_grace).  A second rotation replaces the
-- previous hash: only the newest old secret ever has a grace.
ALTER TABLE authorizations
    ADD COLUMN expires_at timestamptz,
    ADD COLUMN prev_token_hash text UNIQUE
        CHECK (prev_token_hash ~ '^[0-9a-f]{64}$'),
    ADD COLUMN prev_expires_at timestamptz,
    ADD COLUMN rotated_at timestamptz,
    ADD CONSTRAINT authorizations_expiry_after_creation
        CHECK (expires_at > created_at),
    ADD CONSTRAINT authorizations_grace_with_hash
        CHECK ((prev_token_hash IS NULL) = (prev_expires_at IS NULL));
CREATE INDEX authorizations_expires ON authorizations (expires_at)
    WHERE expires_at IS NOT NULL;

-- Last use: one row per used token, written at most once a minute per
-- token (STMT_TOKEN_TOUCH), apart from the token's row so that a touch
-- neither changes the row version whose permissions a worker keeps nor
-- writes the audit log.
CREATE TABLE authorization_use (
    auth_id         usersd_id PRIMARY KEY
                    REFERENCES authorizations ON DELETE CASCADE,
    last_used_at    timestamptz NOT NULL,
    last_used_addr  text NOT NULL DEFAULT ''
                    CHECK (length(last_used_addr) <= 64
                           AND last_used_addr ~ '^[ -~]*$')
);
REVOKE ALL ON authorization_use FROM PUBLIC;

-- Service users own tokens and never sign in with a password: they have
-- none (sign-in then answers as for a wrong one, src/session.c).
ALTER TABLE users
    ADD COLUMN kind text NOT NULL DEFAULT 'user'
        CHECK (kind IN ('user', 'service')),
    ADD CONSTRAINT users_service_no_password
        CHECK (kind = 'user' OR password_hash IS NULL);

-- The instance's token settings, intervals as PostgreSQL reads them
-- ('90 days', '3600'), set by the owner role in psql (docs/admin.md):
--   token_max_lifetime      no token lives longer from its creation
--                           (absent: no bound);
--   token_default_lifetime  the lifetime of a token created without one
--                           (absent: never expires);
--   token_rotate_max_grace  the longest grace a rotation may give the
--                           old secret (absent: one day).
ALTER TABLE usersd_settings DROP CONSTRAINT usersd_settings_name_check;
ALTER TABLE usersd_settings
    ADD CONSTRAINT usersd_settings_name_check CHECK (name IN ('onboarding',
        'token_max_lifetime', 'token_default_lifetime',
        'token_rotate_max_grace')),
    ADD CONSTRAINT usersd_settings_interval_check CHECK (CASE
        WHEN name = 'onboarding' THEN true
        ELSE value::interval > interval '0'
            AND value::interval < interval '1000 years' END);

-- Audited as before, and a rotation as "rotate" (with the grace it gave),
-- an expiry change as an update.
CREATE OR REPLACE FUNCTION usersd_audit_authorizations() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
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

CREATE OR REPLACE VIEW admin_users AS
SELECT u.id, u.name, u.status, u.instance_owner,
       u.password_hash IS NOT NULL AS has_password,
       (SELECT count(*) FROM sessions s
         WHERE s.user_id = u.id AND s.expires_at > now()
           AND s.credential_gen = u.credential_gen) AS active_sessions,
       (SELECT count(*) FROM authorizations a
         WHERE a.user_id = u.id) AS tokens,
       u.created_at, u.updated_at, u.kind
  FROM users u;

CREATE OR REPLACE VIEW admin_tokens AS
SELECT a.id, a.status, a.description, a.user_id, u.name AS user_name,
       a.org_id, o.name AS org_name, a.permissions, a.created_at,
       a.updated_at, a.expires_at,
       coalesce(a.expires_at <= now(), false) AS expired,
       w.last_used_at, w.last_used_addr, a.rotated_at,
       CASE WHEN a.prev_expires_at > now() THEN a.prev_expires_at END
           AS old_secret_valid_until,
       u.kind AS user_kind
  FROM authorizations a
  JOIN users u ON u.id = a.user_id
  JOIN orgs o ON o.id = a.org_id
  LEFT JOIN authorization_use w ON w.auth_id = a.id;

-- What an operator looks at: tokens expired, expiring within 7 days, or
-- unused for 90 days (never used and made that long ago counts).
CREATE VIEW admin_token_hygiene AS
SELECT t.id, t.description, t.user_name, t.user_kind, t.org_name,
       t.status, t.created_at, t.expires_at, t.last_used_at,
       t.last_used_addr,
       CASE WHEN t.expired THEN 'expired'
            WHEN t.expires_at < now() + interval '7 days'
                THEN 'expiring'
            ELSE 'stale' END AS why
  FROM admin_tokens t
 WHERE t.expired
    OR t.expires_at < now() + interval '7 days'
    OR coalesce(t.last_used_at, t.created_at) < now() - interval '90 days';

DO $$
DECLARE
    svc text := usersd_role('service');
    adm text := usersd_role('admin');
    ro text := usersd_role('readonly');
BEGIN
    EXECUTE format($g$
        GRANT INSERT (expires_at),
              UPDATE (token_hash, prev_token_hash, prev_expires_at,
                      rotated_at, expires_at)
              ON authorizations TO %1$I;
        GRANT SELECT, INSERT, UPDATE ON authorization_use TO %1$I;
        GRANT SELECT (kind), INSERT (kind) ON users TO %1$I;
    $g$, svc);
    EXECUTE format($g$
        GRANT SELECT (expires_at, rotated_at), UPDATE (expires_at)
              ON authorizations TO %1$I;
        GRANT SELECT ON authorization_use, admin_token_hygiene TO %1$I;
        GRANT SELECT (kind) ON users TO %1$I;
    $g$, adm);
    EXECUTE format('GRANT SELECT ON admin_token_hygiene TO %I', ro);
END
$$;
