// Data rights over HTTP against a real server, on SQLite or (TEST_PG_URL)
// PostgreSQL: "download all my data" is checked against db/personal_data.tsv
// (every listed column of every row about the person is in data.json, and
// as many rows as the database holds); deleting the account leaves no row
// anywhere holding the person's email, names or phone, the person cannot
// sign in, others are unaffected. Then the freshness reminders with the
// injected clock: 6 months and a day after a confirmation one mail, 11
// months the second, and the link reconfirms.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, lastMailTo, linkIn, mails } from '../client.mjs';
import { kafaat, personalData, startServer } from '../kafaat.mjs';

const pgUrl = process.env.TEST_PG_URL;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-rights-'));
const clockFile = path.join(tmp, 'clock');
const filesDir = path.join(tmp, 'files');
const T0 = 1_800_000_000; // 2027-01-15T08:00:00Z
const setClock = (t) => writeFileSync(clockFile, String(t));
setClock(T0);
const env = {
	KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'),
	KAFAAT_PATHS_FILES: filesDir,
	KAFAAT_TESTING_CLOCK_FILE: clockFile,
};
const PASSWORD = 'une phrase assez longue 2027';
const iso = (t) => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

let srv;
before(async () => { srv = await startServer({ env, demo: false }); });
after(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

// ---- Helpers ---------------------------------------------------------------

// Runs SQL with the engine's own client; returns the output lines.
function sql(text) {
	const [cmd, args] = pgUrl ? ['psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', srv.db, '-c', text]]
		: ['sqlite3', ['-bail', srv.db, text]];
	const r = spawnSync(cmd, args, { encoding: 'utf8' });
	assert.equal(r.status, 0, `${text}: ${r.stderr}`);
	return r.stdout.split('\n').filter((l) => l !== '');
}
const lit = (v) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${String(v).replaceAll("'", "''")}'`);
const userId = (email) => Number(sql(`SELECT id FROM users WHERE email = ${lit(email)}`)[0]);

async function signIn(c, email, password = PASSWORD, lang = 'fr') {
	await c.get(`/${lang}/signin`);
	return c.post(`/${lang}/signin`, { email, password });
}

// Signs up and verifies `email`; returns a signed-in client.
async function newExpert(email, lang = 'fr') {
	const c = new Client(srv.url);
	await c.get(`/${lang}/signup`);
	const r = await c.post(`/${lang}/signup`, { email, password: PASSWORD, password2: PASSWORD, lang, adult: 'yes', notice: 'yes' });
	assert.equal(r.status, 200, r.text.slice(0, 300));
	assert.equal((await c.get(linkIn(lastMailTo(srv.db, email, env), '/verify\\?token='))).status, 200);
	assert.equal((await signIn(c, email, PASSWORD, lang)).status, 303);
	return c;
}

// A profile with lists and consents, written as the profile pages would.
function giveProfile(uid, { name, nameAr, bio, confirmedAt = iso(T0) }) {
	sql(`INSERT INTO profiles (user_id, name, name_ar, city, headline, bio, created_at, updated_at, confirmed_at)
		VALUES (${uid}, ${lit(name)}, ${lit(nameAr)}, 'Montréal', 'Cardiologue', ${lit(bio)}, ${lit(iso(T0))}, ${lit(iso(T0))}, ${lit(confirmedAt)})`);
	sql(`INSERT INTO profile_skills (id, user_id, skill_id, free_name, level, years) VALUES (${uid + 1}, ${uid}, NULL, 'Tajine', 5, 3)`);
	sql(`INSERT INTO profile_periods (id, user_id, kind, from_date, to_date, city) VALUES (${uid + 2}, ${uid}, 'stay', '2027-07-01', '2027-08-15', 'Casablanca')`);
	sql(`INSERT INTO consents (user_id, audience, granted, notice_version, at) VALUES (${uid}, 'programme', 1, 2, ${lit(iso(T0))})`);
	sql(`INSERT INTO consent_events (id, user_id, audience, granted, notice_version, source, at) VALUES (${uid + 3}, ${uid}, 'programme', 1, 2, 'web', ${lit(iso(T0))})`);
}

// GET as c, keeping the body's bytes.
async function download(c, p) {
	const res = await fetch(srv.url + p, { headers: { Cookie: c.cookieHeader() }, redirect: 'manual' });
	return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function uploadCv(c, bytes, filename = 'cv.pdf') {
	await c.get('/fr/profile/cv/upload');
	const fd = new FormData();
	fd.append('csrf', c.csrf);
	fd.append('cv', new Blob([bytes], { type: 'application/pdf' }), filename);
	const res = await fetch(`${srv.url}/fr/profile/cv/upload`, { method: 'POST', body: fd, headers: { Cookie: c.cookieHeader() }, redirect: 'manual' });
	return res.status;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});
