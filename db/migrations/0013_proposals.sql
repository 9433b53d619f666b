-- 0013_proposals: experts' proposals to the programme (docs/PROPOSALS.md):
-- an idea or an initiative for the programme as a whole or for a sector,
-- supported by others (one support per person), commented by signed-in
-- people (comments hideable by the programme team), and answered publicly
-- by the programme team: every answer is a dated row of proposal_answers,
-- the latest being the proposal's status.
-- The statuses and the transitions allowed between them are decided in C
-- (app/proposals.c, a table); the CHECKs only bound the words. flagged_at
-- is set once, by a conditional UPDATE, when a proposal is still
-- "received" after proposals.answer_days: several nodes never flag (and
-- notify) twice; told_supports likewise, so that withdrawing and giving a
-- support again never tells the author of the same milestone twice. Personal columns are listed in db/personal_data.tsv.
-- Portable SQL: SQLite and PostgreSQL 15.

CREATE TABLE proposals (
	id BIGINT PRIMARY KEY,
	author_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('idea', 'initiative')),
	sector_id TEXT REFERENCES sectors (id),    -- NULL: the programme as a whole
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('received', 'under_study', 'adopted',
		'not_retained')),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,                  -- the last answer (or the submission)
	told_supports INTEGER NOT NULL DEFAULT 0,  -- the highest support milestone the author was told
	flagged_at TEXT                            -- still unanswered after the delay: flagged then
);
CREATE INDEX proposals_status ON proposals (status, created_at);
CREATE INDEX proposals_author ON proposals (author_id);
CREATE INDEX proposals_sector ON proposals (sector_id, created_at);

-- One support per person and proposal: the primary key refuses a second.
CREATE TABLE proposal_supports (
	proposal_id BIGINT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at TEXT NOT NULL,
	PRIMARY KEY (proposal_id, user_id)
);
CREATE INDEX proposal_supports_user ON proposal_supports (user_id);

CREATE TABLE proposal_comments (
	id BIGINT PRIMARY KEY,
	proposal_id BIGINT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
	author_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	body TEXT NOT NULL,
	hidden_at TEXT,                            -- hidden by the programme team
	hidden_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX proposal_comments_proposal ON proposal_comments (proposal_id, created_at);
CREATE INDEX proposal_comments_author ON proposal_comments (author_id);

-- The programme team's answers, dated: the history shown on the page.
CREATE TABLE proposal_answers (
	id BIGINT PRIMARY KEY,
	proposal_id BIGINT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
	actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	from_status TEXT NOT NULL,
	to_status TEXT NOT NULL,
	answer TEXT NOT NULL DEFAULT '',           -- public: the reason of a decision
	at TEXT NOT NULL
);
CREATE INDEX proposal_answers_proposal ON proposal_answers (proposal_id, at);
