// Browser test of the expert profile (Debian's chromium driven by
// playwright-core): in French and in Arabic an expert fills the whole
// profile without JavaScript, step by step, then chooses who may see it;
// with JavaScript the whole profile again, where an Arabic query in the
// skill field suggests a skill labelled in French, picked with the
// keyboard; axe-core finds no violation on the editor, the consent page and
// the profile in Arabic; the editor fits a phone screen.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { Client, lastMailTo, linkIn } from '../client.mjs';
import { startServer } from '../kafaat.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--no-first-run'];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-profile-browser-'));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail') };
const PW = 'une phrase assez longue 2027';
const STEPS = ['identity', 'languages', 'education', 'experience', 'skills', 'sectors', 'offer', 'links'];
let srv, browser;

before(async () => {
	srv = await startServer({ env });
	browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
});
after(async () => {
	await browser?.close();
	await srv?.stop();
	rmSync(tmp, { recursive: true, force: true });
});

// Signs an expert up over HTTP (the account pages have their own browser
// test), then signs in in a new browser context.
async function expertPage(email, lang, javaScriptEnabled) {
	const c = new Client(srv.url);
	await c.get(`/${lang}/signup`);
	await c.post(`/${lang}/signup`, { email, password: PW, password2: PW, lang, adult: 'yes', notice: 'yes' });
	await c.get(linkIn(lastMailTo(srv.db, email, env), '/verify\\?token='));
	const context = await browser.newContext({ javaScriptEnabled });
	const page = await context.newPage();
	await page.goto(`${srv.url}/${lang}/signin`);
	await page.fill('#f-email', email);
	await page.fill('#f-password', PW);
	await page.click('main button[type=submit]');
	return { context, page };
}

