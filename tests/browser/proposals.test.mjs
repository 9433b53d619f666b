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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { acceptInvitation, cli as cliOn, lastMailTo, linkIn, newAdmin } from '../client.mjs';
import { startServer } from '../kafaat.mjs';
import { Axe, catalogueText, escapeRe, language, launch, mainText, says, session as sessionOf, text } from './lib.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-proposals-browser-'));
const clockFile = path.join(tmp, 'clock');
const now = 1_800_000_000; // Friday 15 January 2027, 08:00 UTC
writeFileSync(clockFile, String(now));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';
let srv, browser, axe, admin;

// ---- Set-up over HTTP -----------------------------------------------------------

const cli = (args) => cliOn(srv, env, args);
const fromLink = (link, email, lang) => acceptInvitation(srv, link, email, PW, lang);

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
	browser = await launch();
	axe = await Axe.start(browser);
	const file = path.join(tmp, 'roster.jsonl');
	writeFileSync(file, roster.map((e) => JSON.stringify(e)).join('\n') + '\n');
	cli(['import', 'experts', file, '--consent-from-file']);
	admin = await newAdmin(srv, env, 'admin@example.org', PW, { t: now });
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
	assert.match(inbox, t('notify.proposal.answered.text', { title: who.title, status: catalogueText(lang, 'proposal.status.not_retained') }));
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
