-- 0006_needs: institutions as publishers, their needs, the engagements
-- between experts and needs (with their certificates), evaluations and
-- notifications.
-- States and transitions are decided in C (app/lifecycle.c); the CHECKs only
-- bound the words. Every state change is kept (need_events,
-- engagement_events). Dates are 'YYYY-MM-DD', timestamps ISO 8601 UTC text.
-- Personal columns are listed in db/personal_data.tsv. Portable SQL:
-- SQLite and PostgreSQL 15.

-- Institutions: what they are, where, and whether the programme team has
-- verified them (only a verified institution may submit needs).
ALTER TABLE institutions ADD COLUMN kind TEXT NOT NULL DEFAULT 'agency'
	CHECK (kind IN ('ministry', 'public_establishment', 'local_authority', 'university',
		'cri', 'agency', 'foundation'));
ALTER TABLE institutions ADD COLUMN region TEXT REFERENCES regions (code);
ALTER TABLE institutions ADD COLUMN website TEXT NOT NULL DEFAULT '';
ALTER TABLE institutions ADD COLUMN verified_at TEXT;
ALTER TABLE institutions ADD COLUMN verified_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE institutions ADD COLUMN description TEXT NOT NULL DEFAULT '';  -- what it does, for its public page
CREATE TABLE institution_sectors (
	institution_id BIGINT NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
	sector_id TEXT NOT NULL REFERENCES sectors (id),
	PRIMARY KEY (institution_id, sector_id)
);

-- How each person wants to hear about changes: at once, or in a daily digest.
ALTER TABLE users ADD COLUMN notify TEXT NOT NULL DEFAULT 'immediate'
	CHECK (notify IN ('immediate', 'digest'));

CREATE TABLE needs (
	id BIGINT PRIMARY KEY,
	institution_id BIGINT NOT NULL REFERENCES institutions (id),
	parent_id BIGINT REFERENCES needs (id),   -- a recurring need's previous occurrence
	state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'submitted', 'published',
		'staffed', 'in_progress', 'completed', 'cancelled')),
	title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
	description TEXT NOT NULL DEFAULT '',
	sector_id TEXT REFERENCES sectors (id),
	mode TEXT NOT NULL DEFAULT 'ponctuelle' CHECK (mode IN ('ponctuelle', 'continue')),
	presence TEXT NOT NULL DEFAULT 'remote' CHECK (presence IN ('remote', 'onsite', 'hybrid')),
	region TEXT REFERENCES regions (code),
	city TEXT NOT NULL DEFAULT '',
	start_date TEXT,                          -- NULL with end_date NULL: dates to agree
	end_date TEXT,
	flexible INTEGER NOT NULL DEFAULT 0,      -- 1: the mission happens within [start, end]
	effort_days INTEGER CHECK (effort_days BETWEEN 1 AND 365),
	hours_per_month INTEGER CHECK (hours_per_month BETWEEN 1 AND 200),
	experts_wanted INTEGER NOT NULL DEFAULT 1 CHECK (experts_wanted BETWEEN 1 AND 50),
	pay TEXT NOT NULL DEFAULT 'pro_bono' CHECK (pay IN ('paid', 'pro_bono')),
	covers_travel INTEGER NOT NULL DEFAULT 0,
	covers_stay INTEGER NOT NULL DEFAULT 0,
	counterpart_name TEXT NOT NULL DEFAULT '',
	counterpart_role TEXT NOT NULL DEFAULT '',
	counterpart_email TEXT NOT NULL DEFAULT '',
	ready_counterpart INTEGER NOT NULL DEFAULT 0, -- the readiness checklist
	ready_resources INTEGER NOT NULL DEFAULT 0,
	ready_approval INTEGER NOT NULL DEFAULT 0,
	reason TEXT NOT NULL DEFAULT '',          -- cancellation reason code, or the review's
	note TEXT NOT NULL DEFAULT '',            -- the message that goes with it
	created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	submitted_at TEXT,
	published_at TEXT,
	closed_at TEXT,
	CHECK (start_date IS NULL OR end_date IS NULL OR start_date <= end_date)
);
CREATE INDEX needs_institution ON needs (institution_id, state);
CREATE INDEX needs_state ON needs (state, published_at);

