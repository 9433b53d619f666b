// Network events over HTTP, against a real server with an injected clock:
// coordinators of the network (only) create and edit events whose times are
// written in an IANA zone; every bad input is refused (422, the message next
// to its field, nothing saved); registration gives seats until full, then
// the waiting list, and a freed seat promotes the first waiting (notified);
// a second registration, a registration after closing, a members-only event
// for a non-member are refused; cancellation tells everyone and the
// calendars say CANCELLED with a higher SEQUENCE; attendance from the start
// on. The .ics files parse with python3-icalendar (tests/http/ics_check.py)
// and give the expected UTC instants on both sides of DST changes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, enrolTotp, linkIn, signIn as signInWith, signUp, sqlRows } from '../client.mjs';
import { kafaat, root, startServer } from '../kafaat.mjs';

const pgUrl = process.env.TEST_PG_URL;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-events-'));
const clockFile = path.join(tmp, 'clock');
const NOW = 1_795_176_000; // 2026-11-20T12:00:00Z
const setClock = (t) => writeFileSync(clockFile, String(t));
setClock(NOW);
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';
const utc = (s) => Date.parse(s) / 1000;

let srv, admin, coord, otherCoord;
const people = {}; // name → {c: Client, id}

// ---- Helpers ---------------------------------------------------------------

const sql = (text) => sqlRows(srv.db, text);
const one = (text) => sql(text)[0];

