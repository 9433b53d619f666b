-- 0014_discussions: network discussions (threads, posts, moderation,
-- reports of abuse, who follows what) and the public changelog.
-- Who may read, post and moderate is decided in C (app/discussions.c over
-- app/networks.c's network_may); the CHECKs only bound the words and sizes.
-- Timestamps are ISO 8601 UTC text. Personal columns are listed in
-- db/personal_data.tsv. Portable SQL: SQLite and PostgreSQL 15.

-- A thread of a network: its title and, in discussion_posts, its opening
-- post and the replies. last_post_at orders the list (last activity);
-- locked = 1: no more replies.
CREATE TABLE discussion_threads (
	id BIGINT PRIMARY KEY,
	network TEXT NOT NULL REFERENCES networks (slug) ON DELETE CASCADE,
	author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
	locked INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
	locked_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	locked_at TEXT,
	post_count INTEGER NOT NULL DEFAULT 0 CHECK (post_count >= 0),
	created_at TEXT NOT NULL,
	last_post_at TEXT NOT NULL
);
CREATE INDEX discussion_threads_network ON discussion_threads (network, last_post_at, id);

-- A post: plain text of 1 to 5,000 characters. A hidden post keeps its
-- text (coordinators still read it) with the coordinator's reason.
CREATE TABLE discussion_posts (
	id BIGINT PRIMARY KEY,
	thread_id BIGINT NOT NULL REFERENCES discussion_threads (id) ON DELETE CASCADE,
	author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	body TEXT NOT NULL CHECK (length(body) >= 1),
	created_at TEXT NOT NULL,
	hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
	hidden_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	hidden_reason TEXT NOT NULL DEFAULT '',
	hidden_at TEXT
);
CREATE INDEX discussion_posts_thread ON discussion_posts (thread_id, created_at, id);
CREATE INDEX discussion_posts_author ON discussion_posts (author_id);

-- A member's report of abuse on a post: once per person per post. The
-- network's coordinators resolve it: the post hidden, or the report
-- dismissed.
CREATE TABLE discussion_reports (
	id BIGINT PRIMARY KEY,
	post_id BIGINT NOT NULL REFERENCES discussion_posts (id) ON DELETE CASCADE,
	reporter_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	reason TEXT NOT NULL CHECK (reason IN ('spam', 'insult', 'personal_data', 'off_topic', 'other')),
	note TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'hidden', 'dismissed')),
	created_at TEXT NOT NULL,
	resolved_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	resolved_at TEXT,
	UNIQUE (post_id, reporter_id)
);
CREATE INDEX discussion_reports_state ON discussion_reports (state, created_at);
CREATE INDEX discussion_reports_reporter ON discussion_reports (reporter_id);

-- Who follows a thread (notified of its replies). Starting or replying
-- adds following = 1 unless a row exists; unfollowing keeps the row with
-- following = 0, so a later reply does not follow again against the
-- person's choice.
CREATE TABLE discussion_follows (
	thread_id BIGINT NOT NULL REFERENCES discussion_threads (id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	following INTEGER NOT NULL CHECK (following IN (0, 1)),
	updated_at TEXT NOT NULL,
	PRIMARY KEY (thread_id, user_id)
);
CREATE INDEX discussion_follows_user ON discussion_follows (user_id);

-- Who asked to be told of every new thread of a network (off by default).
CREATE TABLE discussion_watchers (
	network TEXT NOT NULL REFERENCES networks (slug) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at TEXT NOT NULL,
	PRIMARY KEY (network, user_id)
);
CREATE INDEX discussion_watchers_user ON discussion_watchers (user_id);

-- The public changelog, loaded from data/changelog.tsv by `kafaat migrate`
-- (app/data.c): one row per change, in the three languages.
CREATE TABLE changelog (
	id TEXT PRIMARY KEY,
	date TEXT NOT NULL,
	version TEXT NOT NULL,
	area TEXT NOT NULL,
	text_ar TEXT NOT NULL,
	text_fr TEXT NOT NULL,
	text_en TEXT NOT NULL
);
CREATE INDEX changelog_date ON changelog (date, version);
