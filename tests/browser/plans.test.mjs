// Browser test of sectoral plans (docs/PLANS.md), in Arabic and in French,
// each language with its own ministry, through the real pages without
// JavaScript: the owner opens "Sectoral plans" from the menu, declares this
// year's plan, is told what is wrong with a negative target (the message by
// the field), corrects it and sees the plan with its progress bars and their
// numbers as text; the institution's public page shows the plan without its
// focal point; the programme team's list and the dashboard mark it behind
// its pace. On the way: the language and direction of every page, and
// axe-core finds no violation on the list (empty and with a plan), the form
// (empty and with its errors), the public page, the programme team's list
// and the dashboard. Set-up that is not part of the story (accounts, the
// institution) goes over HTTP.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { Client, enrolTotp, lastMailTo, linkIn } from '../client.mjs';
import { kafaat, startServer } from '../kafaat.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--no-first-run'];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-plans-browser-'));
const clockFile = path.join(tmp, 'clock');
const now = Date.parse('2027-07-02T12:00:00Z') / 1000; // half of 2027 is over
writeFileSync(clockFile, String(now));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';
let srv, browser, admin;

// ---- Set-up over HTTP (not part of the story) ------------------------------------

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

// A verified ministry and its owner, signed in over HTTP.
async function ministry(names, owner, lang) {
	await admin.get(`/${lang}/admin/institutions`);
	const r = await admin.post(`/${lang}/admin/institutions`, { ...names, kind: 'ministry' });
	assert.equal(r.status, 303, `institution: ${r.status}`);
	const id = /\/admin\/institutions\/(\d+)/.exec(r.location)[1];
	await admin.get(`/${lang}/admin/institutions/${id}`);
	assert.equal((await admin.post(`/${lang}/admin/institutions/${id}/verify`, { set: '1' })).status, 303);
	await admin.get(`/${lang}/admin/invitations`);
	assert.equal((await admin.post(`/${lang}/admin/invitations`, { email: owner, institution: id, role: 'owner', lang })).status, 200);
	return { id, owner: await fromLink(linkIn(lastMailTo(srv.db, owner, env), '/invitation\\?token='), owner, lang) };
}

// ---- In the browser ---------------------------------------------------------------

// A browser without JavaScript in the session the set-up opened over HTTP.
async function session(client, lang) {
	const context = await browser.newContext({ javaScriptEnabled: false });
	await context.addCookies([...client.cookies].map(([name, value]) => ({ name, value, url: srv.url })));
	const page = await context.newPage();
	await page.goto(`${srv.url}/${lang}/account`);
	assert.match(page.url(), new RegExp(`/${lang}/account$`), 'signed in');
	return { context, page };
}

