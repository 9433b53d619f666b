// Project dossiers over HTTP, on SQLite and PostgreSQL, with an injected
// clock: a holder submits a dossier (every bad value refused with 422, the
// message by its field, nothing stored); orientation (the CRI of the
// region, the MDM Invest pre-check, the programmes of the holder's country
// of residence); PDF documents (anything else refused); access (holders
// see only their own, advisors those assigned to them, admins all: 404
// otherwise); the pipeline as its table allows (409 otherwise, nothing
// changed), a mentor matched from the expert pool and engaged through the
// engagements' lifecycle, accompanied, realised; the service-deadline
// reminder; the figures.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { acceptInvitation, enrolTotp, lastMailTo, linkIn, signIn as signInWith, signUp, sqlRows } from '../client.mjs';
import { kafaat, startServer } from '../kafaat.mjs';

const pgUrl = process.env.TEST_PG_URL;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-projects-'));
const clockFile = path.join(tmp, 'clock');
const now = 1_800_000_000; // 2027-01-15T08:00:00Z, a Friday
writeFileSync(clockFile, String(now));
const filesDir = path.join(tmp, 'files');
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile, KAFAAT_PATHS_FILES: filesDir };
const PW = 'une phrase assez longue 2027';

let srv, admin, advisor, advisor2, holder, other, mentor;

const sql = (text) => sqlRows(srv.db, text);
const one = (text) => sql(text)[0];

