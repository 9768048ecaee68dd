-- 0012-session-agent.sql -- the user agent a session was opened from, for
-- the sessions list (GET /api/v2/me/sessions) and admin_sessions.
--
-- usersd keeps the first 256 bytes of the User-Agent header as printable
-- ASCII, anything else a '?' (src/session.c): nothing a terminal, a log or
-- a page could take for markup or a control.  The CHECK holds anyone else
-- to the same.  Sessions opened before this migration show ''.

ALTER TABLE sessions ADD COLUMN user_agent text NOT NULL DEFAULT ''
    CHECK (length(user_agent) <= 256 AND user_agent ~ '^[ -~]*$');

DO $$
BEGIN
    EXECUTE format('GRANT INSERT (user_agent) ON sessions TO %I',
        usersd_role('service'));
END
$$;

CREATE OR REPLACE VIEW admin_sessions AS
SELECT s.id, s.user_id, u.name AS user_name, s.created_at, s.expires_at,
       s.max_expires_at, s.last_used_at, s.remote_addr, s.user_agent
  FROM sessions s JOIN users u ON u.id = s.user_id
 WHERE s.expires_at > now() AND s.credential_gen = u.credential_gen;
