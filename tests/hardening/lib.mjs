// Helpers for the hardening tests. Unlike tests/kafaat.mjs's startServer,
// these keep the database across server runs and hand over the process, so
// a test can inject faults, kill -9, restart on the same file, or send
// SIGTERM at a chosen moment.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Client, enrolTotp, lastMailTo, linkIn } from '../client.mjs';
import { bin, freePort, kafaat, root, startMs } from '../kafaat.mjs';

export const PASSWORD = 'une phrase assez longue 2027';

// For the tests that must also show no leak and no undefined behaviour:
// the ASan+UBSan build (make bin/kafaat-asan) in place of bin/kafaat when
// it exists; any other TEST_BIN (e.g. a mutant) is used as it is.
const asan = path.join(root, 'bin/kafaat-asan');
export const sanitizedBin = bin === path.join(root, 'bin/kafaat') && existsSync(asan) ? asan : bin;

// A test's time limit of ms, longer in proportion when the servers are
// allowed longer to start (TEST_START_SECONDS above its default 20, as
// under valgrind).
export const slowMs = (ms) => ms * Math.max(1, startMs / 20000);

// True when db is a PostgreSQL URL (TEST_PG_URL), false for a SQLite file.
export const isPg = (db) => /^postgres(ql)?:/.test(db);

// Runs scripts/pg.sh; returns its output or throws with its message.
function pgsh(args) {
	const r = spawnSync(path.join(root, 'scripts/pg.sh'), args, { cwd: root, encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`scripts/pg.sh ${args[0]} failed: ${r.stderr}`);
	return r.stdout.trim();
}

// A new folder holding a mail spool and a migrated database: a SQLite file
// in the folder, or with TEST_PG_URL set a new database on that PostgreSQL
// server. {dir, db (path or URL), env (the settings every server of the
// test uses), remove() (the folder, and the PostgreSQL database)}.
export function freshSite(prefix) {
	const dir = mkdtempSync(path.join(os.tmpdir(), `kafaat-${prefix}-`));
	const pgUrl = process.env.TEST_PG_URL;
	const name = `kh_${prefix.replace(/\W/g, '')}_${randomBytes(6).toString('hex')}`;
	const db = pgUrl ? pgsh(['createdb', pgUrl, name]) : path.join(dir, 'kafaat.db');
	const remove = () => {
		rmSync(dir, { recursive: true, force: true });
		if (pgUrl) pgsh(['dropdb', pgUrl, name]);
	};
	const r = kafaat(['migrate', '--db', db]);
	if (r.status !== 0) {
		remove();
		throw new Error(`kafaat migrate failed: ${r.stderr}`);
	}
	return { dir, db, env: { KAFAAT_MAIL_SPOOL_DIR: path.join(dir, 'mail') }, remove };
}

// Starts `kafaat serve` on db (binary: TEST_BIN unless `program` is given;
// on a free port unless `port` is given).
// Resolves when it serves, with
// {url, port, child, stderr(), exited, closed, stop(signal)}, or when it
// exits first, with {url: null, stderr(), exited} (exited resolves to
// {code, signal}; closed once its log has been read to the end).
export async function serve(db, { env = {}, args = [], program = bin, port = undefined } = {}) {
	port ??= await freePort();
	const child = spawn(program, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, ...args], {
		cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr.on('data', (d) => { stderr += d; });
	const exited = new Promise((resolve) => {
		child.once('exit', (code, signal) => resolve({ code, signal }));
	});
	// 'close' comes after 'exit' once the pipes are drained: all of the log is read
	const closed = new Promise((resolve) => { child.once('close', resolve); });
	const ready = await new Promise((resolve, reject) => {
		let out = '';
		const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), startMs); // TEST_START_SECONDS
		child.stdout.on('data', (d) => {
			out += d;
			if (out.includes('serving http://')) { clearTimeout(timer); resolve(true); }
		});
		exited.then(() => { clearTimeout(timer); resolve(false); });
		child.once('error', (e) => { clearTimeout(timer); reject(new Error(`cannot start ${program}: ${e.message}`)); });
	});
	return {
		url: ready ? `http://127.0.0.1:${port}` : null,
		port,
		child,
		exited,
		closed,
		stderr: () => stderr,
		// Sends signal (SIGTERM by default); resolves with {code, signal}.
		async stop(signal = 'SIGTERM') {
			if (child.exitCode === null && child.signalCode === null) child.kill(signal);
			return exited;
		},
	};
}

