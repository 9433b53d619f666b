// Browser test of a proposal (issue 12), in Arabic and in French, each
// language with its own people, through the real pages without
// JavaScript: an expert finds the proposals through the navigation,
// submits one (told what is wrong first: an empty title, by its field),
// another expert supports it and comments, the programme team answers
// "under study" then, after being told a reason is required, "not
// retained" with its reason; the author sees the dated answers and is told
// in their inbox. axe-core finds no violation on any page visited. Set-up
// that is not part of the story (accounts, the authenticator, the experts'
// profiles) goes over HTTP.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-proposals-browser-'));
const clockFile = path.join(tmp, 'clock');
const now = 1_800_000_000; // Friday 15 January 2027, 08:00 UTC
writeFileSync(clockFile, String(now));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';
let srv, browser, admin;

// ---- The catalogues: what each page should say, in its language ----------------

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
const catalogues = { ar: catalogue('ar'), fr: catalogue('fr') };
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
function says(lang, key, vars = {}) {
	const said = catalogues[lang][key];
	assert.ok(said, `${lang}: no text for ${key}`);
	const parts = said.split(/(\{\w+\})/).map((p) => {
		const m = /^\{(\w+)\}$/.exec(p);
		if (!m) return escapeRe(p);
		return m[1] in vars ? escapeRe(String(vars[m[1]])) : '.+?';
	});
	return new RegExp(parts.join('').replace(/\s+/g, '\\s+'));
}
const text = (s) => s.replace(/\s+/g, ' ').trim();

// ---- Set-up over HTTP -----------------------------------------------------------

