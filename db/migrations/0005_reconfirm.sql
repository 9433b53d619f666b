-- 0005_reconfirm: one-click reconfirmation links sent with the freshness
-- reminders (6 and 11 months after an expert last confirmed their profile).
-- A table of its own rather than a new one_time_tokens purpose: the CHECK
-- constraint of 0003 cannot be altered on SQLite. Only the SHA-256 of the
-- token is stored; a link works once, until expires_at. confirmed_at is the
-- confirmation the reminder was about. Portable SQL: SQLite and PostgreSQL 15.
CREATE TABLE reconfirm_tokens (
	token_hash TEXT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	confirmed_at TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at TEXT
);
CREATE INDEX reconfirm_tokens_user ON reconfirm_tokens (user_id);
