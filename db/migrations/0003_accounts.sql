-- 0003_accounts: people, roles, sessions, one-time tokens, API tokens,
-- second factor, sign-in throttling, the mail outbox and the audit log.
-- Ids are integers made by the application (time-ordered, below 2^53 so
-- JSON clients read them exactly: app/clock.c new_id), so both engines and
-- several nodes agree without a sequence. Secrets are never stored: only hashes of tokens, Argon2id hashes
-- of passwords. Timestamps are ISO 8601 UTC text ("2026-11-29T10:00:00Z"),
-- which sort as time. Portable SQL: SQLite and PostgreSQL 15.
CREATE TABLE users (
	id BIGINT PRIMARY KEY,
	email TEXT NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
	email_verified_at TEXT,
	password_hash TEXT,
	password_changed_at TEXT,
	lang TEXT NOT NULL CHECK (lang IN ('ar', 'fr', 'en')),
	adult_attested_at TEXT,
	notice_version INTEGER,
	notice_accepted_at TEXT,
	totp_secret TEXT,
	totp_enabled_at TEXT,
	totp_last_step BIGINT NOT NULL DEFAULT 0,
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'invited', 'disabled')),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- Institutions (the fields needs and verification add come with needs).
CREATE TABLE institutions (
	id BIGINT PRIMARY KEY,
	name_ar TEXT NOT NULL,
	name_fr TEXT NOT NULL,
	name_en TEXT NOT NULL,
	created_at TEXT NOT NULL
);

-- What a person may do. scope: '' for global roles; the network slug for a
-- coordinator; the institution id for an institution member.
CREATE TABLE user_roles (
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('expert', 'institution_owner', 'institution_member',
		'coordinator', 'advisor', 'admin')),
	scope TEXT NOT NULL DEFAULT '',
	granted_at TEXT NOT NULL,
	granted_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	PRIMARY KEY (user_id, role, scope)
);

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token TEXT NOT NULL,
	second_factor_done INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- One-time links sent by mail: email verification, password reset,
-- invitations, change of email, first admin set-up.
CREATE TABLE one_time_tokens (
	token_hash TEXT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'invite',
		'change_email', 'admin_setup')),
	data TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at TEXT
);
CREATE INDEX one_time_tokens_user ON one_time_tokens (user_id, purpose);

CREATE TABLE api_tokens (
	id BIGINT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	token_hash TEXT NOT NULL UNIQUE,
	scopes TEXT NOT NULL,
	created_at TEXT NOT NULL,
	last_used_at TEXT,
	expires_at TEXT,
	revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE recovery_codes (
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code_hash TEXT NOT NULL,
	used_at TEXT,
	PRIMARY KEY (user_id, code_hash)
);

-- Failed sign-ins, by account ('user:ID' or 'email:HASH') and by client
-- address ('ip:ADDR'); old rows are pruned.
CREATE TABLE signin_failures (
	id BIGINT PRIMARY KEY,
	subject TEXT NOT NULL,
	at TEXT NOT NULL
);
CREATE INDEX signin_failures_subject ON signin_failures (subject, at);

-- Mail waiting to be sent. A sender leases a row (locked_until) before
-- sending, so several nodes never send the same mail twice.
CREATE TABLE outbox (
	id BIGINT PRIMARY KEY,
	to_addr TEXT NOT NULL,
	lang TEXT NOT NULL CHECK (lang IN ('ar', 'fr', 'en')),
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	created_at TEXT NOT NULL,
	next_attempt_at TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	locked_until TEXT,
	sent_at TEXT,
	failed_at TEXT,
	last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (sent_at, next_attempt_at);

-- Append-only, hash-chained: hash = SHA-256(prev_hash | seq | at | actor |
-- action | target | ip | details); `kafaat audit verify` recomputes it.
CREATE TABLE audit_log (
	seq BIGINT PRIMARY KEY,
	at TEXT NOT NULL,
	actor_id BIGINT,
	action TEXT NOT NULL,
	target_type TEXT NOT NULL DEFAULT '',
	target_id TEXT NOT NULL DEFAULT '',
	ip TEXT NOT NULL DEFAULT '',
	details TEXT NOT NULL DEFAULT '',
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