// axe-core needs timers, which a page without JavaScript does not run: the
// page as the person saw it is shown again, at its address, in a page with
// JavaScript whose own scripts are blocked, and checked there.
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
	await axePage.evaluate(axeSource); // through DevTools: the CSP refuses inline script
	const found = await axePage.evaluate(async () => {
		const r = await window.axe.run(document, { resultTypes: ['violations'] });
		return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`);
	});
	assert.deepEqual(found, [], `axe on ${what}`);
}

async function check(page, lang, what) {
	assert.equal(await page.getAttribute('html', 'lang'), lang, `${what}: language`);
	assert.equal(await page.getAttribute('html', 'dir'), lang === 'ar' ? 'rtl' : 'ltr', `${what}: direction`);
	await axe(page, `${what} (${lang})`);
}

const text = (s) => s.replace(/\s+/g, ' ').trim();
const mainText = async (page) => text(await page.textContent('main'));

before(async () => {
	srv = await startServer({ env });
	browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
	await axeStart();
	const r = kafaat(['admin', 'create', 'equipe@example.org', '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	admin = await fromLink(linkIn(r.stdout, '/invitation\\?token='), 'equipe@example.org', 'fr');
	await enrolTotp(admin, 'fr', now);
});
after(async () => {
	await browser?.close();
	await srv?.stop();
	rmSync(tmp, { recursive: true, force: true });
});

const stories = {
	fr: {
		names: { name_ar: 'مديرية الماء', name_fr: 'Direction de l’eau', name_en: 'Water Directorate' },
		owner: 'responsable.eau@example.org', focal: ['Rachid Tahiri', 'Chef du service des partenariats'],
		skill: 'Gestion des ressources en eau',
		says: {
			title: 'Plans sectoriels de mobilisation', none: 'Aucun plan déclaré', error: 'nombre entier de 0 à 100',
			saved: 'Le plan est enregistré', needs: 'Besoins publiés : 0 sur 6', experts: 'Experts mobilisés : 0 sur 4',
			behind: 'En retard', publicTitle: 'Plan sectoriel de mobilisation', adminTitle: 'Plans sectoriels',
		},
	},
	ar: {
		names: { name_ar: 'مديرية الطاقة', name_fr: 'Direction de l’énergie', name_en: 'Energy Directorate' },
		owner: 'masoul.taqa@example.org', focal: ['سعاد المنصوري', 'رئيسة قسم التعاون'],
		skill: 'طاقة الرياح',
		says: {
			title: 'مخططات التعبئة القطاعية', none: 'لم يُصرَّح بأي مخطط بعد', error: 'عدداً صحيحاً من 0 إلى 100000',
			saved: 'تم حفظ المخطط', needs: 'الحاجيات المنشورة: 0 من أصل 6', experts: 'الخبراء المعبَّؤون: 0 من أصل 4',
			behind: 'متأخر', publicTitle: 'مخطط التعبئة القطاعي', adminTitle: 'المخططات القطاعية',
		},
	},
};

for (const [lang, s] of Object.entries(stories)) {
	test(`a ministry declares its plan, in ${lang}`, async () => {
		const m = await ministry(s.names, s.owner, lang);
		const { context, page } = await session(m.owner, lang);
		await page.click(`.kf-nav a[href="/${lang}/institution/plans"]`);
		assert.match(await mainText(page), new RegExp(s.says.title));
		assert.match(await mainText(page), new RegExp(s.says.none));
		await check(page, lang, 'the empty list of plans');

		await page.click('#new-plan');
		assert.match(page.url(), new RegExp(`/${lang}/institution/plans/new$`));
		assert.equal(await page.inputValue('#f-year'), '2027');
		await check(page, lang, 'the empty plan form');

		await page.fill('#f-needs_target', '-5');
		await page.fill('#f-experts_target', '4');
		await page.fill('#f-focal_name', s.focal[0]);
		await page.fill('#f-focal_title', s.focal[1]);
		await page.fill('#f-focal_email', s.owner);
		await page.check('#f-sec_5'); // energy
		await page.fill('#f-skill_0', s.skill);
		await page.click('#save-plan');
		assert.match(text(await page.textContent('#e-needs_target')), new RegExp(s.says.error));
		assert.equal(await page.getAttribute('#f-needs_target', 'aria-invalid'), 'true');
		assert.equal(await page.inputValue('#f-focal_name'), s.focal[0], 'what was typed is kept');
		await check(page, lang, 'the plan form with its errors');

		await page.fill('#f-needs_target', '6');
		await page.click('#save-plan');
		assert.match(page.url(), new RegExp(`/${lang}/institution/plans\\?saved=1$`));
		const list = await mainText(page);
		assert.match(list, new RegExp(s.says.saved));
		assert.match(list, new RegExp(s.says.needs));
		assert.match(list, new RegExp(s.says.experts));
		assert.match(list, new RegExp(s.says.behind), 'nothing done at mid-year: behind');
		assert.match(list, new RegExp(s.focal[0]));
		assert.equal(await page.locator('main progress').count(), 2, 'a bar for each target');
		await check(page, lang, 'the list with a plan');

		await page.goto(`${srv.url}/${lang}/institutions/${m.id}`);
		const pub = await mainText(page);
		assert.match(pub, new RegExp(s.says.publicTitle));
		assert.match(pub, new RegExp(s.says.needs));
		assert.doesNotMatch(pub, new RegExp(s.focal[0]), 'the focal point is not public');
		await check(page, lang, 'the public page with its plan');
		await context.close();

		const team = await session(admin, lang);
		await team.page.goto(`${srv.url}/${lang}/admin/plans`);
		const listed = text(await team.page.textContent('#behind-list'));
		assert.match(listed, new RegExp(s.names[`name_${lang}`]));
		assert.match(await mainText(team.page), new RegExp(s.says.adminTitle));
		await check(team.page, lang, 'the programme team’s list');
		await team.page.goto(`${srv.url}/${lang}/admin/dashboard`);
		const row = text(await team.page.textContent('#plans-progress'));
		assert.match(row, new RegExp(s.names[`name_${lang}`]));
		assert.match(row, new RegExp(s.says.behind));
		await check(team.page, lang, 'the dashboard with its section of plans');
		await team.context.close();
	});
}
