-- 0009_api: the partner API — the server key that signs list cursors
-- (shared by every node) and the answers of creating requests kept by
-- their Idempotency-Key for 24 hours (app/api_common.c, docs/API.md).
-- The answers kept are ids, states and links (never a person's details),
-- the request bodies only as a hash; the rows are found by their user for
-- "download my data" and erasure (db/personal_data.tsv).
-- Portable SQL: SQLite and PostgreSQL 15.

CREATE TABLE api_secrets (
	name TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	created_at TEXT NOT NULL
);

-- One row per (token, key): the hash of the request body and the answer
-- given, replayed for the same key and body, refused (409) for another.
CREATE TABLE api_idempotency (
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_id BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
	idem_key TEXT NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 64),
	request_hash TEXT NOT NULL,
	status INTEGER NOT NULL,
	body TEXT NOT NULL,
	created_at TEXT NOT NULL,
	PRIMARY KEY (token_id, idem_key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);
CREATE INDEX api_idempotency_user ON api_idempotency (user_id);