CREATE TABLE need_skills (
	need_id BIGINT NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
	skill_id TEXT NOT NULL REFERENCES skills (id),
	required INTEGER NOT NULL CHECK (required IN (0, 1)),
	min_level INTEGER NOT NULL CHECK (min_level BETWEEN 1 AND 5),
	PRIMARY KEY (need_id, skill_id)
);
CREATE TABLE need_languages (
	need_id BIGINT NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
	code TEXT NOT NULL REFERENCES languages (code),
	level TEXT NOT NULL CHECK (level IN ('A1', 'A2', 'B1', 'B2', 'C1', 'C2')),
	PRIMARY KEY (need_id, code)
);
CREATE TABLE need_events (
	id BIGINT PRIMARY KEY,
	need_id BIGINT NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
	at TEXT NOT NULL,
	actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	from_state TEXT NOT NULL,
	to_state TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX need_events_need ON need_events (need_id, at);

-- An expert and a need. origin: who started it. One per expert and need.
CREATE TABLE engagements (
	id BIGINT PRIMARY KEY,
	need_id BIGINT NOT NULL REFERENCES needs (id),
	expert_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	origin TEXT NOT NULL CHECK (origin IN ('suggested', 'applied', 'invited')),
	state TEXT NOT NULL CHECK (state IN ('suggested', 'applied', 'invited', 'shortlisted',
		'accepted', 'declined', 'confirmed', 'in_mission', 'delivered', 'evaluated',
		'refused', 'withdrawn', 'closed', 'no_answer')),
	reason TEXT NOT NULL DEFAULT '',          -- reason code of the last closing step
	message TEXT NOT NULL DEFAULT '',         -- what the expert (or institution) was told
	motivation TEXT NOT NULL DEFAULT '',      -- the expert's words when applying
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	waiting_since TEXT,                       -- the institution owes an answer since then
	reminded_at TEXT,                         -- the reminder for that wait went out
	contact_shared_at TEXT,                   -- the expert accepted: contact details visible
	delivered_at TEXT,
	certificate_code TEXT UNIQUE,             -- the certificate of contribution's
	certificate_at TEXT,                      -- verification code, once delivered
	UNIQUE (need_id, expert_id)
);
CREATE INDEX engagements_expert ON engagements (expert_id, state);
CREATE INDEX engagements_waiting ON engagements (state, waiting_since);
CREATE TABLE engagement_events (
	id BIGINT PRIMARY KEY,
	engagement_id BIGINT NOT NULL REFERENCES engagements (id) ON DELETE CASCADE,
	at TEXT NOT NULL,
	actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL, -- NULL: the deadline job
	from_state TEXT NOT NULL,
	to_state TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX engagement_events_engagement ON engagement_events (engagement_id, at);

-- Evaluations by each side, at delivery and at +6 and +12 months.
CREATE TABLE evaluations (
	engagement_id BIGINT NOT NULL REFERENCES engagements (id) ON DELETE CASCADE,
	side TEXT NOT NULL CHECK (side IN ('expert', 'institution')),
	round TEXT NOT NULL CHECK (round IN ('delivery', '6m', '12m')),
	rating INTEGER CHECK (rating BETWEEN 1 AND 5),
	answers TEXT NOT NULL DEFAULT '',         -- JSON object of the questionnaire's answers
	comment TEXT NOT NULL DEFAULT '',
	author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	requested_at TEXT,                        -- follow-ups: when the questionnaire was sent
	answered_at TEXT,
	PRIMARY KEY (engagement_id, side, round)
);

-- The in-app inbox; mailed at once or in the daily digest (users.notify).
CREATE TABLE notifications (
	id BIGINT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind TEXT NOT NULL,                       -- a catalogue key suffix, e.g. engagement.shortlisted
	args TEXT NOT NULL DEFAULT '{}',          -- JSON: the message's placeholders
	link TEXT NOT NULL DEFAULT '',            -- a path without the language prefix
	created_at TEXT NOT NULL,
	read_at TEXT,
	mailed_at TEXT                            -- queued in the outbox (at once or in a digest)
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);
CREATE INDEX notifications_unmailed ON notifications (mailed_at, user_id);
