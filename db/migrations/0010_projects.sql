-- 0010_projects: project holders' dossiers, from idea to investment
-- (docs/PROJECTS.md): the dossier, its needs and documents, every step of
-- the advisors' pipeline (project_events), and mentorships by experts.
-- The reference data of orientation: the regional investment centres
-- (cri), the MDM Invest rules (mdm_rules, one row per rule, dated) and
-- residence-country support programmes, loaded from data/ by `kafaat
-- migrate` like the other reference tables.
-- States and transitions are decided in C (app/projects.c for dossiers,
-- app/lifecycle.c for mentorships, which follow engagements); the CHECKs
-- only bound the words. Amounts in MAD as integers. Personal columns are
-- listed in db/personal_data.tsv. Portable SQL: SQLite and PostgreSQL 15.

CREATE TABLE cri (
	region TEXT PRIMARY KEY REFERENCES regions (code),
	name_ar TEXT NOT NULL,
	name_fr TEXT NOT NULL,
	name_en TEXT NOT NULL,
	city TEXT NOT NULL,
	website TEXT NOT NULL
);

CREATE TABLE mdm_rules (
	id TEXT PRIMARY KEY,               -- stable: '2026-min-investment'
	rule TEXT NOT NULL CHECK (rule IN ('min_investment', 'max_investment', 'min_equity',
		'subsidy_rate', 'subsidy_cap')),
	amount BIGINT NOT NULL,            -- MAD, or percent for rates and shares
	valid_from TEXT NOT NULL           -- YYYY-MM-DD: in force from that day
);

CREATE TABLE support_programmes (
	id TEXT PRIMARY KEY,
	country TEXT NOT NULL REFERENCES countries (code),
	name TEXT NOT NULL,
	url TEXT NOT NULL,
	description_ar TEXT NOT NULL,
	description_fr TEXT NOT NULL,
	description_en TEXT NOT NULL
);
CREATE INDEX support_programmes_country ON support_programmes (country);

CREATE TABLE projects (
	id BIGINT PRIMARY KEY,
	holder_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	advisor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	state TEXT NOT NULL CHECK (state IN ('submitted', 'qualified', 'oriented', 'accompanied',
		'realised', 'on_hold', 'abandoned')),
	held_from TEXT NOT NULL DEFAULT '',        -- on hold: the stage to resume
	title TEXT NOT NULL,
	summary TEXT NOT NULL,
	sector_id TEXT NOT NULL REFERENCES sectors (id),
	region TEXT NOT NULL REFERENCES regions (code),
	city TEXT NOT NULL,
	stage TEXT NOT NULL CHECK (stage IN ('idea', 'study', 'launch', 'expansion')),
	investment BIGINT NOT NULL,                -- planned, MAD
	equity_percent INTEGER NOT NULL,           -- own funds, share of the investment
	jobs INTEGER NOT NULL,                     -- planned
	investment_realised BIGINT,                -- once realised
	jobs_realised INTEGER,
	reason TEXT NOT NULL DEFAULT '',           -- reason code of a hold or an abandonment
	note TEXT NOT NULL DEFAULT '',             -- the last step's note to the holder
	due_at TEXT,                               -- the next step is due by then (service deadline)
	reminded_at TEXT,                          -- the advisor was reminded of that deadline
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	closed_at TEXT
);
CREATE INDEX projects_holder ON projects (holder_id);
CREATE INDEX projects_advisor ON projects (advisor_id, state);
CREATE INDEX projects_due ON projects (due_at);

-- holder_id in the dossier's own rows: an export or an erasure finds them by
-- person (db/personal_data.tsv).
CREATE TABLE project_needs (
	project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	holder_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	need TEXT NOT NULL CHECK (need IN ('financing', 'land', 'procedures', 'mentoring',
		'partners', 'market')),
	PRIMARY KEY (project_id, need)
);

CREATE TABLE project_documents (
	id BIGINT PRIMARY KEY,
	project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	holder_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name TEXT NOT NULL,                        -- the name it was uploaded with
	size INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	stored_as TEXT NOT NULL UNIQUE,            -- generated name in the files folder
	created_at TEXT NOT NULL
);
CREATE INDEX project_documents_project ON project_documents (project_id);

CREATE TABLE project_events (
	id BIGINT PRIMARY KEY,
	project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	at TEXT NOT NULL,
	actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	from_state TEXT NOT NULL,
	to_state TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT ''              -- the advisor's message, shown to the holder
);
CREATE INDEX project_events_project ON project_events (project_id, at);

CREATE TABLE mentorships (
	id BIGINT PRIMARY KEY,
	project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	expert_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	proposed_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	state TEXT NOT NULL CHECK (state IN ('suggested', 'applied', 'invited', 'shortlisted',
		'accepted', 'declined', 'confirmed', 'in_mission', 'delivered', 'evaluated',
		'refused', 'withdrawn', 'closed', 'no_answer')),
	reason TEXT NOT NULL DEFAULT '',
	message TEXT NOT NULL DEFAULT '',          -- the last step's message to the other side
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (project_id, expert_id)
);
CREATE INDEX mentorships_expert ON mentorships (expert_id, state);
