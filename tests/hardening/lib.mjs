// Helpers for the hardening tests. Unlike tests/kafaat.mjs's startServer,
// these keep the database across server runs and hand over the process, so
// a test can inject faults, kill -9, restart on the same file, or send
// SIGTERM at a chosen moment.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, enrolTotp, lastMailTo, linkIn } from '../client.mjs';
import { bin, freePort, kafaat, root } from '../kafaat.mjs';

export const PASSWORD = 'une phrase assez longue 2027';

// For the tests that must also show no leak and no undefined behaviour:
// the ASan+UBSan build (make bin/kafaat-asan) in place of bin/kafaat when
// it exists; any other TEST_BIN (e.g. a mutant) is used as it is.
const asan = path.join(root, 'bin/kafaat-asan');
export const sanitizedBin = bin === path.join(root, 'bin/kafaat') && existsSync(asan) ? asan : bin;

// A new folder holding a migrated SQLite database and a mail spool:
// {dir, db, env} (env: the settings every server of the test uses).
export function freshSite(prefix) {
	const dir = mkdtempSync(path.join(os.tmpdir(), `kafaat-${prefix}-`));
	const db = path.join(dir, 'kafaat.db');
	const r = kafaat(['migrate', '--db', db]);
	if (r.status !== 0) throw new Error(`kafaat migrate failed: ${r.stderr}`);
	return { dir, db, env: { KAFAAT_MAIL_SPOOL_DIR: path.join(dir, 'mail') } };
}

// Starts `kafaat serve` on db (binary: TEST_BIN unless `program` is given).
// Resolves when it serves, with
// {url, port, child, stderr(), exited, stop(signal)}, or when it exits first,
// with {url: null, stderr(), exited} (exited resolves to {code, signal}).
export async function serve(db, { env = {}, args = [], program = bin } = {}) {
	const port = await freePort();
	const child = spawn(program, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, ...args], {
		cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr.on('data', (d) => { stderr += d; });
	const exited = new Promise((resolve) => {
		child.once('exit', (code, signal) => resolve({ code, signal }));
	});
	const ready = await new Promise((resolve, reject) => {
		let out = '';
		const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 20000);
		child.stdout.on('data', (d) => {
			out += d;
			if (out.includes('serving http://')) { clearTimeout(timer); resolve(true); }
		});
		exited.then(() => { clearTimeout(timer); resolve(false); });
	});
	return {
		url: ready ? `http://127.0.0.1:${port}` : null,
		port,
		child,
		exited,
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

// Runs SQL through the sqlite3 command-line tool; returns its output lines.
export function sqlite(db, sql) {
	const r = spawnSync('sqlite3', ['-batch', '-bail', db, sql], { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`sqlite3 ${sql}: ${r.stderr}`);
	return r.stdout.split('\n').filter((l) => l !== '');
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

// ---- Added for faults_accounts.test.mjs ----------------------------------------

// SHA-256 of every table's rows of the SQLite file db (sorted), as
// {table: hash}, from one run of sqlite3. volatile says what reads and the
// mail sender may write: {table: null} leaves a table out, {table: {cols,
// where}} keeps only that part of it.
export function tableChecksum(db, volatile = {}) {
	const tables = sqlite(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
		.filter((t) => volatile[t] !== null);
	const selects = tables.map((t) => {
		const { cols = '*', where = '1' } = volatile[t] ?? {};
		return `SELECT '${t}', ${cols} FROM ${t} WHERE ${where};`;
	});
	const rows = {};
	for (const line of sqlite(db, selects.join('\n'))) {
		const t = line.slice(0, line.indexOf('|'));
		(rows[t] ??= []).push(line);
	}
	const sums = {};
	for (const t of tables) sums[t] = createHash('sha256').update((rows[t] ?? []).sort().join('\n')).digest('hex').slice(0, 16);
	return sums;
}
