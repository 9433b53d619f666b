// Institutions and needs over HTTP, against a real server with an injected
// clock: the programme team creates and verifies institutions (audited);
// an officer writes a need with its readiness checklist, submits it, the
// programme team publishes it (or returns it with a note); the board, the
// JSON API and the Atom feed list exactly the published needs; every bad
// input is refused (422, the message next to its field, nothing changed);
// an officer of institution A can neither see nor change B's drafts (404);
// the lifecycle to completion, cancellation with a reason (running
// engagements closed, experts told), "repeat" as a child draft; the
// institution's answer rate and median response time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { acceptInvitation, Client, enrolTotp, lastMailTo, linkIn, signIn as signInWith, signUp, sqlRows } from '../client.mjs';
import { kafaat, startServer } from '../kafaat.mjs';

const pgUrl = process.env.TEST_PG_URL;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-needs-'));
const clockFile = path.join(tmp, 'clock');
const now = 1_800_000_000; // 2027-01-15T08:00:00Z
writeFileSync(clockFile, String(now));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';

let srv, admin, officerA, officerB, ownerA, instA, instB, cyber, cyberAr;

// ---- Helpers ---------------------------------------------------------------

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

// The admin creates an institution; returns its id.
async function createInstitution(form) {
	await admin.get('/fr/admin/institutions');
	const r = await admin.post('/fr/admin/institutions', form);
	assert.equal(r.status, 303, `institution created: ${r.status} ${JSON.stringify(formErrors(r.text))}`);
	return /\/admin\/institutions\/(\d+)\?saved=1$/.exec(r.location)[1];
}

async function invite(inst, email, role) {
	await admin.get('/fr/admin/invitations');
	const r = await admin.post('/fr/admin/invitations', { email, institution: inst, role, lang: 'fr' });
	assert.equal(r.status, 200, `invite ${email}`);
	return fromLink(linkIn(lastMailTo(srv.db, email, env), '/invitation\\?token='), email);
}

