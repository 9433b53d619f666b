// `kafaat migrate-data --from SOURCE --to TARGET` end to end. A SQLite
// source is built as a real installation grows: `migrate`, `demo`, `gen` +
// `import` of a few hundred experts, then a server on it for a sign-up, a
// sign-in (a session and audit rows), a failed sign-in; one need points to
// a later one (needs.parent_id, a foreign key to its own table). It is then
// moved to a SQLite database `kafaat migrate` has prepared (reference data
// only; always) and to an empty PostgreSQL database (when TEST_PG_URL is
// set: scripts/test.sh's http-pg suite, which also copies PostgreSQL →
// PostgreSQL), and
// the target must hold exactly what the source holds: every table of
// db/migrations/*.sql listed by the command with equal counts, every
// table's content equal (read with sqlite3 / psql, NULLs shown), the audit
// chain intact with the source's last hash. A server on the target keeps
// the session made on the source, signs in again, shows a public expert
// page, searches the same. Refusals change nothing: a target holding data,
// a source at an old schema, a broken audit chain, an unreachable target,
// a value the target's column would not take (rolled back after earlier
// tables were copied). A database call failing anywhere (FAULT_INJECT_DB)
// gives a clear error, and a second run into the same target succeeds.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, lastMailTo, linkIn } from '../client.mjs';
import { bin, freePort, kafaat, root, startMs } from '../kafaat.mjs';

const pgUrl = process.env.TEST_PG_URL;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-migrate-data-'));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail') };
const PW = 'une phrase assez longue 2027';
const dropped = [];
after(() => {
	for (const drop of dropped) drop();
	rmSync(tmp, { recursive: true, force: true });
});

const isUrl = (db) => db.startsWith('postgres');

