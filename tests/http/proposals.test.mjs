// Proposals over HTTP, on SQLite and PostgreSQL, with an injected clock: a
// proposal's full path (submitted, supported by another expert, answered
// "under study" then "not retained" with a reason, the author notified at
// each step); every bad input refused with a clear message and nothing
// changed (the form's fields, supporting one's own or twice, withdrawing
// what was not given, an empty or 100 kB comment, an answer without its
// reason, a transition the table does not allow → 409); access (only the
// programme team answers and hides comments: coordinators, advisors,
// institutions and experts get 403); the author's name only as their
// consent allows; filters, sort and pages of the list; the flag of a
// proposal left unanswered past proposals.answer_days, once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { acceptInvitation, cli as cliOn, Client, decodeHtml, formErrors, lastMailTo, linkIn, newAdmin, newStaff, postFrom, signIn, signInWithCode, signUp, sqlRows } from '../client.mjs';
import { startServer } from '../kafaat.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-proposals-'));
const clockFile = path.join(tmp, 'clock');
const now = 1_800_000_000; // 2027-01-15T08:00:00Z
writeFileSync(clockFile, String(now));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';

let srv;

const sql = (text) => sqlRows(srv.db, text);
const one = (text) => sql(text)[0];
const cli = (args) => cliOn(srv, env, args);
const fromLink = (link, email) => acceptInvitation(srv, link, email, PW);
const newExpert = (email) => signUp(srv, env, email, PW);
const staff = (email, role, scope) => newStaff(srv, env, email, PW, { role, scope, t: now });

const everyone = { programme: true, institutions: true, networks: true, directory: true, statistics: true };
const nobody = { programme: false, institutions: false, networks: false, directory: false, statistics: false };
const person = (ref, email, name, nameAr, consent) => ({
	ref, email, lang: 'fr', name, name_ar: nameAr, country: 'FR', city: 'Lyon', headline: 'Médecin urgentiste', bio: '',
	languages: [{ code: 'fr', level: 'C2' }], sectors: ['health'], skills: [{ name: 'Gestion de projet', level: 3 }],
	offer: { modes: ['ponctuelle'], presence: ['remote'], hours_per_month: 4, pay: 'pro_bono' },
	consent, confirmed_at: '2026-12-01',
});
const roster = [
	person('a-1', 'author@example.org', 'Nadia Tazi', 'نادية التازي', everyone),
	person('s-1', 'shy@example.org', 'Karim Discret', 'كريم', nobody),
];

let admin, author, shy, supporter, coordinator, advisor, owner, member;
const userId = (email) => one(`SELECT id FROM users WHERE email = '${email}'`);
const told = (email, kind) => Number(one(`SELECT COUNT(*) FROM notifications WHERE user_id = ${userId(email)} AND kind = '${kind}'`));