const decode = (s) => s.replace(/&#39;/g, '\'').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

// The errors shown next to fields: {field: message}.
function formErrors(html) {
	const out = {};
	for (const m of html.matchAll(/<div class="invalid-feedback d-block[^"]*" id="e-([^"]+)">([^<]*)</g)) out[m[1]] = decode(m[2]);
	return out;
}

// A complete need form (French), changed by `over` (undefined removes a field).
function needForm(over = {}) {
	const f = {
		title: 'Audit de sécurité du portail des marchés publics',
		description: 'Auditer le portail et proposer un plan de remédiation.\nAccès aux environnements de test fourni.',
		sector: 'digital', mode: 'ponctuelle', presence: 'remote', region: '', city: '',
		dates: 'fixed', start: '2027-03-01', end: '2027-03-31', effort_days: '10', hours: '', experts: '2',
		pay: 'pro_bono', travel: '1', cp_name: 'Nadia El Amrani', cp_role: 'Cheffe de division',
		cp_email: 'nadia@example.org', ready_counterpart: '1', ready_resources: '1', ready_approval: '1',
		skill_0_name: cyber, skill_0_level: 'must-4', skill_1_name: 'Cloud computing', skill_1_level: 'nice-3',
		lang_0_code: 'français', lang_0_level: 'B2', then: 'save', ...over,
	};
	for (const k of Object.keys(f)) if (f[k] === undefined) delete f[k];
	return f;
}

// Creates a draft as `who`; returns its id.
async function draft(who, over = {}, lang = 'fr') {
	await who.get(`/${lang}/institution/needs/new`);
	const r = await who.post(`/${lang}/institution/needs/new`, needForm(over));
	assert.equal(r.status, 303, `draft: ${r.status} ${JSON.stringify(formErrors(r.text))}`);
	return /\/institution\/needs\/(\d+)$/.exec(r.location)[1];
}

async function act(who, base, id, form, lang = 'fr') {
	await who.get(`/${lang}/${base}/${id}`);
	return who.post(`/${lang}/${base}/${id}/action`, form);
}

async function publish(id) {
	const r = await act(admin, 'admin/needs', id, { action: 'publish' });
	assert.equal(r.status, 303, `publish ${id}: ${r.status}`);
}

async function submit(who, id) {
	const r = await act(who, 'institution/needs', id, { action: 'submit' });
	assert.equal(r.status, 303, `submit ${id}: ${r.status} ${JSON.stringify(formErrors(r.text))}`);
}

const stateOf = (id) => one(`SELECT state FROM needs WHERE id = ${id}`);
// Everything stored about a need, to check that a refused request changed nothing.
function snapshot(id) {
	return [
		...sql(`SELECT * FROM needs WHERE id = ${id}`),
		...sql(`SELECT skill_id, required, min_level FROM need_skills WHERE need_id = ${id} ORDER BY skill_id`),
		...sql(`SELECT code, level FROM need_languages WHERE need_id = ${id} ORDER BY code`),
		one(`SELECT COUNT(*) FROM need_events WHERE need_id = ${id}`),
	];
}

const publishedIds = () => sql("SELECT id FROM needs WHERE state = 'published' ORDER BY id");

before(async () => {
	srv = await startServer({ env });
	admin = await fromLink(linkIn(cli(['admin', 'create', 'equipe@example.org']), '/invitation\\?token='), 'equipe@example.org');
	await enrolTotp(admin, 'fr', now);
	instA = await createInstitution({
		name_ar: 'مديرية الأمن الرقمي', name_fr: 'Direction de la sécurité numérique', name_en: 'Digital Security Directorate',
		kind: 'ministry', region: 'MA-04', website: 'https://example.org/dsn', description: 'Sécurité des systèmes d’information de l’État.',
		sec_0: 'digital', sec_1: 'public-administration',
	});
	instB = await createInstitution({
		name_ar: 'المركز الجهوي للاستثمار درعة تافيلالت', name_fr: 'CRI Drâa-Tafilalet', name_en: 'Drâa-Tafilalet RIC',
		kind: 'cri', region: 'MA-08', website: '', description: '',
	});
	ownerA = await invite(instA, 'owner.a@example.org', 'owner');
	officerA = await invite(instA, 'officer.a@example.org', 'member');
	officerB = await invite(instB, 'officer.b@example.org', 'member');
	const s = await (await fetch(`${srv.url}/api/v1/taxonomy/skills?q=cyber&lang=fr`)).json();
	cyber = s.skills.find((x) => x.id === 'cybersecurity').label;
	const sa = await (await fetch(`${srv.url}/api/v1/taxonomy/skills?q=cyber&lang=ar`)).json();
	cyberAr = sa.skills.find((x) => x.id === 'cybersecurity').label;
});
after(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

// ---- Institutions ------------------------------------------------------------

describe('institutions', () => {
	test('created with every field; public only once verified; verification audited', async () => {
		assert.equal(one(`SELECT kind || ' ' || region || ' ' || website FROM institutions WHERE id = ${instA}`),
			'ministry MA-04 https://example.org/dsn');
		assert.deepEqual(sql(`SELECT sector_id FROM institution_sectors WHERE institution_id = ${instA} ORDER BY sector_id`),
			['digital', 'public-administration']);
		const anon = new Client(srv.url);
		assert.equal((await anon.get(`/fr/institutions/${instA}`)).status, 404, 'not public before verification');
		const own = await officerA.get(`/fr/institutions/${instA}`);
		assert.equal(own.status, 200, 'its members see the preview');
		assert.match(own.text, /n’est pas encore publique/);
		const page = await admin.get(`/fr/admin/institutions/${instA}`);
		assert.match(page.text, /Non vérifiée/);
		const r = await admin.post(`/fr/admin/institutions/${instA}/verify`, { set: '1' });
		assert.equal(r.status, 303);
		assert.ok(one(`SELECT verified_at FROM institutions WHERE id = ${instA}`));
		assert.equal(one(`SELECT COUNT(*) FROM audit_log WHERE action = 'institution_verified' AND target_id = '${instA}'`), '1');
		assert.ok(Number(one(`SELECT COUNT(*) FROM notifications n JOIN user_roles r ON r.user_id = n.user_id WHERE n.kind = 'institution.verified' AND r.scope = '${instA}'`)) >= 2,
			'its owner and members are told');
		const pub = decode((await anon.get(`/fr/institutions/${instA}`)).text);
		assert.match(pub, /Direction de la sécurité numérique/);
		assert.match(pub, /Département ministériel · Rabat-Salé-Kénitra/);
		assert.match(pub, /Sécurité des systèmes d’information de l’État\./);
		assert.match(pub, /id="answer-rate">Pas assez de données/);
		assert.match((await anon.get('/en/institutions')).text, /Digital Security Directorate/);
		assert.doesNotMatch((await anon.get('/en/institutions')).text, /Drâa-Tafilalet RIC/, 'unverified: not listed');
	});

	test('bad profile input: 422 with the message by the field, nothing saved', async () => {
		await admin.get('/fr/admin/institutions');
		const before = one('SELECT COUNT(*) FROM institutions');
		const r = await admin.post('/fr/admin/institutions', { name_ar: '', name_fr: 'X', name_en: 'X', kind: 'bank', region: 'MA-99', website: 'javascript:alert(1)', sec_0: 'nope' });
		assert.equal(r.status, 422);
		const e = formErrors(r.text);
		for (const f of ['name_ar', 'kind', 'region', 'website']) assert.ok(e[f], `error on ${f}: ${JSON.stringify(e)}`);
		assert.equal(one('SELECT COUNT(*) FROM institutions'), before);
	});

	test('owners edit their profile but not its verification; members do not edit it', async () => {
		await ownerA.get('/fr/institution/profile');
		const r = await ownerA.post('/fr/institution/profile', {
			name_ar: 'مديرية الأمن الرقمي', name_fr: 'Direction de la sécurité numérique', name_en: 'Digital Security Directorate',
			kind: 'ministry', region: 'MA-04', website: 'https://example.org/dsn', description: 'Nouvelle présentation.', sec_0: 'digital',
		});
		assert.equal(r.status, 303);
		assert.equal(one(`SELECT description FROM institutions WHERE id = ${instA}`), 'Nouvelle présentation.');
		assert.equal(one(`SELECT COUNT(*) FROM audit_log WHERE action = 'institution_updated' AND target_id = '${instA}'`), '1');
		await ownerA.get('/fr/institution/profile');
		assert.equal((await ownerA.post(`/fr/admin/institutions/${instB}/verify`, { set: '1' })).status, 403);
		assert.equal(one(`SELECT verified_at IS NULL FROM institutions WHERE id = ${instB}`), pgUrl ? 't' : '1');
		assert.equal((await officerA.get('/fr/institution/profile')).status, 403);
	});
});

// ---- The lifecycle ----------------------------------------------------------------

describe('a need from draft to publication', () => {
	test('in French: draft with its checklist, submit, publish; board, JSON and Atom list exactly the published needs', async () => {
		const id = await draft(officerA);
		assert.equal(stateOf(id), 'draft');
		assert.deepEqual(sql(`SELECT skill_id || ':' || required || ':' || min_level FROM need_skills WHERE need_id = ${id} ORDER BY skill_id`),
			['cloud-computing:0:3', 'cybersecurity:1:4']);
		assert.deepEqual(sql(`SELECT code || ':' || level FROM need_languages WHERE need_id = ${id}`), ['fr:B2']);
		assert.equal(one(`SELECT ready_counterpart + ready_resources + ready_approval FROM needs WHERE id = ${id}`), '3');
		const edit = await officerA.get(`/fr/institution/needs/${id}/edit`);
		assert.match(decode(edit.text), new RegExp(`value="${cyber}"`), 'the editor shows the skill by its label');
		assert.match(edit.text, /<option value="must-4" selected>/);
		const anon = new Client(srv.url);
		assert.equal((await anon.get(`/fr/needs/${id}`)).status, 404, 'a draft is not public');

		await submit(officerA, id);
		assert.equal(stateOf(id), 'submitted');
		assert.ok(one(`SELECT submitted_at FROM needs WHERE id = ${id}`));
		assert.equal(one(`SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.kind = 'need.submitted' AND u.email = 'equipe@example.org'`), '1',
			'the programme team is told');
		const queue = decode((await admin.get('/fr/admin/needs')).text);
		assert.match(queue, /Audit de sécurité du portail des marchés publics/);
		assert.equal((await officerA.get('/fr/admin/needs')).status, 403, 'only the programme team sees the queue');
		assert.equal((await anon.get(`/fr/needs/${id}`)).status, 404, 'submitted is not public');

		await publish(id);
		assert.equal(stateOf(id), 'published');
		assert.deepEqual(sql(`SELECT from_state || '>' || to_state FROM need_events WHERE need_id = ${id} ORDER BY at, id`),
			['>draft', 'draft>submitted', 'submitted>published']);
		assert.deepEqual(sql(`SELECT action FROM audit_log WHERE target_type = 'need' AND target_id = '${id}' ORDER BY seq`),
			['need_created', 'need_submit', 'need_publish']);
		assert.ok(Number(one(`SELECT COUNT(*) FROM notifications WHERE kind = 'need.published'`)) >= 2, 'the institution is told');

		const board = decode((await anon.get('/fr/needs')).text);
		assert.match(board, /Audit de sécurité du portail des marchés publics/);
		const page = decode((await anon.get(`/fr/needs/${id}`)).text);
		for (const s of ['Direction de la sécurité numérique', 'Cybersécurité', 'Indispensable', 'niveau 4 (avancé) au moins',
			'Souhaitable', '10 jour(s) de travail', 'Bénévole (pro bono)', 'voyage', 'du 1er mars 2027 au 31 mars 2027', 'français — B2',
			'Accès aux environnements de test fourni.']) assert.ok(page.includes(s), `public page shows ${s}`);
		assert.ok(!page.includes('nadia@example.org'), 'never the counterpart’s address');
		assert.ok(!page.includes('Nadia El Amrani'), 'nor the counterpart');

		const filtered = decode((await anon.get('/fr/needs?sector=digital&presence=remote&q=marches+publics')).text);
		assert.match(filtered, /Besoins publiés : 1(?!\d)/);
		assert.match(decode((await anon.get('/fr/needs?sector=health')).text), /Besoins publiés : 0(?!\d)/);

		// JSON: every page, exactly the published needs
		const ids = [];
		for (let url = '/api/v1/needs'; url;) {
			const j = await (await fetch(srv.url + url)).json();
			ids.push(...j.needs.map((n) => String(n.id)));
			url = j.next;
		}
		assert.deepEqual(ids.sort(), publishedIds().sort());
		const one_ = await (await fetch(`${srv.url}/api/v1/needs/${id}`)).json();
		assert.equal(one_.title, 'Audit de sécurité du portail des marchés publics');
		assert.equal(one_.start_date, '2027-03-01');
		assert.match(one_.published_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
		assert.equal(one_.institution.name.fr, 'Direction de la sécurité numérique');
		assert.deepEqual(one_.skills.map((x) => [x.id, x.required, x.min_level]), [['cybersecurity', true, 4], ['cloud-computing', false, 3]]);
		assert.ok(!JSON.stringify(one_).includes('nadia@example.org'));
		assert.equal((await fetch(`${srv.url}/api/v1/needs?sector=nowhere`)).status, 400);
		assert.equal((await fetch(`${srv.url}/api/v1/needs?colour=red`)).status, 400, 'unknown parameters refused');

		// Atom: valid XML, one entry per published need
		const feed = await fetch(`${srv.url}/fr/needs.atom`);
		assert.match(feed.headers.get('content-type'), /^application\/atom\+xml/);
		const xml = await feed.text();
		const file = path.join(tmp, 'feed.xml');
		writeFileSync(file, xml);
		const lint = spawnSync('xmllint', ['--noout', file], { encoding: 'utf8' });
		assert.equal(lint.status, 0, `the feed is well-formed XML: ${lint.stderr}`);
		const xpath = (expr) => spawnSync('xmllint', ['--xpath', expr, file], { encoding: 'utf8' }).stdout.trim();
		assert.equal(xpath("local-name(/*)"), 'feed');
		assert.equal(xpath("namespace-uri(/*)"), 'http://www.w3.org/2005/Atom');
		for (const el of ['id', 'title', 'updated']) assert.ok(xpath(`string(/*/*[local-name()='${el}'])`), `feed ${el}`);
		assert.match(xpath("string(/*/*[local-name()='link'][@rel='self']/@href)"), /\/fr\/needs\.atom$/);
		const hrefs = [...xpath("//*[local-name()='entry']/*[local-name()='link']/@href").matchAll(/\/fr\/needs\/(\d+)"/g)].map((m) => m[1]);
		assert.deepEqual(hrefs.sort(), publishedIds().sort(), 'the feed lists exactly the published needs');
		const entryIds = [...xpath("//*[local-name()='entry']/*[local-name()='id']/text()").matchAll(/tag:[^,]+,\d{4}-\d\d-\d\d:needs\/(\d+)/g)].map((m) => m[1]);
		assert.deepEqual(entryIds.sort(), publishedIds().sort(), 'each entry has a stable tag: id');
		assert.equal(Number(xpath("count(//*[local-name()='entry'][*[local-name()='title'] and *[local-name()='updated'] and *[local-name()='summary']])")), publishedIds().length);
	});

	test('in Arabic: skills and languages typed in Arabic, saved and submitted at once, published from the Arabic pages', async () => {
		const id = await draft(officerA, {
			title: 'تقييم أمن البوابة الإلكترونية', description: 'مراجعة أمن البوابة واقتراح خطة للمعالجة.',
			skill_0_name: cyberAr, skill_0_level: 'must-3', skill_1_name: undefined, skill_1_level: undefined,
			lang_0_code: 'العربية', lang_0_level: 'C1', lang_1_code: 'الفرنسية', lang_1_level: 'B2', then: 'submit',
			dates: 'window', start: '2027-02-01', end: '2027-05-31', presence: 'hybrid', region: 'MA-06', city: 'الدار البيضاء',
		}, 'ar');
		assert.equal(stateOf(id), 'submitted', 'saved and submitted in one step');
		assert.deepEqual(sql(`SELECT skill_id FROM need_skills WHERE need_id = ${id}`), ['cybersecurity']);
		assert.deepEqual(sql(`SELECT code || ':' || level FROM need_languages WHERE need_id = ${id} ORDER BY code`), ['ar:C1', 'fr:B2']);
		assert.equal(one(`SELECT flexible FROM needs WHERE id = ${id}`), '1');
		const r = await act(admin, 'admin/needs', id, { action: 'publish' }, 'ar');
		assert.equal(r.status, 303);
		const page = await new Client(srv.url).get(`/ar/needs/${id}`);
		assert.match(page.text, /<html lang="ar" dir="rtl">/);
		const text = decode(page.text);
		for (const s of ['تقييم أمن البوابة الإلكترونية', 'فترة مرنة', 'الدار البيضاء', 'ضرورية', 'العربية — C1'])
			assert.ok(text.includes(s), `Arabic page shows ${s}`);
		assert.match(decode((await new Client(srv.url).get('/ar/needs')).text), /تقييم أمن البوابة الإلكترونية/);
	});

	test('the programme team returns a need with a note the institution sees', async () => {
		const id = await draft(officerA, { title: 'Besoin à préciser' });
		await submit(officerA, id);
		const missing = await act(admin, 'admin/needs', id, { action: 'return', note: '' });
		assert.equal(missing.status, 422, 'a return needs a note');
		assert.equal(stateOf(id), 'submitted');
		const r = await act(admin, 'admin/needs', id, { action: 'return', note: 'Précisez les livrables attendus.' });
		assert.equal(r.status, 303);
		assert.equal(stateOf(id), 'draft');
		const edit = decode((await officerA.get(`/fr/institution/needs/${id}/edit`)).text);
		assert.match(edit, /id="return-note">Précisez les livrables attendus\.</);
		assert.match(decode((await officerA.get(`/fr/institution/needs/${id}`)).text), /Renvoyé par l’équipe du programme/);
		const args = sql(`SELECT n.args FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.kind = 'need.returned' AND u.email = 'officer.a@example.org'`);
		assert.equal(args.length, 1);
		assert.equal(JSON.parse(args[0]).note, 'Précisez les livrables attendus.');
		await submit(officerA, id); // resubmitting clears the note
		assert.equal(one(`SELECT note FROM needs WHERE id = ${id}`) ?? '', '');
	});
});

// ---- Bad input -----------------------------------------------------------------

describe('bad input: 422, the message by the field, nothing changed', () => {
	const cases = [
		['a start date in the past', { start: '2027-01-14' }, 'start', /déjà passée/],
		['an end date in the past', { dates: 'window', start: '2027-03-01', end: '2026-12-31' }, 'end', /passée|précéder/],
		['the end before the start', { start: '2027-04-10', end: '2027-04-01' }, 'end', /ne peut pas précéder le début/],
		['a date that does not exist', { start: '2027-02-30' }, 'start', /« 2027-02-30 » n’est pas une date valide/],
		['zero effort', { effort_days: '0' }, 'effort_days', /de 1 à 365/],
		['zero hours a month', { mode: 'continue', hours: '0' }, 'hours', /de 1 à 200/],
		['zero experts', { experts: '0' }, 'experts', /de 1 à 50 experts/],
		['an unknown skill, named', { skill_0_name: 'Jonglage quantique' }, 'skill_0_name', /Compétence inconnue : « Jonglage quantique »/],
		['a skill without its level', { skill_1_level: '' }, 'skill_1_level', /niveau minimum pour « Cloud computing »/],
		['an unknown sector', { sector: 'astrology' }, 'sector', /Secteur inconnu : « astrology »/],
		['an unknown region', { region: 'Atlantide' }, 'region', /Région inconnue : « Atlantide »/],
		['an unknown language, named', { lang_0_code: 'klingon' }, 'lang_0_code', /Langue inconnue : « klingon »/],
		['a bad counterpart address', { cp_email: 'pas une adresse' }, 'cp_email', /n’est pas une adresse e-mail valide/],
		['no title', { title: '  ' }, 'title', /intitulé/],
		['submitting without the checklist', { ready_resources: undefined, then: 'submit' }, 'ready_resources', /ressources sont prêtes/],
		['submitting without a counterpart', { cp_name: '', ready_counterpart: '1', then: 'submit' }, 'cp_name', /Nommez l’interlocuteur/],
	];

	test('on a new need: nothing is created', async () => {
		const count = () => one('SELECT COUNT(*) FROM needs');
		const before = count();
		for (const [what, over, field, msg] of cases) {
			await officerA.get('/fr/institution/needs/new');
			const r = await officerA.post('/fr/institution/needs/new', needForm(over));
			assert.equal(r.status, 422, what);
			const e = formErrors(r.text);
			assert.match(e[field] ?? '', msg, `${what}: ${JSON.stringify(e)}`);
			assert.match(r.text, /id="need-errors"/, `${what}: the summary lists it`);
		}
		assert.equal(count(), before);
	});

	test('on a saved draft: the draft is unchanged', async () => {
		const id = await draft(officerA, { title: 'Brouillon de référence' });
		const before = snapshot(id);
		for (const [what, over, field, msg] of cases) {
			await officerA.get(`/fr/institution/needs/${id}/edit`);
			const r = await officerA.post(`/fr/institution/needs/${id}/edit`, needForm(over));
			assert.equal(r.status, 422, what);
			assert.match(formErrors(r.text)[field] ?? '', msg, what);
			assert.deepEqual(snapshot(id), before, `${what}: unchanged`);
		}
	});

	test('submitting a draft whose checklist is incomplete, through its action', async () => {
		const id = await draft(officerA, { ready_approval: undefined });
		const before = snapshot(id);
		const r = await act(officerA, 'institution/needs', id, { action: 'submit' });
		assert.equal(r.status, 422);
		assert.match(formErrors(r.text).ready_approval, /approbation du responsable/);
		assert.deepEqual(snapshot(id), before);
	});

	test('dates that passed while the draft waited are refused at submission (by the application clock)', async () => {
		const id = await draft(officerA, { start: '2027-01-20', end: '2027-01-25' });
		// a draft saved before 10 January 2027: past by the application clock
		// (15 January 2027), whatever the machine's own date
		sql(`UPDATE needs SET start_date = '2027-01-10', end_date = '2027-01-12' WHERE id = ${id}`);
		const before = snapshot(id);
		const r = await act(officerA, 'institution/needs', id, { action: 'submit' });
		assert.equal(r.status, 422);
		assert.match(formErrors(r.text).start, /déjà passée/);
		assert.deepEqual(snapshot(id), before);
	});

	test('submitting for an unverified institution', async () => {
		const id = await draft(officerB, { title: 'Besoin du CRI' });
		const before = snapshot(id);
		const r = await act(officerB, 'institution/needs', id, { action: 'submit' });
		assert.equal(r.status, 422);
		assert.match(formErrors(r.text).then, /doit être vérifiée/);
		assert.deepEqual(snapshot(id), before);
		await officerB.get('/fr/institution/needs/new');
		const direct = await officerB.post('/fr/institution/needs/new', needForm({ title: 'Autre', then: 'submit' }));
		assert.equal(direct.status, 422);
		assert.match(formErrors(direct.text).then, /doit être vérifiée/);
		// submitted before its verification was withdrawn: the programme team cannot publish it
		sql(`UPDATE needs SET state = 'submitted' WHERE id = ${id}`);
		const held = snapshot(id);
		const p = await act(admin, 'admin/needs', id, { action: 'publish' });
		assert.equal(p.status, 422);
		assert.match(decode(p.text), /seule une institution vérifiée publie des besoins/);
		assert.deepEqual(snapshot(id), held);
		sql(`UPDATE needs SET state = 'draft' WHERE id = ${id}`);
	});

	test('a transition the current state does not allow', async () => {
		const id = await draft(officerA, { title: 'Pas encore soumis' });
		const before = snapshot(id);
		for (const form of [{ action: 'start' }, { action: 'complete' }, { action: 'staff' }, { action: 'publish' }, { action: 'return', note: 'x' }, { action: 'fly' }]) {
			const r = await act(officerA, 'institution/needs', id, form);
			assert.equal(r.status, 422, JSON.stringify(form));
			assert.match(decode(r.text), /Cette action n’est pas possible dans l’état actuel du besoin/);
			assert.deepEqual(snapshot(id), before, JSON.stringify(form));
		}
		const r = await act(admin, 'admin/needs', id, { action: 'publish' });
		assert.equal(r.status, 422, 'the programme team cannot publish a draft');
		assert.deepEqual(snapshot(id), before);
	});

	test('cancelling needs a reason (and a message for "other")', async () => {
		const id = await draft(officerA, { title: 'À annuler' });
		const before = snapshot(id);
		for (const form of [{ action: 'cancel' }, { action: 'cancel', reason: 'whim' }, { action: 'cancel', reason: 'other', note: '' }]) {
			const r = await act(officerA, 'institution/needs', id, form);
			assert.equal(r.status, 422, JSON.stringify(form));
			assert.deepEqual(snapshot(id), before);
		}
		const r = await act(officerA, 'institution/needs', id, { action: 'cancel', reason: 'duplicate', note: '' });
		assert.equal(r.status, 303);
		assert.equal(one(`SELECT state || ':' || reason FROM needs WHERE id = ${id}`), 'cancelled:duplicate');
	});

	test('a form field nobody declared, or a second copy of one: 400', async () => {
		await officerA.get('/fr/institution/needs/new');
		assert.equal((await officerA.post('/fr/institution/needs/new', { ...needForm(), skill_12_name: 'x' })).status, 400);
		assert.equal((await officerA.post('/fr/institution/needs/new', { ...needForm(), state: 'published' })).status, 400);
	});
});

// ---- Access --------------------------------------------------------------------

describe('access', () => {
	test('an officer of A can neither see nor change B’s drafts (404, never 403)', async () => {
		const id = await draft(officerB, { title: 'Brouillon confidentiel du CRI' });
		const before = snapshot(id);
		for (const url of [`/fr/institution/needs/${id}`, `/fr/institution/needs/${id}/edit`]) {
			const r = await officerA.get(url);
			assert.equal(r.status, 404, url);
			assert.ok(!r.text.includes('Brouillon confidentiel'), url);
		}
		await officerA.get('/fr/institution/needs');
		assert.equal((await officerA.post(`/fr/institution/needs/${id}/edit`, needForm({ title: 'Volé' }))).status, 404);
		for (const form of [{ action: 'submit' }, { action: 'cancel', reason: 'duplicate' }])
			assert.equal((await officerA.post(`/fr/institution/needs/${id}/action`, form)).status, 404);
		assert.equal((await officerA.post(`/fr/institution/needs/${id}/repeat`, {})).status, 404);
		assert.ok(!decode((await officerA.get('/fr/institution/needs')).text).includes('Brouillon confidentiel'));
		const anon = new Client(srv.url);
		assert.equal((await anon.get(`/fr/needs/${id}`)).status, 404);
		assert.equal((await fetch(`${srv.url}/api/v1/needs/${id}`)).status, 404);
		assert.equal((await officerA.get(`/fr/admin/needs/${id}`)).status, 403);
		assert.equal((await admin.get(`/fr/admin/needs/${id}`)).status, 200, 'the programme team sees every need');
		assert.deepEqual(snapshot(id), before);
	});

	test('an expert or a visitor reaches no institution or programme page', async () => {
		const expert = await newExpert('curieux@example.org');
		for (const url of ['/fr/institution/needs', '/fr/institution/needs/new', '/fr/admin/needs', '/fr/admin/institutions'])
			assert.equal((await expert.get(url)).status, 403, url);
		const anon = new Client(srv.url);
		const r = await anon.get('/fr/institution/needs');
		assert.equal(r.status, 303);
		assert.match(r.location, /\/signin$/);
	});
});

// ---- After publication -----------------------------------------------------------

describe('after publication', () => {
	async function userId(email) {
		return one(`SELECT id FROM users WHERE email = '${email}'`);
	}

	function engagement(id, needId, expertId, state, origin = 'applied', created = '2027-01-15T08:00:00Z') {
		sql(`INSERT INTO engagements (id, need_id, expert_id, origin, state, created_at, updated_at, waiting_since) VALUES (${id}, ${needId}, ${expertId}, '${origin}', '${state}', '${created}', '${created}', '${created}')`);
	}

	test('staffed, started, completed; then repeated as a child draft, never reopened', async () => {
		const id = await draft(officerA, { title: 'Mission complète' });
		await submit(officerA, id);
		await publish(id);
		const staffNone = await act(officerA, 'institution/needs', id, { action: 'staff' });
		assert.equal(staffNone.status, 422, 'staffed needs a confirmed expert');
		assert.match(decode(staffNone.text), /Aucun expert n’a encore confirmé/);
		assert.equal(stateOf(id), 'published');
		const expert = await newExpert('salma.needs@example.org');
		engagement(7_000_001, id, await userId('salma.needs@example.org'), 'confirmed');
		for (const [action, state] of [['staff', 'staffed'], ['start', 'in_progress'], ['complete', 'completed']]) {
			const r = await act(officerA, 'institution/needs', id, { action });
			assert.equal(r.status, 303, action);
			assert.equal(stateOf(id), state);
		}
		assert.ok(one(`SELECT closed_at FROM needs WHERE id = ${id}`));
		const open = await draft(officerA, { title: 'Encore ouvert' });
		const refused = await officerA.post(`/fr/institution/needs/${open}/repeat`, {});
		assert.equal(refused.status, 422, 'an open need is not repeated');
		await officerA.get(`/fr/institution/needs/${id}`);
		const r = await officerA.post(`/fr/institution/needs/${id}/repeat`, {});
		assert.equal(r.status, 303);
		const child = /\/institution\/needs\/(\d+)\/edit$/.exec(r.location)[1];
		assert.notEqual(child, id);
		assert.equal(one(`SELECT state || ':' || parent_id || ':' || title FROM needs WHERE id = ${child}`), `draft:${id}:Mission complète`);
		assert.equal(one(`SELECT ready_counterpart + ready_resources + ready_approval FROM needs WHERE id = ${child}`), '0', 'the checklist is confirmed again');
		assert.equal(one(`SELECT COUNT(*) FROM need_skills WHERE need_id = ${child}`), '2');
		assert.equal(stateOf(id), 'completed', 'the parent is never reopened');
		assert.equal(one(`SELECT COUNT(*) FROM audit_log WHERE action = 'need_repeated' AND target_id = '${child}'`), '1');
		void expert;
	});

	test('cancelled with a reason: running engagements close and their experts are told', async () => {
		const id = await draft(officerA, { title: 'Mission annulée' });
		await submit(officerA, id);
		await publish(id);
		await newExpert('karim.needs@example.org');
		const karim = await userId('karim.needs@example.org');
		engagement(7_000_101, id, karim, 'applied');
		const r = await act(officerA, 'institution/needs', id, { action: 'cancel', reason: 'no_budget', note: 'Le budget a été réaffecté.' });
		assert.equal(r.status, 303);
		assert.equal(one(`SELECT state || ':' || reason || ':' || note FROM needs WHERE id = ${id}`), 'cancelled:no_budget:Le budget a été réaffecté.');
		assert.equal(one(`SELECT state || ':' || reason FROM engagements WHERE id = 7000101`), 'closed:need_cancelled');
		assert.equal(one(`SELECT from_state || '>' || to_state FROM engagement_events WHERE engagement_id = 7000101`), 'applied>closed');
		assert.equal(one(`SELECT COUNT(*) FROM notifications WHERE user_id = ${karim} AND kind = 'need.cancelled_expert'`), '1');
		assert.equal(one(`SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.kind = 'need.cancelled' AND u.email = 'equipe@example.org' AND n.args LIKE '%Mission annulée%'`), '1',
			'cancelled by the institution: the programme team is told');
		assert.ok(!publishedIds().includes(id), 'no longer on the board');
		const page = await new Client(srv.url).get(`/fr/needs/${id}`);
		assert.equal(page.status, 200, 'its page stays, saying it is closed');
		assert.match(page.text, /id="need-closed"/);
	});

	test('the institution’s answer rate and median response time', async () => {
		// institution B, verified now, has no application yet
		await admin.get(`/fr/admin/institutions/${instB}`);
		assert.equal((await admin.post(`/fr/admin/institutions/${instB}/verify`, { set: '1' })).status, 303);
		const id = await draft(officerB, { title: 'Mesure des réponses' });
		await submit(officerB, id);
		await publish(id);
		const officer = await userId('officer.b@example.org');
		const figures = async () => {
			const t = decode((await new Client(srv.url).get(`/fr/institutions/${instB}`)).text);
			return [/id="answer-rate">([^<]*)</.exec(t)[1], /id="median-time">([^<]*)</.exec(t)[1]];
		};
		const experts = [];
		for (let i = 0; i < 5; i++) {
			const e = 8_000_000 + i;
			sql(`INSERT INTO users (id, email, lang, status, created_at, updated_at) VALUES (${e}, 'fig${i}@example.org', 'fr', 'active', 'x', 'x')`);
			experts.push(e);
		}
		// answered after 1 and 3 days: below 3 applications, not enough data
		const answer = (eng, hours) => sql(`INSERT INTO engagement_events (id, engagement_id, at, actor_id, from_state, to_state) VALUES (${eng + 1}, ${eng}, '${new Date((now + hours * 3600) * 1000).toISOString().replace('.000', '')}', ${officer}, 'applied', 'shortlisted')`);
		engagement(7_100_000, id, experts[0], 'shortlisted'); answer(7_100_000, 24);
		engagement(7_100_010, id, experts[1], 'refused'); answer(7_100_010, 72);
		assert.deepEqual(await figures(), ['Pas assez de données', 'Pas assez de données']);
		// a third answer (2 days), one closed by the deadline, one withdrawn by the expert (not counted)
		engagement(7_100_020, id, experts[2], 'shortlisted'); answer(7_100_020, 48);
		engagement(7_100_030, id, experts[3], 'no_answer');
		engagement(7_100_040, id, experts[4], 'withdrawn');
		sql(`INSERT INTO engagement_events (id, engagement_id, at, actor_id, from_state, to_state) VALUES (7100041, 7100040, '2027-01-15T09:00:00Z', ${experts[4]}, 'applied', 'withdrawn')`);
		assert.deepEqual(await figures(), ['75 %', '2 jours']);
	});
});
