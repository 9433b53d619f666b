// Consultations over HTTP, against a real server with an injected clock:
// only the programme team, or a coordinator for their own network, writes
// a consultation (403 otherwise); a draft's bad inputs are refused by the
// field (422, nothing saved) and its questions are frozen once it opens
// (409); the audience is notified when it opens; a member answers once
// (409 the second time, the UNIQUE key refusing even a direct insert),
// every bad answer is refused by the field with nothing saved, answering
// outside the dates is refused (409), and someone outside the audience
// gets 404. An anonymous answer is stored without any user id, and after
// publication its response id has been drawn again; the summary and the
// CSV name the named respondent and never the anonymous one. "Download my
// data" holds a person's participations and named answers (with their
// questions), never an anonymous answer; erasing an account makes its
// named response anonymous (drawn again), deletes its participation, keeps
// the consultations it wrote, and leaves the summary's counts unchanged.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addMember, Client, decodeHtml, formErrors, newAdmin, newStaff, signUp, sqlRows } from '../client.mjs';
import { startServer } from '../kafaat.mjs';

const pgUrl = process.env.TEST_PG_URL;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-consult-'));
const clockFile = path.join(tmp, 'clock');
const NOW = 1_795_176_000; // 2026-11-20T12:00:00Z
const HOUR = 3600;
const setClock = (t) => writeFileSync(clockFile, String(t));
setClock(NOW);
// sessions outlive the clock's jumps (13 hours at most)
const env = {
	KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile,
	KAFAAT_AUTH_STAFF_IDLE_MINUTES: '1440', KAFAAT_AUTH_IDLE_MINUTES: '1440', KAFAAT_AUTH_ABSOLUTE_HOURS: '168',
};
const PW = 'une phrase assez longue 2027';

let srv, admin, coord, otherCoord;
const people = {}; // name → {c: Client, id}

const sql = (text) => sqlRows(srv.db, text);
// The same, expected to fail (a constraint): its status.
function sqlStatus(text) {
	const [cmd, args] = pgUrl ? ['psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', srv.db, '-c', text]]
		: ['sqlite3', ['-bail', '-cmd', '.timeout 10000', srv.db, text]];
	return spawnSync(cmd, args, { encoding: 'utf8' }).status;
}
const one = (text) => sql(text)[0];
const count = (table, where = '1 = 1') => Number(one(`SELECT COUNT(*) FROM ${table} WHERE ${where}`));

async function newExpert(email, name) {
	const c = await signUp(srv, env, email, PW);
	const id = one(`SELECT id FROM users WHERE email = '${email}'`);
	if (name) sql(`INSERT INTO profiles (user_id, name, created_at, updated_at) VALUES (${id}, '${name}', 't', 't')`);
	return { c, id };
}

async function newCoordinator(email, slug) {
	const c = await newStaff(srv, env, email, PW, { role: 'coordinator', scope: slug, t: NOW });
	return { c, id: one(`SELECT id FROM users WHERE email = '${email}'`) };
}

const alertOf = (html) => decodeHtml((/id="consult-error">([^<]*)</.exec(html) ?? [])[1] ?? '');

// data.json of a "download my data" archive (stored entries, as rights.c
// writes them; tests/http/rights.test.mjs checks the format itself).
async function exportOf(c) {
	const res = await fetch(`${srv.url}/fr/profile/export`, { headers: { Cookie: c.cookieHeader() }, redirect: 'manual' });
	assert.equal(res.status, 200);
	const buf = Buffer.from(await res.arrayBuffer());
	for (let p = 0; buf.readUInt32LE(p) === 0x04034b50;) {
		const size = buf.readUInt32LE(p + 18), n = buf.readUInt16LE(p + 26), extra = buf.readUInt16LE(p + 28);
		const name = buf.subarray(p + 30, p + 30 + n).toString('utf8');
		const data = buf.subarray(p + 30 + n + extra, p + 30 + n + extra + size).toString('utf8');
		if (name === 'data.json') return { raw: data, json: JSON.parse(data) };
		p += 30 + n + extra + size;
	}
	assert.fail('no data.json in the archive');
}

