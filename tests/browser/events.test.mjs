// Browser test of network events, in Arabic (right to left), through the
// real pages without JavaScript: a coordinator of the network (signed in
// with an authenticator) opens the network's events, is told what is wrong
// with an incomplete form, then creates an event written in Paris time;
// two experts register and fill it; the third goes to the waiting list;
// when the first gives up their seat the third is promoted, which their
// event page and their inbox say. axe-core finds no violation on the form
// (empty and with its errors), the event page (for the coordinator, a
// registered expert, a waiting one) and the network's events. Set-up that is
// not part of the story (accounts, the authenticator, membership) goes over
// HTTP.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { enrolTotp, signIn, signUp, sqlRows } from '../client.mjs';
import { kafaat, startServer } from '../kafaat.mjs';
import { Axe, language, launch, mainText, says as said, session as sessionOf, text } from './lib.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-events-browser-'));
const clockFile = path.join(tmp, 'clock');
const NOW = 1_795_176_000; // 2026-11-20T12:00:00Z
writeFileSync(clockFile, String(NOW));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';
let srv, browser, axe;

before(async () => {
	srv = await startServer({ env });
	browser = await launch();
	axe = await Axe.start(browser);
});
after(async () => {
	await browser?.close();
	await srv?.stop();
	rmSync(tmp, { recursive: true, force: true });
});

// What the pages should say, in Arabic (locale/ar/*.po).
const says = (key, vars) => said('ar', key, vars);

// ---- Set-up over HTTP --------------------------------------------------------------------

// Membership of a network, written directly: joining has its own tests
// (tests/http/networks.test.mjs).
function addMember(slug, email) {
	sqlRows(srv.db, `INSERT INTO network_members (network, user_id, state, requested_at, joined_at) SELECT '${slug}', id, 'member', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z' FROM users WHERE email = '${email}'`);
}

const signInHttp = (c, email) => signIn(c, email, PW, 'ar');
const expert = (email) => signUp(srv, env, email, PW, 'ar');

// ---- In the browser --------------------------------------------------------------------

const session = (client) => sessionOf(browser, srv.url, client, 'ar');
async function check(page, what) {
	await language(page, 'ar', what);
	await axe.check(page, what);
}

test('a coordinator creates an event in Arabic; experts fill it; the waiting list moves up', async () => {
	const coordClient = await expert('coord@example.org');
	const r = kafaat(['admin', 'grant', 'coord@example.org', 'coordinator', 'europe', '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	await signInHttp(coordClient, 'coord@example.org');
	await enrolTotp(coordClient, 'ar', NOW);
	const experts = {};
	for (const n of ['amina', 'bilal', 'salma']) {
		experts[n] = await expert(`${n}@example.org`);
		addMember('europe', `${n}@example.org`);
	}

	// The coordinator: the network's events, the form, its errors, the event.
	const { page } = await session(coordClient);
	await page.goto(`${srv.url}/ar/networks/europe/events`);
	await check(page, 'the network events');
	await page.click('#event-new');
	assert.match(page.url(), /\/ar\/networks\/europe\/events\/new$/);
	await check(page, 'the empty event form');
	await page.fill('#f-title', '');
	await page.fill('#f-start_date', '2026-12-10');
	await page.fill('#f-start_time', '18:30');
	await page.fill('#f-end_date', '2026-12-10');
	await page.fill('#f-end_time', '17:00');
	await page.click('#event-save');
	assert.match(await page.textContent('#e-title'), says('event.error.title'));
	assert.match(await page.textContent('#e-end_date'), says('event.error.end_before_start'));
	await check(page, 'the event form with its errors');

	const title = 'لقاء الكفاءات المغربية في باريس';
	await page.fill('#f-title', title);
	await page.fill('#f-description', 'عروض ونقاش حول مشاريع الرقمنة.\nمفتوح لأعضاء الشبكة.');
	await page.selectOption('#f-mode', 'in_person');
	await page.fill('#f-city', 'باريس');
	await page.fill('#f-address', 'دار المغرب، المدينة الجامعية الدولية');
	await page.selectOption('#f-tz', 'Europe/Paris');
	await page.fill('#f-end_time', '21:00');
	await page.fill('#f-capacity', '2');
	await page.click('#event-save');
	assert.match(page.url(), /\/ar\/events\/\d+\?done=created$/);
	const eventUrl = page.url().replace(/\?.*$/, '');
	assert.match(await page.textContent('#event-done'), says('event.done.created'));
	assert.equal(text(await page.textContent('h1')), title);
	assert.equal(await page.textContent('#event-zone'), 'Europe/Paris');
	assert.equal(await page.textContent('#event-offset'), 'UTC+01:00');
	assert.match(await page.textContent('#event-utc'), /2026-12-10 17:30 UTC/);
	await check(page, 'the event page (coordinator)');

	// Two experts fill the two seats.
	const pages = {};
	for (const n of ['amina', 'bilal']) {
		pages[n] = (await session(experts[n])).page;
		await pages[n].goto(eventUrl);
		await pages[n].click('#register');
		assert.match(await pages[n].textContent('#event-done'), says('event.done.registered'));
		assert.match(await pages[n].textContent('#my-place'), says('event.my.registered'));
	}
	await check(pages.amina, 'the event page (a registered expert)');

	// The third goes to the waiting list.
	pages.salma = (await session(experts.salma)).page;
	await pages.salma.goto(eventUrl);
	assert.match(await pages.salma.textContent('#register'), says('event.register_waiting'));
	await pages.salma.click('#register');
	assert.match(await pages.salma.textContent('#event-done'), says('event.done.waiting'));
	assert.match(await pages.salma.textContent('#my-place'), says('event.my.waiting', { n: 1 }));
	assert.match(await pages.salma.textContent('#event-waiting'), says('event.waiting_count', { n: 1 }));
	await check(pages.salma, 'the event page (waiting)');

	// Amina gives up her seat: Salma is promoted, and told.
	await pages.amina.goto(eventUrl);
	await pages.amina.click('#unregister');
	assert.match(await pages.amina.textContent('#event-done'), says('event.done.unregistered'));
	await pages.salma.goto(eventUrl);
	assert.match(await pages.salma.textContent('#my-place'), says('event.my.registered'));
	assert.match(await pages.salma.textContent('#event-seats'), says('event.seats_of', { left: 0, capacity: 2 }));
	await pages.salma.goto(`${srv.url}/ar/inbox`);
	assert.match(await mainText(pages.salma), says('notify.event.promoted.text', { title }));
	// And the coordinator sees who holds a seat.
	await page.goto(`${eventUrl}/attendance`);
	const roster = await mainText(page);
	assert.match(roster, /bilal@example\.org/);
	assert.match(roster, /salma@example\.org/);
	assert.doesNotMatch(roster, /amina@example\.org/);
	await check(page, 'the attendance page');
});
