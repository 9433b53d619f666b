// CVs over HTTP, as a browser without JavaScript sends them (a multipart
// form, here through fetch and FormData): PDF only, at most 5 MB, refused
// with a clear message and nothing stored otherwise; stored outside the web
// root under a random name whatever the uploaded name says; downloaded as an
// attachment; seen by others only as visibility allows, and every such view
// written to the audit log.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, enrolTotp, linkIn, signIn as signInWith, signUp } from '../client.mjs';
import { kafaat, serveOn, startServer } from '../kafaat.mjs';

const pgUrl = process.env.TEST_PG_URL;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-cv-'));
const filesDir = path.join(tmp, 'store', 'files');
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_PATHS_FILES: filesDir };
const PASSWORD = 'une phrase assez longue 2027';
const MB = 1024 * 1024;

let srv, amal, bob, admin, amalId;
const AMAL = 'amal.cv@example.org', BOB = 'bob.cv@example.org', ADMIN = 'admin.cv@example.org';

// ---- Helpers ---------------------------------------------------------------

function sql(text) {
	const [cmd, args] = pgUrl ? ['psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', srv.db, '-c', text]]
		: ['sqlite3', ['-bail', srv.db, text]];
	const r = spawnSync(cmd, args, { encoding: 'utf8' });
	assert.equal(r.status, 0, `${text}: ${r.stderr}`);
	return r.stdout.split('\n').filter((l) => l !== '');
}
const count = (text) => Number(sql(text)[0]);

const signIn = (c, email) => signInWith(c, email, PASSWORD);

const newExpert = (email) => signUp(srv, env, email, PASSWORD);

