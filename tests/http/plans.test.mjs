// Sectoral plans over HTTP against a real server with an injected clock
// (docs/PLANS.md): a ministry's owner declares this year's plan with its
// targets; needs are written, submitted and published and an engagement is
// delivered through the real routes; the dashboard, the institution's
// public page and its own plan page show the progress computed from them,
// with a second ministry's empty plan marked behind its pace and the
// national target beside the sum of the plans. Every bad input is a 422
// with the message by its field and nothing changed; a stale edit is a
// 409; the audit keeps each save. Access: another institution's plan is
// 404, members read but do not write, a university may not declare,
// experts and anonymous visitors never reach the pages. The monthly job
// tells the programme team of the plan behind once, not again within 30
// days, and again after.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { acceptInvitation, Client, editIdentity, lastMailTo, linkIn, newAdmin, signInWithCode, signUp, sqlRows } from '../client.mjs';
import { startServer } from '../kafaat.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-plans-'));
const clockFile = path.join(tmp, 'clock');
const DAY = 86400;
// 2027-07-02T12:00:00Z: exactly half of 2027 (a year of 365 days) is over.
const T0 = Date.parse('2027-07-02T12:00:00Z') / 1000;
let now = T0;
const setClock = (t) => { now = t; writeFileSync(clockFile, String(t)); };
setClock(now);
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';

