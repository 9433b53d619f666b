// The kafaat command line: configuration errors, migrations, version.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { kafaat, root } from '../kafaat.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kafaat-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('version and help', () => {
	assert.match(kafaat(['version']).stdout, /^kafaat \d+\.\d+\.\d+/);
	const help = kafaat(['help']).stdout;
	for (const c of ['serve', 'migrate', 'check-config', 'version', 'help']) assert.ok(help.includes(c), c);
});

test('unknown command or option: exit 2 with a message', () => {
	const r = kafaat(['frobnicate']);
	assert.equal(r.status, 2);
	assert.match(r.stderr, /unknown command 'frobnicate'/);
	const o = kafaat(['migrate', '--colour', 'red']);
	assert.equal(o.status, 2);
	assert.match(o.stderr, /unknown option --colour/);
});

test('check-config names the line and reason of every error', () => {
	const file = path.join(dir, 'bad.ini');
	writeFileSync(file, '[server]\nlisten = nowhere\nthreads = 0\n[nosuch]\nkey = 1\n');
	const r = kafaat(['check-config', '--config', file]);
	assert.notEqual(r.status, 0);
	assert.match(r.stderr, /bad\.ini:2: .*listen/);
	assert.match(r.stderr, /bad\.ini:3: .*threads/);
	assert.match(r.stderr, /bad\.ini:4: /);
	const good = path.join(dir, 'good.ini');
	writeFileSync(good, '[server]\nlisten = 127.0.0.1:9999\n');
	assert.equal(kafaat(['check-config', '--config', good]).status, 0);
});

test('environment overrides are checked too', () => {
	const r = kafaat(['check-config'], { KAFAAT_SERVER_THREADS: 'many' });
	assert.notEqual(r.status, 0);
	assert.match(r.stderr, /KAFAAT_SERVER_THREADS/);
});

test('migrate is idempotent; serve refuses an unmigrated database', () => {
	const db = path.join(dir, 'm.db');
	const first = kafaat(['migrate', '--db', db]);
	assert.equal(first.status, 0, first.stderr);
	assert.match(first.stdout, /[1-9]\d* migration\(s\) applied/);
	const second = kafaat(['migrate', '--db', db]);
	assert.equal(second.status, 0);
	assert.match(second.stdout, / 0 migration\(s\) applied/);
	const fresh = path.join(dir, 'fresh.db');
	const s = kafaat(['serve', '--db', fresh, '--listen', '127.0.0.1:1']);
	assert.notEqual(s.status, 0);
	assert.match(s.stderr, /kafaat migrate/);
});

test('demo data loads once', () => {
	const db = path.join(dir, 'd.db');
	assert.equal(kafaat(['migrate', '--db', db]).status, 0);
	assert.match(kafaat(['demo', '--db', db]).stdout, /demo data loaded/);
	assert.match(kafaat(['demo', '--db', db]).stdout, /already has content/);
});

test('a missing database folder is a clear error', () => {
	const r = kafaat(['migrate', '--db', path.join(dir, 'no/such/dir/k.db')]);
	assert.notEqual(r.status, 0);
	assert.match(r.stderr, /cannot open database/);
});

test('docs/CONFIG.md lists every configuration key as `kafaat config-keys` describes it', () => {
	const doc = readFileSync(path.join(root, 'docs/CONFIG.md'), 'utf8');
	const rows = kafaat(['config-keys']).stdout.split('\n').filter((l) => l.startsWith('| `'));
	assert.ok(rows.length > 20);
	for (const row of rows) assert.ok(doc.includes(row), `docs/CONFIG.md is missing or outdated: ${row}`);
});