async function erase(c) {
	await c.get('/fr/profile/delete');
	assert.equal((await c.post('/fr/profile/delete', { password: PW })).status, 200);
}

function consultForm(over = {}) {
	return {
		title_ar: '', title_fr: 'Priorités du réseau Europe pour 2027', title_en: '',
		intro_ar: '', intro_fr: 'Dites-nous où le réseau doit porter ses efforts.', intro_en: '',
		audience: 'network', sector: '', network: 'europe', country: '',
		opens_on: '2026-11-20', closes_on: '2026-11-20', public_results: '', ...over,
	};
}

async function create(who, over = {}) {
	await who.get('/fr/manage/consultations/new');
	const r = await who.post('/fr/manage/consultations/new', consultForm(over));
	assert.equal(r.status, 303, `create: ${r.status} ${JSON.stringify(formErrors(r.text))}`);
	return /\/manage\/consultations\/(\d+)\?done=created$/.exec(r.location)[1];
}

const sequenceOf = async (who, id) => /name="sequence" value="(\d+)"/.exec((await who.get(`/fr/manage/consultations/${id}`)).text)[1];

async function addQuestion(who, id, q) {
	const sequence = await sequenceOf(who, id);
	return who.post(`/fr/manage/consultations/${id}/questions`, { sequence, kind: 'text', prompt: '', required: '', options: '', scale_low: '', scale_high: '', ...q });
}

async function step(who, id, action) {
	const sequence = await sequenceOf(who, id);
	return who.post(`/fr/manage/consultations/${id}/step`, { sequence, action });
}

async function answer(who, id, form) {
	await who.get(`/fr/consultations/${id}`);
	return who.post(`/fr/consultations/${id}/answer`, form);
}

before(async () => {
	srv = await startServer({ env });
	admin = await newAdmin(srv, env, 'admin@example.org', PW, { t: NOW });
	coord = await newCoordinator('coord.europe@example.org', 'europe');
	otherCoord = await newCoordinator('coord.sg@example.org', 'singapore');
	for (const [n, name] of [['amal', 'Amal Idrissi'], ['badr', 'Badr Tazi'], ['chama', 'Chama Alaoui'], ['outsider', 'Omar Outsider']]) {
		people[n] = await newExpert(`${n}@example.org`, name);
		if (n !== 'outsider') addMember(srv, 'europe', `${n}@example.org`);
	}
});
after(async () => { await srv?.stop(); rmSync(tmp, { recursive: true, force: true }); });

let cid; // the consultation of the europe network