function cli(args) {
	const r = kafaat([...args, '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	return r.stdout;
}

const signIn = (c, email, lang = 'fr') => signInWith(c, email, PW, lang);

const fromLink = (link, email) => acceptInvitation(srv, link, email, PW);

const newExpert = (email) => signUp(srv, env, email, PW);

async function staff(email, role) {
	const c = await newExpert(email);
	cli(['admin', 'grant', email, role]);
	await signIn(c, email);
	await enrolTotp(c, 'fr', now);
	return c;
}

const decode = (s) => s.replace(/&#39;/g, '\'').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
function formErrors(html) {
	const out = {};
	for (const m of html.matchAll(/<div class="invalid-feedback d-block[^"]*" id="e-([^"]+)">([^<]*)</g)) out[m[1]] = decode(m[2]);
	return out;
}

function dossier(over = {}) {
	const f = {
		title: 'Unité de conditionnement d’huile d’argan', summary: 'Une coopérative de Tiznit.\nVente en Europe.',
		sector: 'agriculture', region: 'MA-09', city: 'Tiznit', stage: 'launch',
		investment: '1 000 000', equity: '25', jobs: '12', need_financing: '1', need_mentoring: '1', ...over,
	};
	for (const k of Object.keys(f)) if (f[k] === undefined) delete f[k];
	return f;
}

async function submit(who, over = {}, lang = 'fr') {
	await who.get(`/${lang}/projects/new`);
	const r = await who.post(`/${lang}/projects/new`, dossier(over));
	assert.equal(r.status, 303, `submit: ${r.status} ${JSON.stringify(formErrors(r.text))}`);
	return /\/projects\/(\d+)\?done=submitted$/.exec(r.location)[1];
}

async function step(who, base, id, form) {
	await who.get(`/fr/${base}/${id}`);
	return who.post(`/fr/${base}/${id}/action`, form);
}

const stateOf = (id) => one(`SELECT state FROM projects WHERE id = ${id}`);
const snapshot = (id) => [
	...sql(`SELECT * FROM projects WHERE id = ${id}`),
	...sql(`SELECT need FROM project_needs WHERE project_id = ${id} ORDER BY need`),
	...sql(`SELECT COUNT(*) FROM project_events WHERE project_id = ${id}`),
	...sql(`SELECT COUNT(*) FROM project_documents WHERE project_id = ${id}`),
];

function pdf(size = 2000) {
	const head = '%PDF-1.4\n';
	const tail = '\n%%EOF\n';
	return Buffer.from(head + 'x'.repeat(Math.max(0, size - head.length - tail.length)) + tail);
}

async function upload(c, id, bytes, filename = 'plan.pdf') {
	await c.get(`/fr/projects/${id}`);
	const fd = new FormData();
	fd.append('csrf', c.csrf);
	fd.append('document', new Blob([bytes], { type: 'application/pdf' }), filename);
	const res = await fetch(`${srv.url}/fr/projects/${id}/documents`, {
		method: 'POST', body: fd, headers: { Cookie: c.cookieHeader() }, redirect: 'manual',
	});
	return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}

const everyone = { programme: true, institutions: true, networks: true, directory: true, statistics: true };
const roster = [
	{
		ref: 'm-1', email: 'mentor@example.org', lang: 'fr', name: 'Samira Benali', name_ar: 'سميرة بنعلي',
		country: 'FR', city: 'Lyon', headline: 'Entrepreneure, accompagnement de PME agroalimentaires', bio: '',
		languages: [{ code: 'fr', level: 'C2' }, { code: 'ar', level: 'C2' }], sectors: ['agriculture'],
		skills: [{ name: 'entrepreneurship', level: 5 }, { name: 'project-finance', level: 4 }, { name: 'export-development', level: 3 }],
		offer: { modes: ['continue'], presence: ['remote', 'hybrid'], hours_per_month: 8, pay: 'pro_bono' },
		regions: ['MA-09'], consent: everyone, confirmed_at: '2026-12-01',
	},
	{
		ref: 'h-1', email: 'holder@example.org', lang: 'fr', name: 'Youssef Amrani', name_ar: 'يوسف العمراني',
		country: 'FR', city: 'Paris', headline: 'Ingénieur', bio: '', languages: [{ code: 'fr', level: 'C2' }],
		sectors: ['digital'], skills: [{ name: 'Gestion de projet', level: 3 }],
		offer: { modes: ['ponctuelle'], presence: ['remote'], hours_per_month: 4, pay: 'pro_bono' },
		consent: everyone, confirmed_at: '2026-12-01',
	},
];

before(async () => {
	srv = await startServer({ env, demo: false });
	const file = path.join(tmp, 'roster.jsonl');
	writeFileSync(file, roster.map((e) => JSON.stringify(e)).join('\n') + '\n');
	cli(['import', 'experts', file, '--consent-from-file']);
	mentor = await fromLink(linkIn(lastMailTo(srv.db, 'mentor@example.org', env), '/invitation\\?token='), 'mentor@example.org');
	holder = await fromLink(linkIn(lastMailTo(srv.db, 'holder@example.org', env), '/invitation\\?token='), 'holder@example.org');
	other = await newExpert('other@example.org');
	admin = await fromLink(linkIn(cli(['admin', 'create', 'admin@example.org']), '/invitation\\?token='), 'admin@example.org');
	await enrolTotp(admin, 'fr', now);
	advisor = await staff('advisor@example.org', 'advisor');
	advisor2 = await staff('advisor2@example.org', 'advisor');
});
after(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

describe('the dossier form', () => {
	test('every bad value is named by its field, 422, and nothing is stored', async () => {
		const before = one('SELECT COUNT(*) FROM projects');
		const cases = [
			[{ investment: '-5' }, 'investment', /entre 1 et 10 000 000 000/],
			[{ investment: '10000000001' }, 'investment', /entre 1 et 10 000 000 000/],
			[{ investment: 'beaucoup' }, 'investment', /pas un nombre entier/],
			[{ equity: '101' }, 'equity', /de 0 à 100/],
			[{ equity: '-1' }, 'equity', /de 0 à 100/],
			[{ jobs: '-3' }, 'jobs', /entre 0 et 100 000/],
			[{ region: 'MA-13' }, 'region', /n’est pas une région|n'est pas une région/],
			[{ sector: 'astrologie' }, 'sector', /n'est pas un secteur|n’est pas un secteur/],
			[{ title: '' }, 'title', /titre/],
			[{ stage: 'rêve' }, 'stage', /stade/],
		];
		for (const [over, field, message] of cases) {
			await holder.get('/fr/projects/new');
			const r = await holder.post('/fr/projects/new', dossier(over));
			assert.equal(r.status, 422, JSON.stringify(over));
			const errors = formErrors(r.text);
			assert.match(errors[field] ?? '', message, `${JSON.stringify(over)}: ${JSON.stringify(errors)}`);
			assert.match(r.text, new RegExp(`id="f-${field}"[^>]*aria-invalid="true"`));
		}
		assert.equal(one('SELECT COUNT(*) FROM projects'), before);
	});

	test('the form works in Arabic and English too', async () => {
		const ar = await holder.get('/ar/projects/new');
		assert.equal(ar.status, 200);
		assert.match(ar.text, /dir="rtl"/);
		assert.match(ar.text, /إيداع مشروع/);
		const r = await holder.post('/en/projects/new', dossier({ equity: '150' }));
		assert.equal(r.status, 422);
		assert.match(formErrors(r.text).equity, /percentage from 0 to 100/);
	});
});

describe('a dossier from submission to realisation', () => {
	let id;

	test('submitted: the holder sees it, the programme team is told', async () => {
		id = await submit(holder);
		assert.equal(stateOf(id), 'submitted');
		assert.equal(one(`SELECT investment FROM projects WHERE id = ${id}`), '1000000');
		assert.deepEqual(sql(`SELECT need FROM project_needs WHERE project_id = ${id} ORDER BY need`), ['financing', 'mentoring']);
		// due in 5 working days: Friday 15 → Friday 22 January
		assert.match(one(`SELECT due_at FROM projects WHERE id = ${id}`), /^2027-01-22T08:00:00Z$/);
		assert.equal(one(`SELECT COUNT(*) FROM notifications n JOIN user_roles r ON r.user_id = n.user_id AND r.role = 'admin' WHERE n.kind = 'project.submitted'`), '1');
		const page = await holder.get(`/fr/projects/${id}`);
		assert.equal(page.status, 200);
		assert.match(page.text, /id="project-state">Déposé</);
	});

	test('orientation: the CRI of the region, the MDM Invest pre-check at its boundaries, the programmes of the country of residence', async () => {
		const page = { text: decode((await holder.get(`/fr/projects/${id}`)).text) };
		assert.match(page.text, /CRI Souss-Massa \(Agadir\)/);
		assert.match(page.text, /Investissement d'au moins 1\s000\s000 MAD : le vôtre est de 1\s000\s000 MAD — condition remplie/);
		assert.match(page.text, /Apport personnel d'au moins 25 % de l'investissement : le vôtre est de 25 % — condition remplie/);
		assert.match(page.text, /subvention estimée à 100\s000 MAD/);
		assert.match(page.text, /OFII — aide à la réinsertion/);
		const ar = await holder.get(`/ar/projects/${id}`);
		assert.match(ar.text, /المركز الجهوي للاستثمار سوس - ماسة/);
		// one dirham short: not eligible
		const small = await submit(holder, { investment: '999999', title: 'Petit projet' });
		const p2 = { text: decode((await holder.get(`/fr/projects/${small}`)).text) };
		assert.match(p2.text, /condition non remplie/);
		assert.match(p2.text, /ne semble pas éligible/);
		// someone without a profile in a listed country sees no programme
		const o = await submit(other, { title: 'Projet sans pays' });
		assert.doesNotMatch((await other.get(`/fr/projects/${o}`)).text, /OFII/);
	});

	test('documents: a PDF is kept, anything else refused with a message, nothing stored', async () => {
		const bad = await upload(holder, id, Buffer.from('GIF89a not a pdf'), 'plan.pdf');
		assert.equal(bad.status, 422);
		assert.match(decode(bad.text), /n'est pas un document PDF/);
		assert.equal(one(`SELECT COUNT(*) FROM project_documents WHERE project_id = ${id}`), '0');
		const good = await upload(holder, id, pdf(3000), 'Plan d’affaires.pdf');
		assert.equal(good.status, 303);
		const [docId, stored] = sql(`SELECT id, stored_as FROM project_documents WHERE project_id = ${id}`)[0].split('\t');
		assert.match(stored, /^[A-Za-z0-9_-]{43}$/);
		const dl = await holder.get(`/fr/project-documents/${docId}`);
		assert.equal(dl.status, 200);
		assert.match(dl.headers.get('content-disposition'), /^attachment;/);
		assert.equal((await other.get(`/fr/project-documents/${docId}`)).status, 404);
		assert.equal((await advisor.get(`/fr/project-documents/${docId}`)).status, 404); // not assigned yet
		assert.equal(one(`SELECT COUNT(*) FROM audit_log WHERE action = 'project_document_viewed'`), '0'); // the holder's own
		assert.equal((await admin.get(`/fr/project-documents/${docId}`)).status, 200);
		assert.equal(one(`SELECT COUNT(*) FROM audit_log WHERE action = 'project_document_viewed' AND target_id = '${id}'`), '1');
	});

	test('access: another holder, an advisor not assigned → 404; admins see all', async () => {
		assert.equal((await other.get(`/fr/projects/${id}`)).status, 404);
		await other.get('/fr/projects');
		assert.equal((await other.post(`/fr/projects/${id}/action`, { action: 'abandon', reason: 'holder_withdrew' })).status, 404);
		assert.equal((await advisor.get(`/fr/advisor/projects/${id}`)).status, 404);
		assert.equal((await admin.get(`/fr/admin/projects/${id}`)).status, 200);
		assert.equal((await holder.get(`/fr/advisor/projects/${id}`)).status, 403);
		assert.equal((await advisor.get(`/fr/admin/projects/${id}`)).status, 403);
		assert.equal((await holder.get('/fr/projects/999999')).status, 404);
		assert.doesNotMatch(decode((await other.get('/fr/projects')).text), /huile d’argan/);
	});

	test('assignment by an admin: the advisor is told and sees it; the other advisor does not', async () => {
		const advisorId = one(`SELECT id FROM users WHERE email = 'advisor@example.org'`);
		await admin.get(`/fr/admin/projects/${id}`);
		const bad = await admin.post(`/fr/admin/projects/${id}/assign`, { advisor: one(`SELECT id FROM users WHERE email = 'other@example.org'`) });
		assert.equal(bad.status, 422);
		const r = await admin.post(`/fr/admin/projects/${id}/assign`, { advisor: advisorId });
		assert.equal(r.status, 303);
		assert.equal(one(`SELECT advisor_id FROM projects WHERE id = ${id}`), advisorId);
		assert.equal(one(`SELECT COUNT(*) FROM notifications WHERE user_id = ${advisorId} AND kind = 'project.assigned'`), '1');
		assert.match((await advisor.get('/fr/advisor/projects')).text, new RegExp(`/fr/advisor/projects/${id}"`));
		assert.equal((await advisor.get(`/fr/advisor/projects/${id}`)).status, 200);
		assert.equal((await advisor2.get(`/fr/advisor/projects/${id}`)).status, 404);
		assert.doesNotMatch((await advisor2.get('/fr/advisor/projects')).text, new RegExp(`/advisor/projects/${id}"`));
		assert.equal(one(`SELECT COUNT(*) FROM audit_log WHERE action = 'project_assigned'`), '1');
	});

	test('a step the table does not allow is 409 and changes nothing; a missing reason 422', async () => {
		const before = snapshot(id);
		let r = await step(advisor, 'advisor/projects', id, { action: 'realise', investment_realised: '1', jobs_realised: '1' });
		assert.equal(r.status, 409);
		r = await step(advisor, 'advisor/projects', id, { action: 'resume' });
		assert.equal(r.status, 409);
		r = await step(advisor, 'advisor/projects', id, { action: 'fly' });
		assert.equal(r.status, 409);
		r = await step(advisor, 'advisor/projects', id, { action: 'hold', reason: '' });
		assert.equal(r.status, 422);
		r = await step(holder, 'projects', id, { action: 'qualify' });
		assert.equal(r.status, 409);
		r = await step(advisor, 'advisor/projects', id, { action: 'message', note: '' });
		assert.equal(r.status, 422);
		assert.deepEqual(snapshot(id), before);
	});

	test('qualified and oriented, each step dated with its note, the holder told', async () => {
		let r = await step(advisor, 'advisor/projects', id, { action: 'qualify', note: 'Dossier complet, merci.' });
		assert.equal(r.status, 303);
		r = await step(advisor, 'advisor/projects', id, { action: 'orient', note: 'Prenez rendez-vous au CRI Souss-Massa.' });
		assert.equal(r.status, 303);
		assert.equal(stateOf(id), 'oriented');
		const holderId = one(`SELECT holder_id FROM projects WHERE id = ${id}`);
		assert.equal(one(`SELECT COUNT(*) FROM notifications WHERE user_id = ${holderId} AND kind = 'project.moved'`), '2');
		const page = await holder.get(`/fr/projects/${id}`);
		assert.match(page.text, /Prenez rendez-vous au CRI Souss-Massa\./);
		assert.match(page.text, /Qualifié → Orienté/);
		assert.equal(one(`SELECT COUNT(*) FROM project_events WHERE project_id = ${id}`), '4'); // submitted, assigned, qualified, oriented
	});

	test('accompany needs a mentor engaged', async () => {
		const r = await step(advisor, 'advisor/projects', id, { action: 'accompany' });
		assert.equal(r.status, 422);
		assert.match(decode(r.text), /proposez-en d'abord un/);
		assert.equal(stateOf(id), 'oriented');
	});

	test('a mentor from the matching engine, engaged through the engagements lifecycle', async () => {
		const mentorId = one(`SELECT id FROM users WHERE email = 'mentor@example.org'`);
		let page;
		for (let i = 0; i < 100; i++) { // the server learns of the import through the change log
			page = await advisor.get(`/fr/advisor/projects/${id}/mentors`);
			if (page.text.includes(`propose-${mentorId}`)) break;
			await new Promise((ok) => setTimeout(ok, 50));
		}
		assert.match(page.text, /Samira Benali/);
		assert.match(page.text, /Entrepreneuriat|Entrepreneurship/);
		assert.doesNotMatch(page.text, /Youssef Amrani/); // the holder is not their own mentor
		let r = await advisor.post(`/fr/advisor/projects/${id}/mentors`, { expert: mentorId, message: 'Votre expérience des PME agroalimentaires aiderait.' });
		assert.equal(r.status, 303);
		const m = one(`SELECT id FROM mentorships WHERE project_id = ${id}`);
		assert.equal(one(`SELECT state FROM mentorships WHERE id = ${m}`), 'invited');
		await advisor.get(`/fr/advisor/projects/${id}/mentors`);
		r = await advisor.post(`/fr/advisor/projects/${id}/mentors`, { expert: mentorId });
		assert.equal(r.status, 409); // proposed once
		// the expert sees the request and says yes; a step out of turn is 409
		const mine = await mentor.get('/fr/mentorships');
		assert.match(mine.text, /Unité de conditionnement/);
		assert.doesNotMatch(mine.text, /holder@example\.org/); // contact only once confirmed
		r = await mentor.post(`/fr/mentorships/${m}`, { action: 'confirm' });
		assert.equal(r.status, 409);
		r = await mentor.post(`/fr/mentorships/${m}`, { action: 'interested' });
		assert.equal(r.status, 303);
		await advisor.get(`/fr/advisor/projects/${id}`);
		r = await advisor.post(`/fr/advisor/mentorships/${m}`, { action: 'accept' });
		assert.equal(r.status, 303);
		await other.get('/fr/mentorships');
		assert.equal((await other.post(`/fr/mentorships/${m}`, { action: 'confirm' })).status, 404); // not theirs
	});

	test('accompanied once the mentor confirmed; realised with the figures', async () => {
		const m = one(`SELECT id FROM mentorships WHERE project_id = ${id}`);
		await mentor.get('/fr/mentorships');
		let r = await mentor.post(`/fr/mentorships/${m}`, { action: 'confirm' });
		assert.equal(r.status, 303);
		assert.match((await mentor.get('/fr/mentorships')).text, /holder@example\.org/);
		r = await step(advisor, 'advisor/projects', id, { action: 'accompany', note: 'Samira vous accompagne.' });
		assert.equal(r.status, 303);
		assert.equal(stateOf(id), 'accompanied');
		const page = await holder.get(`/fr/projects/${id}`);
		assert.match(page.text, /Samira Benali/);
		r = await step(advisor, 'advisor/projects', id, { action: 'realise', investment_realised: '-4', jobs_realised: '10' });
		assert.equal(r.status, 422);
		r = await step(advisor, 'advisor/projects', id, { action: 'realise', investment_realised: '1 100 000', jobs_realised: '10' });
		assert.equal(r.status, 303);
		assert.equal(stateOf(id), 'realised');
		assert.equal(one(`SELECT investment_realised FROM projects WHERE id = ${id}`), '1100000');
		assert.equal(one(`SELECT due_at FROM projects WHERE id = ${id}`), undefined);
	});

	test('figures: funnel, by region and sector, planned and realised', async () => {
		const f = await advisor.get('/fr/advisor/projects/figures');
		assert.equal(f.status, 200);
		assert.match(f.text, /Réalisé \(dossiers : 1\) : 1\s100\s000 MAD, emplois : 10/);
		assert.match(f.text, /<th scope="row">Souss-Massa<\/th><td>3<\/td><td>[^<]+<\/td><td>36<\/td>/);
		assert.match(f.text, /<th scope="row">Accompagné<\/th><td>1<\/td><td>0<\/td>/);
		assert.equal((await admin.get('/fr/admin/projects/figures')).status, 200);
		assert.equal((await holder.get('/fr/advisor/projects/figures')).status, 403);
	});
});

describe('holders, holds and deadlines', () => {
	test('the holder abandons with a reason; the programme team is told', async () => {
		const id = await submit(other, { title: 'À abandonner' });
		let r = await step(other, 'projects', id, { action: 'abandon', reason: '' });
		assert.equal(r.status, 422);
		r = await step(other, 'projects', id, { action: 'abandon', reason: 'holder_withdrew', note: 'Je reste en France.' });
		assert.equal(r.status, 303);
		assert.equal(stateOf(id), 'abandoned');
		r = await step(other, 'projects', id, { action: 'abandon', reason: 'holder_withdrew' });
		assert.equal(r.status, 409);
	});

	test('on hold and resumed to the stage it was held from', async () => {
		const id = await submit(holder, { title: 'En attente' });
		const advisorId = one(`SELECT id FROM users WHERE email = 'advisor2@example.org'`);
		await admin.get(`/fr/admin/projects/${id}`);
		await admin.post(`/fr/admin/projects/${id}/assign`, { advisor: advisorId });
		assert.equal((await step(advisor2, 'advisor/projects', id, { action: 'qualify' })).status, 303);
		let r = await step(advisor2, 'advisor/projects', id, { action: 'hold', reason: 'other' });
		assert.equal(r.status, 422); // "other" needs the message
		r = await step(advisor2, 'advisor/projects', id, { action: 'hold', reason: 'missing_documents', note: 'Envoyez le devis.' });
		assert.equal(r.status, 303);
		assert.equal(stateOf(id), 'on_hold');
		assert.equal(one(`SELECT due_at FROM projects WHERE id = ${id}`), undefined);
		r = await step(advisor2, 'advisor/projects', id, { action: 'resume' });
		assert.equal(r.status, 303);
		assert.equal(stateOf(id), 'qualified');
	});

	test('a dossier past its service deadline reminds its advisor once', async () => {
		const id = await submit(holder, { title: 'Rappel' });
		const advisorId = one(`SELECT id FROM users WHERE email = 'advisor2@example.org'`);
		await admin.get(`/fr/admin/projects/${id}`);
		await admin.post(`/fr/admin/projects/${id}/assign`, { advisor: advisorId });
		const count = () => one(`SELECT COUNT(*) FROM notifications WHERE user_id = ${advisorId} AND kind = 'project.due'`);
		const before = Number(count());
		writeFileSync(clockFile, String(now + 10 * 86400)); // two weeks of working days later
		for (let i = 0; i < 100 && Number(count()) === before; i++) await new Promise((ok) => setTimeout(ok, 100));
		assert.ok(Number(count()) > before, 'reminded');
		assert.notEqual(one(`SELECT reminded_at FROM projects WHERE id = ${id}`), undefined);
		writeFileSync(clockFile, String(now + 20 * 86400));
		await new Promise((ok) => setTimeout(ok, 1500));
		assert.equal(one(`SELECT COUNT(*) FROM notifications WHERE user_id = ${advisorId} AND kind = 'project.due' AND link LIKE '%${id}'`), '1');
	});
});

describe('erasure', () => {
	test('an erased holder leaves no dossier, no document row and no stored file', async () => {
		const c = await newExpert('erased-holder@example.org');
		const id = await submit(c, { title: 'Atelier de céramique à Safi' });
		assert.equal((await upload(c, id, pdf(2500))).status, 303);
		const stored = one(`SELECT stored_as FROM project_documents WHERE project_id = ${id}`);
		assert.ok(existsSync(path.join(filesDir, stored)), 'the document is stored');
		await c.get('/fr/profile/delete');
		const gone = await c.post('/fr/profile/delete', { password: PW });
		assert.ok([200, 303].includes(gone.status), `erasure: ${gone.status}`);
		assert.equal(one(`SELECT COUNT(*) FROM projects WHERE id = ${id}`), '0');
		assert.equal(one(`SELECT COUNT(*) FROM project_documents WHERE stored_as = '${stored}'`), '0');
		assert.ok(!existsSync(path.join(filesDir, stored)), 'the stored file is removed');
	});
});
