-- 0004_profiles: the expert profile and the reference data it points to.
-- Reference tables are filled from data/*.tsv by `kafaat migrate` (each file
-- names its source). The profile's fields follow the import format
-- (docs/IMPORT.md): one row in profiles, lists in their own tables. Dates
-- are 'YYYY-MM-DD', timestamps ISO 8601 UTC text. Every column holding
-- personal data is listed in db/personal_data.tsv (export and erasure use
-- it; a test keeps it complete). Portable SQL: SQLite and PostgreSQL 15.

-- Reference data
CREATE TABLE skill_domains (
	id TEXT PRIMARY KEY,
	position INTEGER NOT NULL,
	name_ar TEXT NOT NULL,
	name_fr TEXT NOT NULL,
	name_en TEXT NOT NULL
);
CREATE TABLE skills (
	id TEXT PRIMARY KEY,
	domain_id TEXT NOT NULL REFERENCES skill_domains (id),
	name_ar TEXT NOT NULL,
	name_fr TEXT NOT NULL,
	name_en TEXT NOT NULL,
	synonyms TEXT NOT NULL DEFAULT '' -- '|'-separated, any language
);
CREATE INDEX skills_domain ON skills (domain_id);
CREATE TABLE isco_groups (
	code TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 4),
	parent TEXT,
	name_en TEXT NOT NULL,
	name_fr TEXT NOT NULL,
	name_ar TEXT NOT NULL DEFAULT ''
);
CREATE TABLE regions (
	code TEXT PRIMARY KEY, -- ISO 3166-2:MA, e.g. MA-06
	position INTEGER NOT NULL,
	name_ar TEXT NOT NULL,
	name_fr TEXT NOT NULL,
	name_en TEXT NOT NULL
);
CREATE TABLE countries (
	code TEXT PRIMARY KEY CHECK (length(code) = 2), -- ISO 3166-1 alpha-2
	name_ar TEXT NOT NULL,
	name_fr TEXT NOT NULL,
	name_en TEXT NOT NULL
);
CREATE TABLE languages (
	code TEXT PRIMARY KEY CHECK (length(code) BETWEEN 2 AND 3), -- ISO 639-1, else 639-3
	name_ar TEXT NOT NULL,
	name_fr TEXT NOT NULL,
	name_en TEXT NOT NULL
);

-- The profile
CREATE TABLE profiles (
	user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	ref TEXT UNIQUE,                          -- an importer's own id, or NULL
	name TEXT NOT NULL DEFAULT '',            -- in Latin script
	name_ar TEXT NOT NULL DEFAULT '',         -- in Arabic script
	gender TEXT NOT NULL DEFAULT '' CHECK (gender IN ('', 'f', 'm', 'x')),
	birth_year INTEGER,
	country TEXT REFERENCES countries (code),
	city TEXT NOT NULL DEFAULT '',
	nationalities TEXT NOT NULL DEFAULT '',   -- alpha-2 codes, comma-separated
	headline TEXT NOT NULL DEFAULT '',
	bio TEXT NOT NULL DEFAULT '',
	isco TEXT REFERENCES isco_groups (code),
	years_experience INTEGER,
	link_linkedin TEXT NOT NULL DEFAULT '',
	link_orcid TEXT NOT NULL DEFAULT '',
	link_website TEXT NOT NULL DEFAULT '',
	offer_modes TEXT NOT NULL DEFAULT '',     -- ponctuelle,continue
	offer_presence TEXT NOT NULL DEFAULT '',  -- remote,onsite,hybrid
	hours_per_month INTEGER,
	pay TEXT NOT NULL DEFAULT '' CHECK (pay IN ('', 'paid', 'pro_bono', 'either')),
	paused_until TEXT,
	confirmed_at TEXT,                        -- last time the expert confirmed it
	coi_attested_at TEXT,                     -- yearly conflict-of-interest attestation
	coi_statement TEXT NOT NULL DEFAULT '',
	invited INTEGER NOT NULL DEFAULT 0,       -- imported, not yet claimed
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX profiles_country ON profiles (country);
CREATE INDEX profiles_confirmed ON profiles (confirmed_at);

CREATE TABLE profile_languages (
	user_id BIGINT NOT NULL REFERENCES profiles (user_id) ON DELETE CASCADE,
	code TEXT NOT NULL REFERENCES languages (code),
	level TEXT NOT NULL CHECK (level IN ('A1', 'A2', 'B1', 'B2', 'C1', 'C2')),
	PRIMARY KEY (user_id, code)
);
CREATE TABLE profile_sectors (
	user_id BIGINT NOT NULL REFERENCES profiles (user_id) ON DELETE CASCADE,
	sector_id TEXT NOT NULL REFERENCES sectors (id),
	preferred INTEGER NOT NULL DEFAULT 0,     -- 1: a sector they prefer to help in
	PRIMARY KEY (user_id, sector_id)
);
CREATE TABLE profile_regions (
	user_id BIGINT NOT NULL REFERENCES profiles (user_id) ON DELETE CASCADE,
	region TEXT NOT NULL REFERENCES regions (code),
	PRIMARY KEY (user_id, region)
);
CREATE TABLE profile_skills (
	id BIGINT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES profiles (user_id) ON DELETE CASCADE,
	skill_id TEXT REFERENCES skills (id),     -- NULL for a free skill
	free_name TEXT NOT NULL DEFAULT '',       -- the name typed, for a free skill
	level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
	years INTEGER CHECK (years BETWEEN 0 AND 70)
);
CREATE INDEX profile_skills_user ON profile_skills (user_id);
CREATE INDEX profile_skills_skill ON profile_skills (skill_id);
CREATE TABLE profile_education (
	id BIGINT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES profiles (user_id) ON DELETE CASCADE,
	degree TEXT NOT NULL,
	field TEXT NOT NULL DEFAULT '',
	institution TEXT NOT NULL DEFAULT '',
	country TEXT REFERENCES countries (code),
	year INTEGER
);
CREATE INDEX profile_education_user ON profile_education (user_id);
CREATE TABLE profile_experience (
	id BIGINT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES profiles (user_id) ON DELETE CASCADE,
	role TEXT NOT NULL,
	organisation TEXT NOT NULL DEFAULT '',
	sector_id TEXT REFERENCES sectors (id),
	country TEXT REFERENCES countries (code),
	start_month TEXT,                         -- 'YYYY-MM'
	end_month TEXT                            -- NULL: still there
);
CREATE INDEX profile_experience_user ON profile_experience (user_id);
-- Periods when the expert can contribute, and planned stays in Morocco.
CREATE TABLE profile_periods (
	id BIGINT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES profiles (user_id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('available', 'stay')),
	from_date TEXT NOT NULL,
	to_date TEXT NOT NULL,
	city TEXT NOT NULL DEFAULT '',            -- stays: where in Morocco
	CHECK (from_date <= to_date)
);
CREATE INDEX profile_periods_user ON profile_periods (user_id, kind);

-- Consent per audience, with the notice version and time; the events keep
-- the history (given and withdrawn).
CREATE TABLE consents (
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	audience TEXT NOT NULL CHECK (audience IN ('programme', 'institutions', 'networks',
		'directory', 'statistics', 'newsletters')),
	granted INTEGER NOT NULL CHECK (granted IN (0, 1)),
	notice_version INTEGER NOT NULL,
	at TEXT NOT NULL,
	PRIMARY KEY (user_id, audience)
);
CREATE TABLE consent_events (
	id BIGINT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	audience TEXT NOT NULL,
	granted INTEGER NOT NULL,
	notice_version INTEGER NOT NULL,
	source TEXT NOT NULL DEFAULT 'web',       -- web, import
	at TEXT NOT NULL
);
CREATE INDEX consent_events_user ON consent_events (user_id);

-- Uploaded files (CVs), stored outside the web root under generated names.
CREATE TABLE files (
	id BIGINT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('cv')),
	name TEXT NOT NULL,                       -- the name it was uploaded with
	size INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	stored_as TEXT NOT NULL UNIQUE,           -- generated name in the files folder
	created_at TEXT NOT NULL
);
CREATE INDEX files_user ON files (user_id, kind);

-- Freshness reminders sent (at 6 and 11 months after confirmation).
CREATE TABLE freshness_reminders (
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	confirmed_at TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('6m', '11m')),
	sent_at TEXT NOT NULL,
	PRIMARY KEY (user_id, confirmed_at, kind)
);