function pgsh(args) {
	const r = spawnSync(path.join(root, 'scripts/pg.sh'), args, { cwd: root, encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`scripts/pg.sh ${args[0]} failed: ${r.stderr}`);
	return r.stdout.trim();
}

// A new database that does not exist yet (SQLite) or is empty (PostgreSQL).
function freshDb(engine, name) {
	if (engine === 'sqlite') return path.join(tmp, `${name}-${randomBytes(4).toString('hex')}.db`);
	const db = `kt_${randomBytes(6).toString('hex')}_${name.replace(/-/g, '_')}`;
	const url = pgsh(['createdb', pgUrl, db]);
	dropped.push(() => pgsh(['dropdb', pgUrl, db]));
	return url;
}

// Runs SQL with the engine's own client, NULL printed as <NULL>, columns
// separated by '|' (the same output on both for the same rows).
function sql(db, text) {
	const [cmd, args] = isUrl(db)
		? ['psql', ['-X', '-q', '-A', '-t', '-P', 'null=<NULL>', '-v', 'ON_ERROR_STOP=1', db, '-c', text]]
		: ['sqlite3', ['-bail', '-nullvalue', '<NULL>', db, text]];
	const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
	assert.equal(r.status, 0, `${cmd} ${text}: ${r.stderr}`);
	return r.stdout.trim();
}

function ok(args) {
	const r = kafaat(args, env);
	assert.equal(r.status, 0, `kafaat ${args.join(' ')}: ${r.stderr}${r.stdout}`);
	return r.stdout;
}

// The tables the migrations create: what the command must copy.
const migrationTables = readdirSync(path.join(root, 'db/migrations')).filter((f) => f.endsWith('.sql'))
	.flatMap((f) => [...readFileSync(path.join(root, 'db/migrations', f), 'utf8')
		.matchAll(/^\s*CREATE TABLE (?:IF NOT EXISTS )?(\w+)/gim)].map((m) => m[1].toLowerCase()));

// Every table's content as one digest: all columns, rows in column order.
function contentOf(db, table) {
	const ncols = Number(isUrl(db)
		? sql(db, `SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${table}'`)
		: sql(db, `SELECT COUNT(*) FROM pragma_table_info('${table}')`));
	assert.ok(ncols > 0, `table ${table} exists in ${db}`);
	const order = Array.from({ length: ncols }, (_, i) => i + 1).join(', ');
	const rows = sql(db, `SELECT * FROM ${table} ORDER BY ${order}`);
	return { rows: rows === '' ? 0 : rows.split('\n').length, digest: createHash('sha256').update(rows).digest('hex') };
}

// The command's table of counts: {table: {source, target, status}}.
function reportOf(stdout) {
	const out = {};
	for (const m of stdout.matchAll(/^ {2}(\w+) +(\d+) +(\d+) +[\d.]+ +(ok|DIFFERENT)$/gm))
		out[m[1]] = { source: Number(m[2]), target: Number(m[3]), status: m[4] };
	return out;
}

function lastHash(db) {
	const out = ok(['audit', 'verify', '--db', db]);
	assert.match(out, /^audit log intact: \d+ rows$/m);
	return /last hash: ([0-9a-f]{64})/.exec(out)?.[1] ?? '';
}

// `kafaat serve` on an existing database; returns {url, stop()}.
async function serve(db) {
	const port = await freePort();
	const child = spawn(bin, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`], {
		cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
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

async function signIn(c, email) {
	await c.get('/fr/signin');
	const r = await c.post('/fr/signin', { email, password: PW });
	assert.equal(r.status, 303, `sign-in of ${email}`);
	return c;
}

// A source as an installation grows it; returns its path and what was made.
async function buildSource(experts) {
	const db = freshDb('sqlite', 'source');
	ok(['migrate', '--db', db]);
	ok(['demo', '--db', db]);
	const file = path.join(tmp, `experts-${experts}.jsonl`);
	const gen = kafaat(['gen', '--experts', String(experts), '--seed', '11', '--db', db], env);
	assert.equal(gen.status, 0, gen.stderr);
	writeFileSync(file, gen.stdout);
	ok(['import', 'experts', file, '--consent-from-file', '--db', db]);
	return db;
}

describe('kafaat migrate-data', () => {
	let source;
	let expert; // a client signed in on the source
	let publicExpert; // {id, name} of an expert anyone may see
	let sourceHash;
	let sourceSearch;
	let sourceExport;
	const email = 'mounia.elalami@example.org';

	before(async () => {
		source = await buildSource(300);
		const srv = await serve(source);
		try {
			expert = new Client(srv.url);
			await expert.get('/fr/signup');
			const r = await expert.post('/fr/signup', { email, password: PW, password2: PW, lang: 'fr', adult: 'yes', notice: 'yes' });
			assert.equal(r.status, 200, r.text.slice(0, 300));
			assert.equal((await expert.get(linkIn(lastMailTo(source, email, env), '/verify\\?token='))).status, 200);
			await signIn(expert, email);
			assert.equal((await expert.get('/fr/profile')).status, 200);
			const stranger = new Client(srv.url);
			await stranger.get('/fr/signin');
			await stranger.post('/fr/signin', { email, password: 'not the password at all' });
		} finally {
			await srv.stop();
		}
		// A need pointing to a later one: copied before its parent.
		sql(source, 'UPDATE needs SET parent_id = (SELECT MAX(id) FROM needs) WHERE id = (SELECT MIN(id) FROM needs)');
		sourceExport = ok(['export', 'experts', '--db', source]); // adds an audit row: before the hash
		sourceHash = lastHash(source);
		sourceSearch = ok(['search', '', '--audience', 'public', '--top', '5', '--json', '--db', source]);
		const hit = JSON.parse(sourceSearch).hits[0];
		publicExpert = { id: String(hit.id), name: hit.name };
	});

	test('the source holds what a real installation holds', () => {
		assert.ok(migrationTables.length >= 40, migrationTables.join(' '));
		for (const [table, min] of [['users', 301], ['profiles', 300], ['profile_skills', 300], ['sessions', 1],
			['audit_log', 3], ['outbox', 1], ['signin_failures', 1], ['needs', 2], ['networks', 1],
			['consents', 1001]]) // more than a page of reading (src/db/copy.c PAGE_ROWS), composite key
			assert.ok(Number(sql(source, `SELECT COUNT(*) FROM ${table}`)) >= min, table);
	});

	const engines = [['SQLite', 'sqlite'], ['PostgreSQL', 'postgres']];
	for (const [name, engine] of engines) {
		const skip = engine === 'postgres' && !pgUrl
			? 'TEST_PG_URL is not set: the SQLite → PostgreSQL move runs in the http-pg suite (SUITES=http-pg scripts/test.sh)'
			: false;

		describe(`SQLite → ${name}`, { skip }, () => {
			let target;
			let out;

			before(() => {
				target = freshDb(engine, 'target');
				// A SQLite target prepared by `kafaat migrate` (reference data
				// only); the PostgreSQL one left empty, as docs/DEPLOY.md says.
				if (engine === 'sqlite') ok(['migrate', '--db', target]);
			});

			test('copies every table of the migrations, counts equal', () => {
				out = ok(['migrate-data', '--from', source, '--to', target]);
				const report = reportOf(out);
				assert.deepEqual(Object.keys(report).sort(), [...migrationTables].sort(),
					'every table the migrations create is copied, no other');
				for (const [table, r] of Object.entries(report)) {
					assert.equal(r.status, 'ok', table);
					assert.equal(r.source, r.target, table);
					assert.equal(Number(sql(source, `SELECT COUNT(*) FROM ${table}`)), r.source, `${table} on the source`);
					assert.equal(Number(sql(target, `SELECT COUNT(*) FROM ${table}`)), r.target, `${table} on the target`);
				}
				assert.match(out, /^done: \d+ tables, \d+ rows copied and checked in [\d.]+ s; the target matches the source$/m);
				assert.match(out, new RegExp(`^target .*: ${name}, ${engine === 'sqlite' ? 'reference data only' : 'empty'};`, 'm'));
			});

			test('parents come before the tables that reference them', () => {
				const order = Object.keys(reportOf(out));
				const before = (a, b) => assert.ok(order.indexOf(a) < order.indexOf(b), `${a} before ${b}`);
				before('users', 'profiles');
				before('profiles', 'profile_skills');
				before('skill_domains', 'skills');
				before('skills', 'profile_skills');
				before('institutions', 'needs');
				before('needs', 'engagements');
				before('engagements', 'evaluations');
			});

			test('every table holds the same rows: all columns, NULLs, integers and text', () => {
				for (const table of migrationTables)
					assert.deepEqual(contentOf(target, table), contentOf(source, table), table);
				assert.equal(sql(target, 'SELECT COUNT(*) FROM needs WHERE parent_id IS NOT NULL'), '1');
				assert.equal(sql(target, 'SELECT COUNT(*) FROM profiles WHERE paused_until IS NULL'),
					sql(source, 'SELECT COUNT(*) FROM profiles WHERE paused_until IS NULL'));
			});

			test('the audit chain verifies on the target and ends with the source\'s hash', () => {
				assert.equal(lastHash(target), sourceHash);
				assert.match(out, new RegExp(`^audit log on the target: intact, \\d+ rows, last hash ${sourceHash} \\(the source's\\)$`, 'm'));
			});

			test('a server on the target: the session goes on, sign-in, expert page, search', async () => {
				const srv = await serve(target);
				try {
					const moved = new Client(srv.url);
					moved.cookies = new Map(expert.cookies);
					const profile = await moved.get('/fr/profile');
					assert.equal(profile.status, 200, 'the session made on the source is valid on the target');
					const again = await signIn(new Client(srv.url), email);
					assert.equal((await again.get('/fr/profile')).status, 200);
					const page = await fetch(`${srv.url}/fr/experts/${publicExpert.id}`);
					assert.equal(page.status, 200);
					assert.ok((await page.text()).includes(publicExpert.name), 'the expert page shows the name');
					assert.equal((await fetch(`${srv.url}/fr/`)).status, 200);
				} finally {
					await srv.stop();
				}
				assert.equal(ok(['search', '', '--audience', 'public', '--top', '5', '--json', '--db', target]), sourceSearch);
				lastHash(target); // the chain goes on from the copied rows
				assert.equal(ok(['export', 'experts', '--db', target]), sourceExport);
			});

			test('PostgreSQL → PostgreSQL: the target copied again', { skip: engine === 'sqlite' && 'the PostgreSQL suite only' }, () => {
				const again = freshDb(engine, 'again');
				const r = ok(['migrate-data', '--from', target, '--to', again]);
				assert.match(r, /^source .*: PostgreSQL, schema version \d+, audit log intact/m);
				for (const table of migrationTables)
					assert.deepEqual(contentOf(again, table), contentOf(target, table), table);
			});

			test('refused: a target that already holds data; nothing changes', () => {
				const users = contentOf(target, 'users');
				const r = kafaat(['migrate-data', '--from', source, '--to', target], env);
				assert.equal(r.status, 1);
				assert.match(r.stderr, /the target .* already holds data: table \w+ has \d+ row\(s\); nothing was changed/);
				assert.deepEqual(contentOf(target, 'users'), users);
			});

			// A source of imported experts with one value changed by update.
			function badSource(update) {
				const bad = freshDb('sqlite', 'bad-value');
				ok(['migrate', '--db', bad]);
				ok(['import', 'experts', path.join(tmp, 'experts-300.jsonl'), '--consent-from-file', '--db', bad]);
				sql(bad, `UPDATE profiles SET ${update} WHERE user_id = (SELECT MIN(user_id) FROM profiles)`);
				return { db: bad, id: sql(bad, 'SELECT MIN(user_id) FROM profiles') };
			}

			function assertRefusedValue(bad, message) {
				const to = freshDb(engine, 'bad-target');
				const r = kafaat(['migrate-data', '--from', bad, '--to', to], env);
				assert.equal(r.status, 1);
				assert.ok(r.stderr.includes(message), r.stderr);
				assert.match(r.stderr, /rolled back: the target holds no copied row/);
				assert.match(r.stdout, /^ {2}users +300 +300 /m, 'users were copied before profiles…');
				for (const table of ['users', 'countries', 'skills', 'profiles'])
					assert.equal(sql(to, `SELECT COUNT(*) FROM ${table}`), '0', `…and rolled back (${table})`);
			}

			test('refused: a value the target\'s column cannot take; rolled back, nothing copied', () => {
				const { db, id } = badSource("birth_year = 'mille neuf cent'");
				assertRefusedValue(db, `table profiles, row user_id=${id}: column birth_year 'mille neuf cent' is not a whole number`);
			});

			test('refused: an integer beyond the target column\'s range', { skip: engine === 'sqlite' && 'SQLite integers are all 64-bit' }, () => {
				const { db, id } = badSource('years_experience = 3000000000');
				assertRefusedValue(db, `table profiles, row user_id=${id}: column years_experience '3000000000' is out of the range of the target's column`);
			});
		});
	}

	test('refused: a source at an older schema; the target is not even created', () => {
		const old = freshDb('sqlite', 'old');
		ok(['migrate', '--db', old]);
		const newest = Number(sql(old, 'SELECT MAX(version) FROM schema_migrations'));
		sql(old, `DELETE FROM schema_migrations WHERE version = ${newest}`);
		const to = freshDb('sqlite', 'never');
		const r = kafaat(['migrate-data', '--from', old, '--to', to], env);
		assert.equal(r.status, 1);
		assert.ok(r.stderr.includes(`is at schema version ${newest - 1}, this kafaat needs ${newest}: run \`kafaat migrate --db ${old}\` first`), r.stderr);
		assert.equal(existsSync(to), false);
	});

	test('refused: a source whose audit chain is broken', () => {
		const tampered = freshDb('sqlite', 'tampered');
		ok(['migrate', '--db', tampered]);
		ok(['import', 'experts', path.join(tmp, 'experts-300.jsonl'), '--consent-from-file', '--db', tampered]);
		sql(tampered, 'UPDATE audit_log SET details = \'{"rows":1}\' WHERE seq = 1');
		const to = freshDb('sqlite', 'never');
		const r = kafaat(['migrate-data', '--from', tampered, '--to', to], env);
		assert.equal(r.status, 1);
		assert.match(r.stderr, /the audit log of the source .* is broken at row 1 .*kafaat audit verify --db/);
		assert.equal(existsSync(to), false);
	});

	test('refused: an unreachable target, a missing source, the same database', async () => {
		const port = await freePort(); // nothing listens there
		const unreachable = `postgres://kafaat:secret@127.0.0.1:${port}/kafaat`;
		let r = kafaat(['migrate-data', '--from', source, '--to', unreachable], env);
		assert.equal(r.status, 1);
		assert.match(r.stderr, /cannot open the target: .*127\.0\.0\.1/);
		assert.ok(!r.stderr.includes('secret') && !r.stdout.includes('secret'), 'no password shown');
		const missing = path.join(tmp, 'missing.db');
		r = kafaat(['migrate-data', '--from', missing, '--to', freshDb('sqlite', 'never')], env);
		assert.equal(r.status, 1);
		assert.match(r.stderr, /the source .*missing\.db does not exist/);
		assert.equal(existsSync(missing), false);
		r = kafaat(['migrate-data', '--from', source, '--to', source], env);
		assert.equal(r.status, 1);
		assert.match(r.stderr, /the source and the target are the same database/);
	});

	// Every database call may fail (FAULT_INJECT_DB=N, src/db/fault.h): the
	// command then says why, leaves nothing half-copied, and a second run into
	// the same target succeeds.
	test('a database call failing anywhere: a clear error, and a rerun succeeds', () => {
		const small = freshDb('sqlite', 'small');
		ok(['migrate', '--db', small]);
		ok(['demo', '--db', small]);
		const run = (to, n) => kafaat(['migrate-data', '--from', small, '--to', to], n ? { ...env, FAULT_INJECT_DB: String(n) } : env);
		let calls = 256;
		while (/fault injection: database call \d+ \(\w+\) fails/.test(run(freshDb('sqlite', 'probe'), calls).stderr)) calls *= 2;
		const spread = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89];
		for (let i = 1; i <= 20; i++) spread.push(Math.round((calls * i) / 20));
		let failed = 0;
		for (const n of spread) {
			const to = freshDb('sqlite', 'fault');
			const r = run(to, n);
			if (r.status === 0) continue; // past the last call
			failed++;
			assert.equal(r.status, 1, `call ${n}: ${r.stderr}`);
			assert.match(r.stderr, /^kafaat migrate-data: .*injected fault/m, `call ${n}`);
			const again = run(to, 0);
			assert.equal(again.status, 0, `call ${n}, then a rerun: ${again.stderr}`);
			assert.match(again.stdout, /the target matches the source/);
		}
		assert.ok(failed >= 20, `${failed} runs met their fault`);
	});

	test('usage errors', () => {
		for (const args of [[], ['--from', 'a.db'], ['--to', 'b.db'], ['--from', 'a.db', '--to', 'b.db', '--db', 'c.db'], ['--from', 'a.db', '--to', 'b.db', 'extra']]) {
			const r = kafaat(['migrate-data', ...args], env);
			assert.equal(r.status, 2, args.join(' '));
			assert.match(r.stderr, /migrate-data/);
		}
	});
});
