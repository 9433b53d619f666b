// Browser test of a project dossier (issue 8), in Arabic and in French,
// each language with its own people, through the real pages without
// JavaScript: a holder fills the dossier form, is told what is wrong (an
// equity share over 100 %, by its field), corrects it and submits; sees
// the regional investment centre and the MDM Invest pre-check; the
// programme team assigns an advisor; the advisor qualifies and orients the
// dossier with a message the holder reads, looks for mentors (ranked by
// the matching engine, with the reasons) and proposes one; the expert says
// yes, the advisor accepts, the expert confirms; the advisor marks the
// dossier accompanied and the holder sees the stage and the mentor's name.
// axe-core finds no violation on any page visited. Set-up that is not part
// of the story (accounts, the authenticator, the experts' profiles) goes
// over HTTP.
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
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-projects-browser-'));
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

async function advisorOf(email, lang) {
	const c = new Client(srv.url);
	await c.get(`/${lang}/signup`);
	await c.post(`/${lang}/signup`, { email, password: PW, password2: PW, lang, adult: 'yes', notice: 'yes' });
	await c.get(linkIn(lastMailTo(srv.db, email, env), '/verify\\?token='));
	cli(['admin', 'grant', email, 'advisor']);
	await signInHttp(c, email, lang);
	await enrolTotp(c, lang, now);
	return c;
}