async function newAdmin(email) {
	const r = kafaat(['admin', 'create', email, '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	const link = linkIn(r.stdout, '/invitation\\?token=');
	const c = new Client(srv.url);
	await c.get(link);
	const token = new URL(srv.url + link).searchParams.get('token');
	assert.equal((await c.post('/fr/invitation', { token, password: PASSWORD, password2: PASSWORD })).status, 200);
	await signIn(c, email);
	await enrolTotp(c, 'fr');
	return c;
}

// Uploads bytes as the file field "cv" of the upload form, with the page's
// CSRF token; returns {status, text}.
async function upload(c, bytes, filename = 'cv.pdf', { lang = 'fr', csrf = true, extra = {} } = {}) {
	await c.get(`/${lang}/profile/cv/upload`);
	const fd = new FormData();
	if (csrf) fd.append('csrf', c.csrf);
	for (const [k, v] of Object.entries(extra)) fd.append(k, v);
	fd.append('cv', new Blob([bytes], { type: 'application/pdf' }), filename);
	const res = await fetch(`${srv.url}/${lang}/profile/cv/upload`, {
		method: 'POST', body: fd, headers: { Cookie: c.cookieHeader() }, redirect: 'manual',
	});
	return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}

async function download(c, p) {
	const res = await fetch(srv.url + p, { headers: { Cookie: c.cookieHeader() }, redirect: 'manual' });
	return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

// A PDF of n bytes: the magic, filler, the trailer.
function pdf(n = 2000) {
	const head = Buffer.from('%PDF-1.4\n'), tail = Buffer.from('\n%%EOF\n');
	return Buffer.concat([head, Buffer.alloc(Math.max(0, n - head.length - tail.length), 0x20), tail]);
}

// Every file under dir, relative.
function tree(dir) {
	if (!existsSync(dir)) return [];
	return readdirSync(dir, { recursive: true }).filter((f) => statSync(path.join(dir, f)).isFile());
}
const cvRows = () => count(`SELECT COUNT(*) FROM files WHERE user_id = ${amalId}`);
const views = (actor) => count(`SELECT COUNT(*) FROM audit_log WHERE action = 'cv_viewed' AND target_id = '${amalId}'${actor ? ` AND actor_id = ${actor}` : ''}`);

before(async () => {
	srv = await startServer({ env, demo: false });
	amal = await newExpert(AMAL);
	bob = await newExpert(BOB);
	admin = await newAdmin(ADMIN);
	amalId = count(`SELECT id FROM users WHERE email = '${AMAL}'`);
	// Amal's profile, shown to the programme team (her consent).
	sql(`INSERT INTO profiles (user_id, name, created_at, updated_at, confirmed_at) VALUES (${amalId}, 'Amal', 't', 't', '2027-01-01T00:00:00Z')`);
	sql(`INSERT INTO consents (user_id, audience, granted, notice_version, at) VALUES (${amalId}, 'programme', 1, 2, 't')`);
});
after(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

// ---- Tests -------------------------------------------------------------------

describe('upload', () => {
	test('the page has a multipart form that needs no JavaScript', async () => {
		const r = await amal.get('/fr/profile/cv/upload');
		assert.equal(r.status, 200);
		assert.match(r.text, /<form method="post" action="\/fr\/profile\/cv\/upload" enctype="multipart\/form-data"/);
		assert.match(r.text, /type="file" id="f-cv" name="cv"/);
		assert.doesNotMatch(r.text, /<script/);
	});

	test('a PDF is stored under a random name outside the web root', async () => {
		const r = await upload(amal, pdf(3000), 'Mon CV.pdf');
		assert.equal(r.status, 303);
		assert.equal(r.location, '/fr/profile/cv/upload?done=uploaded');
		const files = tree(filesDir);
		assert.equal(files.length, 1);
		assert.match(files[0], /^[A-Za-z0-9_-]{43}$/);
		assert.equal(statSync(path.join(filesDir, files[0])).mode & 0o777, 0o600);
		assert.equal(sql(`SELECT stored_as || '|' || name || '|' || size FROM files WHERE user_id = ${amalId}`)[0], `${files[0]}|Mon CV.pdf|3000`);
		const page = await amal.get('/fr/profile/cv/upload?done=uploaded');
		assert.match(page.text, /Votre CV a été enregistré/);
		assert.match(page.text, /Mon CV\.pdf/);
		assert.equal(count(`SELECT COUNT(*) FROM audit_log WHERE action = 'cv_uploaded' AND actor_id = ${amalId}`), 1);
	});

	test('the owner downloads it as an attachment, never inline', async () => {
		const r = await download(amal, '/fr/profile/cv');
		assert.equal(r.status, 200);
		assert.equal(r.headers.get('content-type'), 'application/pdf');
		assert.match(r.headers.get('content-disposition'), /^attachment; filename="cv\.pdf"; filename\*=UTF-8''Mon%20CV\.pdf$/);
		assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
		assert.match(r.headers.get('cache-control'), /no-store/);
		assert.deepEqual(r.bytes, pdf(3000));
	});

	test('a 6 MB file is refused with a clear message, nothing stored', async () => {
		const before = tree(filesDir);
		const r = await upload(amal, pdf(6 * MB), 'gros.pdf');
		assert.equal(r.status, 422);
		assert.match(r.text, /dépasse 5 Mo/);
		assert.match(r.text, /Rien n’a été enregistré/);
		assert.deepEqual(tree(filesDir), before);
		assert.equal(cvRows(), 1);
		const ar = await upload(amal, pdf(6 * MB), 'big.pdf', { lang: 'ar' });
		assert.equal(ar.status, 422);
		assert.match(ar.text, /يتجاوز هذا الملف 5 ميغابايت/);
		assert.match(ar.text, /dir="rtl"/);
	});

	test('a body far over the limit gets the 413 page', async () => {
		const r = await upload(amal, pdf(9 * MB), 'huge.pdf');
		assert.equal(r.status, 413);
		assert.match(r.text, /trop volumineuse/);
		assert.equal(cvRows(), 1);
	});

	test('a file that is not a PDF is refused by its content, not its name', async () => {
		const before = tree(filesDir);
		const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
		const r = await upload(amal, png, 'photo.pdf');
		assert.equal(r.status, 422);
		assert.match(r.text, /n’est pas un document PDF/);
		const truncated = await upload(amal, Buffer.from('%PDF-1.4\nno end'), 'cut.pdf');
		assert.equal(truncated.status, 422);
		const en = await upload(amal, Buffer.from('#!/bin/sh\nrm -rf /\n'), 'run.sh', { lang: 'en' });
		assert.equal(en.status, 422);
		assert.match(en.text, /not a PDF document/);
		assert.deepEqual(tree(filesDir), before);
		assert.equal(cvRows(), 1);
	});

	test('no file chosen: a message, nothing stored', async () => {
		const r = await upload(amal, Buffer.alloc(0), '');
		assert.equal(r.status, 422);
		assert.match(r.text, /Choisissez un fichier PDF/);
	});

	test('path traversal in the file name is harmless', async () => {
		const names = ['../../../../tmp/evil.pdf', '..\\..\\evil.pdf', '/etc/passwd', '.htaccess'];
		for (const name of names) {
			const r = await upload(amal, pdf(1000), name);
			assert.equal(r.status, 303, name);
			const files = tree(path.dirname(filesDir));
			assert.equal(files.length, 1, `one file, in the files folder (${name})`);
			assert.match(files[0], /^files\/[A-Za-z0-9_-]{43}$/);
		}
		assert.ok(!existsSync('/tmp/evil.pdf'));
		const stored = sql(`SELECT name FROM files WHERE user_id = ${amalId}`)[0];
		assert.equal(stored, 'htaccess', 'no hidden file name is kept');
		const r = await download(amal, '/fr/profile/cv');
		assert.doesNotMatch(r.headers.get('content-disposition'), /\.\.|\//);
		await upload(amal, pdf(1000), '../x/CV final.pdf');
		assert.equal(sql(`SELECT name FROM files WHERE user_id = ${amalId}`)[0], 'CV final.pdf');
	});

	test('a form without the CSRF token or with an unknown field is refused', async () => {
		const before = tree(filesDir);
		assert.equal((await upload(amal, pdf(), 'a.pdf', { csrf: false })).status, 403);
		assert.equal((await upload(amal, pdf(), 'a.pdf', { extra: { other: 'x' } })).status, 400);
		assert.deepEqual(tree(filesDir), before);
	});

	test('only experts upload', async () => {
		const r = await admin.get('/fr/profile/cv/upload');
		assert.equal(r.status, 403);
	});
});

describe('views by others', () => {
	test('someone visibility does not allow gets 404, and nothing is logged', async () => {
		assert.equal((await download(bob, `/fr/experts/${amalId}/cv`)).status, 404);
		assert.equal((await download(new Client(srv.url), `/fr/experts/${amalId}/cv`)).status, 303);
		assert.equal(views(), 0);
	});

	test('the programme team may see it: an attachment, and the view is audited', async () => {
		const adminId = count(`SELECT id FROM users WHERE email = '${ADMIN}'`);
		const r = await download(admin, `/fr/experts/${amalId}/cv`);
		assert.equal(r.status, 200);
		assert.equal(r.headers.get('content-type'), 'application/pdf');
		assert.match(r.headers.get('content-disposition'), /^attachment;/);
		assert.equal(views(adminId), 1);
		await download(admin, `/fr/experts/${amalId}/cv`);
		assert.equal(views(adminId), 2, 'every view');
	});

	test('withdrawn consent: hidden at once', async () => {
		sql(`UPDATE consents SET granted = 0 WHERE user_id = ${amalId}`);
		assert.equal((await download(admin, `/fr/experts/${amalId}/cv`)).status, 404);
		sql(`UPDATE consents SET granted = 1 WHERE user_id = ${amalId}`);
	});

	test('the owner through the public address is not logged as a view', async () => {
		const before = views();
		assert.equal((await download(amal, `/fr/experts/${amalId}/cv`)).status, 200);
		assert.equal(views(), before);
	});
});

// What a server killed between writing a file and committing its row (or
// between committing a removal or an erasure and unlinking) leaves behind,
// removed once older than paths.files_orphan_minutes (60 by default): a
// younger file may be an upload in flight on another node sharing the folder.
describe('orphan files', () => {
	const HOUR = 3600;
	const name = (c) => c.repeat(43);
	const put = (f, secondsAgo) => {
		const p = path.join(filesDir, f);
		writeFileSync(p, '%PDF-1.4\n%%EOF\n');
		const t = Date.now() / 1000 - secondsAgo;
		utimesSync(p, t, t);
	};

	test('a server starting removes the stored files no row refers to, once an hour old, and only those', async () => {
		assert.equal((await upload(amal, pdf())).status, 303);
		const kept = tree(filesDir);
		assert.equal(kept.length, 1);
		put(name('A'), HOUR + 60); // an orphan: no row names it
		put(`.tmp-${name('B')}`, HOUR + 60); // a temporary file never renamed
		put('LISEZMOI.txt', HOUR + 60); // not a name Kafaat gives: left alone
		put(name('C'), HOUR - 60); // young: perhaps another node's upload, not yet committed
		const second = await serveOn(srv.db, { env });
		const r = await second.stop();
		assert.equal(r.code, 0, second.stderr());
		assert.deepEqual(tree(filesDir).sort(), [...kept, 'LISEZMOI.txt', name('C')].sort());
		assert.match(second.stderr(), /files: removed 2 file\(s\) of .* that no row refers to/);
		assert.equal((await download(amal, '/fr/profile/cv')).status, 200, 'the CV is still there');
		for (const f of ['LISEZMOI.txt', name('C')]) rmSync(path.join(filesDir, f));
	});

	test('a server started on what looks like the wrong database removes nothing, and says why', async () => {
		const before = tree(filesDir);
		const strays = Array.from({ length: 65 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(41)}`);
		const old = Date.now() / 1000 - 2 * HOUR;
		for (const f of strays) {
			writeFileSync(path.join(filesDir, f), '%PDF-1.4\n%%EOF\n');
			utimesSync(path.join(filesDir, f), old, old);
		}
		const second = await serveOn(srv.db, { env });
		assert.equal((await second.stop()).code, 0, second.stderr());
		assert.match(second.stderr(), /65 files of .* have no row in this database and only 1 have one: is it the right database\? Nothing removed/);
		assert.deepEqual(tree(filesDir).sort(), [...before, ...strays].sort());
		for (const f of strays) rmSync(path.join(filesDir, f));
	});

	test('a running server sweeps again every hour', async () => {
		const clockFile = path.join(tmp, 'sweep-clock');
		let now = Math.floor(Date.now() / 1000);
		writeFileSync(clockFile, String(now));
		const before = tree(filesDir);
		const third = await serveOn(srv.db, { env: { ...env, KAFAAT_TESTING_CLOCK_FILE: clockFile, KAFAAT_PATHS_FILES_ORPHAN_MINUTES: '30' } });
		try {
			put(name('D'), 31 * 60); // left after the start-up sweep ran: an orphan older than 30 min
			put(name('E'), 29 * 60); // younger than 30 min: kept
			await new Promise((r) => setTimeout(r, 1500));
			assert.ok(tree(filesDir).includes(name('D')), 'no second sweep before the hour');
			writeFileSync(clockFile, String(now += HOUR + 1));
			const deadline = Date.now() + 15000;
			while (tree(filesDir).includes(name('D')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
			assert.deepEqual(tree(filesDir).sort(), [...before, name('E')].sort(), third.stderr());
			assert.match(third.stderr(), /files: removed 1 file\(s\) of .* that no row refers to/);
		} finally {
			assert.equal((await third.stop()).code, 0, third.stderr());
			rmSync(path.join(filesDir, name('E')));
		}
	});
});

describe('removal', () => {
	test('removing the CV deletes its file', async () => {
		await amal.get('/fr/profile/cv/upload');
		const r = await amal.post('/fr/profile/cv/delete', {});
		assert.equal(r.status, 303);
		assert.equal(cvRows(), 0);
		assert.deepEqual(tree(filesDir), []);
		assert.equal((await download(amal, '/fr/profile/cv')).status, 404);
		assert.equal((await download(admin, `/fr/experts/${amalId}/cv`)).status, 404);
		const page = await amal.get('/fr/profile/cv/upload?done=removed');
		assert.match(page.text, /Vous n’avez pas déposé de CV/);
	});
});
