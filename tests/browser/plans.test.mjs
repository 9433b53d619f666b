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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { acceptInvitation, lastMailTo, linkIn, newAdmin } from '../client.mjs';
import { startServer } from '../kafaat.mjs';
import { Axe, language, launch, mainText, session as sessionOf, text } from './lib.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-plans-browser-'));
const clockFile = path.join(tmp, 'clock');
const now = Date.parse('2027-07-02T12:00:00Z') / 1000; // half of 2027 is over
writeFileSync(clockFile, String(now));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';
let srv, browser, axe, admin;

// ---- Set-up over HTTP (not part of the story) ------------------------------------

const fromLink = (link, email, lang) => acceptInvitation(srv, link, email, PW, lang);

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

const session = (client, lang) => sessionOf(browser, srv.url, client, lang);
async function check(page, lang, what) {
	await language(page, lang, what);
	await axe.check(page, `${what} (${lang})`);
}

before(async () => {
	srv = await startServer({ env });
	browser = await launch();
	axe = await Axe.start(browser);
	admin = await newAdmin(srv, env, 'equipe@example.org', PW, { t: now });
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
