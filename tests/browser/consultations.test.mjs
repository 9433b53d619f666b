// Browser test of consultations, in Arabic (right to left) and in French,
// through the real pages without JavaScript: a coordinator of the europe
// network (signed in with an authenticator) writes a consultation for the
// network, is told what is wrong with an empty title, adds a choice and a
// free-text question, and opens it; two members answer — the first named
// (after being told that a required question was left empty), the second
// anonymously; the coordinator closes it and publishes the summary. The
// summary page and its CSV show the named answer with its author and the
// anonymous one as "Anonymous", and never the second member's name or
// address. axe-core finds no violation on any page on the way. Set-up that
// is not part of the story (accounts, names, the authenticator,
// membership) goes over HTTP.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { addMember, newStaff, signUp, sqlRows } from '../client.mjs';
import { startServer } from '../kafaat.mjs';
import { Axe, catalogueText, language, launch, mainText, says as said, session as sessionOf, text } from './lib.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-consult-browser-'));
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

// What the pages should say in `lang` (locale/LANG/*.po).
const sayer = (lang) => (key, vars) => said(lang, key, vars);

// ---- Set-up over HTTP --------------------------------------------------------------------

// An expert (with a display name when given) signed in over HTTP.
async function expert(email, lang, name) {
	const c = await signUp(srv, env, email, PW, lang);
	if (name) sqlRows(srv.db, `INSERT INTO profiles (user_id, name, created_at, updated_at) SELECT id, '${name}', 't', 't' FROM users WHERE email = '${email}'`);
	return c;
}

// ---- In the browser --------------------------------------------------------------------

const session = (client, lang) => sessionOf(browser, srv.url, client, lang);
function checker(lang) {
	return async (page, what) => {
		await language(page, lang, what);
		await axe.check(page, `${what} (${lang})`);
	};
}

// ---- The story, in each language ----------------------------------------------------------

const STORY = {
	ar: {
		title: 'أولويات شبكة أوروبا لسنة 2027',
		intro: 'أخبرونا أين ينبغي أن تركز الشبكة جهودها.',
		choice: 'ما المجال ذو الأولوية؟',
		options: ['الصحة', 'التعليم', 'الماء'],
		open: 'فكرة لتحسين الشبكة؟',
		named: { name: 'أمينة الإدريسي', answer: 'تنظيم لقاءات شهرية عبر الإنترنت' },
		anonymous: { name: 'بلال التازي', answer: 'إنشاء شباك موحد لمشاريع العودة' },
	},
	fr: {
		title: 'Priorités du réseau Europe pour 2027',
		intro: 'Dites-nous où le réseau doit porter ses efforts.',
		choice: 'Quel domaine est prioritaire ?',
		options: ['Santé', 'Éducation', 'Eau'],
		open: 'Une idée pour améliorer le réseau ?',
		named: { name: 'Claire Benali', answer: 'Des rencontres mensuelles en ligne' },
		anonymous: { name: 'Driss Fassi', answer: 'Un guichet unique pour les projets de retour' },
	},
};

