-- 0012_consultations: consultations of the diaspora (docs/CONSULTATIONS.md).
-- The programme team, or a coordinator for their network, writes a
-- consultation (a draft), opens it to an audience (every expert, a sector,
-- a network, a residence country) between two dates, closes it, and
-- publishes its summary. Experts of the audience answer once, named or
-- anonymously.
--
-- Privacy by design: who answered (consultation_participants, for "once")
-- is stored apart from what was answered (consultation_responses and
-- consultation_answers). A named response keeps the person's id; an
-- anonymous one has user_id NULL, a random id (not a sequence, not a
-- time) and no timestamp, so no stored row links it to its author, nor
-- does the order of the ids. The UNIQUE key of the participants makes a
-- second answer fail even when two requests race.
-- States and transitions are decided in C (app/consultations.c); the
-- CHECKs only bound the words. Portable SQL: SQLite and PostgreSQL 15.

CREATE TABLE consultations (
	id BIGINT PRIMARY KEY,
	author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	lang TEXT NOT NULL CHECK (lang IN ('ar', 'fr', 'en')),  -- the author's language
	title_ar TEXT NOT NULL DEFAULT '',
	title_fr TEXT NOT NULL DEFAULT '',
	title_en TEXT NOT NULL DEFAULT '',
	intro_ar TEXT NOT NULL DEFAULT '',
	intro_fr TEXT NOT NULL DEFAULT '',
	intro_en TEXT NOT NULL DEFAULT '',
	audience TEXT NOT NULL CHECK (audience IN ('everyone', 'sector', 'network', 'country')),
	audience_value TEXT NOT NULL DEFAULT '',   -- a sector id, a network slug, a country code
	opens_on TEXT NOT NULL,                    -- YYYY-MM-DD: answers from 00:00 UTC
	closes_on TEXT NOT NULL,                   -- YYYY-MM-DD: answers until 24:00 UTC
	public_results INTEGER NOT NULL DEFAULT 0 CHECK (public_results IN (0, 1)),
	state TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed', 'published')),
	sequence INTEGER NOT NULL DEFAULT 0,       -- bumped by every change (conditional updates)
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	opened_at TEXT,
	published_at TEXT
);
CREATE INDEX consultations_state ON consultations (state, closes_on);
CREATE INDEX consultations_audience ON consultations (audience, audience_value);

CREATE TABLE consultation_questions (
	id BIGINT PRIMARY KEY,
	consultation_id BIGINT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,                 -- 1..10
	kind TEXT NOT NULL CHECK (kind IN ('choice', 'scale', 'text')),
	prompt TEXT NOT NULL,
	required INTEGER NOT NULL DEFAULT 0 CHECK (required IN (0, 1)),
	options TEXT NOT NULL DEFAULT '',          -- choice: 2..10 options, one per line
	scale_low TEXT NOT NULL DEFAULT '',        -- scale: the label of 1
	scale_high TEXT NOT NULL DEFAULT '',       -- scale: the label of 5
	UNIQUE (consultation_id, position)
);

-- Who answered: one row per person and consultation (the UNIQUE "once").
-- No time, no link to the response.
CREATE TABLE consultation_participants (
	consultation_id BIGINT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	PRIMARY KEY (consultation_id, user_id)
);

-- What was answered: one row per response, user_id NULL when anonymous;
-- id random (app/consultations.c), never a sequence or a time.
CREATE TABLE consultation_responses (
	id BIGINT PRIMARY KEY,
	consultation_id BIGINT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
	user_id BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX consultation_responses_of ON consultation_responses (consultation_id, id);
CREATE INDEX consultation_responses_user ON consultation_responses (user_id);

CREATE TABLE consultation_answers (
	response_id BIGINT NOT NULL REFERENCES consultation_responses (id) ON DELETE CASCADE,
	question_id BIGINT NOT NULL REFERENCES consultation_questions (id) ON DELETE CASCADE,
	choice INTEGER,                            -- choice: the option, 1..n
	scale INTEGER CHECK (scale IS NULL OR (scale BETWEEN 1 AND 5)),
	answer_text TEXT,                          -- free text, at most 2000 characters
	PRIMARY KEY (response_id, question_id)
);