function cli(args) {
	const r = kafaat([...args, '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	return r.stdout;
}

async function signInHttp(c, email, lang) {
	await c.get(`/${lang}/signin`);
	const r = await c.post(`/${lang}/signin`, { email, password: PW });
	assert.equal(r.status, 303, `sign-in of ${email}`);
	return c;
}

async function fromLink(link, email, lang) {
	const c = new Client(srv.url);
	await c.get(link);
	const token = new URL(srv.url + link).searchParams.get('token');
	const r = await c.post(`/${lang}/invitation`, { token, password: PW, password2: PW });
	assert.equal(r.status, 200, `invitation of ${email}`);
	return signInHttp(c, email, lang);
}

const everyone = { programme: true, institutions: true, networks: true, directory: true, statistics: true };
const person = (ref, email, lang, name) => ({
	ref, email, lang, name, name_ar: name, country: 'FR', city: 'Lyon', headline: 'Médecin', bio: '',
	languages: [{ code: 'fr', level: 'C2' }], sectors: ['health'], skills: [{ name: 'Gestion de projet', level: 3 }],
	offer: { modes: ['ponctuelle'], presence: ['remote'], hours_per_month: 4, pay: 'pro_bono' },
	consent: everyone, confirmed_at: '2026-12-01',
});
const roster = [
	person('a-ar', 'author.ar@example.org', 'ar', 'نادية التازي'),
	person('s-ar', 'supporter.ar@example.org', 'ar', 'عمر الفاسي'),
	person('a-fr', 'author.fr@example.org', 'fr', 'Nadia Tazi'),
	person('s-fr', 'supporter.fr@example.org', 'fr', 'Omar Fassi'),
];

before(async () => {
	srv = await startServer({ env, demo: false });
	browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
	await axeStart();
	const file = path.join(tmp, 'roster.jsonl');
	writeFileSync(file, roster.map((e) => JSON.stringify(e)).join('\n') + '\n');
	cli(['import', 'experts', file, '--consent-from-file']);
	admin = await fromLink(linkIn(cli(['admin', 'create', 'admin@example.org']), '/invitation\\?token='), 'admin@example.org', 'fr');
	await enrolTotp(admin, 'fr', now);
});
after(async () => {
	await browser?.close();
	await srv?.stop();
	rmSync(tmp, { recursive: true, force: true });
});

// ---- In the browser ---------------------------------------------------------------

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

// The page is in `lang`, right to left for Arabic, and passes axe.
async function check(page, lang, what) {
	assert.equal(await page.getAttribute('html', 'lang'), lang, `${what}: language`);
	assert.equal(await page.getAttribute('html', 'dir'), lang === 'ar' ? 'rtl' : 'ltr', `${what}: direction`);
	await axe(page, `${what} (${lang})`);
}
const mainText = async (page) => text(await page.textContent('main'));

async function story(lang, who) {
	const t = (key, vars) => says(lang, key, vars);
	const authorC = await fromLink(linkIn(lastMailTo(srv.db, who.author, env), '/invitation\\?token='), who.author, lang);
	const supporterC = await fromLink(linkIn(lastMailTo(srv.db, who.supporter, env), '/invitation\\?token='), who.supporter, lang);
	const author = (await session(authorC, lang)).page;

	// The author finds the proposals through the navigation and submits one.
	await author.click(`.kf-nav a[href="/${lang}/proposals"]`);
	await check(author, lang, 'the proposals');
	await author.click('#new-proposal');
	await check(author, lang, 'the proposal form');
	await author.selectOption('#f-kind', 'initiative');
	await author.selectOption('#f-sector', 'health');
	await author.fill('#f-body', who.body);
	await author.click('#f-submit');
	assert.match(await author.textContent('#e-title'), t('proposal.error.empty'));
	assert.equal(await author.getAttribute('#f-title', 'aria-invalid'), 'true');
	assert.equal(await author.inputValue('#f-body'), who.body, 'what was typed is kept');
	await check(author, lang, 'the proposal form with its error');
	await author.fill('#f-title', who.title);
	await author.click('#f-submit');
	assert.match(await author.textContent('#done'), t('proposal.done.submitted'));
	assert.match(await author.textContent('#p-status'), t('proposal.status.received'));
	assert.match(await author.textContent('#p-author'), new RegExp(escapeRe(who.authorName)));
	await check(author, lang, 'the proposal, as its author sees it');
	const id = /\/proposals\/(\d+)/.exec(author.url())[1];

	// Another expert supports it and comments.
	const supporter = (await session(supporterC, lang)).page;
	await supporter.goto(`${srv.url}/${lang}/proposals`);
	await supporter.click(`main a[href="/${lang}/proposals/${id}"]`);
	await check(supporter, lang, 'the proposal, as another expert sees it');
	await supporter.click('#f-support');
	assert.match(await supporter.textContent('#done'), t('proposal.done.supported'));
	assert.match(await supporter.textContent('#p-supports'), t('proposal.supports.count', { n: 1 }));
	await supporter.fill('#f-body', who.comment);
	await supporter.click('#f-comment');
	assert.match(await supporter.textContent('#done'), t('proposal.done.commented'));
	assert.match(await supporter.textContent('#p-comments'), new RegExp(escapeRe(who.comment)));
	await check(supporter, lang, 'the proposal, supported and commented');

	// The programme team answers: under study, then not retained with its reason.
	const adm = (await session(admin, lang)).page;
	await adm.goto(`${srv.url}/${lang}/proposals`);
	await adm.click('#queue-link');
	await check(adm, lang, 'the programme team\'s queue');
	await adm.click(`main a[href="/${lang}/admin/proposals/${id}"]`);
	await check(adm, lang, 'the answer form');
	await adm.selectOption('#f-status', 'under_study');
	await adm.fill('#f-answer', who.study);
	await adm.click('#f-answer-submit');
	assert.match(await adm.textContent('#done'), t('proposal.done.answered'));
	assert.match(await adm.textContent('#p-status'), t('proposal.status.under_study'));
	await adm.selectOption('#f-status', 'not_retained');
	await adm.click('#f-answer-submit');
	assert.match(await adm.textContent('#e-answer'), t('proposal.error.answer_required'));
	await check(adm, lang, 'the answer form with its error');
	await adm.selectOption('#f-status', 'not_retained');
	await adm.fill('#f-answer', who.reason);
	await adm.click('#f-answer-submit');
	assert.match(await adm.textContent('#p-status'), t('proposal.status.not_retained'));
	await check(adm, lang, 'the answered proposal');

	// The author sees the dated answers, and was told at each step.
	await author.reload();
	assert.match(await author.textContent('#p-status'), t('proposal.status.not_retained'));
	assert.match(await author.textContent('#p-answers'), new RegExp(escapeRe(who.reason)));
	assert.match(await author.textContent('#p-answers'), new RegExp(escapeRe(who.study)));
	assert.match(await author.textContent('#p-supports'), t('proposal.supports.count', { n: 1 }));
	await check(author, lang, 'the answered proposal, as its author sees it');
	await author.click(`.kf-nav a[href="/${lang}/inbox"]`);
	const inbox = await mainText(author);
	assert.match(inbox, t('notify.proposal.submitted.text', { title: who.title }));
	assert.match(inbox, t('notify.proposal.supported.text', { title: who.title }));
	assert.match(inbox, t('notify.proposal.commented.text', { title: who.title }));
	assert.match(inbox, t('notify.proposal.answered.text', { title: who.title, status: catalogues[lang]['proposal.status.not_retained'] }));
	await check(author, lang, 'the author\'s inbox');
}

test('a proposal submitted, supported, commented and answered with a reason, in Arabic', async () => {
	await story('ar', {
		author: 'author.ar@example.org', supporter: 'supporter.ar@example.org', authorName: 'نادية التازي',
		title: 'شباك موحد لأطباء الجالية', body: 'نقطة دخول واحدة إلى الوزارة للمهام القصيرة.',
		comment: 'فكرة ممتازة، نحن عشرون طبيبًا في ليون.', study: 'ندرس الجدوى مع الوزارة.',
		reason: 'يوجد شباك مماثل في بوابة مغاربة العالم.',
	});
});

test('the same in French', async () => {
	await story('fr', {
		author: 'author.fr@example.org', supporter: 'supporter.fr@example.org', authorName: 'Nadia Tazi',
		title: 'Un guichet unique pour les médecins de la diaspora', body: 'Un seul point d’entrée au ministère pour les missions courtes.',
		comment: 'Excellente idée : nous sommes vingt médecins à Lyon.', study: 'Nous étudions la faisabilité avec le ministère.',
		reason: 'Un guichet existe déjà sur le portail des Marocains du monde.',
	});
});