for (const lang of ['ar', 'fr']) {
	test(`${lang}: a coordinator consults the network; two members answer, one anonymously; the summary names only the other`, async () => {
		const says = sayer(lang);
		const check = checker(lang);
		const story = STORY[lang];
		const coordEmail = `coord.${lang}@example.org`;
		const coordClient = await newStaff(srv, env, coordEmail, PW, { role: 'coordinator', scope: 'europe', lang, t: NOW });
		const members = {};
		for (const who of ['named', 'anonymous']) {
			const email = `${who}.${lang}@example.org`;
			members[who] = { email, client: await expert(email, lang, story[who].name) };
			addMember(srv, 'europe', email);
		}

		// The coordinator writes the consultation.
		const { page } = await session(coordClient, lang);
		await page.goto(`${srv.url}/${lang}/consultations`);
		await check(page, 'the consultations (coordinator)');
		await page.click('#consult-manage-link');
		await check(page, 'the managers\' list');
		await page.click('#consult-new');
		assert.match(page.url(), new RegExp(`/${lang}/manage/consultations/new$`));
		await check(page, 'the empty consultation form');
		await page.selectOption('#f-network', 'europe');
		await page.click('#consult-save');
		assert.match(await page.textContent(`#e-title_${lang}`), says('consult.error.title'));
		await check(page, 'the consultation form with its error');
		await page.fill(`#f-title_${lang}`, story.title);
		await page.fill(`#f-intro_${lang}`, story.intro);
		await page.click('#consult-save');
		assert.match(page.url(), /\/manage\/consultations\/\d+\?done=created$/);
		const id = /\/manage\/consultations\/(\d+)/.exec(page.url())[1];
		assert.match(await page.textContent('#consult-done'), says('consult.done.created'));

		await page.selectOption('#f-kind', 'choice');
		await page.fill('#f-prompt', story.choice);
		await page.fill('#f-options', story.options.join('\n'));
		await page.check('#f-required');
		await page.click('#question-add');
		assert.match(await page.textContent('#consult-done'), says('consult.done.question_added'));
		await page.selectOption('#f-kind', 'text');
		await page.fill('#f-prompt', story.open);
		await page.click('#question-add');
		assert.equal(await page.locator('#question-list > li').count(), 2);
		await check(page, 'the editor with two questions');
		await page.click('#step-open');
		assert.match(await page.textContent('#consult-done'), says('consult.done.opened'));
		assert.match(await page.textContent('#consult-frozen'), says('consult.frozen'));
		await check(page, 'the editor of an open consultation');

		// The first member: told of the empty required question, then answers in their name.
		const named = (await session(members.named.client, lang)).page;
		await named.goto(`${srv.url}/${lang}/inbox`);
		assert.match(await mainText(named), says('notify.consultation.opened.text', { title: story.title }));
		await named.goto(`${srv.url}/${lang}/consultations`);
		await check(named, 'the consultations (member)');
		await named.click(`#consult-open a[href$="/consultations/${id}"]`);
		assert.equal(text(await named.textContent('h1')), story.title);
		await check(named, 'the answer form');
		await named.fill('#q2-text', story.named.answer);
		await named.click('#answer-send');
		assert.match(await named.textContent('#e-q1'), says('consult.error.required'));
		await check(named, 'the answer form with its error');
		await named.check('#q1-2');
		await named.click('#answer-send');
		assert.match(await named.textContent('#consult-done'), says('consult.done.answered'));
		assert.match(await named.textContent('#consult-answered'), says('consult.answered'));

		// The second member answers anonymously.
		const anon = (await session(members.anonymous.client, lang)).page;
		await anon.goto(`${srv.url}/${lang}/consultations/${id}`);
		await anon.check('#q1-2');
		await anon.fill('#q2-text', story.anonymous.answer);
		await anon.check('#f-anonymous');
		await anon.click('#answer-send');
		assert.match(await anon.textContent('#consult-done'), says('consult.done.answered'));

		// The coordinator closes it and publishes the summary.
		await page.goto(`${srv.url}/${lang}/manage/consultations/${id}`);
		await page.click('#step-close');
		assert.match(await page.textContent('#consult-done'), says('consult.done.closed'));
		await page.click('#step-publish');
		assert.match(await page.textContent('#consult-done'), says('consult.done.published'));

		// The summary, as the anonymous member sees it.
		await anon.goto(`${srv.url}/${lang}/consultations/${id}`);
		const summary = await mainText(anon);
		assert.match(summary, says('consult.summary.participants', { n: 2 }));
		const row = (await anon.locator('#summary tbody tr:nth-child(2) td').allTextContents()).map(text);
		assert.deepEqual(row, [story.options[1], '2', '100.0 %']);
		const texts = await anon.locator('#summary li').allTextContents();
		const named_ = texts.map(text).find((t) => t.includes(story.named.answer));
		const anonymous_ = texts.map(text).find((t) => t.includes(story.anonymous.answer));
		assert.ok(named_?.includes(story.named.name), named_);
		assert.match(anonymous_ ?? '', says('consult.anonymous'));
		assert.ok(!summary.includes(story.anonymous.name), 'the anonymous member is not named');
		assert.ok(!summary.includes(members.anonymous.email));
		await check(anon, 'the published summary');

		// Its CSV.
		const csvUrl = `${srv.url}/${lang}/consultations/${id}/results.csv`;
		assert.equal(await anon.getAttribute('#summary-csv', 'href'), `/${lang}/consultations/${id}/results.csv`);
		const res = await anon.context().request.get(csvUrl);
		assert.equal(res.status(), 200);
		const bytes = await res.body();
		assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
		const csv = bytes.subarray(3).toString('utf8');
		assert.ok(csv.includes(`${story.named.answer},,,${story.named.name}\r\n`), csv);
		assert.ok(csv.includes(`${story.anonymous.answer},,,${catalogueText(lang, 'consult.anonymous')}\r\n`), csv);
		assert.ok(!csv.includes(story.anonymous.name) && !csv.includes(members.anonymous.email));
	});
}