describe('writing a consultation', () => {
	test('only the programme team, or a coordinator for their own network', async () => {
		const before = count('consultations');
		await otherCoord.c.get('/fr/manage/consultations/new');
		assert.equal((await otherCoord.c.post('/fr/manage/consultations/new', consultForm())).status, 403);
		assert.equal((await otherCoord.c.post('/fr/manage/consultations/new', consultForm({ audience: 'everyone', network: '' }))).status, 403);
		assert.equal((await coord.c.post('/fr/manage/consultations/new', consultForm({ audience: 'country', network: '', country: 'FR' }))).status, 403);
		const member = people.amal.c;
		assert.equal((await member.get('/fr/manage/consultations/new')).status, 403);
		assert.equal((await member.post('/fr/manage/consultations/new', consultForm())).status, 403);
		const anon = new Client(srv.url);
		await anon.get('/fr/');
		assert.equal((await anon.get('/fr/manage/consultations')).status, 303);
		assert.equal(count('consultations'), before);
	});

	test('bad inputs are refused by the field, nothing saved', async () => {
		const before = count('consultations');
		await coord.c.get('/fr/manage/consultations/new');
		const cases = [
			[{ title_fr: '' }, 'title_fr', /titre dans votre langue/],
			[{ title_fr: 'x'.repeat(201) }, 'title_fr', /200 caractères/],
			[{ intro_ar: 'مقدمة' }, 'title_ar', /demande aussi son titre/],
			[{ network: 'nowhere' }, 'network', /réseau de la liste/],
			[{ network: '' }, 'network', /réseau de la liste/],
			[{ audience: 'planet' }, 'audience', /public consulté/],
			[{ opens_on: '2026-02-30' }, 'opens_on', /date d’ouverture valide/],
			[{ closes_on: '2026-11-19' }, 'closes_on', /déjà passée/],
			[{ opens_on: '2026-11-25', closes_on: '2026-11-24' }, 'closes_on', /précéder l’ouverture/],
			[{ closes_on: '2026-11-31' }, 'closes_on', /date de clôture valide/],
		];
		for (const [over, field, message] of cases) {
			const r = await coord.c.post('/fr/manage/consultations/new', consultForm(over));
			assert.equal(r.status, 422, JSON.stringify(over));
			assert.match(formErrors(r.text)[field] ?? '', message, JSON.stringify(over));
		}
		assert.equal(count('consultations'), before);
	});

	test('a draft: questions added and checked; invisible to its audience', async () => {
		cid = await create(coord.c);
		assert.equal(one(`SELECT state || ' ' || lang || ' ' || audience_value FROM consultations WHERE id = ${cid}`), 'draft fr europe');
		const bad = [
			[{ kind: 'choice', prompt: 'Une seule ?', options: 'Seule' }, 'options', /de 2 à 10 options/],
			[{ kind: 'choice', prompt: 'Trop ?', options: Array.from({ length: 11 }, (_, i) => `o${i}`).join('\n') }, 'options', /de 2 à 10 options/],
			[{ kind: 'scale', prompt: 'Utile ?', scale_low: 'Peu' }, 'scale_high', /libellé/],
			[{ kind: 'poll', prompt: 'Quoi ?' }, 'kind', /type de question/],
			[{ kind: 'text', prompt: '' }, 'prompt', /Écrivez la question/],
		];
		for (const [q, field, message] of bad) {
			const r = await addQuestion(coord.c, cid, q);
			assert.equal(r.status, 422, JSON.stringify(q));
			assert.match(formErrors(r.text)[field] ?? '', message);
		}
		assert.equal(count('consultation_questions'), 0);
		for (const q of [
			{ kind: 'choice', prompt: 'Quelle priorité ?', options: 'Santé\nÉducation\nEau', required: '1' },
			{ kind: 'scale', prompt: 'Le réseau vous est-il utile ?', scale_low: 'Pas du tout', scale_high: 'Tout à fait' },
			{ kind: 'text', prompt: 'Une idée pour le réseau ?' },
		]) assert.equal((await addQuestion(coord.c, cid, q)).status, 303);
		assert.equal(count('consultation_questions', `consultation_id = ${cid}`), 3);
		assert.equal((await people.amal.c.get(`/fr/consultations/${cid}`)).status, 404);

		// the draft's texts change; a form made before a change is refused
		const stale = await sequenceOf(coord.c, cid);
		let r = await coord.c.post(`/fr/manage/consultations/${cid}`, { ...consultForm({ title_ar: 'أولويات الشبكة', public_results: '1' }), sequence: stale });
		assert.equal(r.status, 303);
		assert.equal(one(`SELECT title_ar || ' ' || public_results FROM consultations WHERE id = ${cid}`), 'أولويات الشبكة 1');
		r = await coord.c.post(`/fr/manage/consultations/${cid}`, { ...consultForm({ title_fr: 'Trop tard' }), sequence: stale });
		assert.equal(r.status, 409);
		assert.match(alertOf(r.text), /a changé entre-temps/);
		r = await coord.c.post(`/fr/manage/consultations/${cid}`, { ...consultForm({ closes_on: 'demain' }), sequence: await sequenceOf(coord.c, cid) });
		assert.equal(r.status, 422);
		assert.match(formErrors(r.text).closes_on, /date de clôture valide/);
		assert.equal(one(`SELECT title_fr || ' ' || public_results FROM consultations WHERE id = ${cid}`), 'Priorités du réseau Europe pour 2027 1');
		sql(`UPDATE consultations SET public_results = 0 WHERE id = ${cid}`);

		// a question removed: the following ones move up
		assert.equal((await addQuestion(coord.c, cid, { kind: 'text', prompt: 'À retirer ?' })).status, 303);
		r = await coord.c.post(`/fr/manage/consultations/${cid}/questions`, { sequence: await sequenceOf(coord.c, cid), remove: '2' });
		assert.equal(r.status, 303);
		assert.deepEqual(sql(`SELECT position || ':' || prompt FROM consultation_questions WHERE consultation_id = ${cid} ORDER BY position`),
			['1:Quelle priorité ?', '2:Une idée pour le réseau ?', '3:À retirer ?']);
		r = await coord.c.post(`/fr/manage/consultations/${cid}/questions`, { sequence: await sequenceOf(coord.c, cid), remove: '3' });
		assert.equal(r.status, 303);
		r = await coord.c.post(`/fr/manage/consultations/${cid}/questions`, { sequence: await sequenceOf(coord.c, cid), remove: '7' });
		assert.equal(r.status, 422);
		// put the scale back in second place
		r = await coord.c.post(`/fr/manage/consultations/${cid}/questions`, { sequence: await sequenceOf(coord.c, cid), remove: '2' });
		assert.equal(r.status, 303);
		assert.equal((await addQuestion(coord.c, cid, { kind: 'scale', prompt: 'Le réseau vous est-il utile ?', scale_low: 'Pas du tout', scale_high: 'Tout à fait' })).status, 303);
		assert.equal((await addQuestion(coord.c, cid, { kind: 'text', prompt: 'Une idée pour le réseau ?' })).status, 303);
		assert.equal(count('consultation_questions', `consultation_id = ${cid}`), 3);
		// a coordinator of another network may not manage it
		assert.equal((await otherCoord.c.get(`/fr/manage/consultations/${cid}`)).status, 403);
		assert.equal((await otherCoord.c.post(`/fr/manage/consultations/${cid}/step`, { sequence: '0', action: 'open' })).status, 403);
	});

	test('opening notifies the audience and freezes the questions', async () => {
		assert.equal((await step(coord.c, cid, 'publish')).status, 409);
		assert.equal((await step(coord.c, cid, 'open')).status, 303);
		assert.equal(one(`SELECT state FROM consultations WHERE id = ${cid}`), 'open');
		for (const n of ['amal', 'badr', 'chama'])
			assert.equal(count('notifications', `user_id = ${people[n].id} AND kind = 'consultation.opened'`), 1, n);
		assert.equal(count('notifications', `user_id = ${people.outsider.id} AND kind = 'consultation.opened'`), 0);
		const sequence = await sequenceOf(coord.c, cid);
		let r = await coord.c.post(`/fr/manage/consultations/${cid}/questions`, { sequence, kind: 'text', prompt: 'Encore ?' });
		assert.equal(r.status, 409);
		assert.match(alertOf(r.text), /n’est plus un brouillon/);
		r = await coord.c.post(`/fr/manage/consultations/${cid}`, { ...consultForm({ title_fr: 'Autre titre' }), sequence });
		assert.equal(r.status, 409);
		assert.equal(count('consultation_questions', `consultation_id = ${cid}`), 3);
		assert.equal(one(`SELECT title_fr FROM consultations WHERE id = ${cid}`), 'Priorités du réseau Europe pour 2027');
	});
});