function crc32(buf) {
	let c = 0xFFFFFFFF;
	for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xFF] ^ (c >>> 8);
	return (c ^ 0xFFFFFFFF) >>> 0;
}

// The entries of a ZIP of stored files: {name: Buffer}; checks each CRC.
function unzip(buf) {
	const out = {};
	let p = 0;
	while (buf.readUInt32LE(p) === 0x04034b50) {
		assert.equal(buf.readUInt16LE(p + 8), 0, 'stored, not compressed');
		const crc = buf.readUInt32LE(p + 14), size = buf.readUInt32LE(p + 18);
		const n = buf.readUInt16LE(p + 26), extra = buf.readUInt16LE(p + 28);
		const name = buf.subarray(p + 30, p + 30 + n).toString('utf8');
		const data = buf.subarray(p + 30 + n + extra, p + 30 + n + extra + size);
		assert.equal(crc32(data), crc, `CRC of ${name}`);
		out[name] = data;
		p += 30 + n + extra + size;
	}
	assert.equal(buf.readUInt32LE(p), 0x02014b50, 'the central directory follows');
	const end = buf.length - 22;
	assert.equal(buf.readUInt32LE(end), 0x06054b50, 'end of central directory');
	assert.equal(buf.readUInt16LE(end + 10), Object.keys(out).length);
	return out;
}

// How many rows of `table` are about the person (their id, their current
// and former addresses), found as the catalogue says.
function rowsAbout(cat, table, uid, emails) {
	const conds = cat.filter((c) => c.table === table && c.finds !== '-').flatMap((c) => {
		if (c.finds === 'user') return [`CAST("${c.column}" AS TEXT) = '${uid}'`];
		if (c.finds === 'email') return emails.map((e) => `"${c.column}" = ${lit(e)}`);
		return emails.map((e) => createHash('sha256').update(e).digest('hex'))
			.map((h) => `("${c.column}" = 'acct:${h}' OR "${c.column}" LIKE 'pair:${h}:%')`);
	});
	return Number(sql(`SELECT COUNT(*) FROM "${table}" WHERE ${conds.join(' OR ')}`)[0]);
}

// Every "table.column" of the database whose text holds needle.
function holding(needle) {
	const cols = pgUrl
		? sql(`SELECT table_name || '|' || column_name FROM information_schema.columns WHERE table_schema = 'public'`)
		: sql(`SELECT m.name || '|' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`);
	const find = pgUrl ? 'strpos' : 'instr';
	const parts = cols.map((tc) => {
		const [t, c] = tc.split('|');
		return `SELECT '${t}.${c}' FROM "${t}" WHERE ${find}(CAST("${c}" AS TEXT), ${lit(needle)}) > 0`;
	});
	const hits = [];
	for (let i = 0; i < parts.length; i += 100) hits.push(...sql(parts.slice(i, i + 100).join(' UNION ALL ')));
	return [...new Set(hits)];
}

const filesOnDisk = () => (existsSync(filesDir) ? readdirSync(filesDir) : []);
const audited = (action, uid) => Number(sql(`SELECT COUNT(*) FROM audit_log WHERE action = ${lit(action)} AND target_id = '${uid}'`)[0]);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

// ---- Export and erasure ----------------------------------------------------

