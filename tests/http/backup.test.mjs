// `kafaat backup` and `kafaat restore` end to end: a backup of a database a
// server is using, a restore into a fresh database that then serves the demo
// networks, a restore drill (change, restore, the change is gone), and the
// refusals. On SQLite, or on PostgreSQL (pg_dump / pg_restore) when
// TEST_PG_URL is set (scripts/test.sh's http-pg suite).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bin, freePort, kafaat, root, startMs } from '../kafaat.mjs';

const pgUrl = process.env.TEST_PG_URL;
const engine = pgUrl ? 'postgresql' : 'sqlite';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-backup-'));
const dropped = [];
after(() => {
	for (const drop of dropped) drop();
	rmSync(tmp, { recursive: true, force: true });
});

function pgsh(args) {
	const r = spawnSync(path.join(root, 'scripts/pg.sh'), args, { cwd: root, encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`scripts/pg.sh ${args[0]} failed: ${r.stderr}`);
	return r.stdout.trim();
}

// A new, empty database: a SQLite path (not yet created) or a PostgreSQL URL
// of a database dropped when the tests end.
function freshDb(name) {
	if (!pgUrl) return path.join(tmp, `${name}.db`);
	const db = `kt_${randomBytes(6).toString('hex')}_${name}`;
	const url = pgsh(['createdb', pgUrl, db]);
	dropped.push(() => pgsh(['dropdb', pgUrl, db]));
	return url;
}

// Runs SQL on db with the engine's own client; returns its output.
function sql(db, text) {
	const [cmd, args] = pgUrl ? ['psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', db, '-c', text]]
		: ['sqlite3', [db, text]];
	const r = spawnSync(cmd, args, { encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	return r.stdout.trim();
}

function ok(args) {
	const r = kafaat(args);
	assert.equal(r.status, 0, `kafaat ${args.join(' ')}: ${r.stderr}`);
	return r.stdout;
}

// `kafaat serve` on an existing database; returns {url, stop()}.
async function serve(db) {
	const port = await freePort();
	const child = spawn(bin, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`], {
		cwd: root, env: { ...process.env, KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail') },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr.on('data', (d) => { stderr += d; });
	await new Promise((resolve, reject) => {
		let out = '';
		const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), startMs);
		child.stdout.on('data', (d) => {
			out += d;
			if (out.includes('serving http://')) { clearTimeout(timer); resolve(); }
		});
		child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${stderr}`)); });
	});
	return {
		url: `http://127.0.0.1:${port}`,
		async stop() {
			const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
			child.kill('SIGTERM');
			assert.equal(await exited, 0, stderr);
		},
	};
}

const networks = { ar: 'سنغافورة', fr: 'Singapour', en: 'Singapore' };

async function assertServesDemo(db) {
	const srv = await serve(db);
	try {
		for (const [lang, name] of Object.entries(networks)) {
			const r = await fetch(`${srv.url}/${lang}/`);
			assert.equal(r.status, 200, lang);
			assert.ok((await r.text()).includes(name), `the demo network ${name} on /${lang}/`);
		}
	} finally {
		await srv.stop();
	}
}

describe(`backup and restore (${engine})`, () => {
	let live;
	let file;

	before(() => {
		live = freshDb('live');
		ok(['migrate', '--db', live]);
		ok(['demo', '--db', live]);
		file = path.join(tmp, pgUrl ? 'kafaat.dump' : 'kafaat.bak');
	});

	test('backup of a database a server is using', async () => {
		const srv = await serve(live);
		try {
			const out = ok(['backup', file, '--db', live]);
			assert.match(out, /^backup of .* written to .*: schema version \d+, \d+ bytes, integrity checked$/m);
			assert.equal((await fetch(`${srv.url}/fr/`)).status, 200, 'the server went on serving');
		} finally {
			await srv.stop();
		}
		assert.equal(statSync(file).mode & 0o777, 0o600, 'a backup is private');
	});

	test('a backup never overwrites a file', () => {
		const before = readFileSync(file);
		const r = kafaat(['backup', file, '--db', live]);
		assert.equal(r.status, 1);
		assert.match(r.stderr, /already exists/);
		assert.deepEqual(readFileSync(file), before);
	});

	test('restore into a fresh database, which serves the demo networks', async () => {
		const fresh = freshDb('fresh');
		const out = ok(['restore', file, '--db', fresh]);
		assert.match(out, /^restored .* into .*: schema version \d+$/m);
		assert.match(out, /^0 erasure request\(s\) re-applied/m);
		ok(['migrate', '--db', fresh]); // a no-op unless the backup is older
		await assertServesDemo(fresh);
	});

	test('restore drill: a change made after the backup is undone by a restore', async () => {
		sql(live, "DELETE FROM networks WHERE slug = 'singapore'");
		const refused = kafaat(['restore', file, '--db', live]);
		assert.equal(refused.status, 1, 'a database with data needs --force');
		assert.match(refused.stderr, /already holds data .*stop every server.*--force/);
		assert.equal(sql(live, "SELECT COUNT(*) FROM networks WHERE slug = 'singapore'"), '0');
		ok(['restore', file, '--db', live, '--force']);
		assert.equal(sql(live, "SELECT COUNT(*) FROM networks WHERE slug = 'singapore'"), '1');
		await assertServesDemo(live);
	});

	test('a damaged backup is refused and the database is left as it was', () => {
		const bad = path.join(tmp, 'damaged');
		const bytes = readFileSync(file);
		if (pgUrl) {
			writeFileSync(bad, bytes.subarray(0, Math.floor(bytes.length / 2)));
		} else {
			const page = Math.floor(bytes.length / 2 / 4096) * 4096;
			bytes.fill(0xa5, page, page + 4096);
			writeFileSync(bad, bytes);
		}
		const target = freshDb('target');
		ok(['migrate', '--db', target]);
		const count = sql(target, 'SELECT COUNT(*) FROM schema_migrations');
		const r = kafaat(['restore', bad, '--db', target, '--force']);
		assert.equal(r.status, 1);
		assert.match(r.stderr, /kafaat restore: /);
		assert.equal(sql(target, 'SELECT COUNT(*) FROM schema_migrations'), count);
		const garbage = path.join(tmp, 'garbage');
		writeFileSync(garbage, 'not a backup at all\n'.repeat(100));
		assert.equal(kafaat(['restore', garbage, '--db', target, '--force']).status, 1);
		truncateSync(garbage, 0);
		assert.equal(kafaat(['restore', garbage, '--db', target, '--force']).status, 1);
	});

	test('usage errors', () => {
		for (const args of [['backup'], ['backup', 'a', 'b'], ['backup', 'x', '--force'], ['restore']]) {
			const r = kafaat([...args, '--db', live]);
			assert.equal(r.status, 2, args.join(' '));
			assert.match(r.stderr, /usage: kafaat (backup|restore) FILE/);
		}
		const r = kafaat(['restore', path.join(tmp, 'missing'), '--db', live, '--force']);
		assert.equal(r.status, 1);
		assert.match(r.stderr, /No such file/);
	});
});