function cli(args) {
	const r = kafaat([...args, '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	return r.stdout;
}

// Membership of a network. The network pages (another part of the project)
// will offer joining; until then the row is written directly. Replace this
// one function when they exist.
function addMember(slug, userId) {
	sql(`INSERT INTO network_members (network, user_id, state, requested_at, joined_at) VALUES ('${slug}', ${userId}, 'member', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')`);
}

const signIn = (c, email, lang = 'fr') => signInWith(c, email, PW, lang);

async function newExpert(email) {
	const c = await signUp(srv, env, email, PW);
	return { c, id: one(`SELECT id FROM users WHERE email = '${email}'`) };
}

async function newCoordinator(email, slug) {
	const p = await newExpert(email);
	cli(['admin', 'grant', email, 'coordinator', slug]);
	await signIn(p.c, email);
	await enrolTotp(p.c, 'fr', NOW);
	return p;
}

const decode = (s) => s.replace(/&#39;/g, '\'').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
function formErrors(html) {
	const out = {};
	for (const m of html.matchAll(/<div class="invalid-feedback d-block[^"]*" id="e-([^"]+)">([^<]*)</g)) out[m[1]] = decode(m[2]);
	return out;
}
const alertOf = (html) => decode((/id="event-error">([^<]*)</.exec(html) ?? [])[1] ?? '');

// A complete event form, changed by `over`.
function eventForm(over = {}) {
	return {
		title: 'Rencontre des ingénieurs à Paris', description: 'Présentations et échanges.\nOuvert aux membres.',
		mode: 'in_person', open_to: 'members', online_url: '', city: 'Paris', address: '10 rue de la Paix',
		tz: 'Europe/Paris', start_date: '2026-12-10', start_time: '18:30', end_date: '2026-12-10', end_time: '21:00',
		closes_date: '', closes_time: '', capacity: '2', ...over,
	};
}

async function create(who, over = {}, slug = 'europe') {
	await who.get(`/fr/networks/${slug}/events/new`);
	const r = await who.post(`/fr/networks/${slug}/events/new`, eventForm(over));
	assert.equal(r.status, 303, `create: ${r.status} ${JSON.stringify(formErrors(r.text))}`);
	return /\/events\/(\d+)\?done=created$/.exec(r.location)[1];
}

// Posts the edit form of event id as `who` saw it (its hidden sequence).
async function edit(who, id, over = {}) {
	const page = await who.get(`/fr/events/${id}/edit`);
	const sequence = /name="sequence" value="(\d+)"/.exec(page.text)[1];
	return who.post(`/fr/events/${id}/edit`, eventForm({ sequence, ...over }));
}

async function post(who, url, form = {}) {
	await who.get(url.replace(/\/(register|unregister|cancel)$/, ''));
	return who.post(url, form);
}

const count = (table, where = '1 = 1') => Number(one(`SELECT COUNT(*) FROM ${table} WHERE ${where}`));
const kinds = (userId) => sql(`SELECT kind FROM notifications WHERE user_id = ${userId} ORDER BY id`);

// Fetches an .ics and returns what ics_check.py parsed.
async function calendar(url) {
	const res = await fetch(srv.url + url);
	assert.equal(res.status, 200);
	assert.equal(res.headers.get('content-type'), 'text/calendar; charset=utf-8');
	const file = path.join(tmp, `cal-${Math.random().toString(36).slice(2)}.ics`);
	writeFileSync(file, Buffer.from(await res.arrayBuffer()));
	const r = spawnSync('/usr/bin/python3', [path.join(root, 'tests/http/ics_check.py'), file], { encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	return JSON.parse(r.stdout);
}

before(async () => {
	srv = await startServer({ env });
	const link = linkIn(cli(['admin', 'create', 'admin@example.org']), '/invitation\\?token=');
	admin = new Client(srv.url);
	await admin.get(link);
	await admin.post('/fr/invitation', { token: new URL(srv.url + link).searchParams.get('token'), password: PW, password2: PW });
	await signIn(admin, 'admin@example.org');
	await enrolTotp(admin, 'fr', NOW);
	coord = await newCoordinator('coord.europe@example.org', 'europe');
	otherCoord = await newCoordinator('coord.sg@example.org', 'singapore');
	for (const n of ['amal', 'badr', 'chama', 'driss', 'outsider']) {
		people[n] = await newExpert(`${n}@example.org`);
		if (n !== 'outsider') addMember('europe', people[n].id);
	}
});
after(async () => { await srv?.stop(); rmSync(tmp, { recursive: true, force: true }); });

// ---- Tests -----------------------------------------------------------------

describe('creating events', () => {
	test('only a coordinator of the network may create', async () => {
		const before = count('events');
		await otherCoord.c.get('/fr/networks/singapore/events/new');
		assert.equal((await otherCoord.c.post('/fr/networks/europe/events/new', eventForm())).status, 403);
		assert.equal((await otherCoord.c.get('/fr/networks/europe/events/new')).status, 403);
		const member = people.amal.c;
		await member.get('/fr/events');
		assert.equal((await member.get('/fr/networks/europe/events/new')).status, 403);
		assert.equal((await member.post('/fr/networks/europe/events/new', eventForm())).status, 403);
		const anon = new Client(srv.url);
		await anon.get('/fr/events');
		const r = await anon.get('/fr/networks/europe/events/new');
		assert.equal(r.status, 303);
		assert.match(r.location, /\/signin$/);
		assert.equal(count('events'), before);
		assert.equal((await coord.c.get('/fr/networks/nowhere/events/new')).status, 404);

		const id = await create(coord.c);
		const page = await coord.c.get(`/fr/events/${id}?done=created`);
		assert.equal(page.status, 200);
		assert.match(page.text, /id="event-zone">Europe\/Paris</);
		assert.match(page.text, /id="event-offset" dir="ltr">UTC\+01:00</);
		assert.match(page.text, /2026-12-10 17:30 UTC – 2026-12-10 20:00 UTC/);
		assert.equal(one(`SELECT starts_at || ' ' || ends_at || ' ' || registration_closes_at || ' ' || tz FROM events WHERE id = ${id}`),
			'2026-12-10T17:30:00Z 2026-12-10T20:00:00Z 2026-12-10T17:30:00Z Europe/Paris');
		assert.equal(count('audit_log', `action = 'event_created' AND target_id = '${id}'`), 1);
	});

	test('every bad input: 422, the message next to its field, nothing saved', async () => {
		const cases = [
			[{ title: '' }, 'title', /titre/],
			[{ end_date: '2026-12-10', end_time: '18:00' }, 'end_date', /après le début/],
			[{ capacity: '0' }, 'capacity', /entre 1 et 10000/],
			[{ capacity: 'dix' }, 'capacity', /entre 1 et 10000/],
			[{ tz: 'America/Toronto', start_date: '2027-03-14', start_time: '02:30', end_date: '2027-03-14', end_time: '05:00' }, 'start_date', /n’existe pas/],
			[{ tz: 'Mars/Olympus' }, 'tz', /fuseau horaire/],
			[{ tz: '../../etc/passwd' }, 'tz', /fuseau horaire/],
			[{ closes_date: '2026-12-11', closes_time: '09:00' }, 'closes_date', /avant la fin/],
			[{ start_date: '2026-11-01' }, 'start_date', /futur/],
			[{ start_date: '2026-02-30' }, 'start_date', /AAAA-MM-JJ/],
			[{ mode: 'online', online_url: 'javascript:alert(1)' }, 'online_url', /https:\/\//],
			[{ city: '' }, 'city', /ville/],
			[{ mode: 'teleportation' }, 'mode', /en ligne ou en présentiel/],
		];
		const before = count('events');
		await coord.c.get('/fr/networks/europe/events/new');
		for (const [over, field, message] of cases) {
			const r = await coord.c.post('/fr/networks/europe/events/new', eventForm(over));
			assert.equal(r.status, 422, JSON.stringify(over));
			const errs = formErrors(r.text);
			assert.match(errs[field] ?? '', message, `${JSON.stringify(over)}: ${JSON.stringify(errs)}`);
			assert.match(r.text, new RegExp(`href="#f-${field}"`));
		}
		assert.equal(count('events'), before);
		// The values typed come back.
		const r = await coord.c.post('/fr/networks/europe/events/new', eventForm({ title: 'Titre gardé', capacity: '0' }));
		assert.match(r.text, /value="Titre gardé"/);
	});
});

describe('registration and the waiting list', () => {
	let id;
	before(async () => { id = await create(coord.c, { title: 'Atelier à deux places', capacity: '2' }); });

	test('seats until full, then the waiting list in order; a second registration is refused', async () => {
		for (const n of ['amal', 'badr', 'chama', 'driss']) {
			const r = await post(people[n].c, `/fr/events/${id}/register`);
			assert.equal(r.status, 303, n);
		}
		assert.equal(one(`SELECT seats_taken FROM events WHERE id = ${id}`), '2');
		assert.deepEqual(sql(`SELECT u.email, r.state FROM event_registrations r JOIN users u ON u.id = r.user_id WHERE r.event_id = ${id} ORDER BY r.queued_at`),
			['amal@example.org\tregistered', 'badr@example.org\tregistered', 'chama@example.org\twaiting', 'driss@example.org\twaiting']);
		const page = await people.driss.c.get(`/fr/events/${id}`);
		assert.match(page.text, /liste d’attente, position 2/);
		assert.match(page.text, /id="event-seats">Places libres : 0 sur 2</);
		assert.match(page.text, /id="event-waiting">Liste d’attente : 2</);
		assert.deepEqual(kinds(people.chama.id).filter((k) => k.startsWith('event.')), ['event.waiting']);
		assert.deepEqual(kinds(people.amal.id).filter((k) => k.startsWith('event.')), ['event.registered']);

		const again = await post(people.amal.c, `/fr/events/${id}/register`);
		assert.equal(again.status, 422);
		assert.match(alertOf(again.text), /déjà inscrit/);
		assert.equal(count('event_registrations', `event_id = ${id}`), 4);
		assert.equal(one(`SELECT seats_taken FROM events WHERE id = ${id}`), '2');
	});

	test('a seat given up promotes the first waiting, who is told', async () => {
		const r = await post(people.amal.c, `/fr/events/${id}/unregister`);
		assert.equal(r.status, 303);
		assert.equal(one(`SELECT state FROM event_registrations WHERE event_id = ${id} AND user_id = ${people.chama.id}`), 'registered');
		assert.equal(one(`SELECT state FROM event_registrations WHERE event_id = ${id} AND user_id = ${people.driss.id}`), 'waiting');
		assert.equal(one(`SELECT seats_taken FROM events WHERE id = ${id}`), '2');
		assert.ok(kinds(people.chama.id).includes('event.promoted'));
		const inbox = await people.chama.c.get('/fr/inbox');
		assert.match(decode(inbox.text), /Une place s’est libérée : vous êtes inscrit·e à « Atelier à deux places »/);
		const page = await people.driss.c.get(`/fr/events/${id}`);
		assert.match(page.text, /position 1/);
		// Leaving the waiting list frees nothing.
		assert.equal((await post(people.driss.c, `/fr/events/${id}/unregister`)).status, 303);
		assert.equal(one(`SELECT seats_taken FROM events WHERE id = ${id}`), '2');
		// Not registered any more: giving up again is an error, nothing changed.
		const none = await post(people.driss.c, `/fr/events/${id}/unregister`);
		assert.equal(none.status, 422);
		assert.match(alertOf(none.text), /pas inscrit/);
	});

	test('capacity: lowering below the seats taken is refused; raising promotes', async () => {
		assert.equal((await post(people.driss.c, `/fr/events/${id}/register`)).status, 303);
		assert.equal(one(`SELECT state FROM event_registrations WHERE event_id = ${id} AND user_id = ${people.driss.id}`), 'waiting');
		const low = await edit(coord.c, id, { title: 'Atelier à deux places', capacity: '1' });
		assert.equal(low.status, 422);
		assert.match(formErrors(low.text).capacity, /sous le nombre de places déjà prises/);
		assert.equal(one(`SELECT capacity FROM events WHERE id = ${id}`), '2');
		const high = await edit(coord.c, id, { title: 'Atelier à deux places', capacity: '3' });
		assert.equal(high.status, 303);
		assert.equal(one(`SELECT state FROM event_registrations WHERE event_id = ${id} AND user_id = ${people.driss.id}`), 'registered');
		assert.equal(one(`SELECT seats_taken || '/' || capacity || ' ' || sequence FROM events WHERE id = ${id}`), '3/3 1');
		assert.ok(kinds(people.driss.id).includes('event.promoted'));
	});

	test('a new time tells everyone registered', async () => {
		const before = count('notifications', `kind = 'event.changed'`);
		const stale = (/name="sequence" value="(\d+)"/.exec((await coord.c.get(`/fr/events/${id}/edit`)).text))[1];
		const r = await edit(coord.c, id, { title: 'Atelier à deux places', capacity: '3', start_time: '19:00' });
		assert.equal(r.status, 303);
		// A form made before that change is refused, and shows the event as it is now.
		const old = await coord.c.post(`/fr/events/${id}/edit`, eventForm({ sequence: stale, title: 'Écrasé', capacity: '3' }));
		assert.equal(old.status, 409);
		assert.match(old.text, /id="event-conflict"/);
		assert.match(old.text, /value="19:00"/);
		assert.equal(one(`SELECT title FROM events WHERE id = ${id}`), 'Atelier à deux places');
		assert.equal(count('notifications', `kind = 'event.changed'`), before + 3);
		const args = one(`SELECT args FROM notifications WHERE kind = 'event.changed' AND user_id = ${people.badr.id}`);
		assert.match(args, /2026-12-10 19:00 \(Europe\/Paris, UTC\+01:00\)/);
	});

	test('the last seat goes to one person, however many ask at once', async () => {
		const last = await create(coord.c, { title: 'Une seule place', capacity: '1' });
		const who = ['amal', 'badr', 'chama', 'driss'];
		for (const n of who) await people[n].c.get(`/fr/events/${last}`);
		const answers = await Promise.all(who.map((n) => people[n].c.post(`/fr/events/${last}/register`, {})));
		assert.deepEqual(answers.map((r) => r.status), [303, 303, 303, 303]);
		assert.equal(one(`SELECT seats_taken FROM events WHERE id = ${last}`), '1');
		assert.deepEqual(sql(`SELECT state, COUNT(*) FROM event_registrations WHERE event_id = ${last} GROUP BY state ORDER BY state`),
			['registered\t1', 'waiting\t3']);
	});

	test('members only: a non-member is refused; an event open to everyone accepts them', async () => {
		const r = await post(people.outsider.c, `/fr/events/${id}/register`);
		assert.equal(r.status, 403);
		assert.equal(count('event_registrations', `user_id = ${people.outsider.id}`), 0);
		const open = await create(coord.c, { title: 'Conférence ouverte', open_to: 'everyone', capacity: '50' });
		assert.equal((await post(people.outsider.c, `/fr/events/${open}/register`)).status, 303);
		assert.equal(one(`SELECT state FROM event_registrations WHERE event_id = ${open} AND user_id = ${people.outsider.id}`), 'registered');
	});

	test('registration after closing is refused', async () => {
		// Closes at 13:10 in Paris (12:10 UTC); the clock moves little, so that sessions stay.
		const late = await create(coord.c, { title: 'Inscriptions courtes', closes_date: '2026-11-20', closes_time: '13:10' });
		setClock(utc('2026-11-20T12:10:00Z'));
		try {
			const r = await post(people.badr.c, `/fr/events/${late}/register`);
			assert.equal(r.status, 422);
			assert.match(alertOf(r.text), /closes/);
			assert.equal(count('event_registrations', `event_id = ${late}`), 0);
		} finally { setClock(NOW); }
	});

	test('the online link is for people holding a seat only', async () => {
		const online = await create(coord.c, { title: 'Webinaire', mode: 'online', online_url: 'https://meet.example.org/kafaat-42', city: '', address: '', capacity: '1' });
		assert.equal((await post(people.amal.c, `/fr/events/${online}/register`)).status, 303);
		assert.equal((await post(people.badr.c, `/fr/events/${online}/register`)).status, 303);
		assert.match((await people.amal.c.get(`/fr/events/${online}`)).text, /href="https:\/\/meet.example.org\/kafaat-42"/);
		assert.doesNotMatch((await people.badr.c.get(`/fr/events/${online}`)).text, /meet.example.org/);
		assert.doesNotMatch((await new Client(srv.url).get(`/fr/events/${online}`)).text, /meet.example.org/);
		const ics = await calendar(`/fr/events/${online}/calendar.ics`);
		assert.doesNotMatch(JSON.stringify(ics), /meet.example.org/);
	});
});

describe('erasure', () => {
	test('an erased account gives up its seat: the first waiting is promoted, the count stays true', async () => {
		const id = await create(coord.c, { title: 'Une seule place', capacity: '1' });
		const leaving = await newExpert('leaving@example.org');
		addMember('europe', leaving.id);
		assert.equal((await post(leaving.c, `/fr/events/${id}/register`)).status, 303);
		assert.equal((await post(people.badr.c, `/fr/events/${id}/register`)).status, 303);
		assert.equal(one(`SELECT state FROM event_registrations WHERE event_id = ${id} AND user_id = ${people.badr.id}`), 'waiting');
		await leaving.c.get('/fr/profile/delete');
		const gone = await leaving.c.post('/fr/profile/delete', { password: PW });
		assert.ok([200, 303].includes(gone.status), `erasure: ${gone.status}`);
		assert.equal(count('users', "email = 'leaving@example.org'"), 0);
		assert.equal(count('event_registrations', `user_id = ${leaving.id}`), 0);
		assert.equal(one(`SELECT state FROM event_registrations WHERE event_id = ${id} AND user_id = ${people.badr.id}`), 'registered');
		assert.equal(one(`SELECT seats_taken FROM events WHERE id = ${id}`), '1');
		assert.ok(kinds(people.badr.id).includes('event.promoted'));
	});
});

describe('cancellation and attendance', () => {
	test('cancelling tells everyone registered or waiting; the calendar says CANCELLED', async () => {
		const id = await create(coord.c, { title: 'Dîner du réseau', capacity: '1' });
		assert.equal((await post(people.amal.c, `/fr/events/${id}/register`)).status, 303);
		assert.equal((await post(people.badr.c, `/fr/events/${id}/register`)).status, 303);
		const [seq0] = await calendar(`/fr/events/${id}/calendar.ics`);
		assert.equal(seq0.status, 'CONFIRMED');
		// Not a coordinator of the network: refused.
		await otherCoord.c.get('/fr/events');
		assert.equal((await otherCoord.c.post(`/fr/events/${id}/cancel`, { reason: 'non' })).status, 403);
		const empty = await post(coord.c, `/fr/events/${id}/cancel`, { reason: '' });
		assert.equal(empty.status, 422);
		assert.match(formErrors(empty.text).reason, /motif/);
		assert.equal(one(`SELECT state FROM events WHERE id = ${id}`), 'scheduled');
		const r = await post(coord.c, `/fr/events/${id}/cancel`, { reason: 'La salle n’est plus disponible.' });
		assert.equal(r.status, 303);
		assert.equal(one(`SELECT state FROM events WHERE id = ${id}`), 'cancelled');
		for (const n of ['amal', 'badr']) assert.ok(kinds(people[n].id).includes('event.cancelled'), n);
		const [cal] = await calendar(`/fr/events/${id}/calendar.ics`);
		assert.equal(cal.status, 'CANCELLED');
		assert.ok(cal.sequence > seq0.sequence);
		assert.equal(cal.uid, seq0.uid);
		const page = await new Client(srv.url).get(`/fr/events/${id}`);
		assert.match(page.text, /id="event-cancelled"/);
		const feed = await calendar('/fr/networks/europe/calendar.ics');
		assert.equal(feed.find((e) => e.uid === cal.uid).status, 'CANCELLED');
		// Registering for a cancelled event: refused.
		const late = await post(people.chama.c, `/fr/events/${id}/register`);
		assert.equal(late.status, 422);
		assert.match(alertOf(late.text), /annulé/);
	});

	test('attendance from the start of the event', async () => {
		// From 13:20 in Paris (12:20 UTC), twenty minutes from now.
		const id = await create(coord.c, { title: 'Table ronde', start_date: '2026-11-20', start_time: '13:20', end_date: '2026-11-20', end_time: '15:00', capacity: '5' });
		assert.equal((await post(people.chama.c, `/fr/events/${id}/register`)).status, 303);
		const page = await coord.c.get(`/fr/events/${id}/attendance`);
		assert.match(page.text, /id="attendance-later"/);
		const early = await coord.c.post(`/fr/events/${id}/attendance`, { user: people.chama.id, attended: '1' });
		assert.equal(early.status, 422);
		assert.equal(one(`SELECT COALESCE(attended, -1) FROM event_registrations WHERE event_id = ${id} AND user_id = ${people.chama.id}`), '-1');
		assert.equal((await people.chama.c.get(`/fr/events/${id}/attendance`)).status, 403);
		setClock(utc('2026-11-20T12:20:00Z'));
		try {
			await coord.c.get(`/fr/events/${id}/attendance`);
			const r = await coord.c.post(`/fr/events/${id}/attendance`, { user: people.chama.id, attended: '1' });
			assert.equal(r.status, 303);
			assert.equal(one(`SELECT attended FROM event_registrations WHERE event_id = ${id} AND user_id = ${people.chama.id}`), '1');
			const nobody = await coord.c.post(`/fr/events/${id}/attendance`, { user: people.driss.id, attended: '1' });
			assert.equal(nobody.status, 422);
			// Registration after the start: refused.
			const r2 = await post(people.driss.c, `/fr/events/${id}/register`);
			assert.equal(r2.status, 422);
		} finally { setClock(NOW); }
	});
});

describe('iCalendar', () => {
	test('events written in three zones, on both sides of DST changes, give the right UTC', async () => {
		const cases = [
			// Toronto: EST before 14 March 2027, EDT after.
			[{ tz: 'America/Toronto', start_date: '2027-03-13', start_time: '18:00', end_date: '2027-03-13', end_time: '20:00' }, '2027-03-13T23:00:00Z', '2027-03-14T01:00:00Z'],
			[{ tz: 'America/Toronto', start_date: '2027-03-15', start_time: '18:00', end_date: '2027-03-15', end_time: '20:00' }, '2027-03-15T22:00:00Z', '2027-03-16T00:00:00Z'],
			// Paris: CET before 28 March 2027, CEST after; the overlap of 31 October 2027 takes the earlier.
			[{ tz: 'Europe/Paris', start_date: '2027-03-27', start_time: '10:00', end_date: '2027-03-27', end_time: '12:00' }, '2027-03-27T09:00:00Z', '2027-03-27T11:00:00Z'],
			[{ tz: 'Europe/Paris', start_date: '2027-03-29', start_time: '10:00', end_date: '2027-03-29', end_time: '12:00' }, '2027-03-29T08:00:00Z', '2027-03-29T10:00:00Z'],
			[{ tz: 'Europe/Paris', start_date: '2027-10-31', start_time: '02:30', end_date: '2027-10-31', end_time: '04:00' }, '2027-10-31T00:30:00Z', '2027-10-31T03:00:00Z'],
			// Singapore: no summer time.
			[{ tz: 'Asia/Singapore', start_date: '2026-12-05', start_time: '19:00', end_date: '2026-12-05', end_time: '21:30' }, '2026-12-05T11:00:00Z', '2026-12-05T13:30:00Z'],
			// Sydney: summer in December.
			[{ tz: 'Australia/Sydney', start_date: '2026-12-05', start_time: '19:00', end_date: '2026-12-05', end_time: '21:00' }, '2026-12-05T08:00:00Z', '2026-12-05T10:00:00Z'],
		];
		const title = 'لقاء الكفاءات المغربية بالخارج: الذكاء الاصطناعي، الطيران؛ والهندسة — ملتقى مفتوح';
		for (const [over, start, end] of cases) {
			const id = await create(coord.c, { ...over, title, description: 'Ligne 1; avec, virgules\\ et barre\nLigne 2' });
			const [ev] = await calendar(`/ar/events/${id}/calendar.ics`);
			assert.equal(ev.start, utc(start), `${JSON.stringify(over)} start`);
			assert.equal(ev.end, utc(end), `${JSON.stringify(over)} end`);
			assert.equal(ev.summary, title);
			assert.match(ev.uid, new RegExp(`^event-${id}@`));
			assert.ok(ev.description.includes('Ligne 1; avec, virgules\\ et barre\nLigne 2'), ev.description);
			assert.match(ev.description, new RegExp(over.tz.replace('/', '\\/')));
			assert.equal(ev.status, 'CONFIRMED');
		}
		const feed = await calendar('/fr/networks/europe/calendar.ics');
		assert.ok(feed.length >= cases.length + 5);
		assert.equal(new Set(feed.map((e) => e.uid)).size, feed.length);
		// The page says the same, with the zone and its offset.
		const res = await coord.c.get('/en/networks/europe/events');
		assert.match(res.text, /America\/Toronto, <span dir="ltr">UTC-05:00<\/span>/);
		assert.match(res.text, /America\/Toronto, <span dir="ltr">UTC-04:00<\/span>/);
	});

	test('unknown events and networks: 404', async () => {
		assert.equal((await fetch(`${srv.url}/fr/events/999999/calendar.ics`)).status, 404);
		assert.equal((await fetch(`${srv.url}/fr/networks/nowhere/calendar.ics`)).status, 404);
		assert.equal((await fetch(`${srv.url}/fr/events/999999`)).status, 404);
	});

	test('lists: upcoming across networks', async () => {
		const r = await fetch(`${srv.url}/en/events`);
		const text = await r.text();
		assert.equal(r.status, 200);
		assert.match(text, /Atelier à deux places/);
		assert.match(text, /Singapore|Europe/);
	});
});