describe('answering', () => {
	const good = { q1: '2', q2: '4', q3: '=SUM(A1:A3) plus de mentorat' };

	test('someone outside the audience gets 404', async () => {
		const out = people.outsider.c;
		assert.equal((await out.get(`/fr/consultations/${cid}`)).status, 404);
		await out.get('/fr/consultations');
		assert.equal((await out.post(`/fr/consultations/${cid}/answer`, good)).status, 404);
		assert.equal((await new Client(srv.url).get(`/fr/consultations/${cid}`)).status, 404);
		assert.equal(count('consultation_participants'), 0);
	});

	test('bad answers are refused by the field, nothing saved', async () => {
		const cases = [
			[{ q1: '' }, 'q1', /demande une réponse/],
			[{ q1: '9' }, 'q1', /l’une des options/],
			[{ q1: 'Santé' }, 'q1', /l’une des options/],
			[{ q2: '6' }, 'q2', /de 1 à 5/],
			[{ q2: '0' }, 'q2', /de 1 à 5/],
			[{ q3: 'x'.repeat(100_000) }, 'q3', /2000 caractères/],
			[{ q3: 'é'.repeat(2001) }, 'q3', /2000 caractères/],
		];
		for (const [over, field, message] of cases) {
			const r = await answer(people.amal.c, cid, { ...good, ...over });
			assert.equal(r.status, 422, JSON.stringify(over).slice(0, 80));
			assert.match(formErrors(r.text)[field] ?? '', message);
		}
		assert.equal(count('consultation_participants'), 0);
		assert.equal(count('consultation_responses'), 0);
		assert.equal(count('consultation_answers'), 0);
	});

	test('a named answer, then once only', async () => {
		const r = await answer(people.amal.c, cid, good);
		assert.equal(r.status, 303);
		assert.match(r.location, /\/fr\/consultations\/\d+\?done=answered$/);
		assert.equal(one(`SELECT COUNT(*) FROM consultation_responses WHERE user_id = ${people.amal.id}`), '1');
		const again = await answer(people.amal.c, cid, { ...good, q1: '1' });
		assert.equal(again.status, 409);
		assert.match(alertOf(again.text), /déjà répondu/);
		assert.equal(count('consultation_responses'), 1);
		// the "once" is the primary key's, not only the page's
		assert.notEqual(sqlStatus(`INSERT INTO consultation_participants (consultation_id, user_id) VALUES (${cid}, ${people.amal.id})`), 0);
	});

	test('an anonymous answer is stored without the person', async () => {
		const r = await answer(people.badr.c, cid, { q1: '3', q2: '', q3: 'Un guichet unique pour les retours', anonymous: '1' });
		assert.equal(r.status, 303);
		assert.equal(count('consultation_participants', `user_id = ${people.badr.id}`), 1);
		assert.equal(count('consultation_responses', `user_id = ${people.badr.id}`), 0);
		assert.equal(count('consultation_responses', 'user_id IS NULL'), 1);
		// no column of the response or its answers holds the person's id
		const row = sql(`SELECT r.id, r.consultation_id, COALESCE(CAST(r.user_id AS TEXT), 'null') FROM consultation_responses r WHERE r.user_id IS NULL`)[0];
		assert.ok(!row.split('\t').includes(String(people.badr.id)), row);
		assert.equal(row.split('\t')[2], 'null');
		const answers = sql(`SELECT x.question_id, COALESCE(CAST(x.choice AS TEXT), ''), COALESCE(CAST(x.scale AS TEXT), ''), COALESCE(x.answer_text, '') FROM consultation_answers x JOIN consultation_responses r ON r.id = x.response_id WHERE r.user_id IS NULL`);
		assert.equal(answers.length, 2); // the scale left empty: no row
		for (const a of answers) assert.ok(!a.includes(String(people.badr.id)));
		// the ids are not a sequence: the response's id is not above the named one by one
		const ids = sql('SELECT id FROM consultation_responses ORDER BY id').map(Number);
		assert.equal(ids.length, 2);
		assert.ok(Math.abs(ids[1] - ids[0]) > 1000);
		// the audit says who took part, never how
		const audit = sql(`SELECT action || ':' || details FROM audit_log WHERE action = 'consultation_answered' AND actor_id = ${people.badr.id}`);
		assert.equal(audit.length, 1);
		assert.equal(audit[0], 'consultation_answered:');
		assert.equal((await answer(people.badr.c, cid, good)).status, 409);
	});

	test('before the opening day and after the closing day: 409', async () => {
		const later = await create(coord.c, { title_fr: 'Plus tard', opens_on: '2026-11-21', closes_on: '2026-11-25' });
		assert.equal((await addQuestion(coord.c, later, { kind: 'text', prompt: 'Rien ?' })).status, 303);
		assert.equal((await step(coord.c, later, 'open')).status, 303);
		let r = await answer(people.chama.c, later, { q1: 'bonjour' });
		assert.equal(r.status, 409);
		assert.match(alertOf(r.text), /pas encore ouverte/);
		setClock(NOW + 13 * HOUR); // 2026-11-21T01:00Z: the first one is closed
		r = await answer(people.chama.c, cid, good);
		assert.equal(r.status, 409);
		assert.match(alertOf(r.text), /est close/);
		assert.equal(count('consultation_participants', `user_id = ${people.chama.id}`), 0);
	});
});

