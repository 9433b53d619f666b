-- 0007_search: the change log every node's search index follows. A write
-- that changes what search or matching sees (a profile, a consent, an
-- erasure, a need's publication) adds a row in its own transaction; each
-- node polls the rows after the last it applied (app/search.c) and reloads
-- those experts or needs from storage. Rows older than a day are pruned.
-- seq is a time-ordered id (app/clock.c new_id). Portable SQL: SQLite and
-- PostgreSQL 15.
CREATE TABLE index_changes (
	seq BIGINT PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('expert', 'need')),
	ref_id BIGINT NOT NULL,
	at TEXT NOT NULL
);