describe('download all my data, then delete the account', () => {
	const EMAIL = 'amal.benali@example.org', NEW_EMAIL = 'amal.b@example.net';
	const NAME = 'Amal Benali-Test', NAME_AR = 'أمل بنعلي', PHONE = '+33 6 12 34 56 78';
	let amal, other, uid, otherId;

	before(async () => {
		amal = await newExpert(EMAIL);
		other = await newExpert('other.expert@example.org');
		uid = userId(EMAIL);
		otherId = userId('other.expert@example.org');
		giveProfile(uid, { name: NAME, nameAr: NAME_AR, bio: `Joignable au ${PHONE}` });
		giveProfile(otherId, { name: 'Other Person', nameAr: 'شخص آخر', bio: 'bio' });
		// An API token, a CV, and a change of address (the old address is told the new one).
		await amal.get('/fr/account');
		assert.equal((await amal.post('/fr/account/tokens', { name: 'mon script', scope: 'read_profile' })).status, 201);
		assert.equal(await uploadCv(amal, PDF, 'CV Amal Benali.pdf'), 303);
		await amal.get('/fr/account');
		await amal.post('/fr/account/email', { current: PASSWORD, email: NEW_EMAIL });
		const confirm = linkIn(lastMailTo(srv.db, NEW_EMAIL, env), '/account/email/confirm\\?token=');
		assert.equal((await amal.get(confirm)).status, 200);
		assert.equal(sql(`SELECT email FROM users WHERE id = ${uid}`)[0], NEW_EMAIL);
		await amal.get('/fr/signin'); // a fresh page: the session's CSRF token
	});

	test('the page links the export and the deletion', async () => {
		const r = await amal.get('/fr/profile/rights');
		assert.equal(r.status, 200);
		assert.match(r.text, /href="\/fr\/profile\/export"/);
		assert.match(r.text, /href="\/fr\/profile\/delete"/);
		const anon = await new Client(srv.url).get('/fr/profile/export');
		assert.equal(anon.status, 303);
	});

	test('the archive holds every row about the person, every listed column, and the CV', async () => {
		const cat = personalData();
		const tables = [...new Set(cat.map((c) => c.table))];
		const expected = Object.fromEntries(tables.map((t) => [t, rowsAbout(cat, t, uid, [NEW_EMAIL, EMAIL])]));
		const r = await download(amal, '/fr/profile/export');
		assert.equal(r.status, 200);
		assert.equal(r.headers.get('content-type'), 'application/zip');
		assert.match(r.headers.get('content-disposition'), /^attachment; filename="kafaat-data-2027-01-15\.zip"$/);
		assert.match(r.headers.get('cache-control'), /no-store/);
		const zip = unzip(r.bytes);
		const data = JSON.parse(zip['data.json'].toString('utf8'));
		assert.equal(data.user_id, uid);
		assert.equal(data.email, NEW_EMAIL);
		assert.deepEqual(Object.keys(data.tables).sort(), [...tables].sort(), 'one entry per catalogued table');
		for (const t of tables) {
			const rows = data.tables[t];
			assert.equal(rows.length, expected[t], `rows of ${t}`);
			for (const row of rows)
				for (const c of cat.filter((x) => x.table === t)) assert.ok(c.column in row, `${t}.${c.column} in data.json`);
		}
		for (const t of ['users', 'profiles', 'sessions', 'api_tokens', 'files', 'consents', 'consent_events', 'audit_log', 'outbox', 'profile_skills', 'profile_periods', 'user_roles'])
			assert.ok(data.tables[t].length > 0, `${t} has rows about the person`);
		// Mails to the former address too (the verification, the notice of the change).
		assert.ok(data.tables.outbox.some((m) => m.to_addr === EMAIL));
		assert.ok(data.tables.outbox.some((m) => m.to_addr === NEW_EMAIL));
		// Secrets are withheld, not leaked.
		assert.equal(data.tables.users[0].password_hash, 'withheld');
		assert.ok(data.tables.sessions.every((s) => s.token_hash === 'withheld' && s.csrf_token === 'withheld'));
		// The profile in the import format, the consents with their history.
		assert.equal(data.profile.name, NAME);
		assert.equal(data.profile.name_ar, NAME_AR);
		assert.equal(data.profile.email, NEW_EMAIL);
		assert.equal(data.profile.stays[0].city, 'Casablanca');
		assert.equal(data.consents.current[0].audience, 'programme');
		assert.equal(data.consents.history.length, 1);
		// The CV, byte for byte.
		assert.equal(data.files.length, 1);
		assert.equal(data.files[0].state, 'included');
		assert.deepEqual(zip[data.files[0].path], PDF);
		assert.equal(audited('data_exported', uid), 1);
		// And as Info-ZIP reads it, where it is installed.
		const f = path.join(tmp, 'export.zip');
		writeFileSync(f, r.bytes);
		const check = spawnSync('unzip', ['-tq', f], { encoding: 'utf8' });
		if (!check.error) assert.equal(check.status, 0, check.stdout + check.stderr);
	});

	test('deletion asks for the password and changes nothing when it is wrong', async () => {
		const page = await amal.get('/fr/profile/delete');
		assert.equal(page.status, 200);
		assert.match(page.text, /name="password"/);
		const r = await amal.post('/fr/profile/delete', { password: 'pas le bon mot de passe' });
		assert.equal(r.status, 422);
		assert.match(r.text, /incorrect/);
		assert.equal(userId(NEW_EMAIL), uid);
		const nocsrf = await amal.request('POST', '/fr/profile/delete', { form: { password: PASSWORD } });
		assert.equal(nocsrf.status, 403);
		assert.equal(userId(NEW_EMAIL), uid);
	});

	test('erasure leaves no row with the email, names or phone, and no file', async () => {
		const stored = sql(`SELECT stored_as FROM files WHERE user_id = ${uid}`)[0];
		assert.ok(filesOnDisk().includes(stored));
		for (const needle of [EMAIL, NEW_EMAIL, NAME, NAME_AR, PHONE]) assert.notDeepEqual(holding(needle), [], `${needle} is there before`);
		await amal.get('/fr/profile/delete');
		const r = await amal.post('/fr/profile/delete', { password: PASSWORD });
		assert.equal(r.status, 200);
		assert.match(r.text, /supprimé/);
		for (const needle of [EMAIL, NEW_EMAIL, NAME, NAME_AR, PHONE]) assert.deepEqual(holding(needle), [], `rows still holding ${needle}`);
		assert.ok(!filesOnDisk().includes(stored), 'the stored CV is gone');
		assert.equal(Number(sql(`SELECT COUNT(*) FROM users WHERE id = ${uid}`)[0]), 0);
		// The audit log keeps its chain, with a row that names nobody.
		assert.equal(audited('account_erased', uid), 1);
		const v = kafaat(['audit', 'verify', '--db', srv.db], env);
		assert.equal(v.status, 0, v.stdout + v.stderr);
	});

	test('the deleted person cannot sign in; their old session is dead', async () => {
		const res = await amal.get('/fr/profile/rights');
		assert.equal(res.status, 303);
		const c = new Client(srv.url);
		const r = await signIn(c, NEW_EMAIL);
		assert.equal(r.status, 422);
	});

	test('others are unaffected', async () => {
		const r = await other.get('/fr/profile/rights');
		assert.equal(r.status, 200);
		assert.equal(Number(sql(`SELECT COUNT(*) FROM profiles WHERE user_id = ${otherId}`)[0]), 1);
		assert.equal(Number(sql(`SELECT COUNT(*) FROM profile_skills WHERE user_id = ${otherId}`)[0]), 1);
		assert.equal(Number(sql(`SELECT COUNT(*) FROM consent_events WHERE user_id = ${otherId}`)[0]), 1);
		const c = new Client(srv.url);
		assert.equal((await signIn(c, 'other.expert@example.org')).status, 303);
	});
});

