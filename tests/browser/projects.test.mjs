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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { acceptInvitation, enrolTotp, lastMailTo, linkIn, signUp } from '../client.mjs';
import { kafaat, startServer } from '../kafaat.mjs';
import { Axe, catalogueText, escapeRe, language, launch, mainText, says, session as sessionOf } from './lib.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-projects-browser-'));
const clockFile = path.join(tmp, 'clock');
const now = 1_800_000_000; // Friday 15 January 2027, 08:00 UTC
writeFileSync(clockFile, String(now));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';
let srv, browser, axe, admin;

// ---- Set-up over HTTP -----------------------------------------------------------

function cli(args) {
	const r = kafaat([...args, '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	return r.stdout;
}

const fromLink = (link, email, lang) => acceptInvitation(srv, link, email, PW, lang);

async function advisorOf(email, lang) {
	const c = await signUp(srv, env, email, PW, lang);
	cli(['admin', 'grant', email, 'advisor']);
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
	browser = await launch();
	axe = await Axe.start(browser);
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

const session = (client, lang) => sessionOf(browser, srv.url, client, lang);

// The page is in `lang`, right to left for Arabic, and passes axe.
async function check(page, lang, what) {
	await language(page, lang, what);
	await axe.check(page, `${what} (${lang})`);
}

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
	await adv.click('#mentors ~ div button:has-text("' + catalogueText(lang, 'project.mentor.action.accept') + '")');
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