// Signs up `email` through the form, as a browser would (CSRF included).
// Resolves with the response: {status, text, …}.
export async function signUp(url, email, lang = 'fr') {
	const c = new Client(url);
	await c.get(`/${lang}/signup`);
	return c.post(`/${lang}/signup`, {
		email, password: PASSWORD, password2: PASSWORD, lang, adult: 'yes', notice: 'yes',
	});
}

// True when a sign-up answer is the "check your mailbox" page (French).
export const acknowledged = (r) => r.status === 200 && r.text.includes('Consultez votre messagerie');

// Runs SQL (one or more statements) on db through its engine's
// command-line tool: psql for a PostgreSQL URL, sqlite3 for a file. Returns
// the rows, each with its values joined by '|' (as sqlite3 prints them);
// NULL prints as an empty value in both engines. Rows end with a newline,
// so a value holding one spans two "rows", unless `cut` is set: then rows
// end with \x1e in SQLite and NUL in PostgreSQL (psql ends each result
// with a newline, not its record separator, but for NUL).
export function sql(db, text, { cut = false } = {}) {
	const [cmd, args, rs] = isPg(db)
		? ['psql', ['-X', '-q', '-A', '-t', '-F', '|', ...(cut ? ['-0'] : []), '-v', 'ON_ERROR_STOP=1', '-f', '-', db], cut ? '\0' : '\n']
		: ['sqlite3', ['-batch', '-bail', '-cmd', '.timeout 10000', ...(cut ? ['-newline', '\x1e'] : []), db], cut ? '\x1e' : '\n'];
	const r = spawnSync(cmd, args, { input: text, encoding: 'utf8', maxBuffer: 1 << 28 });
	if (r.status !== 0) throw new Error(`${cmd} ${text.slice(0, 500)}: ${r.stderr}`);
	return r.stdout.split(rs).filter((l) => l !== '');
}
// The former name, from when the tests read the SQLite file only.
export const sqlite = sql;