async function axe(page) {
	// Injected through the DevTools protocol: the page's CSP rightly refuses inline script.
	await page.evaluate(axeSource);
	return page.evaluate(async () => {
		const r = await window.axe.run(document, { resultTypes: ['violations'] });
		return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`);
	});
}

// Fills one step as a person would: text fields, selects, checkboxes; then saves.
async function fillStep(page, lang, step, { fill = {}, select = {}, check = [] }, next) {
	await page.goto(`${srv.url}/${lang}/profile/edit/${step}`);
	assert.equal(await page.getAttribute('html', 'lang'), lang);
	for (const [id, v] of Object.entries(fill)) await page.fill(`#f-${id}`, v);
	for (const [id, v] of Object.entries(select)) await page.selectOption(`#f-${id}`, v);
	for (const id of check) await page.check(`#f-${id}`);
	await page.click('main form button[type=submit]');
	const url = new URL(page.url());
	assert.equal(url.pathname, `/${lang}/profile/${next}`, `${step}: ${await page.locator('.invalid-feedback').allTextContents()}`);
}

// The whole profile, every step, then consent for institutions.
async function fillAll(page, lang, t) {
	await fillStep(page, lang, 'identity', {
		fill: { name: t.name, name_ar: t.name_ar, birth_year: '1984', city: t.city, headline: t.headline, bio: t.bio },
		select: { gender: 'f', country: 'CA', nat_add: 'CA' }, check: ['nat_0'],
	}, 'edit/languages');
	await fillStep(page, lang, 'languages', {
		fill: { lang_0_code: t.arabic, lang_1_code: t.french }, select: { lang_0_level: 'C2', lang_1_level: 'C1' },
	}, 'edit/education');
	await fillStep(page, lang, 'education', {
		fill: { edu_0_degree: t.degree, edu_0_institution: 'Université de Montréal', edu_0_country: t.canada, edu_0_year: '2010' },
	}, 'edit/experience');
	await fillStep(page, lang, 'experience', {
		fill: { years_experience: '12', exp_0_role: t.role, exp_0_organisation: 'CHUM', exp_0_country: t.canada, exp_0_from: '2014-09' },
		select: { exp_0_sector: 'health' },
	}, 'edit/skills');
	await fillStep(page, lang, 'skills', {
		fill: { skill_0_name: t.skill, skill_0_years: '8', skill_1_name: 'cardiologue', skill_2_name: t.skill3 ?? 'cybersecurity' },
		select: { skill_0_level: '5', skill_1_level: '4', skill_2_level: '2' },
	}, 'edit/sectors');
	await fillStep(page, lang, 'sectors', { select: { isco: '2212' }, check: ['sec_0', 'pref_0'] }, 'edit/offer');
	await fillStep(page, lang, 'offer', {
		fill: { hours: '10', stay_0_from: '2027-07-01', stay_0_to: '2027-08-15', stay_0_city: t.stayCity },
		select: { pay: 'either' }, check: ['mode_0', 'presence_0', 'presence_2', 'region_5'],
	}, 'edit/links');
	await fillStep(page, lang, 'links', { fill: { linkedin: 'https://www.linkedin.com/in/salma', orcid: '0000-0002-1825-0097' } }, 'consent');
	await page.click('button[value="institutions:1"]');
	assert.match(page.url(), /\/profile\/consent\?done=given$/);
	assert.equal(await page.locator('button[value="institutions:0"]').count(), 1);
	await page.goto(`${srv.url}/${lang}/profile`);
	const main = await page.textContent('main');
	for (const s of [t.name, t.name_ar, t.city, t.degree, t.role, t.skillLabel, t.stayCity, '0000-0002-1825-0097']) {
		assert.ok(main.includes(s), `the profile shows ${s}`);
	}
	assert.equal(await page.getAttribute('#pr-progress', 'value'), '100');
}

test('in French, the whole profile without JavaScript', async () => {
	const { context, page } = await expertPage('salma.fr@example.org', 'fr', false);
	await fillAll(page, 'fr', {
		name: 'Salma Benali', name_ar: 'سلمى بنعلي', city: 'Montréal', headline: 'Cardiologue interventionnelle',
		bio: 'Douze ans de pratique à Montréal.', arabic: 'arabe', french: 'français', degree: 'Doctorat en médecine',
		canada: 'Canada', role: 'Cardiologue', skill: 'Cardiologie interventionnelle',
		skillLabel: 'Cardiologie interventionnelle', stayCity: 'Casablanca',
	});
	await context.close();
});

test('in Arabic, the whole profile without JavaScript', async () => {
	const { context, page } = await expertPage('salma.ar@example.org', 'ar', false);
	await fillAll(page, 'ar', {
		name: 'Salma Benali', name_ar: 'سلمى بنعلي', city: 'مونتريال', headline: 'طبيبة قلب تداخلية',
		bio: 'اثنتا عشرة سنة من الممارسة.', arabic: 'العربية', french: 'الفرنسية', degree: 'دكتوراه في الطب',
		canada: 'كندا', role: 'طبيبة قلب', skill: 'أمراض القلب التداخلية', skillLabel: 'أمراض القلب التداخلية',
		stayCity: 'الدار البيضاء',
	});
	assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
	await context.close();
});

test('axe: 0 violations on every step, the consent page and the profile, in Arabic', async () => {
	const { context, page } = await expertPage('axe.ar@example.org', 'ar', true);
	for (const p of [...STEPS.map((s) => `edit/${s}`), 'consent', '']) {
		await page.goto(`${srv.url}/ar/profile${p ? '/' + p : ''}`);
		assert.deepEqual(await axe(page), [], `/ar/profile/${p}`);
	}
	// A step shown again with its errors, and a profile as an audience sees it.
	await page.goto(`${srv.url}/ar/profile/edit/identity`);
	await page.fill('#f-birth_year', '2020');
	await page.click('main form button[type=submit]');
	assert.equal(await page.locator('#e-birth_year').count(), 1);
	assert.deepEqual(await axe(page), [], 'identity with an error');
	await page.fill('#f-birth_year', '1980');
	await page.fill('#f-name', 'Axe Test');
	await page.click('main form button[type=submit]');
	await page.goto(`${srv.url}/ar/profile/consent`);
	await page.click('button[value="directory:1"]');
	await page.goto(`${srv.url}/ar/profile`);
	const href = await page.getAttribute('#pr-page-link', 'href');
	const anon = await browser.newContext();
	const card = await anon.newPage();
	await card.goto(srv.url + href);
	assert.match(await card.textContent('h1'), /Axe Test/);
	assert.deepEqual(await axe(card), [], 'the public card');
	await anon.close();
	await context.close();
});

test('with JavaScript: the whole profile again; an Arabic query in the skill field suggests a skill labelled in French', async () => {
	const { context, page } = await expertPage('js.fr@example.org', 'fr', true);
	const hosts = new Set();
	page.on('request', (r) => hosts.add(new URL(r.url()).host));
	await fillAll(page, 'fr', {
		name: 'Youssef Amrani', name_ar: 'يوسف العمراني', city: 'Lyon', headline: 'Ingénieur logiciel',
		bio: 'Quinze ans dans la sécurité des systèmes.', arabic: 'arabe', french: 'français',
		degree: 'Diplôme d’ingénieur', canada: 'Canada', role: 'Architecte sécurité',
		skill: 'Cardiologie interventionnelle', skillLabel: 'Cardiologie interventionnelle',
		skill3: 'Science des données', stayCity: 'Rabat',
	});
	await page.goto(`${srv.url}/fr/profile/edit/skills`);
	const field = page.locator('#f-skill_3_name'); // the first empty row
	assert.equal(await field.getAttribute('role'), 'combobox');
	assert.equal(await field.getAttribute('aria-expanded'), 'false');
	await field.pressSequentially('السيبراني', { delay: 20 });
	const option = page.locator('#f-skill_3_name ~ [role=listbox] [role=option]', { hasText: 'Cybersécurité' });
	await option.first().waitFor({ timeout: 5000 });
	assert.equal(await field.getAttribute('aria-expanded'), 'true');
	assert.deepEqual(await axe(page), [], 'the open listbox');
	// Keyboard: down to the suggestion, Enter picks it.
	const labels = await page.locator('#f-skill_3_name ~ [role=listbox] [role=option]').allTextContents();
	const index = labels.indexOf('Cybersécurité');
	for (let i = 0; i <= index; i++) await field.press('ArrowDown');
	assert.equal(await field.getAttribute('aria-activedescendant'), await option.first().getAttribute('id'));
	await field.press('Enter');
	assert.equal(await field.inputValue(), 'Cybersécurité');
	assert.equal(await field.getAttribute('aria-expanded'), 'false');
	await page.selectOption('#f-skill_3_level', '3');
	await page.click('main form button[type=submit]');
	assert.match(page.url(), /\/fr\/profile\/edit\/sectors/);
	await page.goto(`${srv.url}/fr/profile`);
	const skills = await page.textContent('#pr-skills + ul');
	assert.match(skills, /Cybersécurité — niveau 3\/5/);
	assert.doesNotMatch(skills, /libre/, 'resolved to the taxonomy, not a free skill');
	// Escape closes the list; typing in English suggests too.
	await page.goto(`${srv.url}/fr/profile/edit/skills`);
	await page.locator('#f-skill_4_name').pressSequentially('cardio', { delay: 20 });
	await page.locator('#f-skill_4_name ~ [role=listbox] [role=option]').first().waitFor();
	await page.locator('#f-skill_4_name').press('Escape');
	assert.equal(await page.locator('#f-skill_4_name').getAttribute('aria-expanded'), 'false');
	assert.deepEqual([...hosts], [new URL(srv.url).host], 'nothing but Kafaat is contacted');
	await context.close();
});

test('the editor fits a phone screen', async () => {
	const { context, page } = await expertPage('phone@example.org', 'ar', false);
	await page.setViewportSize({ width: 360, height: 740 });
	for (const s of ['identity', 'skills', 'offer']) {
		await page.goto(`${srv.url}/ar/profile/edit/${s}`);
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		assert.ok(overflow <= 0, `${s} is ${overflow}px wider than the screen`);
	}
	await context.close();
});
