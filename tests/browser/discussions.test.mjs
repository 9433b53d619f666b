// Browser test of network discussions, in Arabic (right to left) and in
// French, through the real pages without JavaScript: a member opens the
// network's discussions from its page, is told what is missing from an empty
// thread form, starts a thread; another member replies and reports the first
// post; the network's coordinator (signed in with an authenticator) finds the
// report in the queue and hides the post with a reason — members then read
// "hidden by the coordinator" where the coordinator still reads the text —
// and locks the thread, after which the reply form is gone. The public
// changelog in both languages. axe-core finds no violation on the list, the
// form (empty and with its errors), the thread (for a member, for the
// coordinator), the reports queue and the changelog. Set-up that is not part
// of the story (accounts, the authenticator, membership) goes over HTTP.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { newStaff, signUp, sqlRows } from '../client.mjs';
import { startServer } from '../kafaat.mjs';
import { Axe, language, launch, mainText, says, session as sessionOf, text } from './lib.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-discussions-browser-'));
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

// ---- Set-up over HTTP --------------------------------------------------------------------

const sql = (q) => sqlRows(srv.db, q).join('\n');
const expert = (email, lang) => signUp(srv, env, email, PW, lang);

// ---- In the browser --------------------------------------------------------------------

const session = (client, lang) => sessionOf(browser, srv.url, client, lang);
async function check(page, lang, what) {
	await language(page, lang, what);
	await axe.check(page, what);
}

async function join(c, slug, lang) {
	await c.get(`/${lang}/networks/${slug}`);
	const r = await c.post(`/${lang}/networks/${slug}/join`, {});
	assert.equal(r.status, 303, `joining ${slug}`);
}

// The whole story in one language, in its own network, with its own people.
async function story(lang, slug) {
	const coordClient = await newStaff(srv, env, `coord-${lang}@example.org`, PW, { role: 'coordinator', scope: slug, lang, t: NOW });
	const amina = await expert(`amina-${lang}@example.org`, lang);
	const bilal = await expert(`bilal-${lang}@example.org`, lang);
	await join(amina, slug, lang);
	await join(bilal, slug, lang);
	const base = `/${lang}/networks/${slug}/discussions`;

	// Amina: from the network's page to the discussions, an empty form, then a thread.
	const a = await session(amina, lang);
	await a.page.goto(`${srv.url}/${lang}/networks/${slug}`);
	await a.page.click('#discussions-link');
	assert.match(a.page.url(), new RegExp(`${base}$`));
	assert.match(await mainText(a.page), says(lang, 'discussion.none'));
	await check(a.page, lang, 'the empty list');
	await a.page.click('#new-thread');
	await check(a.page, lang, 'the new thread form');
	await a.page.click('#thread-form button[type=submit]');
	assert.match(await a.page.textContent('#e-title'), says(lang, 'discussion.error.title_required'));
	assert.match(await a.page.textContent('#e-body'), says(lang, 'discussion.error.body_required'));
	await check(a.page, lang, 'the form with its errors');
	const title = lang === 'ar' ? 'تجارب المهام القصيرة' : 'Retours sur les missions courtes';
	const opening = lang === 'ar' ? 'من قام بمهمة قصيرة في المغرب؟\nشاركونا تجاربكم.' : 'Qui a fait une mission courte au Maroc ?\nPartagez vos retours.';
	await a.page.fill('#f-title', title);
	await a.page.fill('#f-body', opening);
	await a.page.click('#thread-form button[type=submit]');
	assert.match(await a.page.textContent('#done'), says(lang, 'discussion.done.posted'));
	assert.equal(text(await a.page.textContent('h1')), title);
	const threadUrl = a.page.url().replace(/\?.*$/, '');
	await check(a.page, lang, 'the new thread');

	// Bilal replies, then reports Amina's post.
	const b = await session(bilal, lang);
	await b.page.goto(`${srv.url}${base}`);
	await b.page.click(`#threads a:text("${title}")`);
	const answer = lang === 'ar' ? 'قمت بمهمة أسبوعين في فاس.' : 'Deux semaines à Fès, très utile.';
	await b.page.fill('#f-body', answer);
	await b.page.click('#reply-form button[type=submit]');
	assert.match(await b.page.textContent('#done'), says(lang, 'discussion.done.replied'));
	assert.match(await mainText(b.page), new RegExp(answer.replace(/[.?]/g, '\\$&')));
	const first = await b.page.getAttribute('article[id^="p-"]', 'id');
	await b.page.click(`#${first} details summary`);
	await b.page.selectOption(`#${first} select[name=reason]`, 'off_topic');
	await b.page.click(`#${first} form button[type=submit]`);
	assert.match(await b.page.textContent('#done'), says(lang, 'discussion.done.reported'));
	await check(b.page, lang, 'the thread, for a member');

	// The coordinator: the queue, hide with a reason, then lock.
	const c = await session(coordClient, lang);
	await c.page.goto(`${srv.url}${base}`);
	assert.match(await c.page.textContent('#reports-link'), says(lang, 'discussion.reports.link', { n: 1 }));
	await c.page.click('#reports-link');
	assert.match(await mainText(c.page), says(lang, 'discussion.report.reason.off_topic'));
	await check(c.page, lang, 'the reports queue');
	const reason = lang === 'ar' ? 'خارج موضوع الشبكة' : 'Hors sujet';
	await c.page.fill('input[name=reason]', reason);
	await c.page.click('button[value=hide]');
	assert.match(await c.page.textContent('#done'), says(lang, 'discussion.done.resolved'));
	assert.match(await mainText(c.page), says(lang, 'discussion.reports.none'));
	await c.page.goto(threadUrl);
	assert.match(await c.page.textContent(`#${first}`), says(lang, 'discussion.hidden'));
	assert.ok((await c.page.textContent(`#${first}`)).includes(reason), 'the coordinator reads the reason');
	assert.ok(text(await c.page.textContent(`#${first}`)).includes(opening.split('\n')[0]), 'and the text');
	await c.page.click('#lock-form button');
	assert.match(await c.page.textContent('#done'), says(lang, 'discussion.done.locked'));
	await check(c.page, lang, 'the thread, for the coordinator');

	// Members: the hidden post without its text, and no reply form.
	await a.page.goto(threadUrl);
	assert.match(await a.page.textContent(`#${first}`), says(lang, 'discussion.hidden'));
	assert.ok(!text(await a.page.textContent(`#${first}`)).includes(opening.split('\n')[0]), 'members do not read it');
	assert.equal(await a.page.$('#reply-form'), null);
	assert.match(await a.page.textContent('#locked-note'), says(lang, 'discussion.error.locked'));
	await check(a.page, lang, 'the locked thread');
	assert.equal(sql(`SELECT COUNT(*) FROM notifications WHERE kind = 'discussion.post_hidden' AND user_id = (SELECT id FROM users WHERE email = 'amina-${lang}@example.org')`), '1');

	// The changelog, from the footer.
	await a.page.click('#changelog-link');
	assert.match(await a.page.textContent('h1'), says(lang, 'changelog.title'));
	await check(a.page, lang, 'the changelog');
	for (const s of [a, b, c]) await s.context.close();
}

test('discussions in Arabic: a thread, a reply, a report, hidden and locked by the coordinator', async () => {
	await story('ar', 'europe');
});

test('discussions in French: the same story in another network', async () => {
	await story('fr', 'north-america');
});
