// `kafaat gen`, `kafaat import experts` and `kafaat export experts` through
// the real binary (TEST_BIN): generated experts survive export → import into
// an empty database → export unchanged; re-import changes nothing; CSV rows
// are reported with their line and reason; names in Arabic find the skill
// labelled in French. With TEST_PG_URL set (the http-pg suite) every
// database is a new PostgreSQL database on that server.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { kafaat, root } from '../kafaat.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kafaat-import-'));
const dropped = [];

after(() => {
	for (const drop of dropped) drop();
	rmSync(dir, { recursive: true, force: true });
});

function pgsh(args) {
	const r = spawnSync(path.join(root, 'scripts/pg.sh'), args, { cwd: root, encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`scripts/pg.sh ${args[0]} failed: ${r.stderr}`);
	return r.stdout.trim();
}

// A new, migrated database: a SQLite file, or a PostgreSQL database.
function freshDb(name) {
	let db = path.join(dir, `${name}.db`);
	const pgUrl = process.env.TEST_PG_URL;
	if (pgUrl) {
		const dbName = `kt_${randomBytes(8).toString('hex')}`;
		db = pgsh(['createdb', pgUrl, dbName]);
		dropped.push(() => pgsh(['dropdb', pgUrl, dbName]));
	}
	const r = kafaat(['migrate', '--db', db]);
	assert.equal(r.status, 0, r.stderr);
	return db;
}

function ok(args) {
	const r = kafaat(args);
	assert.equal(r.status, 0, `kafaat ${args.join(' ')}: ${r.stderr}${r.stdout}`);
	return r;
}

function write(name, text) {
	const file = path.join(dir, name);
	writeFileSync(file, text);
	return file;
}

const summary = /: (\d+) rows: (\d+) created, (\d+) updated, (\d+) unchanged, (\d+) skipped/;

function counts(stdout) {
	const m = summary.exec(stdout);
	assert.ok(m, `no summary in: ${stdout}`);
	const [rows, created, updated, unchanged, skipped] = m.slice(1).map(Number);
	return { rows, created, updated, unchanged, skipped };
}

test('gen is deterministic for a seed', () => {
	const db = freshDb('gen');
	const a = ok(['gen', '--experts', '20', '--seed', '9', '--db', db]).stdout;
	const b = ok(['gen', '--experts', '20', '--seed', '9', '--db', db]).stdout;
	const c = ok(['gen', '--experts', '20', '--seed', '10', '--db', db]).stdout;
	assert.equal(a, b);
	assert.notEqual(a, c);
	const lines = a.trim().split('\n').map((l) => JSON.parse(l));
	assert.equal(lines.length, 20);
	for (const e of lines) {
		assert.match(e.email, /@example\.(org|com|net)$/);
		assert.match(e.name_ar, /[\u0600-\u06FF]/);
		assert.ok(e.languages.length >= 1);
	}
	assert.equal(kafaat(['gen', '--db', db]).status, 2);
	assert.equal(kafaat(['gen', '--experts', 'many', '--db', db]).status, 2);
});

test('gen 200, import, export, import the export elsewhere: the same export', () => {
	const db1 = freshDb('one');
	const file = write('experts.jsonl', ok(['gen', '--experts', '200', '--seed', '42', '--db', db1]).stdout);

	const first = ok(['import', 'experts', file, '--db', db1, '--consent-from-file']);
	assert.deepEqual(counts(first.stdout), { rows: 200, created: 200, updated: 0, unchanged: 0, skipped: 0 });
	const again = ok(['import', 'experts', file, '--db', db1, '--consent-from-file']);
	assert.deepEqual(counts(again.stdout), { rows: 200, created: 0, updated: 0, unchanged: 200, skipped: 0 });

	const e1 = ok(['export', 'experts', '--db', db1]).stdout;
	const lines = e1.trim().split('\n');
	assert.equal(lines.length, 200);
	const emails = lines.map((l) => JSON.parse(l).email);
	assert.deepEqual(emails, [...emails].sort((x, y) => (Buffer.from(x) < Buffer.from(y) ? -1 : 1)));
	assert.ok(JSON.parse(lines[0]).consent, 'the consent object is exported');

	const db2 = freshDb('two');
	const exported = write('export.jsonl', e1);
	const second = ok(['import', 'experts', exported, '--db', db2, '--consent-from-file']);
	assert.equal(counts(second.stdout).created, 200);
	const e2 = ok(['export', 'experts', '--db', db2]).stdout;
	assert.equal(e2, e1);
	// The export read back into its own database changes nothing either.
	assert.equal(counts(ok(['import', 'experts', exported, '--db', db1, '--consent-from-file']).stdout).unchanged, 200);
});

test('CSV: separators, BOM and quotes; every skipped row named with its line', () => {
	const db = freshDb('csv');
	const file = write('roster.csv',
		'\uFEFFemail;name;languages;skills;stays;consent_institutions\r\n' +
		'amal@example.org;"Benali; Amal";"fr:C2;ar:B2";"cardiologie interventionnelle:4:8";2027-07-01..2027-08-15@Casablanca;true\r\n' +
		'omar@example.org;Omar;fr:D1;;;\r\n' +
		'not-an-address;Sara;;;;\r\n' +
		'AMAL@example.org;Again;;;;\r\n');
	const r = kafaat(['import', 'experts', file, '--db', db]);
	assert.equal(r.status, 1, r.stderr);
	assert.match(r.stdout, /^line 3: skipped: languages\[0\]\.level: unknown CEFR level \(A1, A2, B1, B2, C1 or C2\) "D1"$/m);
	assert.match(r.stdout, /^line 4: skipped: email: not an email address "not-an-address"$/m);
	assert.match(r.stdout, /^line 5: skipped: email: this address is on an earlier row of the file/m);
	assert.deepEqual(counts(r.stdout), { rows: 4, created: 1, updated: 0, unchanged: 0, skipped: 3 });
	assert.match(r.stdout, /consent and confirmed_at of 1 rows were not recorded/);
	const out = JSON.parse(ok(['export', 'experts', '--db', db]).stdout);
	assert.equal(out.name, 'Benali; Amal');
	assert.deepEqual(out.consent, {}, 'no consent without --consent-from-file');
	assert.equal(out.stays[0].city, 'Casablanca');
});

test('dry run writes nothing; usage and unreadable files', () => {
	const db = freshDb('dry');
	const file = write('one.jsonl', '{"email": "a@example.org", "name": "A"}\n');
	const r = ok(['import', 'experts', file, '--db', db, '--dry-run']);
	assert.equal(counts(r.stdout).created, 1);
	assert.match(r.stdout, /dry run: nothing was written/);
	assert.equal(ok(['export', 'experts', '--db', db]).stdout, '');
	assert.equal(kafaat(['import', '--db', db]).status, 2);
	assert.equal(kafaat(['import', 'people', file, '--db', db]).status, 2);
	assert.equal(kafaat(['export', 'experts', '--dry-run', '--db', db]).status, 2);
	const missing = kafaat(['import', 'experts', path.join(dir, 'nope.csv'), '--db', db]);
	assert.equal(missing.status, 3);
	assert.match(missing.stderr, /nope\.csv/);
	const unknown = kafaat(['import', 'experts', write('bad.csv', 'email,colour\na@b.c,blue\n'), '--db', db]);
	assert.equal(unknown.status, 3);
	assert.match(unknown.stderr, /unknown column "colour"/);
});

// A skill of data/skills.tsv whose French and Arabic labels are each used
// by no other skill.
function unambiguousSkill() {
	const file = path.join(root, 'data/skills.tsv');
	if (!existsSync(file)) return null;
	const rows = readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'));
	const [header, ...skills] = rows;
	if (skills.length < 100) return null;
	const col = (name) => header.indexOf(name);
	const [id, ar, fr] = [col('id'), col('name_ar'), col('name_fr')];
	const taken = (i, s) => skills.filter((r) => r[i] === s).length > 1;
	const pick = (r) => ({ id: r[id], ar: r[ar], fr: r[fr] });
	const preferred = skills.find((r) => r[id] === 'cybersecurity');
	if (preferred) return pick(preferred);
	const any = skills.find((r) => r[ar] && r[fr] && !taken(ar, r[ar]) && !taken(fr, r[fr]));
	return any ? pick(any) : null;
}

test('an Arabic skill name finds the skill labelled in French', (t) => {
	const skill = unambiguousSkill();
	if (!skill) {
		t.skip('data/skills.tsv is missing or has fewer than 100 skills (being extended): check skipped');
		return;
	}
	const db = freshDb('skills');
	const file = write('skills.jsonl',
		JSON.stringify({ email: 'fr@example.org', skills: [{ name: skill.fr, level: 3 }] }) + '\n' +
		JSON.stringify({ email: 'ar@example.org', skills: [{ name: skill.ar, level: 3 }] }) + '\n');
	const r = ok(['import', 'experts', file, '--db', db]);
	assert.doesNotMatch(r.stdout, /free skill/, r.stdout);
	const [ar, fr] = ok(['export', 'experts', '--db', db]).stdout.trim().split('\n').map((l) => JSON.parse(l));
	assert.equal(ar.skills[0].id, skill.id);
	assert.equal(fr.skills[0].id, skill.id);
});
