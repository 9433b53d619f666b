-- 0001_reference: reference data that other tables and the pages use.
-- sectors: the economic sectors, in display order (position), named in
-- Arabic, French and English. Portable SQL: SQLite and PostgreSQL 15.
CREATE TABLE sectors (
	id TEXT PRIMARY KEY,
	position INTEGER NOT NULL,
	name_ar TEXT NOT NULL,
	name_fr TEXT NOT NULL,
	name_en TEXT NOT NULL
);
