// Networks over HTTP against a real server (SQLite, or PostgreSQL with
// TEST_PG_URL): the public list and pages; the programme team appoints
// coordinators (a coordinator cannot); joining an open network, twice, and
// leaving; an approval network: pending → accepted (and refused) by its
// coordinator, each person notified; the roster shows members who consented
// to network peers (city, skills) and hides the others, and is 404 for
// outsiders; a coordinator manages their own network only; an announcement
// reaches every member (inbox rows, a mail for "immediate"); introductions
// (accepted with the contact details shown only then, declined, refused,
// a second open one for the same pair refused, a target who is not on the
// roster refused, nothing changed); the figures of a network's page against
// counts computed here with SQL; bad input (slugs, texts, unknown network).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, enrolTotp, linkIn, mails, signIn as signInWith, signUp, sqlRows } from '../client.mjs';
import { kafaat, startServer } from '../kafaat.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-networks-'));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail') };
const PW = 'a long enough pass phrase 2026';
const pgUrl = process.env.TEST_PG_URL;

let srv, adminC;
const who = {}; // name → client with .email, .id

const sql = (text) => sqlRows(srv.db, text).join('\n');
const count = (text) => Number(sql(text));

function admin(args) {
	const r = kafaat(['admin', ...args, '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	return r.stdout;
}

const signIn = (c, email) => signInWith(c, email, PW, 'en');

// An expert with a profile (city, a skill); consents: a list of audiences.
async function expert(name, email, { city = 'Lyon', country = 'FR', consents = ['networks'] } = {}) {
	const c = await signUp(srv, env, email, PW, 'en');
	await c.get('/en/profile/edit/identity');
	assert.equal((await c.post('/en/profile/edit/identity', { name, country, city, headline: `Engineer — ${name}` })).status, 303);
	await c.get('/en/profile/edit/skills');
	assert.equal((await c.post('/en/profile/edit/skills', { skill_0_name: 'Cybersécurité', skill_0_level: '4' })).status, 303);
	for (const a of consents) {
		await c.get('/en/profile/consent');
		assert.equal((await c.post('/en/profile/consent', { set: `${a}:1` })).status, 303);
	}
	c.email = email;
	c.name = name;
	c.id = sql(`SELECT id FROM users WHERE email = '${email}'`);
	return c;
}

async function step(c, page, url, form) {
	await c.get(page);
	return c.post(url, form);
}

const join = (c, slug, message) => step(c, `/en/networks/${slug}`, `/en/networks/${slug}/join`, message === undefined ? {} : { message });
const notes = (id, kind) => count(`SELECT COUNT(*) FROM notifications WHERE user_id = ${id} AND kind = '${kind}'`);
const memberState = (slug, id) => sql(`SELECT state FROM network_members WHERE network = '${slug}' AND user_id = ${id}`);

async function appoint(slug, c, action = 'add') {
	return step(adminC, `/en/admin/networks/${slug}`, `/en/admin/networks/${slug}/coordinators`, { email: c.email, action });
}

before(async () => {
	srv = await startServer({ env });
	const link = linkIn(admin(['create', 'admin@example.org']), '/invitation\\?token=');
	adminC = new Client(srv.url);
	await adminC.get(link);
	const token = new URL(srv.url + link).searchParams.get('token');
	await adminC.post('/en/invitation', { token, password: PW, password2: PW });
	await signIn(adminC, 'admin@example.org');
	await enrolTotp(adminC, 'en');
	who.amina = await expert('Amina Alaoui', 'amina@example.org', { city: 'Lyon' });
	who.brahim = await expert('Brahim Bennani', 'brahim@example.org', { city: 'Madrid', country: 'ES', consents: [] });
	who.farid = await expert('Farid Fassi', 'farid@example.org', { city: 'Bruxelles', country: 'BE' });
	who.chadia = await expert('Chadia Chraibi', 'chadia@example.org', { city: 'Paris' });
	who.driss = await expert('Driss Doukkali', 'driss@example.org', { city: 'Montréal', country: 'CA' });
	who.outsider = await expert('Omar Outside', 'omar@example.org', { city: 'Berlin', country: 'DE' });
	await who.brahim.get('/en/inbox');
	assert.equal((await who.brahim.post('/en/inbox/preference', { notify: 'digest' })).status, 303);
});
after(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

describe('networks', () => {
	test('the list and the pages are public; unknown networks are 404', async () => {
		const anon = new Client(srv.url);
		const list = await anon.get('/en/networks');
		assert.equal(list.status, 200);
		for (const slug of ['north-america', 'europe', 'singapore', 'lawyers', 'doctors', 'aeronautics'])
			assert.match(list.text, new RegExp(`href="/en/networks/${slug}"`));
		const page = await anon.get('/ar/networks/europe');
		assert.equal(page.status, 200);
		assert.match(page.text, /dir="rtl"/);
		assert.match(page.text, /id="fig-members">0</);
		assert.equal((await anon.get('/en/networks/nowhere')).status, 404);
		assert.equal((await anon.get('/en/networks/Not_A_Slug')).status, 404);
		assert.equal((await anon.get('/en/networks/nowhere/members')).status, 303, 'anonymous: sign in first');
		assert.equal((await who.amina.get('/en/networks/nowhere/members')).status, 404);
		await who.amina.get('/en/networks/europe');
		assert.equal((await who.amina.post('/en/networks/nowhere/join', {})).status, 404);
	});

	test('the programme team appoints coordinators by email; a coordinator cannot', async () => {
		let r = await appoint('europe', who.chadia);
		assert.equal(r.status, 303);
		assert.equal(notes(who.chadia.id, 'network.coordinator_added'), 1);
		assert.equal(count(`SELECT COUNT(*) FROM user_roles WHERE user_id = ${who.chadia.id} AND role = 'coordinator' AND scope = 'europe'`), 1);
		assert.equal(count(`SELECT COUNT(*) FROM audit_log WHERE action = 'role_granted' AND target_id = '${who.chadia.id}'`), 1);
		assert.equal((await appoint('north-america', who.driss)).status, 303);
		assert.equal((await appoint('doctors', who.driss)).status, 303);
		// Twice, and an address without an account: clear errors, nothing changed.
		r = await appoint('europe', who.chadia);
		assert.equal(r.status, 422);
		assert.match(r.text, /already coordinates this network/);
		r = await step(adminC, '/en/admin/networks/europe', '/en/admin/networks/europe/coordinators', { email: 'nobody@example.org', action: 'add' });
		assert.equal(r.status, 422);
		assert.match(r.text, /No account has this address/);
		assert.equal(count(`SELECT COUNT(*) FROM user_roles WHERE role = 'coordinator'`), 3);
		// Staff must enrol a second factor before anything else.
		for (const c of [who.chadia, who.driss]) {
			const home = await c.get('/en/networks/europe/manage');
			assert.equal(home.status, 303);
			assert.match(home.location, /\/account\/totp$/);
			await enrolTotp(c, 'en');
		}
		r = await step(who.chadia, '/en/networks/europe', '/en/admin/networks/europe/coordinators', { email: who.amina.email, action: 'add' });
		assert.equal(r.status, 403);
		assert.equal(count(`SELECT COUNT(*) FROM user_roles WHERE user_id = ${who.amina.id} AND role = 'coordinator'`), 0);
		assert.equal((await who.chadia.get('/en/admin/networks')).status, 403);
	});

	test('joining an open network, joining twice, leaving', async () => {
		let r = await join(who.amina, 'europe');
		assert.equal(r.status, 303);
		assert.match(r.location, /\/en\/networks\/europe\?done=joined$/);
		assert.equal(memberState('europe', who.amina.id), 'member');
		r = await join(who.amina, 'europe');
		assert.equal(r.status, 409);
		assert.match(r.text, /You are already a member of this network/);
		assert.equal(count(`SELECT COUNT(*) FROM network_members WHERE user_id = ${who.amina.id}`), 1);
		for (const c of [who.brahim, who.farid]) assert.equal((await join(c, 'europe')).status, 303);
		// Leaving, then joining again.
		assert.equal((await step(who.farid, '/en/networks/europe', '/en/networks/europe/leave', {})).status, 303);
		assert.equal(memberState('europe', who.farid.id), '');
		assert.equal((await join(who.farid, 'europe')).status, 303);
		r = await step(who.outsider, '/en/networks/europe', '/en/networks/europe/leave', {});
		assert.equal(r.status, 409);
		assert.match(r.text, /neither a member/);
		// Institutions' people and the programme team are not experts.
		r = await join(adminC, 'europe');
		assert.equal(r.status, 422);
		assert.match(r.text, /Only experts may join networks/);
		const page = await who.amina.get('/en/networks');
		assert.match(page.text, /id="my-networks"[^]*href="\/en\/networks\/europe"/);
	});

	test('approval networks: pending, accepted or refused by a coordinator, each told', async () => {
		await adminC.get('/en/admin/networks/doctors');
		const edit = await adminC.get('/en/admin/networks/doctors');
		const v = (name) => new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(edit.text)?.[1] ??
			new RegExp(`name="${name}"[^>]*>([^<]*)</textarea>`).exec(edit.text)?.[1] ?? '';
		const texts = {};
		for (const f of ['name_ar', 'name_fr', 'name_en', 'summary_ar', 'summary_fr', 'summary_en']) texts[f] = v(f).replace(/&#39;/g, '\'').replace(/&amp;/g, '&');
		let r = await adminC.post('/en/admin/networks/doctors', { ...texts, kind: 'thematic', membership: 'approval' });
		assert.equal(r.status, 303, `edit doctors: ${r.status}`);
		assert.equal(sql(`SELECT membership FROM networks WHERE slug = 'doctors'`), 'approval');

		r = await join(who.amina, 'doctors', 'Cardiologist in Lyon, I would like to help.');
		assert.equal(r.status, 303);
		assert.match(r.location, /done=requested/);
		assert.equal(memberState('doctors', who.amina.id), 'pending');
		assert.equal(notes(who.driss.id, 'network.join_requested'), 1);
		r = await join(who.amina, 'doctors', 'again');
		assert.equal(r.status, 409);
		assert.match(r.text, /already pending/);
		// Too long a message: the form again, nothing saved.
		r = await join(who.farid, 'doctors', 'x'.repeat(1001));
		assert.equal(r.status, 422);
		assert.match(r.text, /may not exceed 1,000 characters/);
		assert.equal(memberState('doctors', who.farid.id), '');
		assert.equal((await join(who.farid, 'doctors', 'Nurse in Brussels.')).status, 303);

		// The coordinator of europe may not decide for doctors.
		r = await step(who.chadia, '/en/networks/europe', `/en/networks/doctors/requests/${who.amina.id}`, { decision: 'accept' });
		assert.equal(r.status, 404);
		assert.equal(memberState('doctors', who.amina.id), 'pending');

		const manage = await who.driss.get('/en/networks/doctors/manage');
		assert.equal(manage.status, 200);
		assert.match(manage.text, /Cardiologist in Lyon/);
		r = await who.driss.post(`/en/networks/doctors/requests/${who.amina.id}`, { decision: 'accept' });
		assert.equal(r.status, 303);
		assert.equal(memberState('doctors', who.amina.id), 'member');
		assert.equal(notes(who.amina.id, 'network.request_accepted'), 1);
		r = await step(who.driss, '/en/networks/doctors/manage', `/en/networks/doctors/requests/${who.farid.id}`, { decision: 'refuse' });
		assert.equal(r.status, 303);
		assert.equal(memberState('doctors', who.farid.id), '');
		assert.equal(notes(who.farid.id, 'network.request_refused'), 1);
		// Deciding again: nothing pending any more.
		r = await step(who.driss, '/en/networks/doctors/manage', `/en/networks/doctors/requests/${who.farid.id}`, { decision: 'accept' });
		assert.equal(r.status, 409);
		assert.equal(memberState('doctors', who.farid.id), '');
		r = await step(who.driss, '/en/networks/doctors/manage', `/en/networks/doctors/requests/${who.amina.id}`, { decision: 'maybe' });
		assert.equal(r.status, 422);
		assert.equal(count(`SELECT COUNT(*) FROM audit_log WHERE action = 'network_request_accepted'`), 1);
	});

	test('the roster: members who consented, with city and skills; others absent; outsiders 404', async () => {
		const r = await who.amina.get('/en/networks/europe/members');
		assert.equal(r.status, 200);
		assert.match(r.text, new RegExp(`id="m-${who.farid.id}"[^]*Farid Fassi[^]*kf-city" dir="auto">Bruxelles<[^]*kf-skill`));
		assert.match(r.text, /Amina Alaoui/);
		assert.doesNotMatch(r.text, /Brahim/, 'a member without consent is not on the roster');
		assert.doesNotMatch(r.text, /roster-hidden/, 'members are not told how many are hidden');
		assert.equal((await who.outsider.get('/en/networks/europe/members')).status, 404);
		assert.equal((await who.driss.get('/en/networks/europe/members')).status, 404, 'a coordinator of another network');
		for (const c of [who.chadia, adminC]) {
			const s = await c.get('/en/networks/europe/members');
			assert.equal(s.status, 200);
			assert.doesNotMatch(s.text, /Brahim/);
			assert.match(s.text, /id="roster-hidden">Members not shown \(no consent, or a dormant profile\): 1</);
			assert.match(s.text, /id="roster-count">Members shown: 2/);
		}
		// Consent withdrawn: gone at once.
		await who.farid.get('/en/profile/consent');
		assert.equal((await who.farid.post('/en/profile/consent', { set: 'networks:0' })).status, 303);
		assert.doesNotMatch((await who.amina.get('/en/networks/europe/members')).text, /Farid/);
		assert.equal((await who.farid.post('/en/profile/consent', { set: 'networks:1' })).status, 303);
		assert.match((await who.amina.get('/en/networks/europe/members')).text, /Farid/);
	});

	test('a coordinator manages their own network only; members cannot manage', async () => {
		const c = who.chadia;
		let r = await c.get('/en/networks/europe/manage');
		assert.equal(r.status, 200);
		const form = {};
		for (const m of r.text.matchAll(/<input[^>]*name="((?:name|summary)_\w\w)"[^>]*value="([^"]*)"/g)) form[m[1]] = m[2].replace(/&#39;/g, '\'').replace(/&amp;/g, '&');
		for (const m of r.text.matchAll(/<textarea[^>]*name="(summary_\w\w)"[^>]*>([^<]*)</g)) form[m[1]] = m[2].replace(/&#39;/g, '\'').replace(/&amp;/g, '&');
		r = await c.post('/en/networks/europe/manage', { ...form, charter_en: 'We meet every quarter.\nWe share.', charter_fr: 'Nous nous réunissons chaque trimestre.', charter_ar: 'نلتقي كل ثلاثة أشهر.', membership: 'open' });
		assert.equal(r.status, 303);
		assert.match((await new Client(srv.url).get('/en/networks/europe')).text, /<p dir="auto">We meet every quarter.<\/p>\s*<p dir="auto">We share.<\/p>/);
		// Bad input: an empty name, a charter too long; nothing saved.
		r = await step(c, '/en/networks/europe/manage', '/en/networks/europe/manage', { ...form, name_en: '', charter_fr: 'x'.repeat(8001), membership: 'open' });
		assert.equal(r.status, 422);
		assert.match(r.text, /Enter the name in this language/);
		assert.match(r.text, /may not exceed 8,000 characters/);
		assert.equal(sql(`SELECT name_en FROM networks WHERE slug = 'europe'`), 'Europe');
		// Another network: 404 on every management route.
		for (const [url, f] of [['/en/networks/north-america/manage', form], ['/en/networks/north-america/announcements', { title: 'T', body: 'B' }], [`/en/networks/north-america/requests/${who.amina.id}`, { decision: 'accept' }]]) {
			await c.get('/en/networks/europe');
			assert.equal((await c.post(url, f)).status, 404, url);
		}
		assert.equal((await c.get('/en/networks/north-america/manage')).status, 404);
		// A member is not a coordinator.
		assert.equal((await who.amina.get('/en/networks/europe/manage')).status, 404);
		r = await step(who.amina, '/en/networks/europe', '/en/networks/europe/announcements', { title: 'Mine', body: 'No.' });
		assert.equal(r.status, 404);
		// Admins manage every network.
		assert.equal((await adminC.get('/en/networks/north-america/manage')).status, 200);
	});

	test('an announcement reaches every member: inbox rows and a mail for "immediate"', async () => {
		const c = who.chadia;
		const before = mails(srv.db, env).length;
		const posted = count(`SELECT COUNT(*) FROM network_announcements`);
		let r = await step(c, '/en/networks/europe/announcements', '/en/networks/europe/announcements', { title: '', body: 'x' });
		assert.equal(r.status, 422);
		assert.match(r.text, /Enter the announcement’s title/);
		r = await step(c, '/en/networks/europe/announcements', '/en/networks/europe/announcements', { title: 't'.repeat(201), body: 'x' });
		assert.equal(r.status, 422);
		assert.match(r.text, /one line of at most 200 characters/);
		assert.equal(count(`SELECT COUNT(*) FROM network_announcements`), posted, 'nothing saved');
		r = await step(c, '/en/networks/europe/announcements', '/en/networks/europe/announcements', { title: 'Quarterly meeting in Paris', body: 'Saturday 12 June.\nAll welcome.' });
		assert.equal(r.status, 303);
		const members = sql(`SELECT user_id FROM network_members WHERE network = 'europe' AND state = 'member' ORDER BY user_id`).split('\n');
		assert.equal(members.length, 3);
		for (const id of members) assert.equal(notes(id, 'network.announcement'), 1, `member ${id}`);
		assert.equal(notes(who.outsider.id, 'network.announcement'), 0);
		const sent = mails(srv.db, env).slice(0, mails(srv.db, env).length - before);
		assert.ok(sent.some((m) => m.to === who.amina.email && /Quarterly meeting in Paris/.test(m.subject)), 'a mail to an "immediate" member');
		assert.ok(!sent.some((m) => m.to === who.brahim.email), 'no mail at once for a "digest" member');
		const page = await who.brahim.get('/en/networks/europe/announcements');
		assert.equal(page.status, 200);
		assert.match(page.text, /Quarterly meeting in Paris[^]*Saturday 12 June/);
		assert.match((await who.amina.get('/en/networks/europe')).text, /Latest announcements[^]*Quarterly meeting in Paris/);
		assert.doesNotMatch((await new Client(srv.url).get('/en/networks/europe')).text, /Quarterly meeting/);
		assert.equal((await who.outsider.get('/en/networks/europe/announcements')).status, 404);
	});
});

describe('introductions', () => {
	const ask = (c, target, message = 'We both work on cybersecurity.') =>
		step(c, '/en/networks/europe/members', '/en/networks/europe/introductions', { target: String(target), message });
	const act = (c, id, action, note = '') => step(c, '/en/introductions', `/en/introductions/${id}`, { action, note });
	const lastIntro = () => sql(`SELECT id FROM introductions ORDER BY created_at DESC, id DESC LIMIT 1`);
	const intros = () => count(`SELECT COUNT(*) FROM introductions`);

	test('requested → forwarded → accepted: the addresses shown to both only then', async () => {
		let r = await ask(who.amina, who.farid.id);
		assert.equal(r.status, 303);
		const id = lastIntro();
		assert.equal(notes(who.chadia.id, 'network.intro_requested'), 1);
		assert.doesNotMatch((await who.farid.get('/en/introductions')).text, new RegExp(`id="i-${id}"`), 'the target sees nothing before it is forwarded');
		r = await act(who.amina, id, 'forward');
		assert.equal(r.status, 422, 'the requester cannot forward');
		r = await act(who.driss, id, 'forward');
		assert.equal(r.status, 404, 'the coordinator of another network');
		const waiting = await who.chadia.get('/en/introductions');
		assert.match(waiting.text, new RegExp(`id="waiting"[^]*id="i-${id}"`));
		r = await act(who.chadia, id, 'forward', 'Two specialists of the same field.');
		assert.equal(r.status, 303);
		assert.equal(notes(who.farid.id, 'network.intro_received'), 1);
		assert.equal(notes(who.amina.id, 'network.intro_forwarded'), 1);
		for (const c of [who.amina, who.farid]) {
			const t = (await c.get('/en/introductions')).text;
			assert.match(t, new RegExp(`id="i-${id}"`));
			assert.doesNotMatch(t, /amina@example\.org|farid@example\.org/, 'no address before acceptance');
		}
		r = await act(who.farid, id, 'accept');
		assert.equal(r.status, 303);
		assert.equal(sql(`SELECT state FROM introductions WHERE id = ${id}`), 'accepted');
		assert.equal(notes(who.amina.id, 'network.intro_accepted'), 1);
		for (const c of [who.amina, who.farid]) {
			const t = (await c.get('/en/introductions')).text;
			assert.match(t, /mailto:amina@example\.org/);
			assert.match(t, /mailto:farid@example\.org/);
		}
		assert.doesNotMatch((await who.chadia.get('/en/introductions')).text, /mailto:/, 'the coordinator does not see the addresses');
		r = await act(who.farid, id, 'decline');
		assert.equal(r.status, 422, 'no step after acceptance');
		assert.equal(sql(`SELECT state FROM introductions WHERE id = ${id}`), 'accepted');
	});

	test('one open introduction per pair; refused by the coordinator', async () => {
		let r = await ask(who.amina, who.farid.id, 'Again, about a project.');
		assert.equal(r.status, 303);
		const id = lastIntro();
		const n = intros();
		for (const [c, t] of [[who.amina, who.farid.id], [who.farid, who.amina.id]]) {
			r = await ask(c, t);
			assert.equal(r.status, 409);
			assert.match(r.text, /already under way/);
		}
		assert.equal(intros(), n);
		assert.equal((await act(who.farid, id, 'accept')).status, 404, 'the target cannot act before it is forwarded');
		const waiting = await adminC.get('/en/introductions');
		assert.equal(waiting.status, 200);
		assert.match(waiting.text, new RegExp(`id="waiting"[^]*id="i-${id}"`), 'admins see what waits in every network');
		assert.doesNotMatch((await who.driss.get('/en/introductions')).text, new RegExp(`id="i-${id}"`), 'not a coordinator of europe');
		r = await act(who.chadia, id, 'refuse', 'You met already.');
		assert.equal(r.status, 303);
		assert.equal(sql(`SELECT state FROM introductions WHERE id = ${id}`), 'refused');
		assert.equal(notes(who.amina.id, 'network.intro_refused'), 1);
		assert.match((await who.amina.get('/en/introductions')).text, /You met already/);
	});

	test('declined by the member asked', async () => {
		let r = await ask(who.farid, who.amina.id, 'Shall we talk?');
		assert.equal(r.status, 303);
		const id = lastIntro();
		assert.equal((await act(who.chadia, id, 'forward')).status, 303);
		r = await act(who.amina, id, 'decline');
		assert.equal(r.status, 303);
		assert.equal(sql(`SELECT state FROM introductions WHERE id = ${id}`), 'declined');
		assert.equal(notes(who.farid.id, 'network.intro_declined'), 1);
		const t = (await who.farid.get('/en/introductions')).text;
		const block = t.slice(t.indexOf(`id="i-${id}"`), t.indexOf('</article>', t.indexOf(`id="i-${id}"`)));
		assert.match(block, /declined/);
		assert.doesNotMatch(block, /mailto:/);
	});

	test('someone not on the roster, oneself, no message: clear errors, nothing changed', async () => {
		const n = intros();
		for (const [target, msg] of [[who.brahim.id, /Choose another member shown/], [who.outsider.id, /Choose another member shown/], [who.amina.id, /Choose another member shown/], ['abc', /Choose another member shown/]]) {
			const r = await ask(who.amina, target);
			assert.equal(r.status, 422, `target ${target}`);
			assert.match(r.text, msg);
		}
		let r = await ask(who.amina, who.farid.id, '');
		assert.equal(r.status, 422);
		assert.match(r.text, /Say in a few words why you ask/);
		r = await step(who.outsider, '/en/networks/europe', '/en/networks/europe/introductions', { target: who.farid.id, message: 'Hello' });
		assert.equal(r.status, 404, 'only members ask');
		assert.equal(intros(), n);
		assert.equal((await who.outsider.get(`/en/introductions`)).status, 200);
		assert.equal((await act(who.outsider, lastIntro(), 'accept')).status, 404);
		assert.equal((await act(who.amina, '999999', 'accept')).status, 404);
	});
});

describe('figures and the programme team', () => {
	test('the figures of a network page match counts computed independently', async () => {
		// A dormant member, a mobilised one, events: held, still to come, cancelled.
		sql(`UPDATE profiles SET confirmed_at = '2020-01-01T00:00:00Z' WHERE user_id = ${who.brahim.id}`);
		const need = sql(`SELECT MIN(id) FROM needs`);
		sql(`INSERT INTO engagements (id, need_id, expert_id, origin, state, created_at, updated_at) VALUES (424242, ${need}, ${who.farid.id}, 'applied', 'delivered', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`);
		const ev = (id, ends, state) => sql(`INSERT INTO events (id, network, title, mode, tz, starts_at, ends_at, registration_closes_at, capacity, state, created_at, updated_at) VALUES (${id}, 'europe', 'Meeting ${id}', 'online', 'Europe/Paris', '${ends.replace('T12', 'T10')}', '${ends}', '${ends.replace('T12', 'T09')}', 20, '${state}', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')`);
		ev(1, '2021-03-01T12:00:00Z', 'scheduled');
		ev(2, '2022-03-01T12:00:00Z', 'scheduled');
		ev(3, '2022-04-01T12:00:00Z', 'cancelled');
		ev(4, '2099-03-01T12:00:00Z', 'scheduled');
		const since = new Date(Date.now() - 365 * 86400 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
		const nowIso = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
		const expected = {
			members: count(`SELECT COUNT(*) FROM network_members WHERE network = 'europe' AND state = 'member'`),
			active: count(`SELECT COUNT(*) FROM network_members m, profiles p WHERE p.user_id = m.user_id AND m.network = 'europe' AND m.state = 'member' AND p.confirmed_at IS NOT NULL AND p.confirmed_at > '${since}'`),
			mobilised: count(`SELECT COUNT(DISTINCT m.user_id) FROM network_members m JOIN engagements e ON e.expert_id = m.user_id WHERE m.network = 'europe' AND m.state = 'member' AND e.state IN ('delivered', 'evaluated')`),
			events: count(`SELECT COUNT(*) FROM events WHERE network = 'europe' AND state = 'scheduled' AND ends_at < '${nowIso}'`),
		};
		assert.deepEqual(expected, { members: 3, active: 2, mobilised: 1, events: 2 });
		const page = (await new Client(srv.url).get('/en/networks/europe')).text;
		const shown = {};
		for (const k of Object.keys(expected)) shown[k] = Number(new RegExp(`id="fig-${k}">(\\d+)<`).exec(page)[1]);
		assert.deepEqual(shown, expected);
		const list = (await new Client(srv.url).get('/en/networks')).text;
		assert.match(list, new RegExp(`id="n-europe"[^]*?data-members="${expected.members}"`));
		// The dormant member drops off the roster too.
		assert.match((await who.chadia.get('/en/networks/europe/members')).text, /roster-hidden">[^<]*: 1</);
	});

	test('the programme team creates a network; bad slugs and texts are refused', async () => {
		const texts = { name_ar: 'شبكة المهندسين', name_fr: 'Ingénieurs', name_en: 'Engineers', summary_ar: 'مهندسون مغاربة.', summary_fr: 'Ingénieurs marocains.', summary_en: 'Moroccan engineers.', kind: 'thematic', membership: 'open' };
		const create = (form) => step(adminC, '/en/admin/networks', '/en/admin/networks', form);
		for (const slug of ['', 'Bad Slug', '-edge', 'edge-', 'é', 'x'.repeat(65)]) {
			const r = await create({ ...texts, slug });
			assert.equal(r.status, 422, `slug "${slug}"`);
			assert.match(r.text, /Invalid identifier/);
		}
		let r = await create({ ...texts, slug: 'engineers', name_fr: '', summary_en: 's'.repeat(1001), kind: 'other', membership: 'sometimes' });
		assert.equal(r.status, 422);
		for (const m of [/Enter the name in this language/, /may not exceed 1,000 characters/, /a geographic or a thematic network/, /open membership, or on approval/]) assert.match(r.text, m);
		r = await create({ ...texts, slug: 'europe' });
		assert.equal(r.status, 409);
		assert.match(r.text, /Another network already has this identifier/);
		assert.equal(count(`SELECT COUNT(*) FROM networks`), 6);
		r = await create({ ...texts, slug: 'engineers' });
		assert.equal(r.status, 303);
		assert.match(r.location, /\/en\/admin\/networks\/engineers\?done=created$/);
		assert.equal(count(`SELECT COUNT(*) FROM audit_log WHERE action = 'network_created' AND target_id = 'engineers'`), 1);
		const page = await new Client(srv.url).get('/fr/networks/engineers');
		assert.equal(page.status, 200);
		assert.match(page.text, /<h1>Ingénieurs<\/h1>/);
		assert.equal((await who.amina.get('/en/admin/networks')).status, 403);
		// Removing a coordinator: notified, and no longer managing.
		r = await appoint('north-america', who.driss, 'remove');
		assert.equal(r.status, 303);
		assert.equal(notes(who.driss.id, 'network.coordinator_removed'), 1);
		assert.equal((await who.driss.get('/en/networks/north-america/manage')).status, 404);
		r = await appoint('north-america', who.driss, 'remove');
		assert.equal(r.status, 422);
		assert.match(r.text, /does not coordinate this network/);
		// A coordinator need not be a member, and may become one.
		let p = await who.chadia.get('/en/networks/europe');
		assert.match(p.text, /id="membership" data-role="coordinator"[^]*id="join-form"[^]*You coordinate this network/);
		assert.equal((await join(who.chadia, 'europe')).status, 303);
		assert.equal(memberState('europe', who.chadia.id), 'member');
		p = await who.chadia.get('/en/networks/europe');
		assert.match(p.text, /id="leave-form"/);
		assert.doesNotMatch(p.text, /id="join-form"/);
	});
});

describe('a large roster', () => {
	test('more than 100 members shown: pages of 100, every member counted', async () => {
		const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
		const bulk = (table, columns, select) => sql(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 130) INSERT INTO ${table} (${columns}) SELECT ${select} FROM n`);
		bulk('users', 'id, email, lang, created_at, updated_at', `900000 + i, 'bulk' || i || '@example.org', 'en', '${now}', '${now}'`);
		bulk('profiles', 'user_id, name, country, city, confirmed_at, created_at, updated_at', `900000 + i, 'Zz Bulk ' || (1000 + i), 'SG', 'Singapore', '${now}', '${now}', '${now}'`);
		bulk('consents', 'user_id, audience, granted, notice_version, at', `900000 + i, 'networks', CASE WHEN i % 10 = 0 THEN 0 ELSE 1 END, 1, '${now}'`);
		bulk('network_members', 'network, user_id, state, message, requested_at, joined_at', `'singapore', 900000 + i, 'member', '', '${now}', '${now}'`);
		assert.equal((await join(who.amina, 'singapore')).status, 303);
		const shown = 130 - 13 + 1; // a tenth did not consent; Amina
		const p1 = await who.amina.get('/en/networks/singapore/members');
		assert.equal(p1.text.match(/id="m-\d+"/g).length, 100);
		assert.match(p1.text, new RegExp(`id="roster-count">Members shown: ${shown}<`));
		assert.match(p1.text, /Amina Alaoui[^]*Zz Bulk 1001/, 'sorted by name');
		assert.match(p1.text, /Page 1 of 2[^]*href="\/en\/networks\/singapore\/members\?page=2"/);
		const p2 = await who.amina.get('/en/networks/singapore/members?page=2');
		assert.equal(p2.text.match(/id="m-\d+"/g).length, shown - 100);
		assert.match(p2.text, /Zz Bulk 1129/);
		assert.doesNotMatch(p2.text, /Zz Bulk 1120/, 'no consent, not shown');
		assert.match((await adminC.get('/en/networks/singapore/members?page=2')).text, /roster-hidden">[^<]*: 13</);
		assert.match((await new Client(srv.url).get('/en/networks/singapore')).text, /id="fig-members">131</);
	});
});
