// Browser test of a whole mission (issue 5), in Arabic and in French, each
// language with its own people, through the real pages without JavaScript:
// an officer of a verified institution writes a need, is told what is
// missing from its readiness checklist, completes it and submits; the
// programme team (signed in with an authenticator code) publishes it; an
// expert finds it on the public board and applies; the officer shortlists
// and accepts (no contact details yet); the expert confirms (now the
// officer sees the email); the officer starts the mission and declares it
// delivered; both evaluate; the expert opens the certificate, which prints
// alone, and an anonymous visitor verifies its code on the public page.
// On the way: the language and direction of every page, the state and the
// message after each step; axe-core finds no violation on the need form
// (empty and with its errors), the board, the need's page, the application
// form, both engagement pages, the evaluation, the certificate and its
// verification, in Arabic. Set-up that is not part of the story (accounts,
// the authenticator, the institution and its verification, the expert's
// profile and consent) goes over HTTP.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { acceptInvitation, enrolTotp, lastMailTo, linkIn, signUp, totp } from '../client.mjs';
import { kafaat, startServer } from '../kafaat.mjs';
import { Axe, catalogueText, language, launch, mainText, says, session as sessionOf, text } from './lib.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-mission-browser-'));
const clockFile = path.join(tmp, 'clock');
let now = 1_800_000_000; // Friday 15 January 2027, 08:00 UTC
const setClock = (t) => { now = t; writeFileSync(clockFile, String(t)); };
setClock(now);
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

// ---- Set-up over HTTP (not part of the story) ------------------------------------

const fromLink = (link, email, lang) => acceptInvitation(srv, link, email, PW, lang);