// ---- Freshness reminders ---------------------------------------------------

describe('freshness reminders with the injected clock', () => {
	const EMAIL = 'fresh.expert@example.org';
	let uid;
	const plusMonths = (t, m) => {
		const d = new Date(t * 1000);
		d.setUTCMonth(d.getUTCMonth() + m);
		return Math.floor(d.getTime() / 1000);
	};
	const reminders = () => mails(srv.db, env).filter((m) => m.to === EMAIL && /toujours à jour|mis en veille/.test(m.subject));
	async function until(pred, what) {
		for (let i = 0; i < 100; i++) {
			if (pred()) return;
			await new Promise((r) => setTimeout(r, 100));
		}
		assert.fail(`timed out waiting for ${what}`);
	}
	const pause = (ms) => new Promise((r) => setTimeout(r, ms));

	before(async () => {
		setClock(T0);
		await newExpert(EMAIL);
		uid = userId(EMAIL);
		giveProfile(uid, { name: 'Fresh Expert', nameAr: 'خبير', bio: '' });
	});
	after(() => setClock(T0));

	test('6 months and a day later: one reminder; 11 months: the second; the link reconfirms', async () => {
		await pause(1500);
		assert.equal(reminders().length, 0, 'nothing before 6 months');
		setClock(plusMonths(T0, 6) + 86400);
		await until(() => reminders().length === 1, 'the 6-month reminder');
		assert.match(reminders()[0].subject, /toujours à jour/);
		setClock(plusMonths(T0, 6) + 5 * 86400); // later runs do not send it again
		await pause(2500);
		assert.equal(reminders().length, 1);
		setClock(plusMonths(T0, 11) + 86400);
		await until(() => reminders().length === 2, 'the 11-month reminder');
		assert.match(reminders()[0].subject, /mis en veille/);
		const text = lastMailTo(srv.db, EMAIL, env);
		assert.match(text, /2027-01-15/);
		const link = linkIn(text, '/profile/reconfirm\\?token=');
		assert.ok(link, 'the mail has a reconfirmation link');
		const now = plusMonths(T0, 11) + 86400;
		const r = await new Client(srv.url).get(link);
		assert.equal(r.status, 200);
		assert.match(r.text, /Profil confirmé/);
		assert.equal(sql(`SELECT confirmed_at FROM profiles WHERE user_id = ${uid}`)[0], iso(now));
		assert.equal(Number(sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'profile_reconfirmed' AND actor_id = ${uid}`)[0]), 1);
		assert.equal((await new Client(srv.url).get(link)).status, 410, 'a link works once');
		setClock(now + 7 * 86400); // freshly confirmed: nothing more
		await pause(2500);
		assert.equal(reminders().length, 2);
		assert.equal(Number(sql(`SELECT COUNT(*) FROM freshness_reminders WHERE user_id = ${uid}`)[0]), 2);
	});

	test('a made-up or missing token is refused', async () => {
		const c = new Client(srv.url);
		assert.equal((await c.get('/fr/profile/reconfirm?token=' + 'A'.repeat(43))).status, 410);
		assert.equal((await c.get('/ar/profile/reconfirm')).status, 410);
	});
});
