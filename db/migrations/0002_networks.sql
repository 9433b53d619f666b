-- 0002_networks: the networks members join, geographic (a region or city)
-- or thematic. The slug appears in URLs; its exact form (lowercase ASCII
-- letters, digits, hyphens) is validated in C, the CHECK only bounds its
-- length. Timestamps are ISO 8601 UTC text. Portable SQL: SQLite and
-- PostgreSQL 15.
CREATE TABLE networks (
	slug TEXT PRIMARY KEY CHECK (length(slug) BETWEEN 1 AND 64),
	kind TEXT NOT NULL CHECK (kind IN ('geographic', 'thematic')),
	name_ar TEXT NOT NULL,
	name_fr TEXT NOT NULL,
	name_en TEXT NOT NULL,
	summary_ar TEXT NOT NULL,
	summary_fr TEXT NOT NULL,
	summary_en TEXT NOT NULL,
	position INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL
);
