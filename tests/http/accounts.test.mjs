// Accounts over HTTP against a real server: sign-up and its bad inputs,
// verification links, sign-in throttling with an injected clock, password
// reset, CSRF, sessions, API tokens, invitations, and the audit log.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, lastMailTo, linkIn, mails } from '../client.mjs';
import { kafaat, rawRequest, startServer, statusOf } from '../kafaat.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-accounts-'));
const clockFile = path.join(tmp, 'clock');
let now = 1_800_000_000; // 2027-01-15
const setClock = (t) => { now = t; writeFileSync(clockFile, String(t)); };
setClock(now);
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PASSWORD = 'une phrase assez longue 2027';

let srv;
before(async () => { srv = await startServer({ env }); });
after(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

// Signs up and verifies `email`; returns a signed-in client.
async function newExpert(email, lang = 'fr') {
	const c = new Client(srv.url);
	await c.get(`/${lang}/signup`);
	const r = await c.post(`/${lang}/signup`, {
		email, password: PASSWORD, password2: PASSWORD, lang, adult: 'yes', notice: 'yes',
	});
	assert.equal(r.status, 200, r.text.slice(0, 500));
	const verify = linkIn(lastMailTo(srv.db, email), '/verify\\?token=');
	assert.ok(verify, 'a verification link was mailed');
	assert.equal((await c.get(verify)).status, 200);
	await signIn(c, email, PASSWORD, lang);
	return c;
}

async function signIn(c, email, password, lang = 'fr') {
	await c.get(`/${lang}/signin`);
	return c.post(`/${lang}/signin`, { email, password });
}

const userCount = () => mails(srv.db).length;

describe('sign-up', () => {
	test('refuses bad input with a clear error and creates nothing', async () => {
		const c = new Client(srv.url);
		await c.get('/fr/signup');
		const before = userCount();
		const good = { email: 'a@example.org', password: PASSWORD, password2: PASSWORD, lang: 'fr', adult: 'yes', notice: 'yes' };
		const cases = [
			[{ password: 'court', password2: 'court' }, 'f-password', /trop court/],
			[{ password: 'winniethepooh', password2: 'winniethepooh' }, 'f-password', /trop courant|facile à deviner/],
			[{ password2: PASSWORD + 'x' }, 'f-password', /pas identiques/],
			[{ email: 'pas-une-adresse' }, 'f-email', /adresse électronique valide/],
			[{ adult: '' }, 'f-adult', /18 ans/],
			[{ notice: '' }, 'f-notice', /notice/],
			[{ lang: 'de' }, 'f-lang', /arabe, le français ou l’anglais|arabe/],
		];
		for (const [change, field, message] of cases) {
			const r = await c.post('/fr/signup', { ...good, ...change });
			assert.equal(r.status, 422, JSON.stringify(change));
			assert.ok(r.text.includes(`href="#${field}"`), `error links to ${field}`);
			assert.match(r.text, message, JSON.stringify(change));
		}
		assert.equal(userCount(), before, 'no mail, no account');
	});

	test('SQL and script payloads are stored as text and shown escaped', async () => {
		const c = new Client(srv.url);
		await c.get('/en/signup');
		const payload = `x'); DROP TABLE users; --<script>alert(1)</script>@example.org`;
		const r = await c.post('/en/signup', { email: payload, password: PASSWORD, password2: PASSWORD, lang: 'en', adult: 'yes', notice: 'yes' });
		assert.equal(r.status, 422);
		assert.ok(!r.text.includes('<script>alert(1)</script>'));
		assert.ok(r.text.includes('&lt;script&gt;'));
		assert.equal((await c.get('/healthz')).status, 200);
	});

	test('a form field the page does not have is refused', async () => {
		const c = new Client(srv.url);
		await c.get('/fr/signup');
		const r = await c.post('/fr/signup', { email: 'b@example.org', role: 'admin' });
		assert.equal(r.status, 400);
	});

	test('a 10 MB form is refused with 413', async () => {
		const body = 'email=' + 'a'.repeat(10 * 1024 * 1024);
		const raw = await rawRequest(srv.port, `POST /fr/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
		assert.equal(statusOf(raw), 413);
	});

	test('missing or wrong CSRF token: 403, nothing changed', async () => {
		const c = new Client(srv.url);
		await c.get('/fr/signup');
		const before = userCount();
		const form = { email: 'csrf@example.org', password: PASSWORD, password2: PASSWORD, lang: 'fr', adult: 'yes', notice: 'yes' };
		assert.equal((await c.request('POST', '/fr/signup', { form })).status, 403);
		assert.equal((await c.request('POST', '/fr/signup', { form: { ...form, csrf: 'A'.repeat(43) } })).status, 403);
		const other = await c.post('/fr/signup', form, { headers: { Origin: 'https://evil.example' } });
		assert.equal(other.status, 403);
		assert.equal(userCount(), before);
	});

	test('an address already registered is not revealed; its owner is told', async () => {
		await newExpert('taken@example.org');
		const c = new Client(srv.url);
		await c.get('/fr/signup');
		const r = await c.post('/fr/signup', { email: 'Taken@Example.org', password: PASSWORD, password2: PASSWORD, lang: 'fr', adult: 'yes', notice: 'yes' });
		assert.equal(r.status, 200);
		assert.match(lastMailTo(srv.db, 'taken@example.org'), /déjà associée à un compte/);
	});
});

describe('verification links', () => {
	test('work once; a replayed or expired link is refused', async () => {
		const c = new Client(srv.url);
		await c.get('/en/signup');
		await c.post('/en/signup', { email: 'once@example.org', password: PASSWORD, password2: PASSWORD, lang: 'en', adult: 'yes', notice: 'yes' });
		const link = linkIn(lastMailTo(srv.db, 'once@example.org'), '/verify\\?token=');
		assert.equal((await c.get(link)).status, 200);
		assert.equal((await c.get(link)).status, 400, 'replayed');
		assert.equal((await c.get('/en/verify?token=' + 'x'.repeat(43))).status, 400, 'unknown');
		// An expired one: ask for a new link, then move the clock 49 hours.
		await c.get('/en/verify/resend');
		await c.post('/en/signup', {});
	});

	test('sign-in waits for the address to be verified', async () => {
		const c = new Client(srv.url);
		await c.get('/fr/signup');
		await c.post('/fr/signup', { email: 'late@example.org', password: PASSWORD, password2: PASSWORD, lang: 'fr', adult: 'yes', notice: 'yes' });
		const r = await signIn(c, 'late@example.org', PASSWORD);
		assert.equal(r.status, 403);
		assert.match(r.text, /Vérifiez d’abord|vérifi/i);
		const link = linkIn(lastMailTo(srv.db, 'late@example.org'), '/verify\\?token=');
		setClock(now + 49 * 3600);
		assert.equal((await c.get(link)).status, 400, 'expired after 48 h');
	});
});

describe('sessions', () => {
	test('sign in, see the account, sign out', async () => {
		const c = await newExpert('amal@example.org', 'ar');
		const page = await c.get('/ar/account');
		assert.equal(page.status, 200);
		assert.ok(page.text.includes('amal@example.org'));
		const name = [...c.cookies.keys()].find((k) => k.includes('session'));
		assert.ok(name, 'a session cookie');
		const out = await c.post('/ar/signout', {});
		assert.equal(out.status, 303);
		assert.equal((await c.get('/ar/account')).status, 303, 'signed out: back to sign-in');
	});

	test('session cookie flags; the session rotates at sign-in', async () => {
		const c = new Client(srv.url);
		await c.get('/fr/signin');
		const res = await fetch(srv.url + '/fr/signin', {
			method: 'POST', redirect: 'manual',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: c.cookieHeader() },
			body: new URLSearchParams({ csrf: c.csrf, email: 'amal@example.org', password: PASSWORD }),
		});
		const cookie = res.headers.getSetCookie().find((s) => s.includes('session'));
		assert.match(cookie, /HttpOnly/);
		assert.match(cookie, /SameSite=Lax/);
		const first = /=([^;]+)/.exec(cookie)[1];
		const again = await signIn(c, 'amal@example.org', PASSWORD);
		assert.equal(again.status, 303);
		const second = [...c.cookies].find(([k]) => k.includes('session'))[1];
		assert.notEqual(first, second);
	});

	test('sign out everywhere ends every session', async () => {
		const a = new Client(srv.url), b = new Client(srv.url);
		await signIn(a, 'amal@example.org', PASSWORD);
		await signIn(b, 'amal@example.org', PASSWORD);
		await a.get('/fr/account');
		assert.equal((await a.post('/fr/account/signout-everywhere', {})).status, 303);
		assert.equal((await b.get('/fr/account')).status, 303);
		assert.equal((await a.get('/fr/account')).status, 303);
	});

	test('idle sessions end', async () => {
		const c = new Client(srv.url);
		await signIn(c, 'amal@example.org', PASSWORD);
		assert.equal((await c.get('/fr/account')).status, 200);
		setClock(now + 5 * 3600);
		assert.equal((await c.get('/fr/account')).status, 303);
	});
});

describe('throttling', () => {
	test('20 wrong passwords slow, then refuse; the owner gets in after the window', async () => {
		await newExpert('target@example.org');
		const c = new Client(srv.url);
		const statuses = [];
		for (let i = 0; i < 22; i++) {
			const r = await signIn(c, 'target@example.org', 'wrong password number ' + i);
			statuses.push(r.status);
			setClock(now + 1); // attempts one second apart
		}
		assert.equal(statuses[0], 422);
		assert.ok(statuses.includes(429), 'slowed: ' + statuses.join(','));
		const messages = await signIn(c, 'target@example.org', PASSWORD);
		assert.equal(messages.status, 429, 'even the right password waits');
		assert.match(messages.text, /minute/);
		// The same message for an unknown address: nothing is revealed.
		const unknown = new Client(srv.url);
		for (let i = 0; i < 6; i++) await signIn(unknown, 'nobody@example.org', 'wrong password ' + i);
		assert.equal((await signIn(unknown, 'nobody@example.org', 'wrong password x')).status, 429);
		setClock(now + 3601);
		assert.equal((await signIn(c, 'target@example.org', PASSWORD)).status, 303);
	});
});

describe('password reset', () => {
	test('round trip; the link works once; other sessions end', async () => {
		const other = await newExpert('reset@example.org');
		const c = new Client(srv.url);
		await c.get('/fr/password/forgot');
		const r = await c.post('/fr/password/forgot', { email: 'reset@example.org' });
		assert.equal(r.status, 200);
		const unknown = await c.post('/fr/password/forgot', { email: 'nobody@example.org' });
		assert.equal(unknown.status, 200, 'same answer for an unknown address');
		const link = linkIn(lastMailTo(srv.db, 'reset@example.org'), '/password/reset\\?token=');
		const form = await c.get(link);
		assert.equal(form.status, 200);
		const token = new URL(srv.url + link).searchParams.get('token');
		const weak = await c.post('/fr/password/reset', { token, password: 'court', password2: 'court' });
		assert.equal(weak.status, 422);
		const NEW = 'un tout nouveau mot de passe';
		assert.equal((await c.post('/fr/password/reset', { token, password: NEW, password2: NEW })).status, 200);
		assert.equal((await c.post('/fr/password/reset', { token, password: NEW, password2: NEW })).status, 400, 'reused');
		assert.equal((await other.get('/fr/account')).status, 303, 'old session ended');
		assert.equal((await signIn(c, 'reset@example.org', PASSWORD)).status, 422);
		assert.equal((await signIn(c, 'reset@example.org', NEW)).status, 303);
	});
});

describe('API tokens', () => {
	test('created once, used as bearer, revoked', async () => {
		const c = await newExpert('api@example.org', 'en');
		await c.get('/en/account');
		const r = await c.post('/en/account/tokens', { name: 'my script', scope: 'read_needs' });
		assert.equal(r.status, 201);
		const token = /class="kf-token">([A-Za-z0-9_-]{43})</.exec(r.text)[1];
		const me = await fetch(srv.url + '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
		assert.equal(me.status, 200);
		assert.equal((await me.json()).email, 'api@example.org');
		assert.equal((await fetch(srv.url + '/api/v1/me')).status, 401);
		const id = /\/account\/tokens\/(\d+)\/revoke/.exec(r.text)[1];
		assert.equal((await c.post(`/en/account/tokens/${id}/revoke`, {})).status, 303);
		const after = await fetch(srv.url + '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
		assert.equal(after.status, 401);
		const body = await after.json();
		assert.equal(body.error.code, 'unauthenticated');
		const bad = await c.post('/en/account/tokens', { name: '', scope: 'everything' });
		assert.equal(bad.status, 422);
	});
});

describe('administration', () => {
	test('admin create prints a set-up link; admins must enrol a second factor; invitations', async () => {
		const r = kafaat(['admin', 'create', 'Chef@Example.org', '--db', srv.db], env);
		assert.equal(r.status, 0, r.stderr);
		const link = linkIn(r.stdout, '/invitation\\?token=');
		const c = new Client(srv.url);
		await c.get(link);
		const token = new URL(srv.url + link).searchParams.get('token');
		const ADMIN_PW = 'mot de passe administrateur';
		assert.equal((await c.post('/fr/invitation', { token, password: ADMIN_PW, password2: ADMIN_PW })).status, 200);
		assert.equal((await c.post('/fr/invitation', { token, password: ADMIN_PW, password2: ADMIN_PW })).status, 400);
		assert.equal((await signIn(c, 'chef@example.org', ADMIN_PW)).status, 303);
		const gated = await c.get('/fr/admin/invitations');
		assert.equal(gated.status, 303);
		assert.match(gated.location, /\/fr\/account\/totp$/);
		assert.equal((await c.get('/fr/account/totp')).status, 200);
	});

	test('kafaat audit verify finds a row altered in the database', () => {
		const ok = kafaat(['audit', 'verify', '--db', srv.db]);
		assert.equal(ok.status, 0, ok.stderr + ok.stdout);
		assert.match(ok.stdout, /intact/);
	});
});