const everyone = { programme: true, institutions: true, networks: true, directory: true, statistics: true };
const person = (ref, email, lang, name, over) => ({
	ref, email, lang, name, name_ar: name, country: 'FR', city: 'Lyon', headline: 'Ingénieur', bio: '',
	languages: [{ code: 'fr', level: 'C2' }], sectors: ['digital'], skills: [{ name: 'Gestion de projet', level: 3 }],
	offer: { modes: ['ponctuelle'], presence: ['remote'], hours_per_month: 4, pay: 'pro_bono' },
	consent: everyone, confirmed_at: '2026-12-01', ...over,
});
const mentorOf = (ref, email, lang, name) => person(ref, email, lang, name, {
	headline: 'Entrepreneure, accompagnement de PME', sectors: ['agriculture'],
	skills: [{ name: 'entrepreneurship', level: 5 }, { name: 'project-finance', level: 4 }],
	offer: { modes: ['continue'], presence: ['remote', 'hybrid'], hours_per_month: 8, pay: 'pro_bono' },
});
const roster = [
	person('h-ar', 'holder.ar@example.org', 'ar', 'يوسف العمراني', { country: 'DE' }),
	mentorOf('m-ar', 'mentor.ar@example.org', 'ar', 'سميرة بنعلي'),
	person('h-fr', 'holder.fr@example.org', 'fr', 'Youssef Amrani', {}),
	mentorOf('m-fr', 'mentor.fr@example.org', 'fr', 'Samira Benali'),
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
	const holderC = await fromLink(linkIn(lastMailTo(srv.db, who.holder, env), '/invitation\\?token='), who.holder, lang);
	const mentorC = await fromLink(linkIn(lastMailTo(srv.db, who.mentor, env), '/invitation\\?token='), who.mentor, lang);
	const advisorC = await advisorOf(who.advisor, lang);
	const holder = (await session(holderC, lang)).page;

	// The holder finds the dossiers through the navigation and fills the form.
	await holder.click(`.kf-nav a[href="/${lang}/projects"]`);
	await check(holder, lang, 'my dossiers');
	await holder.click('#new-project');
	await check(holder, lang, 'the dossier form');
	await holder.fill('#f-title', who.title);
	await holder.fill('#f-summary', who.summary);
	await holder.selectOption('#f-sector', 'agriculture');
	await holder.selectOption('#f-stage', 'launch');
	await holder.selectOption('#f-region', 'MA-09');
	await holder.fill('#f-city', who.city);
	await holder.fill('#f-investment', '2 000 000');
	await holder.fill('#f-equity', '120');
	await holder.fill('#f-jobs', '12');
	await holder.check('#f-need_mentoring');
	await holder.click('#f-submit');
	assert.match(await holder.textContent('#e-equity'), t('project.error.equity_range'));
	assert.equal(await holder.getAttribute('#f-equity', 'aria-invalid'), 'true');
	assert.equal(await holder.inputValue('#f-title'), who.title, 'what was typed is kept');
	await check(holder, lang, 'the dossier form with its error');
	await holder.fill('#f-equity', '30');
	await holder.click('#f-submit');
	assert.match(await holder.textContent('#done'), t('project.done.submitted'));
	assert.match(await holder.textContent('#project-state'), t('project.state.submitted'));
	assert.match(await holder.textContent('#p-cri'), t('project.cri', { city: 'Agadir' }));
	assert.match(await holder.textContent('#p-eligible'), t('project.mdm.eligible'));
	await check(holder, lang, 'the holder\'s dossier');
	const id = /\/projects\/(\d+)/.exec(holder.url())[1];

	// The programme team assigns the advisor.
	const adm = (await session(admin, lang)).page;
	await adm.goto(`${srv.url}/${lang}/admin/projects`);
	await check(adm, lang, 'every dossier');
	await adm.click(`main a[href="/${lang}/admin/projects/${id}"]`);
	await adm.selectOption('#f-advisor', { label: who.advisor });
	await adm.click('#do-assign');
	assert.match(await adm.textContent('#done'), t('project.done.assigned'));
	await check(adm, lang, 'the dossier for the programme team');

	// The advisor qualifies and orients, with a message the holder reads.
	const adv = (await session(advisorC, lang)).page;
	await adv.goto(`${srv.url}/${lang}/advisor/projects`);
	await check(adv, lang, 'the advisor\'s queue');
	await adv.click(`main a[href="/${lang}/advisor/projects/${id}"]`);
	await check(adv, lang, 'the advisor\'s dossier');
	await adv.click('#do-qualify');
	assert.match(await adv.textContent('#project-state'), t('project.state.qualified'));
	await adv.fill('#f-note-orient', who.note);
	await adv.click('#do-orient');
	assert.match(await adv.textContent('#project-state'), t('project.state.oriented'));
	await holder.reload();
	assert.match(await holder.textContent('#advisor-note'), new RegExp(escapeRe(who.note)));
	assert.match(await holder.textContent('#project-state'), t('project.state.oriented'));

	// Mentors from the expert pool, ranked with their reasons; one proposed.
	await adv.click('#find-mentors');
	for (let i = 0; i < 50 && !(await adv.locator('#matches').count()); i++) {
		await new Promise((ok) => setTimeout(ok, 100));
		await adv.reload();
	}
	assert.match(await mainText(adv), new RegExp(escapeRe(who.mentorName)));
	await check(adv, lang, 'the mentors matched');
	const mentorId = await adv.locator('#matches > li', { hasText: who.mentorName }).locator('input[name=expert]').getAttribute('value');
	await adv.fill(`#f-message-${mentorId}`, who.note);
	await adv.click(`#propose-${mentorId}`);
	assert.match(await adv.textContent('#done'), t('project.done.proposed'));

	// The expert says yes; the advisor accepts; the expert confirms.
	const mentor = (await session(mentorC, lang)).page;
	await mentor.goto(`${srv.url}/${lang}/mentorships`);
	await check(mentor, lang, 'the mentoring requests');
	assert.match(await mainText(mentor), new RegExp(escapeRe(who.title)));
	await mentor.click('main button[id^="do-interested-"]');
	assert.match(await mentor.textContent('.mentor-state'), t('engagement.state.shortlisted'));
	await adv.goto(`${srv.url}/${lang}/advisor/projects/${id}`);
	await adv.click('#mentors ~ div button:has-text("' + catalogues[lang]['project.mentor.action.accept'] + '")');
	assert.match(await adv.textContent('.mentor-state'), t('engagement.state.accepted'));
	await mentor.reload();
	await mentor.click('main button[id^="do-confirm-"]');
	assert.match(await mentor.textContent('.mentor-state'), t('engagement.state.confirmed'));
	assert.match(await mainText(mentor), new RegExp(escapeRe(who.holder)));
	await check(mentor, lang, 'the confirmed mentorship');

	// Accompanied: the holder sees the stage and the mentor.
	await adv.reload();
	await adv.click('#do-accompany');
	assert.match(await adv.textContent('#project-state'), t('project.state.accompanied'));
	await check(adv, lang, 'the accompanied dossier');
	await holder.reload();
	assert.match(await holder.textContent('#project-state'), t('project.state.accompanied'));
	assert.match(await holder.textContent('#p-mentor-list'), new RegExp(escapeRe(who.mentorName)));
	await check(holder, lang, 'the accompanied dossier, as its holder sees it');

	// The figures count it.
	await adv.goto(`${srv.url}/${lang}/advisor/projects`);
	await adv.click('#figures-link');
	assert.match(await adv.textContent('#funnel'), t('project.state.accompanied'));
	await check(adv, lang, 'the figures');
}

test('a dossier from submission to accompanied, with a mentor engaged, in Arabic', async () => {
	await story('ar', {
		holder: 'holder.ar@example.org', mentor: 'mentor.ar@example.org', advisor: 'advisor.ar@example.org',
		mentorName: 'سميرة بنعلي', title: 'وحدة لتلفيف زيت الأركان', summary: 'تعاونية نسائية في تيزنيت.',
		city: 'تيزنيت', note: 'يرجى أخذ موعد مع المركز الجهوي للاستثمار.',
	});
});

test('the same in French', async () => {
	await story('fr', {
		holder: 'holder.fr@example.org', mentor: 'mentor.fr@example.org', advisor: 'advisor.fr@example.org',
		mentorName: 'Samira Benali', title: 'Unité de conditionnement d’huile d’argan', summary: 'Une coopérative de Tiznit.',
		city: 'Tiznit', note: 'Prenez rendez-vous au CRI Souss-Massa.',
	});
});
