// kafaat audit verify / list on a log written outside kafaat: the chain is
// computed here, from the serialisation documented at the top of
// src/app/audit.c (as an auditor would), and inserted with the sqlite3 CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { kafaat } from '../kafaat.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kafaat-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ZEROS = '0'.repeat(64);

const ROWS = [
	{ seq: 1, at: '2026-11-29T10:00:00Z', actor: null, action: 'signin_failed', target_type: '',
	  target_id: '', ip: '192.0.2.1', details: '{"email_hash":"ab12"}' },
	{ seq: 2, at: '2026-11-29T10:00:05Z', actor: 42, action: 'signin', target_type: 'user',
	  target_id: '42', ip: '192.0.2.1', details: '' },
	{ seq: 3, at: '2026-11-29T10:01:00Z', actor: 42, action: 'profile_viewed', target_type: 'user',
	  target_id: '77', ip: '2001:db8::1', details: '{"section":"cv","note":"é"}' },
];

// Each field as its byte length, ':', its bytes; SHA-256 in lowercase hex.
function rowHash(prev, r) {
	const fields = [prev, String(r.seq), r.at, String(r.actor ?? 0), r.action, r.target_type,
		r.target_id, r.ip, r.details];
	const s = fields.map((v) => `${Buffer.byteLength(v, 'utf8')}:${v}`).join('');
	return createHash('sha256').update(s, 'utf8').digest('hex');
}

function sqlite(db, sql) {
	const r = spawnSync('sqlite3', ['-bail', db], { input: sql, encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
	return r.stdout;
}

const lit = (v) => (v === null ? 'NULL' : typeof v === 'number' ? String(v)
	: `'${v.replaceAll("'", "''")}'`);

// Inserts rows chained from the zero hash; returns the hashes.
function insertChain(db, rows) {
	let prev = ZEROS;
	const hashes = [];
	const sql = rows.map((r) => {
		const hash = rowHash(prev, r);
		const values = [r.seq, r.at, r.actor, r.action, r.target_type, r.target_id, r.ip, r.details,
			prev, hash].map(lit).join(', ');
		prev = hash;
		hashes.push(hash);
		return 'INSERT INTO audit_log (seq, at, actor_id, action, target_type, target_id, ip, '
			+ `details, prev_hash, hash) VALUES (${values});`;
	});
	sqlite(db, `BEGIN;\n${sql.join('\n')}\nCOMMIT;\n`);
	return hashes;
}

function migrated(name) {
	const db = path.join(dir, `${name}.db`);
	const r = kafaat(['migrate', '--db', db]);
	assert.equal(r.status, 0, r.stderr);
	return db;
}

test('the worked example in audit.c hashes as documented', () => {
	const r = { seq: 1, at: '2026-11-29T10:00:00Z', actor: null, action: 'signin',
		target_type: 'user', target_id: '42', ip: '192.0.2.1', details: '' };
	assert.equal(rowHash(ZEROS, r), 'b56bf195596319c25a491dbf9a14bfe927fcf34aae6cc042016fc857b827e845');
});

test('an empty log is intact', () => {
	const r = kafaat(['audit', 'verify', '--db', migrated('empty')]);
	assert.equal(r.status, 0, r.stderr);
	assert.match(r.stdout, /^audit log intact: 0 rows$/m);
});

test('a chain written by an independent implementation verifies', () => {
	const db = migrated('intact');
	const hashes = insertChain(db, ROWS);
	const r = kafaat(['audit', 'verify', '--db', db]);
	assert.equal(r.status, 0, r.stdout + r.stderr);
	assert.match(r.stdout, /audit log intact: 3 rows/);
	assert.ok(r.stdout.includes(`last hash: ${hashes[2]} (row 3)`), r.stdout);
	const j = kafaat(['audit', 'verify', '--json', '--db', db]);
	assert.equal(j.status, 0, j.stderr);
	assert.deepEqual(JSON.parse(j.stdout), { intact: true, rows: 3, last_hash: hashes[2] });
});

test('an altered row is named, exit 1', () => {
	const db = migrated('altered');
	insertChain(db, ROWS);
	sqlite(db, `UPDATE audit_log SET details = '{"x":1}' WHERE seq = 2;`);
	const r = kafaat(['audit', 'verify', '--db', db]);
	assert.equal(r.status, 1, r.stdout + r.stderr);
	assert.match(r.stdout, /row 2: hash does not match its contents/);
	const j = kafaat(['audit', 'verify', '--json', '--db', db]);
	assert.equal(j.status, 1);
	const out = JSON.parse(j.stdout);
	assert.equal(out.intact, false);
	assert.equal(out.bad_seq, 2);
});

test('a removed row is named, exit 1', () => {
	const db = migrated('removed');
	insertChain(db, ROWS);
	sqlite(db, 'DELETE FROM audit_log WHERE seq = 2;');
	const r = kafaat(['audit', 'verify', '--db', db]);
	assert.equal(r.status, 1, r.stdout + r.stderr);
	assert.match(r.stdout, /row 3: does not follow row 1/);
});

test('list shows the newest rows first, as text and JSON', () => {
	const db = migrated('list');
	insertChain(db, ROWS);
	const r = kafaat(['audit', 'list', '--db', db]);
	assert.equal(r.status, 0, r.stderr);
	const lines = r.stdout.trim().split('\n');
	assert.equal(lines.length, 4);
	assert.match(lines[1], /^3 {2}2026-11-29T10:01:00Z {2}42 {2}profile_viewed {2}user:77 {2}2001:db8::1 /);
	assert.match(lines[3], /^1 {2}2026-11-29T10:00:00Z {2}- {2}signin_failed {2}- {2}192\.0\.2\.1 /);
	const j = kafaat(['audit', 'list', '--json', '--db', db]);
	assert.equal(j.status, 0, j.stderr);
	const rows = JSON.parse(j.stdout);
	assert.deepEqual(rows.map((x) => x.seq), [3, 2, 1]);
	assert.deepEqual(rows[0].details, { section: 'cv', note: 'é' });
	assert.equal(rows[1].details, null);
	assert.equal(rows[2].actor, null);
	assert.equal(rows[1].actor, 42);
});

test('list does not pass control characters to the terminal', () => {
	const db = migrated('control');
	insertChain(db, [{ ...ROWS[0], target_id: 'x\u001b[2Jy' }]);
	const r = kafaat(['audit', 'list', '--db', db]);
	assert.equal(r.status, 0, r.stderr);
	assert.ok(!r.stdout.includes('\u001b'));
	assert.ok(r.stdout.includes('x?[2Jy'));
});

test('usage errors exit 2; database errors exit 3', () => {
	const db = migrated('usage');
	for (const args of [['audit'], ['audit', 'frobnicate'], ['audit', 'verify', 'extra']]) {
		const r = kafaat([...args, '--db', db]);
		assert.equal(r.status, 2, args.join(' '));
		assert.match(r.stderr, /usage: kafaat audit verify\|list/);
	}
	const bare = path.join(dir, 'bare.db');
	sqlite(bare, 'CREATE TABLE t (x INTEGER);');
	const v = kafaat(['audit', 'verify', '--db', bare]);
	assert.equal(v.status, 3, v.stdout + v.stderr);
	assert.match(v.stderr, /cannot read the audit log/);
	assert.equal(kafaat(['audit', 'list', '--db', bare]).status, 3);
});