before(async () => {
	srv = await startServer({ env, demo: false });
	const file = path.join(tmp, 'roster.jsonl');
	writeFileSync(file, roster.map((e) => JSON.stringify(e)).join('\n') + '\n');
	cli(['import', 'experts', file, '--consent-from-file']);
	author = await fromLink(linkIn(lastMailTo(srv.db, 'author@example.org', env), '/invitation\\?token='), 'author@example.org');
	shy = await fromLink(linkIn(lastMailTo(srv.db, 'shy@example.org', env), '/invitation\\?token='), 'shy@example.org');
	supporter = await newExpert('supporter@example.org');
	admin = await newAdmin(srv, env, 'admin@example.org', PW, { t: now });
	coordinator = await staff('coordinator@example.org', 'coordinator', 'europe');
	advisor = await staff('advisor@example.org', 'advisor');
	await admin.get('/fr/admin/institutions');
	await admin.post('/fr/admin/institutions', { name_ar: 'وزارة الصحة', name_fr: 'Ministère de la Santé', name_en: 'Ministry of Health' });
	const list = await admin.get('/en/admin/invitations');
	const inst = /<option value="(\d+)">Ministry of Health</.exec(list.text)[1];
	for (const [role, email] of [['owner', 'owner@example.org'], ['member', 'member@example.org']]) {
		const r = await admin.post('/en/admin/invitations', { email, institution: inst, role, lang: 'fr' });
		assert.equal(r.status, 200, `invite ${role}`);
		const c = await fromLink(linkIn(lastMailTo(srv.db, email, env), '/invitation\\?token='), email);
		if (role === 'owner') owner = c; else member = c;
	}
});
after(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

const proposal = (over = {}) => {
	const f = {
		title: 'Un guichet unique pour les médecins de la diaspora', kind: 'initiative', sector: 'health',
		body: 'Un seul point d’entrée au ministère pour les missions courtes.\nDes formalités allégées.', ...over,
	};
	for (const k of Object.keys(f)) if (f[k] === undefined) delete f[k];
	return f;
};

async function submit(who, over = {}, lang = 'fr') {
	await who.get(`/${lang}/proposals/new`);
	const r = await who.post(`/${lang}/proposals/new`, proposal(over));
	assert.equal(r.status, 303, `submit: ${r.status} ${JSON.stringify(formErrors(r.text))}`);
	return /\/proposals\/(\d+)\?done=submitted$/.exec(r.location)[1];
}

const act = postFrom;

const supports = (id) => one(`SELECT COUNT(*) FROM proposal_supports WHERE proposal_id = ${id}`);
const statusOf = (id) => one(`SELECT status FROM proposals WHERE id = ${id}`);
const snapshot = (id) => [
	...sql(`SELECT id, status, updated_at, told_supports, flagged_at FROM proposals WHERE id = ${id}`),
	...sql(`SELECT user_id FROM proposal_supports WHERE proposal_id = ${id} ORDER BY user_id`),
	...sql(`SELECT id, hidden_at FROM proposal_comments WHERE proposal_id = ${id} ORDER BY id`),
	...sql(`SELECT id, to_status FROM proposal_answers WHERE proposal_id = ${id} ORDER BY id`),
	one('SELECT COUNT(*) FROM notifications'),
];

describe('the submission form', () => {
	test('every bad value is named by its field, 422, and nothing is stored', async () => {
		const before = one('SELECT COUNT(*) FROM proposals');
		const cases = [
			[{ title: '' }, 'title', /vide/],
			[{ title: 'x'.repeat(201) }, 'title', /trop long/],
			[{ title: 'deux\nlignes' }, 'title', /retours à la ligne/],
			[{ body: '   ' }, 'body', /vide/],
			[{ body: 'y'.repeat(10001) }, 'body', /trop long/],
			[{ kind: 'souhait' }, 'kind', /idée ou initiative/],
			[{ sector: '' }, 'sector', /un secteur ou le programme/],
			[{ sector: 'astrologie' }, 'sector', /« astrologie » n'est pas un secteur/],
		];
		for (const [over, field, message] of cases) {
			await author.get('/fr/proposals/new');
			const r = await author.post('/fr/proposals/new', proposal(over));
			assert.equal(r.status, 422, JSON.stringify(over).slice(0, 80));
			const errors = formErrors(r.text);
			assert.match(errors[field] ?? '', message, `${field}: ${JSON.stringify(errors)}`);
			assert.match(r.text, new RegExp(`id="f-${field}"[^>]*aria-invalid="true"`));
		}
		assert.equal(one('SELECT COUNT(*) FROM proposals'), before);
	});

	test('exactly 200 and 10 000 characters are accepted; "the programme" is a choice', async () => {
		const id = await submit(author, { title: 'é'.repeat(200), body: 'ب'.repeat(10000), sector: 'programme', kind: 'idea' });
		assert.equal(one(`SELECT COALESCE(sector_id, '-') FROM proposals WHERE id = ${id}`), '-');
		const page = await author.get(`/fr/proposals/${id}`);
		assert.match(page.text, /Le programme dans son ensemble/);
		sql(`DELETE FROM notifications WHERE link = '/proposals/${id}'`);
		sql(`DELETE FROM proposals WHERE id = ${id}`);
	});

	test('only experts submit: an institution member gets 403, a visitor is sent to sign in', async () => {
		assert.equal((await member.get('/fr/proposals/new')).status, 403);
		const anon = await new Client(srv.url).get('/fr/proposals/new');
		assert.equal(anon.status, 303);
		assert.match(anon.location, /signin/);
	});

	test('the form in Arabic and English', async () => {
		const ar = await author.get('/ar/proposals/new');
		assert.equal(ar.status, 200);
		assert.match(ar.text, /dir="rtl"/);
		assert.match(ar.text, /تقديم مقترح/);
		await author.get('/en/proposals/new');
		const r = await author.post('/en/proposals/new', proposal({ kind: 'wish' }));
		assert.equal(r.status, 422);
		assert.match(formErrors(r.text).kind, /idea or initiative/);
	});
});

describe("a proposal's full path", () => {
	let id, page;

	test('submitted: public, acknowledged to the author, the author named as consented', async () => {
		id = await submit(author);
		page = `/fr/proposals/${id}`;
		assert.equal(statusOf(id), 'received');
		assert.equal(told('author@example.org', 'proposal.submitted'), 1);
		const pub = await new Client(srv.url).get(page);
		assert.equal(pub.status, 200);
		assert.match(pub.text, /Un guichet unique pour les médecins de la diaspora/);
		assert.match(pub.text, /Nadia Tazi/);
		assert.match(pub.text, /Reçue/);
		assert.match(pub.text, /Soutiens : 0/);
		const ar = await new Client(srv.url).get(`/ar/proposals/${id}`);
		assert.match(ar.text, /نادية التازي/);
	});

	test('supported by another expert; the author told at the first support, once', async () => {
		let r = await act(supporter, page, `${page}/support`);
		assert.equal(r.status, 303);
		assert.equal(supports(id), '1');
		assert.equal(told('author@example.org', 'proposal.supported'), 1);
		assert.match((await supporter.get(page)).text, /Soutiens : 1/);
		// twice: refused by the UNIQUE constraint, 409, nothing changed
		const before = snapshot(id);
		r = await supporter.post(`${page}/support`, {});
		assert.equal(r.status, 409);
		assert.match(formErrors(r.text).support, /un seul soutien par personne/);
		assert.deepEqual(snapshot(id), before);
		// one's own: 422, nothing changed
		r = await act(author, page, `${page}/support`);
		assert.equal(r.status, 422);
		assert.match(formErrors(r.text).support, /votre propre proposition/);
		assert.deepEqual(snapshot(id), before);
		// withdrawn, withdrawn again (409), given again: the author is not told twice
		r = await act(supporter, page, `${page}/withdraw`);
		assert.equal(r.status, 303);
		assert.equal(supports(id), '0');
		r = await supporter.post(`${page}/withdraw`, {});
		assert.equal(r.status, 409);
		assert.match(formErrors(r.text).support, /pas de soutien à retirer/);
		r = await act(supporter, page, `${page}/support`);
		assert.equal(r.status, 303);
		assert.equal(supports(id), '1');
		assert.equal(told('author@example.org', 'proposal.supported'), 1);
		// an institution's member may support too (one support per person)
		assert.equal((await act(member, page, `${page}/support`)).status, 303);
		assert.equal(supports(id), '2');
		// a visitor is sent to sign in
		const anon = await new Client(srv.url).request('POST', `${page}/support`, { form: {} });
		assert.notEqual(anon.status, 200);
		assert.equal(supports(id), '2');
	});

	test('comments: empty or 100 kB refused by the field; the author told of others\' comments', async () => {
		const before = snapshot(id);
		for (const body of ['', '   \n ', 'x'.repeat(100 * 1024), 'z'.repeat(5001)]) {
			await supporter.get(page);
			const r = await supporter.post(`${page}/comments`, { body });
			assert.equal(r.status, 422, `comment of ${body.length}`);
			assert.match(formErrors(r.text).body ?? '', body.trim() ? /trop long/ : /vide/);
			assert.match(r.text, /id="f-body"[^>]*aria-invalid="true"/);
		}
		assert.deepEqual(snapshot(id), before);
		let r = await act(supporter, page, `${page}/comments`, { body: 'Excellente idée : à Lyon nous sommes vingt à attendre ce guichet.' });
		assert.equal(r.status, 303);
		assert.equal(told('author@example.org', 'proposal.commented'), 1);
		r = await act(author, page, `${page}/comments`, { body: 'Merci ! Je peux préciser le circuit.' });
		assert.equal(r.status, 303);
		assert.equal(told('author@example.org', 'proposal.commented'), 1, 'not told of one\'s own comment');
		const shown = await new Client(srv.url).get(page);
		assert.match(shown.text, /à Lyon nous sommes vingt/);
		assert.match(shown.text, /Je peux préciser le circuit/);
		assert.match(shown.text, /Un membre de Kafaat/); // the supporter has no profile
	});

	test('only the programme team answers: coordinators, advisors, institutions and experts get 403', async () => {
		const before = snapshot(id);
		for (const [name, c] of [['coordinator', coordinator], ['advisor', advisor], ['owner', owner], ['member', member], ['expert', supporter], ['author', author]]) {
			assert.equal((await c.get(`/fr/admin/proposals/${id}`)).status, 403, `${name} reads the answer form`);
			await c.get(page);
			assert.equal((await c.post(`/fr/admin/proposals/${id}`, { status: 'adopted', answer: 'Oui' })).status, 403, `${name} answers`);
			assert.equal((await c.get('/fr/admin/proposals')).status, 403, `${name} reads the queue`);
		}
		const anon = await new Client(srv.url).get(`/fr/admin/proposals/${id}`);
		assert.equal(anon.status, 303);
		assert.deepEqual(snapshot(id), before);
	});

	test('answered "under study", then "not retained" with its reason; the author told each time', async () => {
		const form = `/fr/admin/proposals/${id}`;
		let before = snapshot(id);
		// a decision without its reason: 422 by the field, nothing changed
		let r = await act(admin, form, form, { status: 'not_retained', answer: '  ' });
		assert.equal(r.status, 422);
		assert.match(formErrors(r.text).answer, /réponse motivée est obligatoire/);
		r = await admin.post(form, { status: 'adopted', answer: '' });
		assert.equal(r.status, 422);
		r = await admin.post(form, { status: 'abandonnée', answer: 'x' });
		assert.equal(r.status, 422);
		assert.match(formErrors(r.text).status, /statut de la liste/);
		r = await admin.post(form, { status: 'received', answer: 'x' });
		assert.equal(r.status, 409);
		assert.match(formErrors(r.text).status, /ne peut pas suivre/);
		assert.deepEqual(snapshot(id), before);

		r = await admin.post(form, { status: 'under_study', answer: 'Nous étudions la faisabilité avec le ministère.' });
		assert.equal(r.status, 303);
		assert.equal(statusOf(id), 'under_study');
		assert.equal(told('author@example.org', 'proposal.answered'), 1);
		// under study again: not in the table → 409, nothing changed
		before = snapshot(id);
		r = await act(admin, form, form, { status: 'under_study', answer: 'encore' });
		assert.equal(r.status, 409);
		assert.deepEqual(snapshot(id), before);

		r = await admin.post(form, { status: 'not_retained', answer: 'Un guichet existe déjà : le portail MRE du ministère.' });
		assert.equal(r.status, 303);
		assert.equal(statusOf(id), 'not_retained');
		assert.equal(told('author@example.org', 'proposal.answered'), 2);
		// final: nothing may follow
		before = snapshot(id);
		r = await act(admin, form, form, { status: 'adopted', answer: 'Finalement oui' });
		assert.equal(r.status, 409);
		assert.deepEqual(snapshot(id), before);

		// the dated history, public, latest first; the status is the latest answer
		const pub = await new Client(srv.url).get(page);
		assert.match(pub.text, /id="p-status">Non retenue</);
		const history = [...pub.text.matchAll(/data-status="([a-z_]+)"/g)].map((m) => m[1]);
		assert.deepEqual(history, ['not_retained', 'under_study']);
		assert.match(pub.text, /Un guichet existe déjà : le portail MRE du ministère\./);
		assert.match(pub.text, /Nous étudions la faisabilité/);
		assert.match(pub.text, /15 janvier 2027/);
		assert.equal(one(`SELECT COUNT(*) FROM audit_log WHERE action = 'proposal_answered' AND target_id = '${id}'`), '2');
		// the author's inbox lists every step
		const inbox = await author.get('/fr/inbox');
		assert.match(inbox.text, /Votre proposition « Un guichet unique pour les médecins de la diaspora » est bien reçue/);
		assert.match(inbox.text, /Non retenue/);
		assert.match(inbox.text, /À l&#39;étude|À l'étude/);
		const mail = lastMailTo(srv.db, 'author@example.org', env);
		assert.match(mail, /le portail MRE du ministère/);
	});

	test('the programme team hides a comment and shows it again; nobody else may', async () => {
		const cid = one(`SELECT id FROM proposal_comments WHERE proposal_id = ${id} ORDER BY id LIMIT 1`);
		await coordinator.get(page);
		assert.equal((await coordinator.post(`/fr/admin/proposal-comments/${cid}`, { action: 'hide' })).status, 403);
		assert.equal((await author.post(`/fr/admin/proposal-comments/${cid}`, { action: 'hide' })).status, 403);
		assert.equal(one(`SELECT COUNT(*) FROM proposal_comments WHERE id = ${cid} AND hidden_at IS NULL`), '1');
		await admin.get(`/fr/admin/proposals/${id}`);
		let r = await admin.post(`/fr/admin/proposal-comments/${cid}`, { action: 'hide' });
		assert.equal(r.status, 303);
		const pub = await new Client(srv.url).get(page);
		assert.doesNotMatch(pub.text, /à Lyon nous sommes vingt/);
		assert.match(pub.text, /Commentaire masqué par l'équipe du programme|Commentaire masqué par l&#39;équipe du programme/);
		assert.match((await admin.get(`/fr/admin/proposals/${id}`)).text, /à Lyon nous sommes vingt/);
		r = await admin.post(`/fr/admin/proposal-comments/${cid}`, { action: 'show' });
		assert.equal(r.status, 303);
		assert.match((await new Client(srv.url).get(page)).text, /à Lyon nous sommes vingt/);
		assert.equal((await admin.post('/fr/admin/proposal-comments/99999999', { action: 'hide' })).status, 404);
	});
});

describe('the author as their consent allows', () => {
	test('an expert who consented to nothing shows as "an expert of the diaspora", to others only', async () => {
		const id = await submit(shy, { title: 'Des bourses pour les internes', sector: 'education' });
		for (const c of [new Client(srv.url), supporter, admin]) {
			const r = await c.get(`/fr/proposals/${id}`);
			assert.doesNotMatch(r.text, /Karim/);
			assert.match(r.text, /Un expert de la diaspora/);
		}
		assert.match((await shy.get(`/fr/proposals/${id}`)).text, /Karim Discret/);
		assert.doesNotMatch((await new Client(srv.url).get('/fr/proposals')).text, /Karim/);
	});

	test('unknown ids are 404', async () => {
		assert.equal((await new Client(srv.url).get('/fr/proposals/123456789')).status, 404);
		assert.equal((await admin.get('/fr/admin/proposals/123456789')).status, 404);
		await supporter.get('/fr/proposals');
		assert.equal((await supporter.post('/fr/proposals/123456789/support', {})).status, 404);
	});
});

describe('the list', () => {
	test('filters by sector and status, sorted by supports or date, pages without script', async () => {
		const anon = new Client(srv.url);
		let r = await anon.get('/fr/proposals?sector=education');
		assert.match(r.text, /Des bourses pour les internes/);
		assert.doesNotMatch(r.text, /Un guichet unique/);
		r = await anon.get('/fr/proposals?status=not_retained');
		assert.match(r.text, /Un guichet unique/);
		assert.doesNotMatch(r.text, /Des bourses pour les internes/);
		r = await anon.get('/fr/proposals?sector=programme');
		assert.doesNotMatch(r.text, /Un guichet unique|Des bourses/);
		r = await anon.get('/fr/proposals?sort=supports');
		assert.ok(r.text.indexOf('Un guichet unique') < r.text.indexOf('Des bourses pour les internes'), 'the most supported first');
		r = await anon.get('/fr/proposals?sort=date');
		assert.ok(r.text.indexOf('Des bourses pour les internes') < r.text.indexOf('Un guichet unique'), 'the newest first');
		for (let i = 0; i < 21; i++) await submit(author, { title: `Série numéro ${String(i).padStart(2, '0')}`, sector: 'digital' });
		r = await anon.get('/fr/proposals?sector=digital');
		assert.equal([...r.text.matchAll(/Série numéro/g)].length, 20);
		assert.match(r.text, /id="page-next"/);
		const next = decodeHtml(/href="([^"]+)" rel="next"/.exec(r.text)[1]);
		r = await anon.get(next);
		assert.equal([...r.text.matchAll(/Série numéro/g)].length, 1);
		assert.match(r.text, /Série numéro 00/);
		assert.match(r.text, /id="page-prev"/);
		// values it does not know are set aside
		r = await anon.get('/fr/proposals?sector=astrologie&status=peut-etre&sort=hasard');
		assert.equal(r.status, 200);
	});
});

describe('erasure', () => {
	test('an erased expert leaves no proposal, support or comment', async () => {
		const c = await newExpert('leaving@example.org');
		const own = await submit(c, { title: 'Une proposition qui partira avec moi', sector: 'tourism' });
		const other = one(`SELECT id FROM proposals WHERE title = 'Des bourses pour les internes'`);
		assert.equal((await act(c, `/fr/proposals/${other}`, `/fr/proposals/${other}/support`)).status, 303);
		assert.equal((await act(c, `/fr/proposals/${other}`, `/fr/proposals/${other}/comments`, { body: 'Je soutiens.' })).status, 303);
		const me = userId('leaving@example.org');
		await c.get('/fr/profile/delete');
		const gone = await c.post('/fr/profile/delete', { password: PW });
		assert.ok([200, 303].includes(gone.status), `erasure: ${gone.status}`);
		assert.equal(one(`SELECT COUNT(*) FROM proposals WHERE id = ${own}`), '0');
		assert.equal(one(`SELECT COUNT(*) FROM proposal_supports WHERE user_id = ${me}`), '0');
		assert.equal(one(`SELECT COUNT(*) FROM proposal_comments WHERE author_id = ${me}`), '0');
		assert.equal(one(`SELECT COUNT(*) FROM proposals WHERE id = ${other}`), '1');
	});
});

describe('nobody waits in silence', () => {
	test('a proposal still "received" after proposals.answer_days is flagged once, listed first, the team told once', async () => {
		const t0 = Number(one(`SELECT COUNT(*) FROM notifications WHERE kind = 'proposal.overdue'`));
		const oldest = await submit(shy, { title: 'Oubliée dans la file', sector: 'water' });
		assert.equal(one(`SELECT COUNT(*) FROM proposals WHERE flagged_at IS NOT NULL`), '0');
		writeFileSync(clockFile, String(now + 40 * 86400));
		const flagged = () => Number(one(`SELECT COUNT(*) FROM proposals WHERE id = ${oldest} AND flagged_at IS NOT NULL`));
		for (let i = 0; i < 100 && flagged() === 0; i++) await new Promise((ok) => setTimeout(ok, 100));
		assert.equal(flagged(), 1);
		// sessions ended with the idle time: sign in again
		await signIn(shy, 'shy@example.org', PW);
		await signInWithCode(admin, 'admin@example.org', PW, admin.totpSecret, now + 40 * 86400);
		const adminId = userId('admin@example.org');
		const overdue = () => Number(one(`SELECT COUNT(*) FROM notifications WHERE user_id = ${adminId} AND kind = 'proposal.overdue' AND link = '/admin/proposals/${oldest}'`));
		assert.equal(overdue(), 1);
		// answered ones are never flagged
		assert.equal(one(`SELECT COUNT(*) FROM proposals WHERE status <> 'received' AND flagged_at IS NOT NULL`), '0');
		// the queue: flagged first (the oldest first among them), with the marker; a fresh
		// proposal after them
		const fresh = await submit(shy, { title: 'Toute fraîche', sector: 'water' });
		const q = await admin.get('/fr/admin/proposals');
		assert.equal(q.status, 200);
		const rows = [...q.text.matchAll(/<tr( class="table-warning")? data-id="(\d+)">/g)].map((m) => ({ flagged: !!m[1], id: m[2] }));
		assert.ok(rows.length > 2);
		assert.ok(rows[0].flagged, 'the first row is flagged');
		assert.equal(rows.at(-1).id, fresh);
		assert.equal(rows.at(-1).flagged, false);
		assert.ok(rows.some((r) => r.id === oldest && r.flagged));
		assert.match(q.text, /En attente trop longue/);
		// a later run (another node, another hour) does not flag or tell twice
		writeFileSync(clockFile, String(now + 42 * 86400));
		await new Promise((ok) => setTimeout(ok, 1500));
		assert.equal(overdue(), 1);
		assert.ok(Number(one(`SELECT COUNT(*) FROM notifications WHERE kind = 'proposal.overdue'`)) >= t0 + 1);
	});
});