describe('the summary', () => {
	test('published by the author once closed; the anonymous response is drawn again', async () => {
		const anonBefore = one('SELECT id FROM consultation_responses WHERE user_id IS NULL');
		assert.equal((await people.amal.c.get(`/fr/consultations/${cid}/results.csv`)).status, 404); // not yet published
		assert.equal((await step(coord.c, cid, 'publish')).status, 303);
		assert.equal(one(`SELECT state FROM consultations WHERE id = ${cid}`), 'published');
		const anonAfter = one('SELECT id FROM consultation_responses WHERE user_id IS NULL');
		assert.notEqual(anonAfter, anonBefore);
		assert.equal(count('consultation_answers', `response_id = ${anonAfter}`), 2);
		assert.equal(count('consultation_participants', `consultation_id = ${cid}`), 2); // rewritten, all kept
		assert.equal(count('consultation_responses', `consultation_id = ${cid}`), 2);
		for (const n of ['amal', 'badr'])
			assert.equal(count('notifications', `user_id = ${people[n].id} AND kind = 'consultation.published'`), 1);
	});

	test('the audience sees counts, shares, the mean and the texts; the anonymous one unnamed', async () => {
		const page = await people.chama.c.get(`/fr/consultations/${cid}`);
		assert.equal(page.status, 200);
		const text = decodeHtml(page.text);
		assert.match(text, /Personnes ayant répondu : 2/);
		assert.match(text, /<td dir="auto">Éducation<\/td><td class="text-end">1<\/td><td class="text-end" dir="ltr">50\.0 %/);
		assert.match(text, /moyenne : 4\.00/);
		assert.match(text, /=SUM\(A1:A3\) plus de mentorat<\/p><p class="small text-body-secondary mb-0">— <span dir="auto">Amal Idrissi<\/span>/);
		assert.match(text, /Un guichet unique pour les retours<\/p><p class="small text-body-secondary mb-0">— Anonyme/);
		assert.doesNotMatch(text, /Badr/);
		// outside the audience: not public
		assert.equal((await people.outsider.c.get(`/fr/consultations/${cid}`)).status, 404);
		assert.equal((await new Client(srv.url).get(`/fr/consultations/${cid}/results.csv`)).status, 404);
	});

	test('the CSV: UTF-8 with BOM, formulas neutralised, no anonymous identity', async () => {
		const res = await fetch(`${srv.url}/fr/consultations/${cid}/results.csv`, { headers: { Cookie: people.badr.c.cookieHeader() } });
		assert.equal(res.status, 200);
		assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
		const bytes = Buffer.from(await res.arrayBuffer());
		assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
		const csv = bytes.subarray(3).toString('utf8');
		assert.match(csv, /^Question,Type,Réponse,Nombre,Part \(%\),Auteur\r\n/);
		assert.match(csv, /Quelle priorité \?,choice,Éducation,1,50\.0,\r\n/);
		assert.match(csv, /"'=SUM\(A1:A3\) plus de mentorat",,,Amal Idrissi\r\n/);
		assert.match(csv, /Un guichet unique pour les retours,,,Anonyme\r\n/);
		assert.doesNotMatch(csv, /Badr|badr@/);
	});

	test('public results are visible to anyone once published', async () => {
		const pub = await create(admin, { title_fr: 'Consultation ouverte à tous', audience: 'everyone', network: '', public_results: '1', opens_on: '2026-11-21', closes_on: '2026-11-21' });
		assert.equal((await addQuestion(admin, pub, { kind: 'scale', prompt: 'Satisfaction ?', scale_low: 'Faible', scale_high: 'Forte', required: '1' })).status, 303);
		assert.equal((await step(admin, pub, 'open')).status, 303);
		assert.equal(count('notifications', `user_id = ${people.outsider.id} AND kind = 'consultation.opened'`), 1);
		assert.equal((await answer(people.outsider.c, pub, { q1: '5' })).status, 303);
		assert.equal((await step(admin, pub, 'close')).status, 303);
		assert.equal((await answer(people.amal.c, pub, { q1: '4' })).status, 409);
		assert.equal((await step(admin, pub, 'publish')).status, 303);
		const anon = new Client(srv.url);
		const page = await anon.get(`/fr/consultations/${pub}`);
		assert.equal(page.status, 200);
		assert.match(page.text, /moyenne : 5\.00/);
		assert.equal((await anon.get(`/fr/consultations/${pub}/results.csv`)).status, 200);
		// and the list of a member shows it among the results
		assert.match((await people.amal.c.get('/fr/consultations')).text, /Consultation ouverte à tous/);
	});
});

