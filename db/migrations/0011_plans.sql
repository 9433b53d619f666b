-- 0011_plans: sectoral mobilisation plans (docs/PLANS.md). A ministry
-- department or a public establishment declares one plan a year: its
-- priority sectors and skills, two targets (needs to post, experts to
-- mobilise) and a named focal point. Progress is computed from needs and
-- engagements (app/plans.c), never stored. version counts the edits (a
-- stale form is refused); flagged_at is when the programme team was last
-- told the plan is behind its pace (the monthly job's conditional UPDATE).
-- The focal point is a person: its columns are listed in
-- db/personal_data.tsv. Portable SQL: SQLite and PostgreSQL 15.

CREATE TABLE plans (
	id BIGINT PRIMARY KEY,
	institution_id BIGINT NOT NULL REFERENCES institutions (id),
	year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2200),
	needs_target INTEGER NOT NULL CHECK (needs_target BETWEEN 0 AND 100000),
	experts_target INTEGER NOT NULL CHECK (experts_target BETWEEN 0 AND 100000),
	focal_name TEXT NOT NULL,
	focal_title TEXT NOT NULL,
	focal_email TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	updated_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	flagged_at TEXT,
	UNIQUE (institution_id, year)
);
CREATE INDEX plans_year ON plans (year);

CREATE TABLE plan_sectors (
	plan_id BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
	sector_id TEXT NOT NULL REFERENCES sectors (id),
	PRIMARY KEY (plan_id, sector_id)
);

CREATE TABLE plan_skills (
	plan_id BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
	skill_id TEXT NOT NULL REFERENCES skills (id),
	PRIMARY KEY (plan_id, skill_id)
);
