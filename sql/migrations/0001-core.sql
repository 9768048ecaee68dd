-- 0001-core.sql -- users, orgs, buckets, memberships, tokens, sessions and
-- the audit log.  IDs are InfluxDB's 16 lowercase hex digits, kept as text
-- in the "C" collation so they sort like the numbers they are and read the
-- same in psql as in the API.  Invariants live here (UNIQUE, CHECK, foreign
-- keys with ON DELETE CASCADE) so concurrent requests cannot race past them.

CREATE DOMAIN usersd_id AS text COLLATE "C"
    CHECK (VALUE ~ '^[0-9a-f]{16}$' AND VALUE <> '0000000000000000');

CREATE SEQUENCE usersd_id_seq;

-- Snowflake-like, as InfluxDB's generator: milliseconds since 2017-04-09
-- shifted left by 22, the low bits from one sequence, so IDs are roughly
-- time-ordered and never collide between workers or hosts that share the
-- database.
CREATE FUNCTION usersd_new_id() RETURNS usersd_id
LANGUAGE sql VOLATILE AS $$
    SELECT lpad(to_hex(
        ((floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint
          - 1491696000000) << 22)
        | (nextval('usersd_id_seq') & 4194303)), 16, '0')::usersd_id
$$;

CREATE TABLE users (
    id              usersd_id PRIMARY KEY DEFAULT usersd_new_id(),
    name            text NOT NULL UNIQUE
                    CHECK (name <> '' AND octet_length(name) <= 256),
    status          text NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'inactive')),
    -- argon2id PHC string; NULL: the user cannot sign in.
    password_hash   text,
    -- The setup user owns the instance (InfluxDB's instance URM).
    instance_owner  boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orgs (
    id              usersd_id PRIMARY KEY DEFAULT usersd_new_id(),
    name            text NOT NULL UNIQUE
                    CHECK (name <> '' AND octet_length(name) <= 256),
    description     text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE buckets (
    id              usersd_id PRIMARY KEY DEFAULT usersd_new_id(),
    org_id          usersd_id NOT NULL REFERENCES orgs ON DELETE CASCADE,
    name            text NOT NULL CHECK (name <> '' AND name !~ '^_'),
    retention_seconds bigint NOT NULL DEFAULT 0
                    CHECK (retention_seconds >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, name)
);

CREATE TABLE org_members (
    org_id          usersd_id NOT NULL REFERENCES orgs ON DELETE CASCADE,
    user_id         usersd_id NOT NULL REFERENCES users ON DELETE CASCADE,
    role            text NOT NULL CHECK (role IN ('member', 'owner')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_members_user ON org_members (user_id);

-- API tokens.  Only the SHA-256 of a token is stored; the token itself is
-- shown once, when it is created.
CREATE TABLE authorizations (
    id              usersd_id PRIMARY KEY DEFAULT usersd_new_id(),
    token_hash      text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    status          text NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'inactive')),
    description     text NOT NULL DEFAULT '',
    org_id          usersd_id NOT NULL REFERENCES orgs ON DELETE CASCADE,
    user_id         usersd_id NOT NULL REFERENCES users ON DELETE CASCADE,
    -- Permission strings as InfluxDB prints them: read:orgs/<id>/buckets
    permissions     text[] NOT NULL CHECK (cardinality(permissions) > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX authorizations_user ON authorizations (user_id);
CREATE INDEX authorizations_org ON authorizations (org_id);

-- Sign-in sessions.  Only the SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    id              usersd_id PRIMARY KEY DEFAULT usersd_new_id(),
    id_hash         text NOT NULL UNIQUE CHECK (id_hash ~ '^[0-9a-f]{64}$'),
    user_id         usersd_id NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    max_expires_at  timestamptz NOT NULL,
    last_used_at    timestamptz NOT NULL DEFAULT now(),
    remote_addr     text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Failed sign-ins per user name ('user') and per client address ('addr').
CREATE TABLE signin_failures (
    kind            text NOT NULL CHECK (kind IN ('user', 'addr')),
    key             text NOT NULL,
    failures        integer NOT NULL DEFAULT 0,
    last_failure_at timestamptz NOT NULL DEFAULT now(),
    blocked_until   timestamptz,
    PRIMARY KEY (kind, key)
);

-- Who did what to which user, token or org, when and from where.  Written
-- by the API in the same statement as the change.
CREATE TABLE audit_log (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor_user_id   text,
    actor_auth_id   text,
    action          text NOT NULL,
    target_type     text NOT NULL,
    target_id       text,
    remote_addr     text NOT NULL DEFAULT '',
    detail          text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);

-- RFC 3339 in UTC, as the API prints times.
CREATE FUNCTION usersd_time(timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- The first operator, in one transaction: the user (instance owner, with an
-- optional password hash), the org it owns, a bucket and the operator
-- token.  Refused once any user or org exists; two concurrent calls are
-- serialised by the advisory lock.  Nothing is left behind on failure.
CREATE FUNCTION usersd_setup(p_username text, p_password_hash text,
                             p_org text, p_bucket text, p_retention bigint,
                             p_token_hash text, p_perms text,
                             p_description text, p_remote text)
RETURNS TABLE (user_id text, user_name text, user_status text,
               org_id text, org_name text, org_created text,
               bucket_id text, bucket_name text, bucket_retention bigint,
               bucket_created text, auth_id text, auth_description text,
               auth_created text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    u users%ROWTYPE;
    o orgs%ROWTYPE;
    b buckets%ROWTYPE;
    a authorizations%ROWTYPE;
BEGIN
    PERFORM pg_advisory_xact_lock(7236602);
    IF EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM orgs) THEN
        RAISE EXCEPTION 'onboarding has already been completed';
    END IF;
    INSERT INTO users (name, password_hash, instance_owner)
        VALUES (p_username, p_password_hash, true) RETURNING * INTO u;
    INSERT INTO orgs (name) VALUES (p_org) RETURNING * INTO o;
    INSERT INTO org_members (org_id, user_id, role) VALUES (o.id, u.id, 'owner');
    INSERT INTO buckets (org_id, name, retention_seconds)
        VALUES (o.id, p_bucket, p_retention) RETURNING * INTO b;
    INSERT INTO authorizations (token_hash, description, org_id, user_id,
                                permissions)
        VALUES (p_token_hash, p_description, o.id, u.id,
                string_to_array(p_perms, ' '))
        RETURNING * INTO a;
    INSERT INTO audit_log (actor_user_id, action, target_type, target_id,
                           remote_addr, detail)
        VALUES (u.id, 'setup', 'user', u.id, coalesce(p_remote, ''), u.name);
    RETURN QUERY SELECT u.id::text, u.name, u.status, o.id::text, o.name,
        usersd_time(o.created_at), b.id::text, b.name, b.retention_seconds,
        usersd_time(b.created_at), a.id::text, a.description,
        usersd_time(a.created_at);
END
$$;