describe('data rights', () => {
	const TITLE = 'Priorités du réseau Europe pour 2027';
	const ANON_TEXT = 'Un guichet unique pour les retours';

	test('the download holds the named answers with their questions, never the anonymous one', async () => {
		const amal = (await exportOf(people.amal.c)).json.consultations;
		assert.match(amal.note, /anonymement n’y figurent pas/);
		assert.deepEqual(amal.participations.filter((p) => String(p.consultation_id) === cid), [{ consultation_id: Number(cid), title: TITLE }]);
		const mine = amal.answers.filter((a) => String(a.consultation_id) === cid);
		assert.deepEqual(mine.map(({ position, question, kind, choice, scale, text, title }) => ({ position, question, kind, choice, scale, text, title })), [
			{ position: 1, question: 'Quelle priorité ?', kind: 'choice', choice: 'Éducation', scale: undefined, text: undefined, title: TITLE },
			{ position: 2, question: 'Le réseau vous est-il utile ?', kind: 'scale', choice: undefined, scale: 4, text: undefined, title: TITLE },
			{ position: 3, question: 'Une idée pour le réseau ?', kind: 'text', choice: undefined, scale: undefined, text: '=SUM(A1:A3) plus de mentorat', title: TITLE },
		]);
		// badr answered anonymously: he took part, and no answer is his
		const badr = await exportOf(people.badr.c);
		assert.deepEqual(badr.json.consultations.participations.map((p) => String(p.consultation_id)), [cid]);
		assert.deepEqual(badr.json.consultations.answers, []);
		assert.ok(!badr.raw.includes(ANON_TEXT), 'the anonymous text is in no part of the archive');
		assert.ok(!badr.raw.includes('Éducation') && !badr.raw.includes('mentorat'));
		// someone who did not take part: empty lists
		const chama = (await exportOf(people.chama.c)).json.consultations;
		assert.deepEqual([chama.participations, chama.answers], [[], []]);
		// the explanation in the person's language
		const en = await fetch(`${srv.url}/en/profile/export`, { headers: { Cookie: people.badr.c.cookieHeader() } });
		assert.match(Buffer.from(await en.arrayBuffer()).toString('utf8'), /Answers you gave anonymously are not here/);
	});

	test('erasing a named respondent: the response becomes anonymous, the summary keeps its counts', async () => {
		const before = sql(`SELECT id FROM consultation_responses WHERE consultation_id = ${cid} ORDER BY id`);
		assert.equal(count('consultation_answers', `response_id IN (SELECT id FROM consultation_responses WHERE consultation_id = ${cid})`), 5);
		await erase(people.amal.c);
		assert.equal(count('users', `id = ${people.amal.id}`), 0);
		assert.equal(count('consultation_participants', `user_id = ${people.amal.id}`), 0);
		assert.equal(count('consultation_participants', `consultation_id = ${cid}`), 1); // badr's
		assert.equal(count('consultation_responses', `consultation_id = ${cid}`), 2);
		assert.equal(count('consultation_responses', `consultation_id = ${cid} AND user_id IS NOT NULL`), 0);
		assert.equal(count('consultation_answers', `response_id IN (SELECT id FROM consultation_responses WHERE consultation_id = ${cid})`), 5);
		// drawn again: no id tells which anonymous response was named
		const after = sql(`SELECT id FROM consultation_responses WHERE consultation_id = ${cid} ORDER BY id`);
		for (const id of after) assert.ok(!before.includes(id), `${id} drawn again`);

		const text = decodeHtml((await people.chama.c.get(`/fr/consultations/${cid}`)).text);
		assert.match(text, /Personnes ayant répondu : 2/);
		assert.match(text, /<td dir="auto">Éducation<\/td><td class="text-end">1<\/td><td class="text-end" dir="ltr">50\.0 %/);
		assert.match(text, /moyenne : 4\.00/);
		assert.match(text, /=SUM\(A1:A3\) plus de mentorat<\/p><p class="small text-body-secondary mb-0">— Anonyme/);
		assert.doesNotMatch(text, /Amal/);
		const csv = await fetch(`${srv.url}/fr/consultations/${cid}/results.csv`, { headers: { Cookie: people.chama.c.cookieHeader() } });
		const body = await csv.text();
		assert.match(body, /"'=SUM\(A1:A3\) plus de mentorat",,,Anonyme\r\n/);
		assert.doesNotMatch(body, /Amal/);
	});

	test('erasing an anonymous respondent: only the participation goes', async () => {
		const ids = sql(`SELECT id FROM consultation_responses WHERE consultation_id = ${cid} ORDER BY id`);
		await erase(people.badr.c);
		assert.equal(count('consultation_participants', `user_id = ${people.badr.id}`), 0);
		assert.deepEqual(sql(`SELECT id FROM consultation_responses WHERE consultation_id = ${cid} ORDER BY id`), ids);
		const text = decodeHtml((await people.chama.c.get(`/fr/consultations/${cid}`)).text);
		assert.match(text, /Personnes ayant répondu : 2/);
		assert.match(text, new RegExp(`${ANON_TEXT}</p><p class="small text-body-secondary mb-0">— Anonyme`));
	});

	test('erasing the author: the consultations stay, the programme team still manages them', async () => {
		const written = count('consultations', `author_id = ${coord.id}`);
		assert.ok(written >= 2);
		await erase(coord.c);
		assert.equal(count('consultations', `author_id = ${coord.id}`), 0);
		assert.equal(count('consultations', `id = ${cid} AND author_id IS NULL AND state = 'published'`), 1);
		assert.equal((await admin.get(`/fr/manage/consultations/${cid}`)).status, 200);
		assert.match(decodeHtml((await people.chama.c.get(`/fr/consultations/${cid}`)).text), /Personnes ayant répondu : 2/);
	});
});