const decode = (s) => s.replace(/&#39;/g, '\'').replace(/&quot;/g, '"').replace(/&amp;/g, '&')
	.replace(/&lt;/g, '<').replace(/&gt;/g, '>');

let srv, adminC;
const inst = {}; // key → {id, owner, member?}

async function fromLink(link, email) {
	const c = await acceptInvitation(srv, link, email, PW, 'en');
	c.email = email;
	return c;
}

// An expert with a profile institutions may see (consent given).
async function newExpert(email, name, lang = 'fr') {
	const c = await signUp(srv, env, email, PW, lang);
	await editIdentity(c, { name, country: 'CA', city: 'Montréal', headline: `Ingénieure — ${name}` }, lang);
	await c.get(`/${lang}/profile/consent`);
	assert.equal((await c.post(`/${lang}/profile/consent`, { set: 'institutions:1' })).status, 303);
	c.email = email;
	return c;
}

// The programme team creates and verifies an institution of `kind` and
// invites people to it: [[email, role], …] → clients by role.
async function institution(name, kind, people) {
	await adminC.get('/en/admin/institutions');
	const r = await adminC.post('/en/admin/institutions', { name_ar: `مؤسسة ${name}`, name_fr: `Institution ${name}`, name_en: `Institution ${name}`, kind });
	assert.equal(r.status, 303, `institution ${name}: ${r.status}`);
	const id = /\/admin\/institutions\/(\d+)/.exec(r.location)[1];
	await adminC.get(`/en/admin/institutions/${id}`);
	assert.equal((await adminC.post(`/en/admin/institutions/${id}/verify`, { set: '1' })).status, 303);
	const out = { id };
	for (const [email, role] of people) {
		await adminC.get('/en/admin/invitations');
		const inv = await adminC.post('/en/admin/invitations', { email, institution: id, role, lang: 'fr' });
		assert.equal(inv.status, 200, `invitation of ${email}`);
		out[role] = await fromLink(linkIn(lastMailTo(srv.db, email, env), '/invitation\\?token='), email);
	}
	return out;
}

const sql = (text) => sqlRows(srv.db, text);
const num = (text) => Number(sql(text)[0]);

// The owner writes and submits a need; the programme team publishes it.
async function publishedNeed(o, title) {
	await o.get('/fr/institution/needs/new');
	const r = await o.post('/fr/institution/needs/new', {
		title, description: 'Appui à la transformation numérique des services.', sector: 'digital',
		mode: 'ponctuelle', presence: 'remote', dates: 'open', effort_days: '10', experts: '1',
		pay: 'pro_bono', cp_name: 'Amina Idrissi', cp_role: 'Directrice', cp_email: 'amina@example.ma',
		ready_counterpart: '1', ready_resources: '1', ready_approval: '1',
		skill_0_name: 'Cybersécurité', skill_0_level: 'must-3', then: 'submit',
	});
	assert.equal(r.status, 303, `need ${title}: ${r.status}`);
	const id = /\/institution\/needs\/(\d+)/.exec(r.location)[1];
	await adminC.get(`/fr/admin/needs/${id}`);
	assert.equal((await adminC.post(`/fr/admin/needs/${id}/action`, { action: 'publish' })).status, 303, `publish ${title}`);
	return id;
}

// An expert applies to need; the institution takes every step to delivery.
async function delivered(o, expert, need) {
	await expert.get(`/fr/needs/${need}/apply`);
	const r = await expert.post(`/fr/needs/${need}/apply`, { motivation: 'Dix ans de sécurité des systèmes d’information.' });
	assert.equal(r.status, 303, 'applied');
	const id = /#e-(\d+)/.exec(r.location)[1];
	const step = async (action) => {
		await o.get(`/fr/institution/needs/${need}/engagements`);
		assert.equal((await o.post(`/fr/institution/engagements/${id}`, { action })).status, 303, action);
	};
	await step('shortlist');
	await step('accept');
	await expert.get('/fr/engagements');
	assert.equal((await expert.post(`/fr/engagements/${id}`, { action: 'confirm' })).status, 303, 'confirm');
	await step('start');
	await step('deliver');
	return id;
}

const planForm = (extra = {}) => ({
	year: '2027', needs_target: '4', experts_target: '2', focal_name: 'Khadija Ouazzani',
	focal_title: 'Cheffe de la division de la coopération', focal_email: 'k.ouazzani@example.ma',
	sec_3: 'digital', skill_0: 'Cybersécurité', skill_1: 'cloud security', ...extra,
});

// The <tr data-plan="ID"> row of a page, decoded.
const rowOf = (html, id) => {
	const start = html.indexOf(`<tr data-plan="${id}"`);
	return start < 0 ? null : decode(html.slice(start, html.indexOf('</tr>', start)));
};

before(async () => {
	srv = await startServer({ env });
	adminC = await newAdmin(srv, env, 'admin@example.org', PW, { lang: 'en', t: now });
	inst.M = await institution('M', 'ministry', [['owner.m@example.org', 'owner'], ['member.m@example.org', 'member']]);
	inst.N = await institution('N', 'public_establishment', [['owner.n@example.org', 'owner']]);
	inst.U = await institution('U', 'university', [['owner.u@example.org', 'owner']]);
});
after(async () => { await srv?.stop(); rmSync(tmp, { recursive: true, force: true }); });

describe('a ministry declares its plan', () => {
	let plan;

	test('the owner declares this year’s plan; the list shows it with its focal point', async () => {
		const o = inst.M.owner;
		const list = await o.get('/fr/institution/plans');
		assert.equal(list.status, 200);
		assert.match(decode(list.text), /Aucun plan déclaré/);
		const form = await o.get('/fr/institution/plans/new');
		assert.equal(form.status, 200);
		assert.match(form.text, /id="f-year"[^>]*value="2027"/, 'this year by default');
		const r = await o.post('/fr/institution/plans/new', planForm());
		assert.equal(r.status, 303, decode(r.text).slice(0, 0) + r.status);
		assert.equal(r.location, '/fr/institution/plans?saved=1');
		plan = num(`SELECT id FROM plans WHERE institution_id = ${inst.M.id}`);
		assert.ok(plan > 0);
		const page = decode((await o.get('/fr/institution/plans?saved=1')).text);
		assert.match(page, /Le plan est enregistré/);
		assert.match(page, /Plan 2027/);
		assert.match(page, /Khadija Ouazzani/);
		assert.match(page, /k\.ouazzani@example\.ma/);
		assert.match(page, /Cybersécurité/);
		assert.match(page, /Sécurité du cloud/, 'a skill typed in English, shown in French');
		assert.match(page, /Besoins publiés : 0 sur 4/);
		assert.equal(num(`SELECT COUNT(*) FROM plan_skills WHERE plan_id = ${plan}`), 2);
		assert.equal(num(`SELECT COUNT(*) FROM plan_sectors WHERE plan_id = ${plan} AND sector_id = 'digital'`), 1);
		assert.equal(num(`SELECT COUNT(*) FROM audit_log WHERE action = 'plan_created' AND target_id = '${plan}'`), 1);
	});

	test('every bad input: 422, the message by its field, nothing changed', async () => {
		const o = inst.M.owner;
		const plans = () => num('SELECT COUNT(*) FROM plans');
		const before = plans();
		const cases = [
			[{ needs_target: '-1' }, 'needs_target', /nombre entier de 0 à 100/],
			[{ experts_target: '100001' }, 'experts_target', /nombre entier de 0 à 100/],
			[{ experts_target: 'beaucoup' }, 'experts_target', /nombre entier/],
			[{ needs_target: '' }, 'needs_target', /Indiquez un objectif/],
			[{ year: '2026' }, 'year', /Cette année est passée/],
			[{ year: '2099' }, 'year', /trop lointaine/],
			[{ year: 'deux-mille' }, 'year', /quatre chiffres/],
			[{ sec_3: 'astrology' }, 'sec_3', /Secteur inconnu/],
			[{ skill_2: 'Jonglage quantique' }, 'skill_2', /Compétence inconnue/],
			[{ focal_name: '' }, 'focal_name', /obligatoire/],
			[{ focal_email: 'pas une adresse' }, 'focal_email', /n’est pas valide/],
			[{ year: '2027' }, 'year', /déjà un plan pour cette année/], // the plan above
		];
		for (const [extra, field, message] of cases) {
			await o.get('/fr/institution/plans/new');
			const r = await o.post('/fr/institution/plans/new', planForm({ year: '2028', ...extra }));
			assert.equal(r.status, 422, `${JSON.stringify(extra)}: ${r.status}`);
			assert.match(decode(r.text), new RegExp(`id="e-${field}">[^<]*${message.source}`), `${field}: the message by the field`);
			assert.equal(plans(), before, `${JSON.stringify(extra)}: nothing saved`);
		}
		assert.equal(num("SELECT COUNT(*) FROM audit_log WHERE action = 'plan_created'"), 1);
	});

	test('an edit raises the version and is audited; a stale form is refused (409), nothing changed', async () => {
		const o = inst.M.owner;
		const form = await o.get(`/fr/institution/plans/${plan}/edit`);
		assert.equal(form.status, 200);
		assert.match(form.text, /name="version" value="1"/);
		const r = await o.post(`/fr/institution/plans/${plan}/edit`, planForm({ version: '1', needs_target: '4', experts_target: '2', focal_title: 'Directrice de la coopération' }));
		assert.equal(r.status, 303);
		assert.equal(num(`SELECT version FROM plans WHERE id = ${plan}`), 2);
		const stale = await o.post(`/fr/institution/plans/${plan}/edit`, planForm({ version: '1', needs_target: '40' }));
		assert.equal(stale.status, 409);
		assert.match(decode(stale.text), /modifié entre-temps/);
		assert.match(stale.text, /name="version" value="2"/, 'the form shows the current version');
		assert.equal(num(`SELECT needs_target FROM plans WHERE id = ${plan}`), 4, 'unchanged');
		const negative = await o.post(`/fr/institution/plans/${plan}/edit`, planForm({ version: '2', needs_target: '-3' }));
		assert.equal(negative.status, 422);
		// a stale form with an error: re-shown with the version it was read at, so the
		// newer edit is still noticed once the error is corrected
		const staleBad = await o.post(`/fr/institution/plans/${plan}/edit`, planForm({ version: '1', needs_target: '-3' }));
		assert.equal(staleBad.status, 422);
		assert.match(staleBad.text, /name="version" value="1"/);
		assert.equal((await o.post(`/fr/institution/plans/${plan}/edit`, planForm({ version: '1' }))).status, 409);
		assert.equal(num(`SELECT version FROM plans WHERE id = ${plan}`), 2);
		const updates = sql(`SELECT details FROM audit_log WHERE action = 'plan_updated' AND target_id = '${plan}'`);
		assert.equal(updates.length, 1);
		assert.match(updates[0], /"version":2/);
		assert.equal(sql(`SELECT focal_title FROM plans WHERE id = ${plan}`)[0], 'Directrice de la coopération');
	});

	test('a second institution’s plan, with nothing done yet', async () => {
		const o = inst.N.owner;
		await o.get('/fr/institution/plans/new');
		const r = await o.post('/fr/institution/plans/new', planForm({ needs_target: '10', experts_target: '10', focal_name: 'Hamid Berrada', focal_email: 'h.berrada@example.ma' }));
		assert.equal(r.status, 303);
	});
});

describe('progress computed from needs and engagements', () => {
	let planM, planN;

	before(async () => {
		planM = num(`SELECT id FROM plans WHERE institution_id = ${inst.M.id}`);
		planN = num(`SELECT id FROM plans WHERE institution_id = ${inst.N.id}`);
		const o = inst.M.owner;
		const n1 = await publishedNeed(o, 'Audit de sécurité du portail');
		await publishedNeed(o, 'Stratégie cloud du ministère');
		// a draft is not posted
		await o.get('/fr/institution/needs/new');
		assert.equal((await o.post('/fr/institution/needs/new', { title: 'Brouillon', sector: 'digital', mode: 'ponctuelle', presence: 'remote', dates: 'open', experts: '1', pay: 'pro_bono' })).status, 303);
		const expert = await newExpert('salma@example.org', 'Salma Benali');
		await delivered(o, expert, n1);
	});

	test('the dashboard: each plan’s progress, the plan behind marked, the national target beside the sum', async () => {
		const r = await adminC.get('/fr/admin/dashboard');
		assert.equal(r.status, 200);
		const h = r.text;
		assert.match(decode(h), /Plans sectoriels/);
		// half the year: 4 needs → 2 expected, 2 experts → 1 expected
		const m = rowOf(h, planM);
		assert.ok(m, 'the ministry’s row');
		assert.match(m, /Institution M/);
		assert.match(m, /data-col="needs">2 sur 4 \(attendu : 2\)/);
		assert.match(m, /data-col="experts">1 sur 2 \(attendu : 1\)/);
		assert.match(m, /Dans le rythme/);
		const n = rowOf(h, planN);
		assert.match(n, /data-col="needs">0 sur 10 \(attendu : 5\)/);
		assert.match(n, /data-col="experts">0 sur 10 \(attendu : 5\)/);
		assert.match(n, /En retard/);
		const sumExperts = num('SELECT SUM(experts_target) FROM plans WHERE year = 2027');
		assert.ok(sumExperts >= 12);
		assert.match(h, new RegExp(`data-ind="plans-sum-experts">${sumExperts}<`));
		assert.match(h, /data-ind="plans-national">5000</, 'the trajectory: 5,000 by the end of 2027');
		assert.match(h, /data-ind="plans-national-share">1667</, 'of which 1,667 in 2027');
		const behind = num('SELECT COUNT(*) FROM plans WHERE year = 2027') - 1; // only M is on track here
		assert.match(h, new RegExp(`data-ind="plans-behind">${behind}<`));
	});

	test('the institution’s public page: progress bars with their numbers, no focal point', async () => {
		const anon = new Client(srv.url);
		const r = await anon.get(`/fr/institutions/${inst.M.id}`);
		assert.equal(r.status, 200);
		const h = decode(r.text);
		assert.match(h, /Plan sectoriel de mobilisation/);
		assert.match(h, /Besoins publiés : 2 sur 4/);
		assert.match(h, /Experts mobilisés : 1 sur 2/);
		assert.match(h, /<progress[^>]*value="50"/);
		assert.match(h, /Cybersécurité/);
		assert.doesNotMatch(h, /Ouazzani|k\.ouazzani/, 'the focal point is not public');
		const ar = await anon.get(`/ar/institutions/${inst.M.id}`);
		assert.match(ar.text, /الحاجيات المنشورة: 2 من أصل 4/);
	});

	test('the institution’s own page and the programme team’s list', async () => {
		const own = decode((await inst.M.member.get('/fr/institution/plans')).text);
		assert.match(own, /Besoins publiés : 2 sur 4/);
		assert.match(own, /Khadija Ouazzani/, 'members see the focal point');
		assert.doesNotMatch(own, /\/edit"/, 'members do not edit');
		const list = await adminC.get('/fr/admin/plans');
		assert.equal(list.status, 200);
		const h = decode(list.text);
		const behind = h.slice(h.indexOf('id="behind-list"'), h.indexOf('</ul>', h.indexOf('id="behind-list"')));
		assert.match(behind, new RegExp(`data-plan="${planN}"`));
		assert.doesNotMatch(behind, new RegExp(`data-plan="${planM}"`));
		assert.match(h, /h\.berrada@example\.ma/, 'the programme team sees the focal point');
		assert.equal((await adminC.get('/fr/admin/plans?year=2028')).status, 200);
		assert.equal((await adminC.get('/fr/admin/plans?year=zzz')).status, 400);
	});
});

describe('access', () => {
	test('another institution’s plan does not exist for it (404)', async () => {
		const planM = num(`SELECT id FROM plans WHERE institution_id = ${inst.M.id}`);
		const o = inst.N.owner;
		assert.equal((await o.get(`/fr/institution/plans/${planM}/edit`)).status, 404);
		await o.get('/fr/institution/plans');
		const r = await o.post(`/fr/institution/plans/${planM}/edit`, planForm({ version: '2', needs_target: '0' }));
		assert.equal(r.status, 404);
		assert.equal(num(`SELECT needs_target FROM plans WHERE id = ${planM}`), 4);
		assert.equal((await o.get('/fr/institution/plans/99999999/edit')).status, 404);
	});

	test('members read, owners write; a university declares no plan', async () => {
		assert.equal((await inst.M.member.get('/fr/institution/plans/new')).status, 403);
		const u = inst.U.owner;
		const list = await u.get('/fr/institution/plans');
		assert.equal(list.status, 200);
		assert.match(decode(list.text), /départements ministériels et les établissements publics/);
		const page = await u.get('/fr/institution/plans/new');
		assert.equal(page.status, 200, 'the page explains');
		assert.match(decode(page.text), /réservés aux départements ministériels/);
		assert.doesNotMatch(page.text, /name="needs_target"/, 'no form');
		const r = await u.post('/fr/institution/plans/new', planForm());
		assert.equal(r.status, 403);
		assert.equal(num(`SELECT COUNT(*) FROM plans WHERE institution_id = ${inst.U.id}`), 0);
	});

	test('experts and anonymous visitors', async () => {
		const expert = await newExpert('karim@example.org', 'Karim Alaoui');
		for (const p of ['/fr/institution/plans', '/fr/institution/plans/new', '/fr/admin/plans'])
			assert.equal((await expert.get(p)).status, 403, p);
		const anon = new Client(srv.url);
		assert.equal((await anon.get('/fr/institution/plans')).status, 303, 'to sign-in');
		assert.equal((await anon.get('/fr/admin/plans')).status, 303);
		assert.equal((await inst.M.owner.get('/fr/admin/plans')).status, 403);
	});
});

describe('the programme team is told of a plan behind its pace', () => {
	const told = () => num("SELECT COUNT(*) FROM notifications WHERE kind = 'plan.behind'");
	const until = async (fn, what, ms = 10000) => {
		const end = Date.now() + ms;
		while (!fn()) {
			if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
			await new Promise((r) => setTimeout(r, 200));
		}
	};
	const admins = () => num("SELECT COUNT(*) FROM user_roles WHERE role = 'admin'");

	test('once, not again within 30 days, and again after', async () => {
		const planN = num(`SELECT id FROM plans WHERE institution_id = ${inst.N.id}`);
		const behindNow = () => num(`SELECT COUNT(*) FROM plans WHERE flagged_at IS NOT NULL AND id = ${planN}`);
		setClock(T0 + 2 * 3600); // the hourly jobs run
		await until(() => behindNow() === 1, 'the plan flagged');
		const first = told();
		assert.ok(first >= admins(), 'every admin told');
		assert.match(sql(`SELECT args FROM notifications WHERE kind = 'plan.behind' ORDER BY created_at LIMIT 1`).join(''), /Institution|2027/);
		// the institution named in the reader's language (a new session: the
		// clock moved past the staff's idle limit)
		const team = await signInWithCode(new Client(srv.url), 'admin@example.org', PW, adminC.totpSecret, now, 'ar');
		assert.match(decode((await team.get('/ar/inbox')).text), /الخاص بـ«مؤسسة N»/);
		assert.match(decode((await team.get('/fr/inbox')).text), /de « Institution N »/);
		assert.match(decode((await team.get('/en/inbox')).text), /of “Institution N”/);
		const flagged = sql(`SELECT flagged_at FROM plans WHERE id = ${planN}`)[0];
		setClock(T0 + 10 * DAY);
		await new Promise((r) => setTimeout(r, 2500));
		assert.equal(told(), first, 'not again within 30 days');
		assert.equal(sql(`SELECT flagged_at FROM plans WHERE id = ${planN}`)[0], flagged);
		setClock(T0 + 31 * DAY);
		await until(() => sql(`SELECT flagged_at FROM plans WHERE id = ${planN}`)[0] !== flagged, 'flagged again');
		assert.ok(told() > first);
		const planM = num(`SELECT id FROM plans WHERE institution_id = ${inst.M.id}`);
		assert.equal(num(`SELECT COUNT(*) FROM plans WHERE id = ${planM} AND flagged_at IS NOT NULL`), 0, 'a plan on track is not flagged');
	});
});
