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
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { Client, enrolTotp, lastMailTo, linkIn } from '../client.mjs';
import { kafaat, root, startServer } from '../kafaat.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--no-first-run'];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-discussions-browser-'));
const clockFile = path.join(tmp, 'clock');
const NOW = 1_795_176_000; // 2026-11-20T12:00:00Z
writeFileSync(clockFile, String(NOW));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';
const pgUrl = process.env.TEST_PG_URL;
let srv, browser;

before(async () => {
	srv = await startServer({ env });
	browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
	await axeStart();
});
after(async () => {
	await browser?.close();
	await srv?.stop();
	rmSync(tmp, { recursive: true, force: true });
});

// ---- What the pages should say (locale/ar/*.po) -------------------------------------

function catalogue(lang) {
	const out = {};
	const dir = path.join(root, 'locale', lang);
	for (const f of readdirSync(dir).filter((n) => n.endsWith('.po'))) {
		let entry = null;
		const flush = () => { if (entry?.id) out[entry.id] = entry.str; };
		for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
			const m = /^(?:(msgid|msgstr) )?(".*")$/.exec(line);
			if (!m) continue;
			if (m[1] === 'msgid') { flush(); entry = { id: '', str: '', field: 'id' }; }
			else if (m[1] === 'msgstr') entry.field = 'str';
			if (entry) entry[entry.field] += JSON.parse(m[2]);
		}
		flush();
	}
	return out;
}
const cat = { ar: catalogue('ar'), fr: catalogue('fr') };
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
function says(lang, key, vars = {}) {
	const said = cat[lang][key];
	assert.ok(said, `no ${lang} text for ${key}`);
	const parts = said.split(/(\{\w+\})/).map((p) => {
		const m = /^\{(\w+)\}$/.exec(p);
		if (!m) return escapeRe(p);
		return m[1] in vars ? escapeRe(String(vars[m[1]])) : '.+?';
	});
	return new RegExp(parts.join('').replace(/\s+/g, '\\s+'));
}
const text = (s) => s.replace(/\s+/g, ' ').trim();
const mainText = async (page) => text(await page.textContent('main'));

// ---- Set-up over HTTP --------------------------------------------------------------------

function sql(q) {
	const [cmd, args] = pgUrl ? ['psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', srv.db, '-c', q]]
		: ['sqlite3', ['-bail', '-cmd', '.timeout 10000', srv.db, q]];
	const r = spawnSync(cmd, args, { encoding: 'utf8' });
	assert.equal(r.status, 0, `${q}: ${r.stderr}`);
	return r.stdout.trim();
}

async function signInHttp(c, email, lang = 'ar') {
	await c.get(`/${lang}/signin`);
	const r = await c.post(`/${lang}/signin`, { email, password: PW });
	assert.equal(r.status, 303, `sign-in of ${email}`);
	return c;
}

async function expert(email, lang) {
	const c = new Client(srv.url);
	await c.get(`/${lang}/signup`);
	await c.post(`/${lang}/signup`, { email, password: PW, password2: PW, lang, adult: 'yes', notice: 'yes' });
	await c.get(linkIn(lastMailTo(srv.db, email, env), '/verify\\?token='));
	return signInHttp(c, email, lang);
}

// ---- In the browser --------------------------------------------------------------------

async function session(client, lang) {
	const context = await browser.newContext({ javaScriptEnabled: false });
	await context.addCookies([...client.cookies].map(([name, value]) => ({ name, value, url: srv.url })));
	const page = await context.newPage();
	await page.goto(`${srv.url}/${lang}/account`);
	assert.match(page.url(), new RegExp(`/${lang}/account$`), 'signed in');
	return { context, page };
}

let axePage, shown = null;
async function axeStart() {
	axePage = await (await browser.newContext()).newPage();
	await axePage.route((u) => u.pathname.endsWith('.js'), (r) => r.abort());
	await axePage.route((u) => shown && u.href === shown.href,
		(r) => r.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: shown.html }));
}
async function axe(page, what) {
	const url = new URL(page.url());
	url.hash = '';
	shown = { href: url.href, html: await page.content() };
	await axePage.goto(url.href);
	await axePage.evaluate(axeSource);
	const found = await axePage.evaluate(async () => {
		const r = await window.axe.run(document, { resultTypes: ['violations'] });
		return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`);
	});
	assert.deepEqual(found, [], `axe on ${what}`);
}
async function check(page, lang, what) {
	assert.equal(await page.getAttribute('html', 'lang'), lang, `${what}: language`);
	assert.equal(await page.getAttribute('html', 'dir'), lang === 'ar' ? 'rtl' : 'ltr', `${what}: direction`);
	await axe(page, what);
}

async function join(c, slug, lang) {
	await c.get(`/${lang}/networks/${slug}`);
	const r = await c.post(`/${lang}/networks/${slug}/join`, {});
	assert.equal(r.status, 303, `joining ${slug}`);
}

// The whole story in one language, in its own network, with its own people.
async function story(lang, slug) {
	const coordClient = await expert(`coord-${lang}@example.org`, lang);
	const r = kafaat(['admin', 'grant', `coord-${lang}@example.org`, 'coordinator', slug, '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	await signInHttp(coordClient, `coord-${lang}@example.org`, lang);
	await enrolTotp(coordClient, lang, NOW);
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
