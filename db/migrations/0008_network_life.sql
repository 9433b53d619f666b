-- 0008_network_life: what makes a network live — its charter and who may
-- join, members (open networks at once, the others on approval), the
-- coordinators' announcements, events with registration and a waiting
-- list, and introductions between members. Coordinators are the
-- user_roles rows (role 'coordinator', scope = the network's slug).
-- Rules (who may do what, in which state) are decided in C
-- (app/networks.c, app/events.c); the CHECKs only bound the words.
-- Timestamps are ISO 8601 UTC text; an event also keeps the IANA time zone
-- it was written in. Personal columns are listed in db/personal_data.tsv.
-- Portable SQL: SQLite and PostgreSQL 15.

ALTER TABLE networks ADD COLUMN charter_ar TEXT NOT NULL DEFAULT '';
ALTER TABLE networks ADD COLUMN charter_fr TEXT NOT NULL DEFAULT '';
ALTER TABLE networks ADD COLUMN charter_en TEXT NOT NULL DEFAULT '';
ALTER TABLE networks ADD COLUMN membership TEXT NOT NULL DEFAULT 'open'
	CHECK (membership IN ('open', 'approval'));
ALTER TABLE networks ADD COLUMN updated_at TEXT;

-- A person in a network: 'pending' while a coordinator decides (approval
-- networks), then 'member'. Leaving, or a refused request, deletes the row
-- (the audit log keeps the history).
CREATE TABLE network_members (
	network TEXT NOT NULL REFERENCES networks (slug) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	state TEXT NOT NULL CHECK (state IN ('pending', 'member')),
	message TEXT NOT NULL DEFAULT '',         -- why they ask to join (approval networks)
	requested_at TEXT NOT NULL,
	joined_at TEXT,                           -- NULL while pending
	decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	PRIMARY KEY (network, user_id)
);
CREATE INDEX network_members_user ON network_members (user_id, state);

-- What coordinators tell their members (each member is notified through
-- app/notify.c, in-app and by mail as they chose).
CREATE TABLE network_announcements (
	id BIGINT PRIMARY KEY,
	network TEXT NOT NULL REFERENCES networks (slug) ON DELETE CASCADE,
	author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
	body TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX network_announcements_network ON network_announcements (network, created_at);

-- Events. starts_at, ends_at and registration_closes_at are UTC; tz is the
-- IANA zone the coordinator wrote the times in (shown beside them, and in
-- the .ics). seats_taken counts 'registered' rows: a conditional UPDATE
-- (seats_taken < capacity) decides between a seat and the waiting list, so
-- two nodes never give the last seat twice. sequence grows at every change
-- (iCalendar SEQUENCE).
CREATE TABLE events (
	id BIGINT PRIMARY KEY,
	network TEXT NOT NULL REFERENCES networks (slug) ON DELETE CASCADE,
	title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
	description TEXT NOT NULL DEFAULT '',
	mode TEXT NOT NULL CHECK (mode IN ('online', 'in_person')),
	city TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	online_url TEXT NOT NULL DEFAULT '',      -- shown to registered people only
	open_to TEXT NOT NULL DEFAULT 'members' CHECK (open_to IN ('members', 'everyone')),
	tz TEXT NOT NULL,
	starts_at TEXT NOT NULL,
	ends_at TEXT NOT NULL,
	registration_closes_at TEXT NOT NULL,
	capacity INTEGER NOT NULL CHECK (capacity > 0),
	seats_taken INTEGER NOT NULL DEFAULT 0 CHECK (seats_taken >= 0),
	state TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'cancelled')),
	cancel_reason TEXT NOT NULL DEFAULT '',
	sequence INTEGER NOT NULL DEFAULT 0,
	created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	CHECK (ends_at > starts_at)
);
CREATE INDEX events_network ON events (network, starts_at);
CREATE INDEX events_starts ON events (starts_at);

-- A person's place at an event: a seat, or the waiting list (ordered by
-- queued_at, then user_id); cancelling keeps the row ('cancelled') and may
-- promote the first waiting. attended: NULL until a coordinator marks it.
CREATE TABLE event_registrations (
	event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	state TEXT NOT NULL CHECK (state IN ('registered', 'waiting', 'cancelled')),
	queued_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	attended INTEGER CHECK (attended IN (0, 1)),
	PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_registrations_user ON event_registrations (user_id);
CREATE INDEX event_registrations_queue ON event_registrations (event_id, state, queued_at);

-- A member asks a coordinator of the network to introduce them to another
-- member: 'requested' → the coordinator forwards it ('forwarded') or
-- refuses ('refused'); the other member 'accepted' or 'declined'. Contact
-- details are shown to each of the two only once accepted.
CREATE TABLE introductions (
	id BIGINT PRIMARY KEY,
	network TEXT NOT NULL REFERENCES networks (slug) ON DELETE CASCADE,
	requester_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	target_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	coordinator_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	state TEXT NOT NULL CHECK (state IN ('requested', 'forwarded', 'refused', 'accepted',
		'declined')),
	message TEXT NOT NULL,                    -- the requester's reason
	note TEXT NOT NULL DEFAULT '',            -- the coordinator's word
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	CHECK (requester_id <> target_id)
);
CREATE INDEX introductions_requester ON introductions (requester_id);
CREATE INDEX introductions_target ON introductions (target_id);
CREATE INDEX introductions_network ON introductions (network, state);