// A member of the programme team with an authenticator; returns its secret.
async function programmeTeam(email, lang) {
	const r = kafaat(['admin', 'create', email, '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	const c = await fromLink(linkIn(r.stdout, '/invitation\\?token='), email, lang);
	const secret = await enrolTotp(c, lang, now);
	setClock(now + 60); // the code signing in later is a new one: codes are never reused
	return { c, secret };
}

// The programme team creates and verifies an institution, then invites its officer.
async function institution(admin, names, officer, lang) {
	await admin.get(`/${lang}/admin/institutions`);
	const r = await admin.post(`/${lang}/admin/institutions`, { ...names, kind: 'ministry', region: 'MA-04' });
	assert.equal(r.status, 303, `institution: ${r.status}`);
	const id = /\/admin\/institutions\/(\d+)/.exec(r.location)[1];
	await admin.get(`/${lang}/admin/institutions/${id}`);
	assert.equal((await admin.post(`/${lang}/admin/institutions/${id}/verify`, { set: '1' })).status, 303);
	await admin.get(`/${lang}/admin/invitations`);
	const inv = await admin.post(`/${lang}/admin/invitations`, { email: officer, institution: id, role: 'member', lang });
	assert.equal(inv.status, 200, 'officer invited');
	return fromLink(linkIn(lastMailTo(srv.db, officer, env), '/invitation\\?token='), officer, lang);
}

// An expert whose profile public institutions may see.
async function expert(email, name, nameAr, lang) {
	const c = await signUp(srv, env, email, PW, lang);
	await c.get(`/${lang}/profile/edit/identity`);
	const r = await c.post(`/${lang}/profile/edit/identity`, {
		name, name_ar: nameAr, country: 'CA', city: 'Montréal', headline: 'Architecte sécurité',
	});
	assert.equal(r.status, 303, 'profile saved');
	await c.get(`/${lang}/profile/consent`);
	assert.equal((await c.post(`/${lang}/profile/consent`, { set: 'institutions:1' })).status, 303);
	return c;
}

// ---- In the browser ---------------------------------------------------------------

// A new browser without JavaScript, signed in through the sign-in page and
// its second step, the authenticator's code.
async function signedIn(lang, email, secret) {
	const context = await browser.newContext({ javaScriptEnabled: false });
	const page = await context.newPage();
	await page.goto(`${srv.url}/${lang}/signin`);
	await page.fill('#f-email', email);
	await page.fill('#f-password', PW);
	await page.click('main button[type=submit]');
	assert.match(page.url(), new RegExp(`/${lang}/signin/code$`));
	await page.fill('#f-code', totp(secret, now));
	await page.click('main button[type=submit]');
	assert.match(page.url(), new RegExp(`/${lang}/account$`), `${email} signed in`);
	return { context, page };
}

const session = (client, lang) => sessionOf(browser, srv.url, client, lang);

// The page is in `lang`, right to left for Arabic; axe in Arabic (unless
// `quick`: pages that are not the mission's own, or seen already).
async function check(page, lang, what, quick = false) {
	await language(page, lang, what);
	if (lang === 'ar' && !quick) await axe.check(page, what);
}

const navTo = (page, lang, where) => page.click(`.kf-nav a[href="/${lang}/${where}"]`);

// An engagement's block on a page: its state and its text.
async function card(page, id) {
	const el = page.locator(`#e-${id}`);
	const badge = el.locator('.kf-state');
	return { state: await badge.getAttribute('data-state'), label: text(await badge.textContent()), text: text(await el.textContent()) };
}

// Takes a one-click step on engagement `id`; checks the state reached and the message.
async function step(page, lang, id, action, state) {
	await page.click(`#e-${id} button[name=action][value=${action}]`);
	assert.match(page.url(), new RegExp(`\\?done=step#e-${id}$`), `${action}: ${page.url()}`);
	assert.match(text(await page.textContent('main .alert-success')), says(lang, 'engagement.done.step'), action);
	const c = await card(page, id);
	assert.equal(c.state, state, action);
	assert.equal(c.label, catalogueText(lang, `engagement.state.${state}`), `${action}: the state in ${lang}`);
	return c;
}

// Answers the evaluation at delivery from the engagement's card; with
// `hasty`, first sends it with nothing chosen and reads the messages.
async function evaluate(page, lang, id, comment, what, hasty = false) {
	await page.click(`#e-${id} a[href$="/evaluate?round=delivery"]`);
	assert.match(await page.textContent('h1'), says(lang, 'evaluation.title'));
	await check(page, lang, `the evaluation (${what})`);
	if (hasty) {
		await page.fill('#f-comment', comment);
		await page.click('main form button[type=submit]');
		assert.match(text(await page.textContent('#e-rating')), says(lang, 'evaluation.error.rating'));
		for (const q of ['objectives', 'again']) {
			assert.match(text(await page.textContent(`#e-${q}`)), says(lang, 'evaluation.error.answer'), q);
			assert.equal(await page.getAttribute(`#f-${q}`, 'aria-describedby'), `e-${q}`, `${q}: the message is the radio's description`);
		}
		assert.equal(await page.inputValue('#f-comment'), comment, 'the comment is kept');
		await check(page, lang, `the evaluation with its errors (${what})`);
	}
	await page.check('#f-rating-5');
	await page.check('input[name=objectives][value=yes]');
	await page.check('input[name=again][value=yes]');
	await page.fill('#f-comment', comment);
	await page.click('main form button[type=submit]');
	assert.match(page.url(), new RegExp(`\\?done=evaluated#e-${id}$`), what);
	assert.match(text(await page.textContent('main .alert-success')), says(lang, 'engagement.done.evaluated'));
}

// ---- The story ----------------------------------------------------------------------

const PEOPLE = {
	ar: {
		admin: 'equipe.ar@example.org', officer: 'officier.ar@example.org', expert: 'salma.ar@example.org',
		names: { name_ar: 'مديرية الأمن الرقمي', name_fr: 'Direction de la sécurité numérique', name_en: 'Digital Security Directorate' },
		institution: 'مديرية الأمن الرقمي', expertName: 'Salma Benali', expertNameAr: 'سلمى بنعلي',
		title: 'تدقيق أمن بوابة الصفقات العمومية', search: 'بوابة الصفقات',
		description: 'تدقيق البوابة واقتراح خطة للمعالجة.\nيتوفر الولوج إلى بيئات الاختبار.',
		city: 'الرباط', skill: 'الأمن السيبراني', language: 'الفرنسية', cpName: 'نادية العمراني', cpRole: 'رئيسة قسم',
		motivation: 'عشر سنوات في أمن نظم المعلومات بمونتريال.', comment: 'فريق ملتزم جدًا.', officerComment: 'عمل دقيق وفي الآجال.',
		certificate: 'شهادة مساهمة', valid: 'شهادة صحيحة',
	},
	fr: {
		admin: 'equipe.fr@example.org', officer: 'officier.fr@example.org', expert: 'karim.fr@example.org',
		names: { name_ar: 'مديرية الجبايات المحلية', name_fr: 'Direction de la fiscalité locale', name_en: 'Local Taxation Directorate' },
		institution: 'Direction de la fiscalité locale', expertName: 'Karim Alaoui', expertNameAr: 'كريم العلوي',
		title: 'Modernisation du système de recouvrement', search: 'recouvrement',
		description: 'Concevoir la refonte du système de recouvrement des taxes locales.\nUne équipe de quatre personnes est disponible.',
		city: 'Rabat', skill: 'Cybersécurité', language: 'français', cpName: 'Youssef Bennani', cpRole: 'Chef de service',
		motivation: 'Quinze ans d’architecture de systèmes financiers à Lyon.', comment: 'Équipe très impliquée.', officerComment: 'Travail rigoureux, livré à temps.',
		certificate: 'Attestation de contribution', valid: 'Attestation valide',
	},
};

async function mission(lang) {
	const p = PEOPLE[lang];
	const started = Date.now();
	// Set-up: the programme team, the verified institution and its officer, the expert.
	const team = await programmeTeam(p.admin, lang);
	const officerHttp = await institution(team.c, p.names, p.officer, lang);
	const expertHttp = await expert(p.expert, p.expertName, p.expertNameAr, lang);
	const officer = await session(officerHttp, lang);
	const exp = await session(expertHttp, lang);
	const admin = await signedIn(lang, p.admin, team.secret);

	// 1. The officer writes the need, forgets the readiness checklist, is told, completes it and submits.
	let page = officer.page;
	await navTo(page, lang, 'institution/needs');
	await page.click('#new-need');
	assert.match(page.url(), new RegExp(`/${lang}/institution/needs/new$`));
	await check(page, lang, 'the empty need form');
	await page.fill('#f-title', p.title);
	await page.fill('#f-description', p.description);
	await page.selectOption('#f-sector', 'digital');
	await page.selectOption('#f-mode', 'ponctuelle');
	await page.selectOption('#f-presence', 'hybrid');
	await page.selectOption('#f-region', 'MA-04');
	await page.fill('#f-city', p.city);
	await page.selectOption('#f-dates', 'fixed');
	await page.fill('#f-start', '2027-03-01');
	await page.fill('#f-end', '2027-03-31');
	await page.fill('#f-effort_days', '10');
	await page.fill('#f-experts', '1');
	await page.selectOption('#f-pay', 'pro_bono');
	await page.check('#f-travel');
	await page.fill('#f-skill_0_name', p.skill);
	await page.selectOption('#f-skill_0_level', 'must-4');
	await page.fill('#f-lang_0_code', p.language);
	await page.selectOption('#f-lang_0_level', 'B2');
	await page.fill('#f-cp_name', p.cpName);
	await page.fill('#f-cp_role', p.cpRole);
	await page.fill('#f-cp_email', `contact.${lang}@example.ma`);
	await page.click('#f-then');
	assert.match(page.url(), new RegExp(`/${lang}/institution/needs/new$`), 'refused: still the form');
	for (const f of ['ready_counterpart', 'ready_resources', 'ready_approval']) {
		assert.match(text(await page.textContent(`#e-${f}`)), says(lang, `need.error.${f}`), `the message by ${f}`);
		assert.equal(await page.getAttribute(`#f-${f}`, 'aria-invalid'), 'true');
	}
	assert.equal(await page.locator('#need-errors li').count(), 3, 'the summary lists the three');
	assert.equal(await page.inputValue('#f-title'), p.title, 'what was typed is kept');
	assert.equal(await page.inputValue('#f-skill_0_name'), p.skill);
	assert.equal(await page.inputValue('#f-start'), '2027-03-01');
	await check(page, lang, 'the need form with its errors');
	await page.check('#f-ready_counterpart');
	await page.check('#f-ready_resources');
	await page.check('#f-ready_approval');
	await page.click('#f-then');
	const needUrl = new RegExp(`/${lang}/institution/needs/(\\d+)$`);
	assert.match(page.url(), needUrl, 'submitted: the need’s page');
	const need = needUrl.exec(page.url())[1];
	assert.equal(text(await page.textContent('#need-state')), catalogueText(lang, 'need.state.submitted'));
	await check(page, lang, 'the submitted need, for its institution');

	// 2. The programme team finds it in the review queue and publishes it.
	page = admin.page;
	await navTo(page, lang, 'admin/needs');
	await check(page, lang, 'the review queue', true);
	await page.click(`main a[href="/${lang}/admin/needs/${need}"]`);
	assert.equal(text(await page.textContent('h1')), p.title);
	assert.ok((await mainText(page)).includes(p.cpName), 'the programme team sees the counterpart');
	await page.click('#do-publish');
	assert.equal(text(await page.textContent('#need-state')), catalogueText(lang, 'need.state.published'));
	await check(page, lang, 'the published need, for the programme team', true);

	// 3. The expert finds it on the public board and applies.
	page = exp.page;
	await navTo(page, lang, 'needs');
	await check(page, lang, 'the board');
	await page.fill('#f-q', p.search);
	await page.click('main form[role=search] button[type=submit]');
	assert.match(text(await page.textContent('#board-total')), says(lang, 'need.board.total', { n: 1 }));
	await page.click(`main article a[href="/${lang}/needs/${need}"]`);
	assert.equal(text(await page.textContent('h1')), p.title);
	const needPage = await mainText(page);
	for (const s of [p.institution, p.skill, p.city]) assert.ok(needPage.includes(s), `the need’s page shows ${s}`);
	assert.ok(!needPage.includes(p.cpName), 'never the counterpart');
	await check(page, lang, 'the need’s public page');
	await page.click('#apply-link');
	assert.match(page.url(), new RegExp(`/${lang}/needs/${need}/apply$`));
	await check(page, lang, 'the application form');
	await page.fill('#f-motivation', p.motivation);
	await page.click('main form button[type=submit]');
	const applied = new RegExp(`/${lang}/engagements\\?done=applied#e-(\\d+)$`);
	assert.match(page.url(), applied);
	const id = applied.exec(page.url())[1];
	assert.match(text(await page.textContent('main .alert-success')), says(lang, 'engagement.done.applied'));
	let c = await card(page, id);
	assert.equal(c.state, 'applied');
	assert.equal(c.label, catalogueText(lang, 'engagement.state.applied'));
	assert.match(c.text, says(lang, 'engagement.deadline.expert', { days: 5 }));
	if (lang === 'fr') assert.match(c.text, /jusqu’au 22 janvier 2027/, 'five working days after Friday 15 January');
	await check(page, lang, 'the expert’s engagements');

	// 4. The officer reads the application (no contact details), shortlists and accepts.
	page = officer.page;
	await navTo(page, lang, 'institution/needs');
	await page.click(`main a[href="/${lang}/institution/needs/${need}"]`);
	assert.equal(text(await page.textContent('#need-state')), catalogueText(lang, 'need.state.published'));
	await page.click('#engagements-link');
	assert.match(page.url(), new RegExp(`/${lang}/institution/needs/${need}/engagements$`));
	c = await card(page, id);
	assert.equal(c.state, 'applied');
	for (const s of [p.expertName, p.motivation]) assert.ok(c.text.includes(s), `the officer reads ${s}`);
	assert.match(c.text, says(lang, 'engagement.expert.contact_later'));
	assert.match(c.text, says(lang, 'engagement.deadline.institution', { days: 5 }));
	assert.ok(!(await page.content()).includes(p.expert), 'no email before the expert confirms');
	await check(page, lang, 'the need’s engagements, for its institution');
	await step(page, lang, id, 'shortlist', 'shortlisted');
	c = await step(page, lang, id, 'accept', 'accepted');
	assert.match(c.text, says(lang, 'engagement.next.institution.accepted'));
	assert.ok(!(await page.content()).includes(p.expert), 'accepted, not confirmed: still no email');

	// 5. The expert confirms; now the officer sees the email.
	page = exp.page;
	await navTo(page, lang, 'engagements');
	c = await card(page, id);
	assert.equal(c.state, 'accepted');
	assert.match(c.text, says(lang, 'engagement.next.expert.accepted'));
	c = await step(page, lang, id, 'confirm', 'confirmed');
	assert.match(c.text, says(lang, 'engagement.next.expert.confirmed'));
	page = officer.page;
	await page.reload();
	c = await card(page, id);
	assert.equal(c.state, 'confirmed');
	assert.equal(await page.getAttribute(`#e-${id} a.kf-contact`, 'href'), `mailto:${p.expert}`, 'the email, once confirmed');
	assert.match(c.text, says(lang, 'engagement.next.institution.confirmed'));

	// 6. The officer starts the mission, then declares it delivered.
	await step(page, lang, id, 'start', 'in_mission');
	c = await step(page, lang, id, 'deliver', 'delivered');
	assert.match(c.text, says(lang, 'engagement.next.institution.delivered'));

	// 7. Both evaluate: the officer first (still delivered), then the expert (evaluated).
	await evaluate(page, lang, id, p.officerComment, 'the institution’s');
	assert.equal((await card(page, id)).state, 'delivered', 'one side only');
	page = exp.page;
	await navTo(page, lang, 'engagements');
	c = await card(page, id);
	assert.equal(c.state, 'delivered');
	assert.match(c.text, says(lang, 'engagement.next.expert.delivered'));
	await evaluate(page, lang, id, p.comment, 'the expert’s', true);
	c = await card(page, id);
	assert.equal(c.state, 'evaluated');
	assert.equal(c.label, catalogueText(lang, 'engagement.state.evaluated'));
	assert.match(text(await page.textContent('#mobilised')), says(lang, 'engagement.mine.mobilised'));
	await check(page, lang, 'the expert’s engagements, evaluated', true);
	await officer.page.reload();
	assert.equal((await card(officer.page, id)).state, 'evaluated', 'the institution sees it too');

	// 8. The certificate: its page, printed alone; its code verified by an anonymous visitor.
	await page.click(`#e-${id} a[href="/${lang}/engagements/${id}/certificate"]`);
	assert.equal(text(await page.textContent('h1')), p.certificate);
	const cert = text(await page.textContent('.kf-certificate'));
	for (const s of [p.expertName, p.expertNameAr, p.institution, p.title]) assert.ok(cert.includes(s), `the certificate names ${s}`);
	const code = text(await page.textContent('.kf-cert-code'));
	assert.match(code, /^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
	assert.ok(cert.includes(`/${lang}/certificates/${code.toLowerCase()}`), 'the verification address is printed');
	await check(page, lang, 'the certificate');
	await page.emulateMedia({ media: 'print' });
	for (const sel of ['.kf-header', '.kf-nav', '.kf-footer', '.kf-skip']) assert.equal(await page.locator(sel).isVisible(), false, `${sel} is not printed`);
	assert.equal(await page.locator('.kf-certificate').isVisible(), true);
	assert.equal(text(await page.evaluate(() => document.body.innerText)), text(await page.evaluate(() => document.querySelector('.kf-certificate').innerText)),
		'the certificate prints alone');
	await page.emulateMedia({ media: 'screen' });
	assert.equal(await page.locator('.kf-header').isVisible(), true);

	const anon = await browser.newContext({ javaScriptEnabled: false });
	const visitor = await anon.newPage();
	await visitor.goto(`${srv.url}/${lang}/certificates/verify`);
	await check(visitor, lang, 'the verification page', true);
	await visitor.fill('#f-code', code);
	await visitor.click('main form button[type=submit]');
	assert.equal(text(await visitor.textContent('#cert-valid')), p.valid);
	const valid = text(await visitor.textContent('main .alert-success'));
	assert.match(valid, says(lang, 'certificate.verify.what', { name: p.expertName, institution: p.institution }));
	assert.ok(valid.includes(p.title), 'the mission');
	const html = await visitor.content();
	assert.ok(!html.includes(p.expert) && !html.includes('Montréal'), 'nothing more about the expert than the name');
	await check(visitor, lang, 'a valid certificate');
	for (const ctx of [anon, officer.context, admin.context, exp.context]) await ctx.close();
	return (Date.now() - started) / 1000;
}

test('in Arabic: a mission from the need to its verified certificate', async (t) => {
	t.diagnostic(`${await mission('ar')} s`);
});

test('in French: a mission from the need to its verified certificate', async (t) => {
	setClock(now + 3600); // later the same morning
	t.diagnostic(`${await mission('fr')} s`);
});
