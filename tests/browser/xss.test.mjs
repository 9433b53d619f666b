// Stored script payloads never run in the browser (Debian's chromium driven
// by playwright-core): an expert types script payloads into every free-text
// field of the profile through the pages (name, name in Arabic, city,
// headline, biography, education, experience, a free skill, a stay's city),
// then Chromium opens the expert's own view and editor, the profile as an
// institution member sees it, and the admin's audit page (with payloads in
// its search fields too). On every page: window.__pwned stays undefined, no
// dialog opens, and each payload is shown as text.
//
// The contexts bypass the Content-Security-Policy, which would block inline
// scripts by itself: what is tested is the escaping, the first line of
// defence. A control test undoes the escaping of one page (in the browser,
// through a route) and checks that the same detectors then fire, so these
// assertions can fail.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { Client, enrolTotp, lastMailTo, linkIn } from '../client.mjs';
import { kafaat, startServer } from '../kafaat.mjs';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--no-first-run'];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-xss-'));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail') };
const PW = 'une phrase assez longue 2027';
const EXPERT = 'xss.expert@example.org';

// One payload per field, each tagged so that it can be found on a page.
const P = {
	name: '<img src=x onerror="window.__pwned=1">Name',
	name_ar: 'سلمى<script>window.__pwned=1</script>',
	city: '"><svg onload="window.__pwned=1">City',
	headline: '</textarea><script>window.__pwned=1</script>Headline',
	bio: '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe><script>alert(1)</script>Bio',
	edu_0_degree: '<img src=x onerror=alert(1)>Degree',
	edu_0_field: '\'><img src=x onerror="window.__pwned=1">Field',
	edu_0_institution: '<a href="javascript:window.__pwned=1" id="xss-link">Institution</a>',
	exp_0_role: '<script>window.__pwned=1</script>Role',
	exp_0_organisation: '<details open ontoggle="window.__pwned=1">Org',
	skill_0_name: '<img src=x onerror="window.__pwned=1">Skill',
	stay_0_city: '<body onload="window.__pwned=1">Stay',
};

let srv, browser, admin, member, expertId;

