// Engagements over HTTP against a real server with an injected clock: an
// expert applies (a second application is refused), the officer shortlists
// and accepts, the expert confirms (contact details hidden before, shown
// after), the mission starts and is delivered (a certificate code), both
// sides evaluate (→ evaluated), the certificate verifies on its public page
// and a wrong code does not; steps the lifecycle does not allow (422,
// nothing changed), reasons and messages, invitations and private
// suggestions; access (an officer of another institution, another expert:
// 404); the inbox; and with the clock moved: an unanswered application gets
// a reminder, then closes as "no answer" after N working days and the expert
// is told (mail and inbox); the daily digest; the +6-month follow-up.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { acceptInvitation, Client, enrolTotp, lastMailTo, linkIn, mails, signIn as signInWith, signUp } from '../client.mjs';
import { kafaat, startServer } from '../kafaat.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-engagements-'));
const clockFile = path.join(tmp, 'clock');
const HOUR = 3600;
const DAY = 86400;
const T0 = 1_800_000_000; // Friday 2027-01-15T08:00:00Z
let now = T0;
const setClock = (t) => { now = t; writeFileSync(clockFile, String(t)); };
setClock(now);
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';

const decode = (s) => s.replace(/&#39;/g, '\'').replace(/&quot;/g, '"').replace(/&amp;/g, '&')
	.replace(/&lt;/g, '<').replace(/&gt;/g, '>');

let srv, adminC;
const inst = {}; // name → {id, officer}

const signIn = (c, email, lang = 'fr') => signInWith(c, email, PW, lang);

function admin(args) {
	const r = kafaat(['admin', ...args, '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	return r.stdout;
}

const fromLink = (link, email) => acceptInvitation(srv, link, email, PW, 'en');

// An expert with a profile institutions may see (consent given).
async function newExpert(email, name, lang = 'fr') {
	const c = await signUp(srv, env, email, PW, lang);
	c.lang = lang;
	await c.get(`/${lang}/profile/edit/identity`);
	const r = await c.post(`/${lang}/profile/edit/identity`, { name, country: 'CA', city: 'Montréal', headline: `Ingénieure — ${name}` });
	assert.equal(r.status, 303, 'profile saved');
	await c.get(`/${lang}/profile/consent`);
	assert.equal((await c.post(`/${lang}/profile/consent`, { set: 'institutions:1' })).status, 303);
	c.email = email;
	c.id = /href="\/\w\w\/experts\/(\d+)"/.exec((await c.get(`/${lang}/profile`)).text)[1];
	return c;
}

// The programme team creates and verifies an institution and invites an officer.
async function institution(name, email) {
	await adminC.get('/en/admin/institutions');
	const r = await adminC.post('/en/admin/institutions', { name_ar: `مؤسسة ${name}`, name_fr: `Institution ${name}`, name_en: `Institution ${name}`, kind: 'ministry' });
	assert.equal(r.status, 303, `institution ${name}: ${r.status}`);
	const id = /\/admin\/institutions\/(\d+)/.exec(r.location)[1];
	await adminC.get(`/en/admin/institutions/${id}`);
	assert.equal((await adminC.post(`/en/admin/institutions/${id}/verify`, { set: '1' })).status, 303);
	await adminC.get('/en/admin/invitations');
	const inv = await adminC.post('/en/admin/invitations', { email, institution: id, role: 'member', lang: 'fr' });
	assert.equal(inv.status, 200, 'invitation sent');
	const officer = await fromLink(linkIn(lastMailTo(srv.db, email, env), '/invitation\\?token='), email);
	officer.email = email;
	officer.lang = 'fr';
	return { id, officer };
}

// The officer writes and submits a need; the programme team publishes it.
async function publishedNeed(i, title) {
	const o = i.officer;
	await o.get('/fr/institution/needs/new');
	const r = await o.post('/fr/institution/needs/new', {
		title, description: 'Appui à la transformation numérique des services.', sector: 'digital',
		mode: 'ponctuelle', presence: 'remote', dates: 'open', effort_days: '10', experts: '1',
		pay: 'pro_bono', cp_name: 'Amina Idrissi', cp_role: 'Directrice', cp_email: 'amina@example.ma',
		ready_counterpart: '1', ready_resources: '1', ready_approval: '1',
		skill_0_name: 'Cybersécurité', skill_0_level: 'must-3', then: 'submit',
	});
	assert.equal(r.status, 303, `need ${title}: ${r.status} ${r.text.slice(0, 0)}`);
	const id = /\/institution\/needs\/(\d+)/.exec(r.location)[1];
	await adminC.get(`/fr/admin/needs/${id}`);
	const p = await adminC.post(`/fr/admin/needs/${id}/action`, { action: 'publish' });
	assert.equal(p.status, 303, `publish ${title}: ${p.status}`);
	assert.equal((await new Client(srv.url).get(`/fr/needs/${id}`)).status, 200, 'published');
	return id;
}

async function apply(c, need, motivation = 'Dix ans de sécurité des systèmes d’information.', lang = 'fr') {
	await c.get(`/${lang}/needs/${need}/apply`);
	return c.post(`/${lang}/needs/${need}/apply`, { motivation });
}

// The engagement's block on a page (<article id="e-ID">…</article>).
function block(html, id) {
	const start = html.indexOf(`id="e-${id}"`);
	if (start < 0) return null;
	return html.slice(start, html.indexOf('</article>', start));
}

const stateOf = (html, id) => /data-state="([a-z_]+)"/.exec(block(html, id) ?? '')?.[1];

async function institutionStep(i, need, id, action, extra = {}) {
	await i.officer.get(`/fr/institution/needs/${need}/engagements`);
	return i.officer.post(`/fr/institution/engagements/${id}`, { action, ...extra });
}

async function expertStep(c, id, action, extra = {}, lang = 'fr') {
	await c.get(`/${lang}/engagements`);
	return c.post(`/${lang}/engagements/${id}`, { action, ...extra });
}

async function engagementId(c, need) {
	const page = await c.get('/fr/engagements');
	const m = new RegExp(`id="e-(\\d+)"[^]*?href="/fr/needs/${need}"`).exec(page.text);
	return m?.[1];
}

// Moves the clock and signs the clients in again (sessions end 12 hours
// after sign-in, and 30 idle minutes for institution members).
async function jump(t, ...clients) {
	setClock(t);
	for (const c of clients) await signIn(c, c.email, c.lang);
}

// Waits until fn() is true (the sender thread runs the hourly jobs).
async function until(fn, what, ms = 10000) {
	const end = Date.now() + ms;
	for (;;) {
		if (await fn()) return;
		if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 200));
	}
}

before(async () => {
	srv = await startServer({ env });
	adminC = await fromLink(linkIn(admin(['create', 'admin@example.org']), '/invitation\\?token='), 'admin@example.org');
	await enrolTotp(adminC, 'en', now);
	inst.A = await institution('A', 'officer.a@example.org');
	inst.B = await institution('B', 'officer.b@example.org');
});
after(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

describe('an engagement from application to certificate', () => {
	let expert, need, id;

	test('the expert applies; a second application is refused (422)', async () => {
		expert = await newExpert('salma@example.org', 'Salma Benali');
		need = await publishedNeed(inst.A, 'Audit de sécurité du portail');
		assert.match((await expert.get(`/fr/needs/${need}`)).text, new RegExp(`href="/fr/needs/${need}/apply"`), 'the public page leads to the form');
		assert.doesNotMatch((await inst.A.officer.get(`/fr/needs/${need}`)).text, /id="apply-link"/, 'not for officers');
		const form = await expert.get(`/fr/needs/${need}/apply`);
		assert.equal(form.status, 200);
		assert.match(decode(form.text), /Audit de sécurité du portail/);
		const empty = await expert.post(`/fr/needs/${need}/apply`, { motivation: '' });
		assert.equal(empty.status, 422, 'a motivation is required');
		assert.match(decode(empty.text), /quelques lignes de motivation/);
		const r = await apply(expert, need);
		assert.equal(r.status, 303);
		assert.match(r.location, /^\/fr\/engagements\?done=applied#e-\d+$/);
		id = /#e-(\d+)/.exec(r.location)[1];
		const again = await apply(expert, need, 'Encore moi');
		assert.equal(again.status, 422);
		assert.match(decode(again.text), /déjà candidaté/);
		const mine = await expert.get('/fr/engagements');
		assert.equal(stateOf(mine.text, id), 'applied');
		assert.match(decode(block(mine.text, id)), /L’institution a jusqu’au 22 janvier 2027/);
		assert.doesNotMatch(mine.text, /Encore moi/, 'the second application changed nothing');
	});

	test('the institution is told and sees the applicant without contact details', async () => {
		const mail = lastMailTo(srv.db, 'officer.a@example.org', env);
		assert.match(mail, /Salma Benali a candidat/);
		const view = await inst.A.officer.get(`/fr/institution/needs/${need}`);
		assert.match(view.text, new RegExp(`id="engagements-link"[^>]*>|href="/fr/institution/needs/${need}/engagements"`), 'the need’s page leads there');
		const page = await inst.A.officer.get(`/fr/institution/needs/${need}/engagements`);
		assert.equal(page.status, 200);
		const b = decode(block(page.text, id));
		assert.match(b, /Salma Benali/);
		assert.match(b, /Dix ans de sécurité/);
		assert.match(b, new RegExp(`href="/fr/experts/${expert.id}"`));
		assert.ok(!page.text.includes('salma@example.org'), 'no email before confirmation');
		assert.match(b, /apparaîtront quand il aura confirmé/);
	});

	test('shortlist, accept: still no contact details; the expert confirms: they appear', async () => {
		assert.equal((await institutionStep(inst.A, need, id, 'shortlist')).status, 303);
		assert.equal(stateOf((await expert.get('/fr/engagements')).text, id), 'shortlisted');
		const acc = await institutionStep(inst.A, need, id, 'accept', {});
		assert.equal(acc.status, 303);
		assert.match(acc.location, new RegExp(`/fr/institution/needs/${need}/engagements\\?done=step#e-${id}$`));
		let page = await inst.A.officer.get(`/fr/institution/needs/${need}/engagements`);
		assert.equal(stateOf(page.text, id), 'accepted');
		assert.ok(!page.text.includes('salma@example.org'), 'accepted, not confirmed: still hidden');
		assert.match(lastMailTo(srv.db, 'salma@example.org', env), /Confirmez votre participation/);
		assert.equal((await expertStep(expert, id, 'confirm')).status, 303);
		page = await inst.A.officer.get(`/fr/institution/needs/${need}/engagements`);
		assert.equal(stateOf(page.text, id), 'confirmed');
		assert.match(block(page.text, id), /href="mailto:salma@example.org"/);
		assert.match(lastMailTo(srv.db, 'officer.a@example.org', env), /Salma Benali confirme/);
	});

	test('a step the lifecycle does not allow: 422, nothing changed', async () => {
		const early = await institutionStep(inst.A, need, id, 'deliver');
		assert.equal(early.status, 422, 'deliver from confirmed');
		assert.match(decode(early.text), /pas possible dans l’état actuel/);
		assert.equal(stateOf(early.text, id), 'confirmed');
		const expertSide = await expertStep(expert, id, 'confirm');
		assert.equal(expertSide.status, 422, 'confirm twice');
		const wrongSide = await institutionStep(inst.A, need, id, 'confirm');
		assert.equal(wrongSide.status, 422, 'the institution cannot confirm for the expert');
		const unknown = await institutionStep(inst.A, need, id, 'teleport');
		assert.equal(unknown.status, 422);
		assert.equal(stateOf((await expert.get('/fr/engagements')).text, id), 'confirmed');
	});

	test('start, deliver: a certificate code; both evaluate → evaluated', async () => {
		assert.equal((await institutionStep(inst.A, need, id, 'start')).status, 303);
		assert.equal((await institutionStep(inst.A, need, id, 'deliver')).status, 303);
		const mine = await expert.get('/fr/engagements');
		assert.equal(stateOf(mine.text, id), 'delivered');
		assert.match(mine.text, new RegExp(`href="/fr/engagements/${id}/certificate"`));
		assert.match(mine.text, new RegExp(`href="/fr/engagements/${id}/evaluate\\?round=delivery"`));
		// bad evaluation: 422, nothing saved
		await expert.get(`/fr/engagements/${id}/evaluate`);
		const bad = await expert.post(`/fr/engagements/${id}/evaluate?round=delivery`, { rating: '9', objectives: 'maybe', again: 'yes' });
		assert.equal(bad.status, 422);
		assert.match(decode(bad.text), /note de 1 à 5/);
		assert.match(decode(bad.text), /id="e-objectives">Choisissez une réponse/);
		const e1 = await expert.post(`/fr/engagements/${id}/evaluate?round=delivery`, { rating: '5', objectives: 'yes', again: 'yes', comment: 'Équipe très impliquée.' });
		assert.equal(e1.status, 303);
		assert.equal(stateOf((await expert.get('/fr/engagements')).text, id), 'delivered', 'one side only');
		const twice = await expert.post(`/fr/engagements/${id}/evaluate?round=delivery`, { rating: '4', objectives: 'yes', again: 'yes' });
		assert.equal(twice.status, 422, 'a side evaluates once');
		// the other expert and the other institution may not evaluate it
		assert.equal((await inst.B.officer.get(`/fr/engagements/${id}/evaluate`)).status, 404);
		await inst.A.officer.get(`/fr/engagements/${id}/evaluate`);
		const e2 = await inst.A.officer.post(`/fr/engagements/${id}/evaluate?round=delivery`, { rating: '4', objectives: 'partly', again: 'yes' });
		assert.equal(e2.status, 303);
		assert.equal(stateOf((await expert.get('/fr/engagements')).text, id), 'evaluated');
		assert.match((await expert.get('/fr/engagements')).text, /Expert mobilisé/);
	});

	test('the certificate: printable in three languages, verified on its public page; a wrong code is not', async () => {
		const fr = await expert.get(`/fr/engagements/${id}/certificate`);
		assert.equal(fr.status, 200);
		const code = /class="kf-cert-code[^"]*"[^>]*>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</.exec(fr.text)[1];
		assert.doesNotMatch(code, /[IO01]/, 'no look-alike characters');
		assert.match(decode(fr.text), /Attestation de contribution/);
		assert.match(decode(fr.text), /Salma Benali/);
		assert.match(decode(fr.text), /Institution A/);
		assert.match(decode(fr.text), /Audit de sécurité du portail/);
		const ar = await expert.get(`/ar/engagements/${id}/certificate`);
		assert.match(ar.text, /dir="rtl"/);
		assert.match(ar.text, /شهادة مساهمة/);
		assert.match(ar.text, /مؤسسة A/);
		assert.match((await expert.get(`/en/engagements/${id}/certificate`)).text, /Certificate of contribution/);
		// only its expert sees the printable page
		assert.equal((await inst.A.officer.get(`/fr/engagements/${id}/certificate`)).status, 403);
		const other = await newExpert('karim@example.org', 'Karim Alaoui');
		assert.equal((await other.get(`/fr/engagements/${id}/certificate`)).status, 404);
		// anyone verifies it, by the link or the form, with or without dashes
		const anon = new Client(srv.url);
		const link = /certificates\/([a-z2-9-]+)</.exec(fr.text)[1];
		const pub = await anon.get(`/ar/certificates/${link}`);
		assert.equal(pub.status, 200);
		assert.match(pub.text, /شهادة صحيحة/);
		const byForm = await anon.get(`/fr/certificates/verify?code=${code.replace(/-/g, '').toLowerCase()}`);
		assert.equal(byForm.status, 200);
		assert.match(decode(byForm.text), /Attestation valide/);
		assert.match(decode(byForm.text), /Salma Benali a contribué, auprès de Institution A/);
		assert.ok(!byForm.text.includes('salma@example.org'), 'nothing more than the name and the mission');
		assert.ok(!byForm.text.includes('Montréal'));
		const wrong = await anon.get('/fr/certificates/verify?code=ABCD-EFGH-JKLM');
		assert.equal(wrong.status, 404);
		assert.match(decode(wrong.text), /Aucune attestation valide/);
		assert.equal((await anon.get('/fr/certificates/abcd-efgh-jklm')).status, 404);
		const garbage = await anon.get('/fr/certificates/verify?code=not-a-code');
		assert.equal(garbage.status, 422);
		assert.match(decode(garbage.text), /Ce n’est pas un code/);
	});

	test('the inbox lists every step, newest first; open marks read; mark all read', async () => {
		let inbox = await expert.get('/fr/inbox');
		assert.equal(inbox.status, 200);
		const items = [...inbox.text.matchAll(/<li class="border-bottom py-2([^"]*)" id="n-(\d+)">/g)];
		assert.ok(items.length >= 4, `notifications: ${items.length}`);
		assert.match(decode(inbox.text), /Les deux évaluations de « Audit de sécurité du portail » sont faites/);
		assert.ok(inbox.text.indexOf('deux évaluations') < inbox.text.indexOf('présélectionné'), 'newest first');
		assert.match(inbox.text, /kf-unread/);
		assert.match(inbox.text, /class="badge rounded-pill text-bg-danger">\d+/, 'the unread count in the navigation');
		const open = await expert.get(`/fr/inbox/${items[0][2]}`);
		assert.equal(open.status, 303);
		assert.match(open.location, /^\/fr\/engagements#e-\d+$/);
		inbox = await expert.get('/fr/inbox');
		assert.ok(!new RegExp(`kf-unread[^"]*" id="n-${items[0][2]}"`).test(inbox.text), 'opened: read');
		assert.equal((await expert.post('/fr/inbox/read', {})).status, 303);
		inbox = await expert.get('/fr/inbox');
		assert.doesNotMatch(inbox.text, /kf-unread/);
		assert.doesNotMatch(inbox.text, /rounded-pill text-bg-danger/);
		// someone else's notification does not exist
		assert.equal((await inst.A.officer.get(`/fr/inbox/${items[0][2]}`)).status, 404);
	});
});

describe('refusals, invitations, suggestions and access', () => {
	let need, a1, a2, e1, e2;

	before(async () => {
		need = await publishedNeed(inst.A, 'Stratégie cloud');
		a1 = await newExpert('nadia@example.org', 'Nadia Tazi');
		a2 = await newExpert('youssef@example.org', 'Youssef Amrani', 'ar');
		e1 = /#e-(\d+)/.exec((await apply(a1, need)).location)[1];
		e2 = /#e-(\d+)/.exec((await apply(a2, need, 'خبرة في الحوسبة السحابية', 'ar')).location)[1];
	});

	test('refusing needs a reason and a message; the expert reads both', async () => {
		let r = await institutionStep(inst.A, need, e1, 'refuse', { reason: '', message: '' });
		assert.equal(r.status, 422);
		assert.match(decode(r.text), new RegExp(`id="e-${e1}-refuse-reason">Choisissez une raison`));
		r = await institutionStep(inst.A, need, e1, 'refuse', { reason: 'need_filled', message: '' });
		assert.equal(r.status, 422);
		assert.match(decode(r.text), /Écrivez un message/);
		r = await institutionStep(inst.A, need, e1, 'refuse', { reason: 'teleported', message: 'x' });
		assert.equal(r.status, 422);
		assert.equal(stateOf((await a1.get('/fr/engagements')).text, e1), 'applied', 'unchanged');
		r = await institutionStep(inst.A, need, e1, 'refuse', { reason: 'need_filled', message: 'Merci, le poste est pourvu en interne.' });
		assert.equal(r.status, 303);
		const mine = decode((await a1.get('/fr/engagements')).text);
		assert.equal(stateOf(mine, e1), 'refused');
		assert.match(mine, /Besoin déjà pourvu/);
		assert.match(mine, /Candidature envoyée/, 'the history: every step with its date');
		assert.match(mine, /Merci, le poste est pourvu en interne\./);
		const mail = lastMailTo(srv.db, 'nadia@example.org', env);
		assert.match(mail, /Raison : Besoin déjà pourvu/);
		// a refused engagement cannot be delivered: 422, unchanged
		assert.equal((await institutionStep(inst.A, need, e1, 'deliver')).status, 422);
		assert.equal(stateOf((await a1.get('/fr/engagements')).text, e1), 'refused');
	});

	test('the expert withdraws (in Arabic) with a reason; a declined engagement cannot be delivered', async () => {
		const noReason = await expertStep(a2, e2, 'withdraw', { reason: '' }, 'ar');
		assert.equal(noReason.status, 422);
		assert.match(noReason.text, /اختر سببًا من القائمة/);
		assert.equal((await expertStep(a2, e2, 'withdraw', { reason: 'personal', message: 'ظروف عائلية' }, 'ar')).status, 303);
		const page = decode((await inst.A.officer.get(`/fr/institution/needs/${need}/engagements`)).text);
		assert.equal(stateOf(page, e2), 'withdrawn');
		assert.match(page, /Raisons personnelles/);
		assert.equal((await institutionStep(inst.A, need, e2, 'deliver')).status, 422);
	});

	test('an invitation: the expert is told, says yes, is shortlisted; a declined invitation cannot be delivered', async () => {
		const guest = await newExpert('invitee@example.org', 'Leila Berrada');
		const officer = inst.A.officer;
		await officer.get(`/fr/institution/needs/${need}/engagements`);
		let r = await officer.post(`/fr/institution/needs/${need}/engagements`, { expert: '999999', mode: 'invite', message: '' });
		assert.equal(r.status, 422, 'unknown expert');
		assert.match(decode(r.text), /Aucun expert visible/);
		r = await officer.post(`/fr/institution/needs/${need}/engagements`, { expert: `${srv.url}/fr/experts/${guest.id}`, mode: 'invite', message: 'Votre profil nous intéresse.' });
		assert.equal(r.status, 303);
		const id = /#e-(\d+)/.exec(r.location)[1];
		assert.equal((await officer.post(`/fr/institution/needs/${need}/engagements`, { expert: guest.id, mode: 'invite', message: '' })).status, 422, 'already in the list');
		assert.match(lastMailTo(srv.db, 'invitee@example.org', env), /Votre profil nous intéresse\./);
		const mine = await guest.get('/fr/engagements');
		assert.equal(stateOf(mine.text, id), 'invited');
		assert.equal((await expertStep(guest, id, 'interested')).status, 303);
		assert.equal(stateOf((await guest.get('/fr/engagements')).text, id), 'shortlisted');
		assert.equal((await institutionStep(inst.A, need, id, 'accept')).status, 303);
		assert.equal((await expertStep(guest, id, 'decline', { reason: 'unavailable' })).status, 303);
		assert.equal((await institutionStep(inst.A, need, id, 'deliver')).status, 422, 'delivering a declined engagement');
		assert.equal(stateOf((await guest.get('/fr/engagements')).text, id), 'declined');
	});

	test('a private suggestion stays hidden from the expert until it becomes an invitation', async () => {
		const cand = await newExpert('candidate@example.org', 'Omar Fassi');
		const officer = inst.A.officer;
		await officer.get(`/fr/institution/needs/${need}/engagements`);
		const r = await officer.post(`/fr/institution/needs/${need}/engagements`, { expert: cand.id, mode: 'suggest', message: '' });
		assert.equal(r.status, 303);
		const id = /#e-(\d+)/.exec(r.location)[1];
		assert.equal(stateOf((await officer.get(`/fr/institution/needs/${need}/engagements`)).text, id), 'suggested');
		assert.equal(block((await cand.get('/fr/engagements')).text, id), null, 'not on the expert’s page');
		assert.ok(!mails(srv.db, env).some((m) => m.to === 'candidate@example.org' && /Invitation/.test(m.subject)), 'not told');
		assert.equal((await expertStep(cand, id, 'interested')).status, 404, 'the expert cannot act on it');
		assert.equal((await institutionStep(inst.A, need, id, 'invite')).status, 303);
		assert.equal(stateOf((await cand.get('/fr/engagements')).text, id), 'invited');
		assert.match(lastMailTo(srv.db, 'candidate@example.org', env), /vous invite/);
	});

	test('access: another institution’s officer and another expert see nothing (404)', async () => {
		const b = inst.B.officer;
		assert.equal((await b.get(`/fr/institution/needs/${need}/engagements`)).status, 404);
		await b.get('/fr/inbox');
		assert.equal((await b.post(`/fr/institution/engagements/${e1}`, { action: 'shortlist' })).status, 404);
		assert.equal((await b.post(`/fr/institution/needs/${need}/engagements`, { expert: a1.id, mode: 'invite', message: '' })).status, 404);
		const page = await a2.get('/fr/engagements');
		assert.equal(block(page.text, e1), null, 'another expert’s engagement is not listed');
		await a2.get('/fr/engagements');
		assert.equal((await a2.post(`/fr/engagements/${e1}`, { action: 'withdraw', reason: 'personal' })).status, 404);
		assert.equal((await a2.get(`/fr/engagements/${e1}/evaluate`)).status, 404);
		assert.equal((await a2.get(`/fr/engagements/${e1}/certificate`)).status, 404);
		// experts cannot use the institution's pages, officers the expert's
		assert.equal((await a2.get(`/fr/institution/needs/${need}/engagements`)).status, 403);
		assert.equal((await b.get('/fr/engagements')).status, 403);
		// an unpublished or unknown need takes no application
		assert.equal((await a2.get('/fr/needs/424242/apply')).status, 404);
	});

	test('applying needs a profile institutions may see', async () => {
		const shy = await newExpert('shy@example.org', 'Sara Kettani');
		await shy.get('/fr/profile/consent');
		await shy.post('/fr/profile/consent', { set: 'institutions:0' });
		const page = await shy.get(`/fr/needs/${need}/apply`);
		assert.match(decode(page.text), /accepté que les institutions publiques voient votre profil/);
		const r = await apply(shy, need);
		assert.equal(r.status, 422);
		assert.match((await shy.get('/fr/engagements')).text, /ni candidature ni invitation/);
	});
});

describe('with the clock moving', () => {
	const needs = {};
	let expert, id;

	before(async () => {
		needs.wait = await publishedNeed(inst.B, 'Plateforme de données ouvertes');
		needs.digest = await publishedNeed(inst.B, 'Gouvernance des données');
		needs.followup = await publishedNeed(inst.B, 'Formation des formateurs');
	});

	test('an unanswered application: a reminder after 3 working days, closed as "no answer" after 5, the expert told', async () => {
		expert = await newExpert('waiting@example.org', 'Hassan Idrissi');
		const need = needs.wait;
		const officer = inst.B.officer;
		// Friday 15 January 2027, 08:00 UTC
		id = /#e-(\d+)/.exec((await apply(expert, need)).location)[1];
		const reminders = () => mails(srv.db, env).filter((m) => m.to === 'officer.b@example.org' && /Rappel/.test(m.subject));
		// Wednesday 20 January 07:00: two working days and 23 hours (Monday, Tuesday) — no reminder yet
		await jump(T0 + 4 * DAY + 23 * HOUR, expert, officer);
		await new Promise((r) => setTimeout(r, 2500));
		assert.equal(reminders().length, 0, 'no reminder before 3 working days');
		// Wednesday 09:00: three working days
		await jump(T0 + 5 * DAY + HOUR, expert, officer);
		await until(() => reminders().length === 1, 'the reminder');
		assert.match(lastMailTo(srv.db, 'officer.b@example.org', env), /Hassan Idrissi/);
		assert.equal(stateOf((await officer.get(`/fr/institution/needs/${need}/engagements`)).text, id), 'applied');
		// Friday 22 January 07:30: four working days and 23 hours — still open (and 7 calendar days)
		await jump(T0 + 7 * DAY - HOUR / 2, expert, officer);
		await new Promise((r) => setTimeout(r, 2500));
		assert.equal(stateOf((await expert.get('/fr/engagements')).text, id), 'applied');
		assert.equal(reminders().length, 1, 'one reminder only');
		// Friday 22 January 08:30: five working days — closed, the expert told
		await jump(T0 + 7 * DAY + HOUR / 2, expert, officer);
		await until(async () => stateOf((await expert.get('/fr/engagements')).text, id) === 'no_answer', 'the closure');
		const mine = decode((await expert.get('/fr/engagements')).text);
		assert.match(mine, /n’a pas répondu dans les délais/);
		assert.match(mine, /délai de réponse/, 'the step is the deadline’s, not a person’s');
		await until(() => /Candidature close faute de réponse/.test(mails(srv.db, env).find((m) => m.to === 'waiting@example.org')?.subject ?? ''), 'the mail');
		assert.match(lastMailTo(srv.db, 'waiting@example.org', env), /Institution B n’a pas répondu dans les délais/);
		assert.match(decode((await expert.get('/fr/inbox')).text), /sans réponse de l’institution dans les délais/);
		assert.match(decode(lastMailTo(srv.db, 'officer.b@example.org', env)), /close et l’expert en est informé/);
		// the institution can no longer answer it
		assert.equal((await institutionStep(inst.B, need, id, 'shortlist')).status, 422);
	});

	test('a person who chose the digest gets one mail a day, not one per notification', async () => {
		const user = await newExpert('digest@example.org', 'Rania Chraibi');
		const officer = inst.B.officer;
		await user.get('/fr/inbox');
		const bad = await user.post('/fr/inbox/preference', { notify: 'weekly' });
		assert.equal(bad.status, 422);
		assert.equal((await user.post('/fr/inbox/preference', { notify: 'digest' })).status, 303);
		assert.match((await user.get('/fr/inbox')).text, /value="digest" checked/);
		const eid = /#e-(\d+)/.exec((await apply(user, needs.digest)).location)[1];
		const toDigest = () => mails(srv.db, env).filter((m) => m.to === 'digest@example.org');
		const before = toDigest().length;
		assert.equal((await institutionStep(inst.B, needs.digest, eid, 'shortlist')).status, 303);
		assert.equal((await institutionStep(inst.B, needs.digest, eid, 'accept')).status, 303);
		await new Promise((r) => setTimeout(r, 1500));
		assert.equal(toDigest().length, before, 'no mail at once');
		assert.match(decode((await user.get('/fr/inbox')).text), /Vous êtes retenu pour « Gouvernance des données »/, 'the inbox has them');
		// the next morning, after 06:00 UTC: one digest with both
		const d = new Date(now * 1000);
		await jump(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1, 6, 30) / 1000, user, officer);
		await until(() => toDigest().length === before + 1, 'the digest');
		assert.match(toDigest()[0].subject, /notifications du jour \(2\)/);
		const digest = decode(lastMailTo(srv.db, 'digest@example.org', env));
		assert.match(digest, /présélectionné pour « Gouvernance des données »/);
		assert.match(digest, /retenu pour « Gouvernance des données »/);
		// an hour later: nothing new, no second digest
		await jump(now + HOUR + 60, user, officer);
		await new Promise((r) => setTimeout(r, 2500));
		assert.equal(toDigest().length, before + 1, 'one digest a day');
	});

	test('six months after delivery both sides get the follow-up questionnaire, and answer it', async () => {
		const x = await newExpert('followup@example.org', 'Mehdi Bennani');
		const officer = inst.B.officer;
		const n = needs.followup;
		const eid = /#e-(\d+)/.exec((await apply(x, n)).location)[1];
		for (const a of ['shortlist', 'accept']) assert.equal((await institutionStep(inst.B, n, eid, a)).status, 303);
		assert.equal((await expertStep(x, eid, 'confirm')).status, 303);
		for (const a of ['start', 'deliver']) assert.equal((await institutionStep(inst.B, n, eid, a)).status, 303);
		assert.match(decode((await x.get(`/fr/engagements/${eid}/evaluate?round=6m`)).text), /Rien à évaluer/, 'not yet');
		await jump(now + 190 * DAY, x, officer);
		await until(async () => (await x.get('/fr/engagements')).text.includes(`/fr/engagements/${eid}/evaluate?round=6m`), 'the follow-up');
		const mail = decode(lastMailTo(srv.db, 'followup@example.org', env));
		assert.match(mail, /Il y a six mois s’achevait la mission « Formation des formateurs »/);
		assert.match(mail, new RegExp(`/fr/engagements/${eid}/evaluate\\?round=6m`), 'the link opens the questionnaire');
		assert.match(decode(lastMailTo(srv.db, 'officer.b@example.org', env)), /six mois s’achevait/, 'the institution too');
		await x.get(`/fr/engagements/${eid}/evaluate?round=6m`);
		const r = await x.post(`/fr/engagements/${eid}/evaluate?round=6m`, { rating: '4', lasting: 'partly', continued: 'no', comment: 'Les outils servent encore.' });
		assert.equal(r.status, 303);
		assert.ok(!(await x.get('/fr/engagements')).text.includes('evaluate?round=6m'), 'answered');
		const page = await officer.get(`/fr/institution/needs/${n}/engagements`);
		assert.match(page.text, new RegExp(`/fr/engagements/${eid}/evaluate\\?round=6m`), 'the institution’s is still due');
	});
});