// The names of db's tables, sorted: SQLite's (less its own sqlite_*) or
// the PostgreSQL schema's base tables.
export function tableNames(db) {
	return sql(db, isPg(db)
		? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
		: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
}

// Every row of the tables `pick` keeps, read in one run of the engine's
// tool: {table: [row, …] (each 'table|v1|v2…', sorted)}. pick(table)
// returns null to leave the table out, or {cols, where} (defaults: every
// column, every row) for the part that counts. The rows compare like with
// like within one engine only (PostgreSQL prints its own forms of numbers
// and text; the schema keeps booleans as 0/1 and times as text in both);
// values may hold newlines (sql's `cut`).
export function tableRows(db, pick = () => ({}), names = tableNames(db)) {
	const keep = names.filter((t) => pick(t) !== null);
	const selects = keep.map((t) => {
		const { cols = '*', where = '1 = 1' } = pick(t) ?? {};
		return `SELECT '${t}', ${cols} FROM ${t} WHERE ${where};`;
	});
	const rows = Object.fromEntries(keep.map((t) => [t, []]));
	if (!keep.length) return rows;
	for (const row of sql(db, selects.join('\n'), { cut: true })) rows[row.slice(0, row.indexOf('|'))].push(row);
	for (const t of keep) rows[t].sort();
	return rows;
}

// The engine's own check of its files and indexes: SQLite's PRAGMA
// integrity_check; on PostgreSQL amcheck's bt_index_check of every B-tree
// index of the schema (the extension made once, as the cluster's superuser,
// which scripts/pg.sh's test clusters let in from 127.0.0.1), or, when
// amcheck cannot be had, nothing (said once on the test's output). Returns
// 'ok' or what is wrong.
const amcheck = new Map();
export function integrity(db) {
	if (!isPg(db)) return sql(db, 'PRAGMA integrity_check').join('\n');
	if (!amcheck.has(db)) {
		const su = new URL(db);
		su.username = 'postgres';
		try {
			sql(su.href, 'CREATE EXTENSION IF NOT EXISTS amcheck');
			amcheck.set(db, su.href);
		} catch (e) {
			console.log(`amcheck unavailable, no index check on PostgreSQL: ${e.message.trim().split('\n').pop()}`);
			amcheck.set(db, null);
		}
	}
	const su = amcheck.get(db);
	if (!su) return 'ok';
	try {
		sql(su, `SELECT COUNT(bt_index_check(c.oid, true)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
			JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE a.amname = 'btree' AND n.nspname = current_schema() AND i.indisvalid AND i.indisready`);
		return 'ok';
	} catch (e) {
		return e.message;
	}
}

// Signs in with the test password; true when the account page opens.
export async function canSignIn(url, email, lang = 'fr') {
	const c = new Client(url);
	await c.get(`/${lang}/signin`);
	const r = await c.post(`/${lang}/signin`, { email, password: PASSWORD });
	return r.status === 303 && (await c.get(`/${lang}/account`)).status === 200;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Arms the fault of a server started with FAULT_INJECT_DB=file at the nth
// database call from now (0 disarms); resolves once the server says so,
// with the length of its log at that moment. The log is a pipe, read in
// order: everything the server wrote before the signal has been read.
export async function arm(srv, file, n) {
	const rearms = () => srv.stderr().split('fault injection: re-armed').length;
	const before = rearms();
	writeFileSync(file, `${n}\n`);
	srv.child.kill('SIGUSR1');
	for (let waited = 0; rearms() === before; waited += 5) {
		if (waited >= 5000) throw new Error('the server did not re-arm its fault');
		await sleep(5);
	}
	return srv.stderr().length;
}

// What the failure loops make fail (FAULT_TARGET, docs/HARDENING.md): ''
// the Nth database call; 'alloc' the Nth allocation by Kafaat (xalloc: the
// server aborts, as it would out of memory); 'engine-alloc' the Nth
// allocation by SQLite (SQLITE_NOMEM: the call fails, or the server aborts
// where Kafaat treats the engine's lack of memory as fatal).
export const faultTarget = process.env.FAULT_TARGET ?? '';
const FAULT_REACHED = {
	'': /fault injection: database call \d+ \(\w+\) fails/,
	alloc: /fault injection: allocation \d+ \(kafaat, \d+ bytes\) fails/,
	'engine-alloc': /fault injection: allocation \d+ \(engine, \d+ bytes\) fails/,
};
if (!(faultTarget in FAULT_REACHED)) throw new Error(`FAULT_TARGET=${faultTarget}: neither '', alloc nor engine-alloc`);
// What fails, for test names; and how many more counts than database calls
// a request makes, for the loops' bounds.
export const faultWhat = { '': 'database call', alloc: 'allocation', 'engine-alloc': 'allocation by SQLite' }[faultTarget];
export const faultScale = { '': 1, alloc: 10, 'engine-alloc': 100 }[faultTarget];
// True when the server's log says the armed fault was reached.
export const faultReached = (log) => FAULT_REACHED[faultTarget].test(log);
export const SANITIZER = /AddressSanitizer|runtime error|LeakSanitizer/;
const OUT_OF_MEMORY = /fatal: out of memory allocating \d+ bytes|db: out of memory reading a text column/;

// Arms srv's fault (FAULT_TARGET's kind) at its nth count, runs request(),
// disarms. Resolves with {r, log, srv}: r the answer, or null when the
// fault made the server abort under the request; log what the server wrote
// meanwhile; srv the server now running (restart()'s, after an abort).
// Only a failure of Kafaat's own allocation may abort the server, only as
// out of memory does (SIGABRT, the fatal line, no sanitizer report): a
// database call or an engine allocation that fails must leave it serving.
export async function underFault(srv, file, n, request, restart) {
	const from = await arm(srv, file, faultTarget ? `${n}+${faultTarget}` : n);
	let r = null;
	try {
		r = await request();
	} catch (e) {
		const gone = await Promise.race([srv.exited, sleep(10000)]);
		if (!gone) throw e; // the server is alive: the request failed for another reason
	}
	if (r !== null) return { r, log: srv.stderr().slice(from, await arm(srv, file, 0)), srv };
	const { signal } = await srv.exited;
	await srv.closed; // the fault line and any sanitizer report, read to the end
	const log = srv.stderr().slice(from);
	const where = `N=${n}: the server ended by ${signal}\n${log.slice(-1500)}`;
	assert.equal(faultTarget, 'alloc', `a ${faultWhat} failing killed the server; ${where}`);
	assert.equal(signal, 'SIGABRT', where);
	assert.match(log, OUT_OF_MEMORY, where);
	assert.doesNotMatch(log, SANITIZER, where);
	const next = await restart();
	assert.ok(next.url, `no restart after the abort: ${next.stderr()}`);
	return { r: null, log, srv: next };
}

// ---- People, made through the pages as in tests/http (no fault armed) ----
// site: {url, db, env} of a running server (db: SQLite file or PostgreSQL URL).

export async function signIn(site, c, email, lang = 'fr') {
	await c.get(`/${lang}/signin`);
	const r = await c.post(`/${lang}/signin`, { email, password: PASSWORD });
	if (r.status !== 303) throw new Error(`sign-in of ${email}: ${r.status}`);
	return c;
}

// Follows an invitation link, sets the password, signs in.
export async function fromInvitation(site, link, email) {
	const c = new Client(site.url);
	await c.get(link);
	const token = new URL(site.url + link).searchParams.get('token');
	await c.post('/en/invitation', { token, password: PASSWORD, password2: PASSWORD });
	return signIn(site, c, email, 'en');
}

// A programme-team member with a second factor (kafaat admin create).
export async function makeAdmin(site, email = 'admin@example.org') {
	const r = kafaat(['admin', 'create', email, '--db', site.db], site.env);
	if (r.status !== 0) throw new Error(`admin create: ${r.stderr}`);
	const c = await fromInvitation(site, linkIn(r.stdout, '/invitation\\?token='), email);
	await enrolTotp(c, 'en');
	return c;
}

// A verified institution created by admin, and its officer signed in:
// {id, officer}.
export async function makeInstitution(site, admin, email = 'officer@example.org', name = 'Essai') {
	await admin.get('/en/admin/institutions');
	const r = await admin.post('/en/admin/institutions', { name_ar: `مؤسسة ${name}`, name_fr: `Institution ${name}`, name_en: `Institution ${name}`, kind: 'ministry' });
	if (r.status !== 303) throw new Error(`institution: ${r.status}`);
	const id = /\/admin\/institutions\/(\d+)/.exec(r.location)[1];
	await admin.get(`/en/admin/institutions/${id}`);
	await admin.post(`/en/admin/institutions/${id}/verify`, { set: '1' });
	await admin.get('/en/admin/invitations');
	const inv = await admin.post('/en/admin/invitations', { email, institution: id, role: 'member', lang: 'fr' });
	if (inv.status !== 200) throw new Error(`invitation: ${inv.status}`);
	const officer = await fromInvitation(site, linkIn(lastMailTo(site.db, email, site.env), '/invitation\\?token='), email);
	return { id, officer };
}

// A verified expert with a profile and consent to institutions, signed in
// in French; c.id is the expert's user id.
export async function makeExpert(site, email) {
	const c = new Client(site.url);
	await c.get('/fr/signup');
	await c.post('/fr/signup', { email, password: PASSWORD, password2: PASSWORD, lang: 'fr', adult: 'yes', notice: 'yes' });
	await c.get(linkIn(lastMailTo(site.db, email, site.env), '/verify\\?token='));
	await signIn(site, c, email);
	await c.get('/fr/profile/edit/identity');
	const p = await c.post('/fr/profile/edit/identity', { name: 'Salma Benali', country: 'CA', city: 'Montréal', headline: 'Ingénieure sécurité' });
	if (p.status !== 303) throw new Error(`profile: ${p.status}`);
	await c.get('/fr/profile/consent');
	await c.post('/fr/profile/consent', { set: 'institutions:1' });
	c.id = Number(/href="\/fr\/experts\/(\d+)"/.exec((await c.get('/fr/profile')).text)[1]);
	return c;
}

// A valid need form (an officer's), saved or submitted as `then` says.
export const needForm = (title, then) => ({
	title, description: 'Appui à la transformation numérique des services.', sector: 'digital',
	mode: 'ponctuelle', presence: 'remote', dates: 'open', effort_days: '10', experts: '1',
	pay: 'pro_bono', cp_name: 'Amina Idrissi', cp_role: 'Directrice', cp_email: 'amina@example.ma',
	ready_counterpart: '1', ready_resources: '1', ready_approval: '1',
	skill_0_name: 'Cybersécurité', skill_0_level: 'must-3', then,
});

// A small valid PDF (about 2 KB), a different one each call.
let pdfSerial = 0;
export function pdf() {
	const head = Buffer.from(`%PDF-1.4\n% document ${++pdfSerial}\n`), tail = Buffer.from('\n%%EOF\n');
	return Buffer.concat([head, Buffer.alloc(2000, 0x20), tail]);
}

// A new draft need of officer's institution, saved through its form: {need}.
let needSerial = 0;
export async function draftNeed(officer) {
	await officer.get('/fr/institution/needs/new');
	const r = await officer.post('/fr/institution/needs/new', needForm(`Besoin préparé ${++needSerial}`, 'save'));
	assert.equal(r.status, 303, `draft: ${r.status}`);
	return { need: /\/institution\/needs\/(\d+)$/.exec(r.location)[1] };
}

// ---- Checksums ----------------------------------------------------------------

// SHA-256 of every table's rows of db (sorted; tableRows, either engine),
// as {table: hash}. volatile says what reads and the
// mail sender may write: {table: null} leaves a table out, {table: {cols,
// where}} keeps only that part of it.
export function tableChecksum(db, volatile = {}, names = undefined) {
	const rows = tableRows(db, (t) => (volatile[t] === null ? null : volatile[t] ?? {}), names);
	const sums = {};
	for (const [t, r] of Object.entries(rows)) sums[t] = createHash('sha256').update(r.join('\x1e')).digest('hex').slice(0, 16);
	return sums;
}

// ---- The failure loop ------------------------------------------------------------

// Every count the invariants' SQL gives ({what: 'SELECT COUNT(*) …'}) is 0,
// read in one query; and on SQLite PRAGMA integrity_check says ok (on
// PostgreSQL amcheck, a few hundred ms a run, is left to the end of each
// step: faultLoop).
export function assertInvariantsHold(db, invariants, where) {
	const names = Object.keys(invariants);
	const got = sql(db, `SELECT ${names.map((k) => `(${invariants[k]})`).join(', ')}`)[0].split('|');
	names.forEach((what, i) => assert.equal(got[i], '0', `${where}: ${what}`));
	if (!isPg(db)) assert.equal(integrity(db), 'ok', `${where}: integrity_check`);
}

// Runs step for N = 1, 2, … with its Nth database call failing
// (attempt(step, o, n) → {reached, success, status}, o from step.prepare(),
// a fresh one after each success) until the fault is no longer reached;
// checks that some attempts were refused and the fault-free one succeeded,
// and on PostgreSQL db's indexes (amcheck). Returns the figures line.
export async function faultLoop(db, step, attempt, maxN) {
	let o = null, clean = 0, refused = 0, done = 0;
	const statuses = {};
	for (let n = 1; n <= maxN && !clean; n++) {
		o ??= await step.prepare();
		const r = await attempt(step, o, n);
		statuses[r.status] = (statuses[r.status] ?? 0) + 1;
		if (r.success) { done++; o = null; } else refused++;
		if (!r.reached) clean = n;
	}
	assert.ok(clean > 0, `every run up to N=${maxN} reached its fault: ${JSON.stringify(statuses)}`);
	const seen = `N = 1…${clean}: ${JSON.stringify(statuses)}`;
	assert.ok(refused > 0, `some attempts were refused; ${seen}`);
	assert.ok(done > 0, `the fault-free attempt succeeded; ${seen}`);
	if (isPg(db)) assert.equal(integrity(db), 'ok', `${step.name}: amcheck`);
	return `  ${step.name}: N = 1…${clean}, ${refused} refused, ${done} done, answers ${JSON.stringify(statuses)}`;
}

// Reading db in the loops' checks: one(text) the first row (columns
// joined by |), count(text) a number.
export function sqlReaders(db) {
	const one = (text) => sql(db, text)[0];
	return { one, count: (text) => Number(one(text)) };
}
// A SQL string literal of s.
export const sqlText = (s) => `'${String(s).replace(/'/g, "''")}'`;

// What a read or the mail sender may write, for the write loops'
// checksums (writeLoop's volatile): null leaves a table out, {cols, where}
// say which part of it counts.
export const VOLATILE_BASE = {
	sessions: null, // last_seen_at on every signed-in request
	signin_failures: null,
	outbox: { cols: 'id, to_addr, lang, subject, body, created_at' }, // not the sending status
	notifications: { cols: 'id, user_id, kind, args, link, created_at' }, // not read/mailed
	audit_log: { where: "action <> 'profile_viewed'" }, // a view of a profile is logged
};

// One test per step of a write loop (faultLoop over loop.attempt, its
// figures line pushed to figures); maxN(step) bounds its N.
// FAULT_STEPS=REGEX runs only the steps whose name matches (the people
// are made all the same).
export function loopTests(steps, db, loop, figures, maxN) {
	const only = process.env.FAULT_STEPS ? new RegExp(process.env.FAULT_STEPS) : null;
	for (const step of steps) {
		const skip = only && !only.test(step.name) ? 'not in FAULT_STEPS' : false;
		test(`${step.name}, with its Nth ${faultWhat} failing, for every N until none fails`, { skip }, async () => {
			figures.push(await faultLoop(db, step, loop.attempt, maxN(step)));
		});
	}
}

// The server and the attempt of a write-path failure loop (faults_writes,
// faults_accounts, faults_projects, faults_networks): one server on site's
// database with FAULT_INJECT_DB=armFile (the ASan build when there is one).
// volatile: what reads and the mail sender may write (tableChecksum);
// invariants: {what: 'SELECT COUNT(*) …'} of the whole database, 0 after
// any attempt; files: {dir, query} when the paths store files: query
// (SELECT stored_as …) lists the names the folder must hold after every
// attempt, and the files are made two hours old before a restart, as if
// it came that much later, so that its sweep (older than
// paths.files_orphan_minutes) takes what an abort left.
// A step is {name, prepare() → o, form(o), post(o) → answer, success(o) →
// RegExp of the done redirect (or ok(r, o)), committed(o), recorded(o)}:
// form is fetched without a fault, post is the request under test, and
// committed and recorded read the database. By default every form posted
// is valid and every step allowed, so the only refusal is the outage
// (503); a step with refusal(r) says which answers are refusals instead,
// and noWrite marks a step whose success writes nothing (a sign-in page).
export function writeLoop(site, armFile, volatile, invariants, { files } = {}) {
	let tables;
	const env = { ...site.env, FAULT_INJECT_DB: armFile };
	const loop = {
		srv: null,
		checksum() {
			const sums = tableChecksum(site.db, volatile, tables);
			tables ??= Object.keys(sums);
			return sums;
		},
		async start() {
			loop.srv = await serve(site.db, { env, program: sanitizedBin });
			assert.ok(loop.srv.url, loop.srv.stderr());
			return loop.srv;
		},
		// The server again, on the same port and database, after a fault made
		// it abort (sessions are rows: the people stay signed in).
		restart() {
			if (files) {
				const old = Date.now() / 1000 - 2 * 3600;
				for (const f of readdirSync(files.dir)) utimesSync(path.join(files.dir, f), old, old);
			}
			return serve(site.db, { env, program: sanitizedBin, port: loop.srv.port });
		},
		// The files folder holds exactly the names files.query gives.
		assertFiles(where) {
			if (!files) return;
			const stored = readdirSync(files.dir).filter((f) => !f.startsWith('.')).sort();
			assert.deepEqual(stored, sql(site.db, files.query), `${where}: the files folder is the files' rows`);
		},
		// One attempt of step on o with the nth call (or allocation) failing.
		async attempt(step, o, n) {
			await step.form(o);
			const was = loop.checksum();
			const f = await underFault(loop.srv, armFile, n, () => step.post(o), loop.restart);
			const { r, log } = f;
			loop.srv = f.srv;
			const heading = (/<h1[^>]*>([^<]*)</.exec(r?.text ?? '') ?? [])[1] ?? '';
			const where = `${step.name}, N=${n}: ${r ? `${r.status} ${r.location ?? ''} ${heading}` : 'no answer: out of memory, the server aborted'}\n${log.slice(-1500)}`;
			assert.doesNotMatch(log, SANITIZER, where);
			let success = false;
			if (r) {
				assert.notEqual(r.status, 500, where);
				success = step.ok ? step.ok(r, o) : r.status === 303 && step.success(o).test(r.location ?? '');
				if (step.refusal) {
					assert.ok(success || step.refusal(r), `neither the success answer nor a refusal\n${where}`);
				} else {
					assert.ok(r.status < 500 || r.status === 503, where);
					// A refusal could only come from a failed read of who the
					// person is, which is an outage (503), not a 403; nor a 422
					// naming a field, nor a 409.
					assert.notEqual(r.status, 403, where);
					if (!success) assert.equal(r.status, 503, `a refusal under a fault is a 503\n${where}`);
				}
			}
			const committed = step.committed(o);
			// An aborted server answered nothing: its change may have been
			// committed before the abort (then wholly), or not at all.
			if (r && !step.noWrite) assert.equal(success, committed, `success reply iff committed\n${where}`);
			if (committed) {
				assert.ok(step.recorded(o), `committed without its record\n${where}`);
			} else {
				const now = loop.checksum();
				const changed = Object.keys(now).filter((t) => now[t] !== was[t]);
				assert.deepEqual(changed, [], `not committed, yet the database changed\n${where}`);
			}
			assertInvariantsHold(site.db, invariants, `${step.name}, N=${n}`);
			loop.assertFiles(`${step.name}, N=${n}`);
			const done = r ? success : committed && !step.noWrite;
			return { reached: faultReached(log), committed, success: done, status: r ? r.status : 'aborted' };
		},
	};
	return loop;
}

// ---- Sign-up load until the server dies (crash and power-loss tests) ----------

// Signs people up in a loop until the server dies; adds each acknowledged
// address to `acked` (and calls `onAck`), and any answer that is neither
// 200 nor 503 to `odd`.
async function signUpWorker(url, prefix, acked, odd, onAck) {
	for (let i = 0; ; i++) {
		const email = `${prefix}-${i}@example.org`;
		let r;
		try {
			r = await signUp(url, email);
		} catch {
			return; // the server was killed under this request
		}
		if (acknowledged(r)) {
			acked.add(email);
			onAck();
		} else if (r.status !== 503) odd.push(`${email}: ${r.status}`);
	}
}

// Every acknowledged address (after a kill or a power cut) is in users
// with its verification mail in outbox, and the engine's integrity check
// passes. `where` starts each message.
export function assertSignUpsDurable(db, acked, where) {
	const users = new Set(sql(db, 'SELECT email FROM users'));
	const mailed = new Set(sql(db, 'SELECT to_addr FROM outbox'));
	for (const email of acked) {
		assert.ok(users.has(email), `${where}: acknowledged ${email} is missing`);
		assert.ok(mailed.has(email), `${where}: ${email} lost its verification mail`);
	}
	assert.equal(integrity(db), 'ok', `${where}: integrity check`);
}

// Four clients sign people up on srv (addresses `${prefix}w${n}-${i}`);
// a random 0–500 ms after the first acknowledged sign-up the server gets
// SIGKILL (so the kill lands in a running write load). Resolves once it is
// dead and every client has its answer or its broken connection.
export async function signUpsUntilKilled(srv, prefix, acked, odd, workers = 4) {
	let firstAck;
	const writing = new Promise((resolve) => { firstAck = resolve; });
	const load = Array.from({ length: workers }, (_, w) => signUpWorker(srv.url, `${prefix}w${w}`, acked, odd, firstAck));
	let timer;
	const timeout = new Promise((resolve) => { timer = setTimeout(resolve, slowMs(30000), 'timeout'); });
	const first = await Promise.race([writing, timeout]);
	clearTimeout(timer);
	if (first === 'timeout') throw new Error(`${prefix}: no sign-up acknowledged in ${slowMs(30000) / 1000} s`);
	await sleep(Math.floor(Math.random() * 500));
	srv.child.kill('SIGKILL');
	const { signal } = await srv.exited;
	if (signal !== 'SIGKILL') throw new Error(`${prefix}: the server ended by ${signal}, not by the kill`);
	await Promise.all(load);
}