function cli(args) {
	const r = kafaat(['admin', ...args, '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	return r.stdout;
}

async function signIn(c, email, lang = 'en') {
	await c.get(`/${lang}/signin`);
	const r = await c.post(`/${lang}/signin`, { email, password: PW });
	assert.equal(r.status, 303, `sign-in of ${email}`);
	return c;
}

// Follows an invitation or set-up link: chooses the password, signs in.
async function fromLink(link, email) {
	const c = new Client(srv.url);
	await c.get(link);
	const token = new URL(srv.url + link).searchParams.get('token');
	await c.post('/en/invitation', { token, password: PW, password2: PW });
	return signIn(c, email);
}

before(async () => {
	srv = await startServer({ env });
	browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
	// An admin (with the second factor) and an institution member, as in tests/http/profile.test.mjs.
	admin = await fromLink(linkIn(cli(['create', 'admin@example.org']), '/invitation\\?token='), 'admin@example.org');
	await enrolTotp(admin, 'en');
	await admin.get('/en/admin/institutions');
	await admin.post('/en/admin/institutions', { name_ar: 'وزارة الصحة', name_fr: 'Ministère de la Santé', name_en: 'Ministry of Health' });
	const inst = /<option value="(\d+)">Ministry of Health</.exec((await admin.get('/en/admin/invitations')).text)[1];
	const r = await admin.post('/en/admin/invitations', { email: 'member@example.org', institution: inst, role: 'member', lang: 'fr' });
	assert.equal(r.status, 200, 'invitation sent');
	member = await fromLink(linkIn(lastMailTo(srv.db, 'member@example.org', env), '/invitation\\?token='), 'member@example.org');
	// The expert's account (the account pages have their own browser test).
	const c = new Client(srv.url);
	await c.get('/fr/signup');
	await c.post('/fr/signup', { email: EXPERT, password: PW, password2: PW, lang: 'fr', adult: 'yes', notice: 'yes' });
	await c.get(linkIn(lastMailTo(srv.db, EXPERT, env), '/verify\\?token='));
});
after(async () => {
	await browser?.close();
	await srv?.stop();
	rmSync(tmp, { recursive: true, force: true });
});

// A context with the detectors: dialogs are counted, window.__xss marks that
// the page's scripts ran at all (0), and window.__pwned must stay undefined.
async function watched(cookiesOf) {
	const context = await browser.newContext({ bypassCSP: true, javaScriptEnabled: true });
	if (cookiesOf) {
		await context.addCookies([...cookiesOf.cookies].map(([name, value]) => ({ name, value, url: srv.url })));
	}
	await context.addInitScript(() => { window.__xss = 0; });
	const page = await context.newPage();
	const dialogs = [];
	page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
	return { context, page, dialogs };
}

// Opens url and checks: no payload ran, no dialog, every expected payload shown as text.
async function check(w, url, shown) {
	const res = await w.page.goto(srv.url + url);
	assert.equal(res.status(), 200, url);
	await w.page.waitForLoadState('load');
	await w.page.waitForTimeout(300); // time for an onerror or onload to fire
	const state = await w.page.evaluate(() => ({ xss: window.__xss, pwned: window.__pwned }));
	assert.equal(state.xss, 0, `${url}: the init hook ran`);
	assert.equal(state.pwned, undefined, `${url}: a payload ran`);
	assert.deepEqual(w.dialogs, [], `${url}: a dialog opened`);
	assert.equal(await w.page.locator('main iframe, main svg[onload], main img[src="x"], #xss-link, main details[ontoggle]').count(), 0,
		`${url}: a payload became an element`);
	const text = await w.page.evaluate(() => document.body.innerText + '\n' +
		[...document.querySelectorAll('input, textarea')].map((e) => e.value).join('\n'));
	for (const s of shown) assert.ok(text.includes(s), `${url} shows ${JSON.stringify(s)} as text`);
}

// Saves one step of the editor through its page; the step must be accepted.
async function fillStep(page, step, fill, select = {}) {
	await page.goto(`${srv.url}/fr/profile/edit/${step}`);
	for (const [id, v] of Object.entries(fill)) await page.fill(`#f-${id}`, v);
	for (const [id, v] of Object.entries(select)) await page.selectOption(`#f-${id}`, v);
	await page.click('main form button[type=submit]');
	await page.waitForLoadState('load');
	const errors = await page.locator('.invalid-feedback.d-block').allTextContents();
	assert.deepEqual(errors, [], `${step} refused: ${page.url()}`);
	const u = new URL(page.url());
	assert.ok(!u.pathname.endsWith(`/edit/${step}`) || u.search === '?saved=1', `${step} not saved: ${page.url()}`);
}

test('an expert saves script payloads in every free-text field through the pages', async () => {
	const w = await watched(null);
	await w.page.goto(`${srv.url}/fr/signin`);
	await w.page.fill('#f-email', EXPERT);
	await w.page.fill('#f-password', PW);
	await w.page.click('main button[type=submit]');
	await fillStep(w.page, 'identity', { name: P.name, name_ar: P.name_ar, city: P.city, headline: P.headline, bio: P.bio }, { country: 'FR' });
	await fillStep(w.page, 'education', { edu_0_degree: P.edu_0_degree, edu_0_field: P.edu_0_field, edu_0_institution: P.edu_0_institution, edu_0_year: '2010' });
	await fillStep(w.page, 'experience', { exp_0_role: P.exp_0_role, exp_0_organisation: P.exp_0_organisation, exp_0_from: '2014-09' });
	await fillStep(w.page, 'skills', { skill_0_name: P.skill_0_name }, { skill_0_level: '4' });
	await fillStep(w.page, 'offer', { stay_0_from: '2027-07-01', stay_0_to: '2027-08-15', stay_0_city: P.stay_0_city });
	await w.page.goto(`${srv.url}/fr/profile/consent`);
	await w.page.click('button[value="institutions:1"]');
	assert.match(w.page.url(), /\/profile\/consent\?done=given$/);
	// Stored as typed (read with the sqlite3 tool).
	const row = spawnSync('sqlite3', ['-batch', srv.db, "SELECT name, bio FROM profiles JOIN users ON users.id = profiles.user_id WHERE email = 'xss.expert@example.org'"], { encoding: 'utf8' });
	assert.equal(row.stdout.trim(), `${P.name}|${P.bio}`);
	const own = await w.page.goto(`${srv.url}/fr/profile`);
	assert.equal(own.status(), 200);
	expertId = /\/experts\/(\d+)/.exec(await w.page.getAttribute('#pr-page-link', 'href'))[1];
	await w.context.close();
});

test('the expert\'s own view and editor: nothing runs, every payload shown as text', async () => {
	assert.ok(expertId, 'the profile was saved');
	const w = await watched(null);
	await w.page.goto(`${srv.url}/fr/signin`);
	await w.page.fill('#f-email', EXPERT);
	await w.page.fill('#f-password', PW);
	await w.page.click('main button[type=submit]');
	await check(w, '/fr/profile', Object.values(P));
	await check(w, '/ar/profile', Object.values(P));
	await check(w, '/fr/profile/edit/identity', [P.name, P.name_ar, P.city, P.headline, P.bio]);
	await check(w, '/fr/profile/edit/education', [P.edu_0_degree, P.edu_0_field, P.edu_0_institution]);
	await check(w, '/fr/profile/edit/experience', [P.exp_0_role, P.exp_0_organisation]);
	await check(w, '/fr/profile/edit/skills', [P.skill_0_name]);
	await check(w, '/fr/profile/edit/offer', [P.stay_0_city]);
	await check(w, `/fr/experts/${expertId}`, [P.name, P.headline]);
	await w.context.close();
});

test('an institution member sees the profile: nothing runs, the payloads shown as text', async () => {
	assert.ok(expertId, 'the profile was saved');
	await signIn(member, 'member@example.org'); // a fresh session
	const w = await watched(member);
	await check(w, `/fr/experts/${expertId}`, [P.name, P.city, P.headline, P.bio, P.edu_0_degree, P.exp_0_role, P.skill_0_name]);
	await check(w, `/en/experts/${expertId}`, [P.name, P.headline, P.bio]);
	await w.context.close();
});

test('the admin audit page, with payloads in its search fields: nothing runs', async () => {
	assert.ok(expertId, 'the profile was saved');
	const w = await watched(admin);
	await check(w, '/en/admin/audit', ['profile_viewed']);
	const action = '"><script>window.__pwned=1</script>';
	const actor = '"><img src=x onerror="window.__pwned=1">@example.org';
	await check(w, `/en/admin/audit?action=${encodeURIComponent(action)}&actor=${encodeURIComponent(actor)}`, [action, actor]);
	await check(w, `/en/admin/audit?action=${encodeURIComponent('<svg onload=alert(1)>')}`, ['<svg onload=alert(1)>']);
	await w.context.close();
});

test('control: with the escaping undone in the browser, the same detectors fire', async () => {
	assert.ok(expertId, 'the profile was saved');
	const w = await watched(member);
	await w.page.route(`**/fr/experts/${expertId}`, async (route) => {
		const res = await route.fetch();
		const html = (await res.text()).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, '\'');
		await route.fulfill({ response: res, body: html });
	});
	await assert.rejects(check(w, `/fr/experts/${expertId}`, [P.name]), /a payload ran|a dialog opened|became an element|as text/);
	const state = await w.page.evaluate(() => window.__pwned);
	assert.equal(state, 1, 'an unescaped payload runs in this browser');
	assert.ok(w.dialogs.length > 0, 'an unescaped alert() opens a dialog');
	await w.context.close();
});
