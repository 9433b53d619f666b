// Network discussions and the public changelog over HTTP against a real
// server (SQLite, or PostgreSQL with TEST_PG_URL): a network's discussions
// are private to it (404 for outsiders), posting as a non-member is 403 with
// nothing saved; an empty, too long or 100 kB post is 422 by its field; a
// locked thread refuses replies (409); only coordinators of THIS network (and
// the programme team) hide, lock and resolve reports — a coordinator of
// another network gets 403 — each with its audit row; a hidden post shows
// "hidden by the coordinator" to members and its text to coordinators; one
// report per person per post; notifications reach followers only (not the
// replier, not who unfollowed, not who left), new threads reach who asked;
// an erased author's posts stay anonymous; threads and posts in pages; the
// changelog page in three languages and its Atom feed parsed as XML.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, editIdentity, enrolTotp, newAdmin, postFrom, signUp, sqlRows } from '../client.mjs';
import { root, startServer } from '../kafaat.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-discussions-'));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail') };
const PW = 'a long enough pass phrase 2026';
const NET = 'europe';
const BASE = `/en/networks/${NET}/discussions`;

let srv, adminC;
const who = {};

const sql = (text) => sqlRows(srv.db, text).join('\n');
const count = (text) => Number(sql(text));

// An expert with a name on their profile.
async function expert(name, email) {
	const c = await signUp(srv, env, email, PW, 'en');
	await editIdentity(c, { name, country: 'FR', city: 'Lyon', headline: `Engineer — ${name}` }, 'en');
	c.email = email;
	c.name = name;
	c.id = sql(`SELECT id FROM users WHERE email = '${email}'`);
	return c;
}

const step = postFrom;

const notes = (id, kind) => count(`SELECT COUNT(*) FROM notifications WHERE user_id = ${id} AND kind = '${kind}'`);
const threads = () => count(`SELECT COUNT(*) FROM discussion_threads WHERE network = '${NET}'`);
const posts = () => count(`SELECT COUNT(*) FROM discussion_posts p JOIN discussion_threads t ON t.id = p.thread_id WHERE t.network = '${NET}'`);
const audits = (action) => count(`SELECT COUNT(*) FROM audit_log WHERE action = '${action}'`);
const join = (c, slug) => step(c, `/en/networks/${slug}`, `/en/networks/${slug}/join`, {});
const appoint = (slug, c) => step(adminC, `/en/admin/networks/${slug}`, `/en/admin/networks/${slug}/coordinators`, { email: c.email, action: 'add' });

async function startThread(c, title, body) {
	const r = await step(c, `${BASE}/new`, `${BASE}/new`, { title, body });
	assert.equal(r.status, 303, `thread "${title}": ${r.status}`);
	return /discussions\/(\d+)\?done=posted$/.exec(r.location)[1];
}
const reply = (c, id, body) => step(c, `${BASE}/${id}`, `${BASE}/${id}/reply`, { body });
const postOf = (threadId, authorId) => sql(`SELECT id FROM discussion_posts WHERE thread_id = ${threadId} AND author_id = ${authorId} ORDER BY created_at, id LIMIT 1`);

before(async () => {
	srv = await startServer({ env });
	adminC = await newAdmin(srv, env, 'admin@example.org', PW, { lang: 'en' });
	who.amina = await expert('Amina Alaoui', 'amina@example.org');
	who.brahim = await expert('Brahim Bennani', 'brahim@example.org');
	who.farid = await expert('Farid Fassi', 'farid@example.org');
	who.chadia = await expert('Chadia Chraibi', 'chadia@example.org'); // coordinator of europe
	who.driss = await expert('Driss Doukkali', 'driss@example.org'); // coordinator of north-america, member of europe
	who.omar = await expert('Omar Outside', 'omar@example.org'); // in no network
	for (const c of [who.amina, who.brahim, who.farid, who.driss]) assert.equal((await join(c, NET)).status, 303);
	assert.equal((await appoint(NET, who.chadia)).status, 303);
	assert.equal((await appoint('north-america', who.driss)).status, 303);
	for (const c of [who.chadia, who.driss]) await enrolTotp(c, 'en');
});
after(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

describe('discussions', () => {
	test('private to the network: 404 for outsiders, sign in first for the anonymous', async () => {
		assert.equal((await new Client(srv.url).get(BASE)).status, 303);
		assert.equal((await who.omar.get(BASE)).status, 404);
		assert.equal((await who.omar.get(`${BASE}/new`)).status, 404);
		assert.equal((await who.omar.get(`${BASE}/reports`)).status, 404);
		assert.equal((await who.amina.get('/en/networks/nowhere/discussions')).status, 404);
		for (const c of [who.amina, who.chadia, who.driss, adminC]) {
			const r = await c.get(BASE);
			assert.equal(r.status, 200);
			assert.match(r.text, /id="no-threads"/);
		}
		// The network page links the discussions for those who may read them.
		assert.match((await who.amina.get(`/en/networks/${NET}`)).text, /id="discussions-link"/);
		assert.doesNotMatch((await who.omar.get(`/en/networks/${NET}`)).text, /id="discussions-link"/);
	});

	test('a non-member posting gets 403 with a clear message, nothing saved', async () => {
		await who.omar.get('/en/networks');
		let r = await who.omar.post(`${BASE}/new`, { title: 'Hello', body: 'I am not a member' });
		assert.equal(r.status, 403);
		assert.match(r.text, /Only members of this network may post in its discussions/);
		assert.equal(threads(), 0);
		const id = await startThread(who.amina, 'Welcome', 'First post');
		r = await who.omar.post(`${BASE}/${id}/reply`, { body: 'me too' });
		assert.equal(r.status, 403);
		assert.match(r.text, /Only members of this network/);
		assert.equal((await who.omar.get(`${BASE}/${id}`)).status, 404);
		// a coordinator of ANOTHER network who is not a member here: not a member
		r = await step(who.driss, '/en/networks/north-america', '/en/networks/north-america/discussions/new', { title: 'NA', body: 'ok' });
		assert.equal(r.status, 303, 'a coordinator posts in their own network');
		assert.equal(posts(), 1);
		sql(`DELETE FROM discussion_threads WHERE network = '${NET}'`);
	});

	test('bad input: empty, too long, 100 kB — 422 by the field, nothing saved', async () => {
		const cases = [
			[{ title: '', body: 'text' }, 'title', /Give the thread a title/],
			[{ title: 'x'.repeat(201), body: 'text' }, 'title', /one line of at most 200 characters/],
			[{ title: 'line\nbreak', body: 'text' }, 'title', /one line of at most 200 characters/],
			[{ title: 'Title', body: '' }, 'body', /Write your message/],
			[{ title: 'Title', body: '  \n ' }, 'body', /Write your message/],
			[{ title: 'Title', body: 'x'.repeat(5001) }, 'body', /at most 5,000 characters/],
			[{ title: 'Title', body: 'x'.repeat(100 * 1024) }, 'body', /at most 5,000 characters/],
		];
		for (const [form, field, message] of cases) {
			const r = await step(who.amina, `${BASE}/new`, `${BASE}/new`, form);
			assert.equal(r.status, 422, JSON.stringify(form).slice(0, 60));
			assert.match(r.text, new RegExp(`id="e-${field}"[^>]*>[^<]*`));
			assert.match(r.text, message);
		}
		assert.equal(threads(), 0);
		assert.equal(posts(), 0);
		// A reply: the same bounds, the thread page again with the message.
		const id = await startThread(who.amina, 'Bounds', 'ok');
		for (const body of ['', 'y'.repeat(100 * 1024)]) {
			const r = await reply(who.farid, id, body);
			assert.equal(r.status, 422);
			assert.match(r.text, /id="e-body"/);
		}
		// exactly 5,000 characters (Arabic, two bytes each) is accepted
		assert.equal((await reply(who.farid, id, 'ع'.repeat(5000))).status, 303);
		assert.equal(posts(), 2);
		// plain text: markup is shown, never interpreted
		assert.equal((await reply(who.farid, id, '<script>alert(1)</script>\nline two')).status, 303);
		const page = await who.amina.get(`${BASE}/${id}`);
		assert.match(page.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/p>\s*<p class="mb-1" dir="auto">line two/);
		assert.doesNotMatch(page.text, /<script>alert/);
		sql(`DELETE FROM discussion_threads WHERE network = '${NET}'`);
	});

	test('notifications reach followers only; new threads reach who asked', async () => {
		const before = (c, kind) => notes(c.id, kind);
		// Brahim asks for new threads; Farid does not.
		let r = await step(who.brahim, BASE, `${BASE}/watch`, { action: 'on' });
		assert.equal(r.status, 303);
		const b0 = before(who.brahim, 'discussion.new_thread'), f0 = before(who.farid, 'discussion.new_thread');
		const id = await startThread(who.amina, 'Retours d’expérience : missions courtes', 'Qui a déjà fait une mission de deux semaines ?');
		assert.equal(before(who.brahim, 'discussion.new_thread'), b0 + 1);
		assert.equal(before(who.farid, 'discussion.new_thread'), f0);
		assert.equal(before(who.amina, 'discussion.new_thread'), 0, 'not the author');
		// The author follows by default; Farid's reply reaches Amina, not Farid.
		const a0 = before(who.amina, 'discussion.reply');
		assert.equal((await reply(who.farid, id, 'Moi, à Rabat, en 2025.')).status, 303);
		assert.equal(before(who.amina, 'discussion.reply'), a0 + 1);
		assert.equal(before(who.farid, 'discussion.reply'), 0);
		assert.equal(before(who.brahim, 'discussion.reply'), 0, 'Brahim does not follow this thread');
		// Brahim replies: Amina and Farid (now following) are told.
		assert.equal((await reply(who.brahim, id, 'Et moi à Oujda.')).status, 303);
		assert.equal(before(who.amina, 'discussion.reply'), a0 + 2);
		assert.equal(before(who.farid, 'discussion.reply'), 1);
		assert.equal(before(who.brahim, 'discussion.reply'), 0);
		// Brahim unfollows; Farid leaves the network: Amina's reply reaches neither.
		r = await step(who.brahim, `${BASE}/${id}`, `${BASE}/${id}/follow`, { action: 'unfollow' });
		assert.equal(r.status, 303);
		assert.match(r.location, /done=unfollowed/);
		assert.equal((await step(who.farid, `/en/networks/${NET}`, `/en/networks/${NET}/leave`, {})).status, 303);
		assert.equal((await reply(who.amina, id, 'Merci à vous deux !')).status, 303);
		assert.equal(before(who.brahim, 'discussion.reply'), 0);
		assert.equal(before(who.farid, 'discussion.reply'), 1);
		// Replying again does not follow against Brahim's choice; following again does.
		assert.equal((await reply(who.brahim, id, 'Encore moi.')).status, 303);
		assert.equal(sql(`SELECT following FROM discussion_follows WHERE thread_id = ${id} AND user_id = ${who.brahim.id}`), '0');
		r = await step(who.brahim, `${BASE}/${id}`, `${BASE}/${id}/follow`, { action: 'follow' });
		assert.equal(r.status, 303);
		assert.match((await who.brahim.get(`${BASE}/${id}`)).text, /Unfollow this thread/);
		r = await step(who.brahim, `${BASE}/${id}`, `${BASE}/${id}/follow`, { action: 'maybe' });
		assert.equal(r.status, 422);
		assert.equal((await join(who.farid, NET)).status, 303);
		// Nobody outside the network was ever told.
		assert.equal(count(`SELECT COUNT(*) FROM notifications WHERE user_id = ${who.omar.id} AND kind LIKE 'discussion.%'`), 0);
		// Brahim stops new-thread notices.
		assert.equal((await step(who.brahim, BASE, `${BASE}/watch`, { action: 'off' })).status, 303);
		await startThread(who.amina, 'Another', 'text');
		assert.equal(before(who.brahim, 'discussion.new_thread'), b0 + 1);
	});

	test('only coordinators of THIS network (and admins) lock and unlock; a locked thread refuses replies', async () => {
		const id = await startThread(who.amina, 'To lock', 'text');
		// Driss coordinates another network and is a member here: 403.
		let r = await step(who.driss, `${BASE}/${id}`, `${BASE}/${id}/lock`, { action: 'lock' });
		assert.equal(r.status, 403);
		assert.match(r.text, /Only this network(&#39;|')s coordinators and the programme team moderate/);
		r = await step(who.amina, `${BASE}/${id}`, `${BASE}/${id}/lock`, { action: 'lock' });
		assert.equal(r.status, 403);
		await who.omar.get('/en/networks');
		assert.equal((await who.omar.post(`${BASE}/${id}/lock`, { action: 'lock' })).status, 403);
		assert.equal(sql(`SELECT locked FROM discussion_threads WHERE id = ${id}`), '0');
		const a0 = audits('discussion_thread_locked');
		r = await step(who.chadia, `${BASE}/${id}`, `${BASE}/${id}/lock`, { action: 'lock' });
		assert.equal(r.status, 303);
		assert.equal(sql(`SELECT locked FROM discussion_threads WHERE id = ${id}`), '1');
		assert.equal(audits('discussion_thread_locked'), a0 + 1);
		r = await step(who.chadia, `${BASE}/${id}`, `${BASE}/${id}/lock`, { action: 'lock' });
		assert.equal(r.status, 409, 'twice');
		const n = posts();
		r = await reply(who.farid, id, 'too late');
		assert.equal(r.status, 409);
		assert.match(r.text, /This thread is locked: it takes no more replies/);
		assert.equal(posts(), n);
		assert.match((await who.farid.get(`${BASE}/${id}`)).text, /id="locked-note"/);
		// The programme team may unlock any network's thread.
		r = await step(adminC, `${BASE}/${id}`, `${BASE}/${id}/lock`, { action: 'unlock' });
		assert.equal(r.status, 303);
		assert.equal(audits('discussion_thread_unlocked'), 1);
		assert.equal((await reply(who.farid, id, 'now it works')).status, 303);
		r = await step(who.chadia, `${BASE}/${id}`, `${BASE}/${id}/lock`, { action: 'delete' });
		assert.equal(r.status, 422);
	});

	test('hiding a post: a reason, the author told, "hidden" for members, the text for coordinators', async () => {
		const id = await startThread(who.amina, 'To moderate', 'opening');
		assert.equal((await reply(who.farid, id, 'An offensive remark')).status, 303);
		const post = postOf(id, who.farid.id);
		const url = `${BASE}/posts/${post}/moderate`;
		let r = await step(who.driss, `${BASE}/${id}`, url, { action: 'hide', reason: 'no' });
		assert.equal(r.status, 403, 'a coordinator of another network');
		r = await step(who.chadia, `${BASE}/${id}`, url, { action: 'hide', reason: '' });
		assert.equal(r.status, 422);
		assert.match(r.text, /Give the reason for hiding the post/);
		assert.equal(sql(`SELECT hidden FROM discussion_posts WHERE id = ${post}`), '0');
		const f0 = notes(who.farid.id, 'discussion.post_hidden');
		r = await step(who.chadia, `${BASE}/${id}`, url, { action: 'hide', reason: 'Insulting another member' });
		assert.equal(r.status, 303);
		assert.equal(notes(who.farid.id, 'discussion.post_hidden'), f0 + 1);
		assert.equal(audits('discussion_post_hidden'), 1);
		const member = await who.amina.get(`${BASE}/${id}`);
		assert.match(member.text, new RegExp(`id="p-${post}"[^]*Hidden by the coordinator\\.`));
		assert.doesNotMatch(member.text, /An offensive remark/);
		const coord = await who.chadia.get(`${BASE}/${id}`);
		assert.match(coord.text, /An offensive remark/);
		assert.match(coord.text, /Insulting another member/);
		assert.match((await adminC.get(`${BASE}/${id}`)).text, /An offensive remark/);
		r = await step(who.chadia, `${BASE}/${id}`, url, { action: 'hide', reason: 'again' });
		assert.equal(r.status, 409);
		r = await step(who.chadia, `${BASE}/${id}`, url, { action: 'unhide' });
		assert.equal(r.status, 303);
		assert.equal(audits('discussion_post_unhidden'), 1);
		assert.match((await who.amina.get(`${BASE}/${id}`)).text, /An offensive remark/);
		// a post of another network's thread is not found here
		const na = sql(`SELECT p.id FROM discussion_posts p JOIN discussion_threads t ON t.id = p.thread_id WHERE t.network = 'north-america' LIMIT 1`);
		assert.ok(na, 'the thread of north-america');
		assert.equal((await step(who.chadia, BASE, `${BASE}/posts/${na}/moderate`, { action: 'hide', reason: 'x' })).status, 404);
	});

	test('reports: once per person per post, the coordinators told, resolved by them only', async () => {
		const id = await startThread(who.amina, 'To report', 'opening');
		assert.equal((await reply(who.brahim, id, 'Buy cheap watches at example.com')).status, 303);
		const post = postOf(id, who.brahim.id);
		const url = `${BASE}/posts/${post}/report`;
		const c0 = notes(who.chadia.id, 'discussion.reported');
		let r = await step(who.amina, `${BASE}/${id}`, url, { reason: 'nonsense' });
		assert.equal(r.status, 422);
		assert.match(r.text, /Choose the reason for the report/);
		r = await step(who.brahim, `${BASE}/${id}`, url, { reason: 'spam' });
		assert.equal(r.status, 422);
		assert.match(r.text, /cannot report your own post/);
		await who.omar.get('/en/networks');
		assert.equal((await who.omar.post(url, { reason: 'spam' })).status, 403);
		r = await step(who.amina, `${BASE}/${id}`, url, { reason: 'spam', note: 'Advertising' });
		assert.equal(r.status, 303);
		assert.equal(notes(who.chadia.id, 'discussion.reported'), c0 + 1);
		r = await step(who.amina, `${BASE}/${id}`, url, { reason: 'insult' });
		assert.equal(r.status, 409);
		assert.match(r.text, /You already reported this post/);
		assert.equal(count(`SELECT COUNT(*) FROM discussion_reports WHERE post_id = ${post}`), 1);
		assert.equal((await step(who.farid, `${BASE}/${id}`, url, { reason: 'off_topic' })).status, 303);
		// The queue: coordinators of this network only.
		assert.equal((await who.driss.get(`${BASE}/reports`)).status, 403);
		assert.equal((await who.amina.get(`${BASE}/reports`)).status, 403);
		const queue = await who.chadia.get(`${BASE}/reports`);
		assert.equal(queue.status, 200);
		assert.match(queue.text, /Buy cheap watches/);
		assert.match(queue.text, /Spam or advertising/);
		assert.match((await who.chadia.get(BASE)).text, /Reports to review: 2/);
		const report = sql(`SELECT id FROM discussion_reports WHERE post_id = ${post} ORDER BY id LIMIT 1`);
		r = await step(who.driss, `/en/networks/${NET}`, `${BASE}/reports/${report}`, { decision: 'dismiss' });
		assert.equal(r.status, 403);
		r = await step(who.chadia, `${BASE}/reports`, `${BASE}/reports/${report}`, { decision: 'maybe' });
		assert.equal(r.status, 422);
		const b0 = notes(who.brahim.id, 'discussion.post_hidden');
		r = await step(who.chadia, `${BASE}/reports`, `${BASE}/reports/${report}`, { decision: 'hide' });
		assert.equal(r.status, 303);
		assert.equal(count(`SELECT COUNT(*) FROM discussion_reports WHERE post_id = ${post} AND state = 'hidden'`), 2);
		assert.equal(sql(`SELECT hidden FROM discussion_posts WHERE id = ${post}`), '1');
		assert.equal(sql(`SELECT hidden_reason FROM discussion_posts WHERE id = ${post}`), 'Spam or advertising');
		assert.equal(notes(who.brahim.id, 'discussion.post_hidden'), b0 + 1);
		assert.equal(audits('discussion_report_resolved'), 1);
		r = await step(who.chadia, `${BASE}/reports`, `${BASE}/reports/${report}`, { decision: 'dismiss' });
		assert.equal(r.status, 409, 'already resolved');
		// A dismissal leaves the post as it was.
		assert.equal((await reply(who.farid, id, 'A fair remark')).status, 303);
		const fair = postOf(id, who.farid.id);
		assert.equal((await step(who.amina, `${BASE}/${id}`, `${BASE}/posts/${fair}/report`, { reason: 'other' })).status, 303);
		const second = sql(`SELECT id FROM discussion_reports WHERE post_id = ${fair}`);
		assert.equal((await step(adminC, `${BASE}/reports`, `${BASE}/reports/${second}`, { decision: 'dismiss' })).status, 303);
		assert.equal(sql(`SELECT hidden FROM discussion_posts WHERE id = ${fair}`), '0');
		assert.equal(sql(`SELECT state FROM discussion_reports WHERE id = ${second}`), 'dismissed');
		assert.match((await who.chadia.get(`${BASE}/reports`)).text, /id="no-reports"/);
	});

	test('an erased account: its posts stay, anonymous; its reports, follows and watching go', async () => {
		const zora = await expert('Zora Zerhouni', 'zora@example.org');
		assert.equal((await join(zora, NET)).status, 303);
		const id = await startThread(zora, 'From Zora', 'A post by Zora');
		assert.equal((await step(zora, BASE, `${BASE}/watch`, { action: 'on' })).status, 303);
		assert.equal((await reply(who.amina, id, 'Answer to Zora')).status, 303);
		const answer = postOf(id, who.amina.id);
		assert.equal((await step(zora, `${BASE}/${id}`, `${BASE}/posts/${answer}/report`, { reason: 'other' })).status, 303);
		for (const t of ['discussion_follows', 'discussion_watchers', 'discussion_reports'])
			assert.equal(count(`SELECT COUNT(*) FROM ${t} WHERE ${t === 'discussion_reports' ? 'reporter_id' : 'user_id'} = ${zora.id}`), 1, t);
		await zora.get('/en/profile/delete');
		assert.equal((await zora.post('/en/profile/delete', { password: PW })).status, 200);
		assert.equal(count(`SELECT COUNT(*) FROM users WHERE id = ${zora.id}`), 0);
		for (const t of ['discussion_follows', 'discussion_watchers', 'discussion_reports'])
			assert.equal(count(`SELECT COUNT(*) FROM ${t} WHERE ${t === 'discussion_reports' ? 'reporter_id' : 'user_id'} = ${zora.id}`), 0, t);
		assert.equal(count(`SELECT COUNT(*) FROM discussion_posts WHERE thread_id = ${id} AND author_id IS NULL`), 1);
		const page = await who.amina.get(`${BASE}/${id}`);
		assert.match(page.text, /A former member/);
		assert.match(page.text, /A post by Zora/);
		assert.doesNotMatch(page.text, /Zora Zerhouni/);
	});

	test('threads by last activity and posts in pages', async () => {
		sql(`DELETE FROM discussion_threads WHERE network = '${NET}'`);
		const values = [];
		for (let i = 1; i <= 23; i++) {
			const day = String(i).padStart(2, '0');
			values.push(`(${9000 + i}, '${NET}', ${who.amina.id}, 'Thread ${day}', 1, '2026-01-${day}T10:00:00Z', '2026-01-${day}T10:00:00Z')`);
		}
		sql(`INSERT INTO discussion_threads (id, network, author_id, title, post_count, created_at, last_post_at) VALUES ${values.join(', ')}`);
		let r = await who.amina.get(BASE);
		assert.match(r.text, /Threads: 23/);
		const titles = (text) => [...text.matchAll(/>Thread (\d\d)</g)].map((m) => m[1]);
		assert.deepEqual(titles(r.text), Array.from({ length: 20 }, (_, i) => String(23 - i).padStart(2, '0')));
		assert.match(r.text, /Page 1 of 2/);
		r = await who.amina.get(`${BASE}?page=2`);
		assert.deepEqual(titles(r.text), ['03', '02', '01']);
		assert.equal((await who.amina.get(`${BASE}?page=0`)).status, 400);
		// A reply moves its thread first.
		assert.equal((await reply(who.farid, 9001, 'up')).status, 303);
		r = await who.amina.get(BASE);
		assert.equal(titles(r.text)[0], '01');
		// Posts: 30 on a page, oldest first; a reply lands on the last page.
		const id = 9002;
		const rows = [];
		for (let i = 1; i <= 31; i++)
			rows.push(`(${9100 + i}, ${id}, ${who.brahim.id}, 'Post number ${i} here', '2026-02-01T10:${String(i).padStart(2, '0')}:00Z')`);
		sql(`INSERT INTO discussion_posts (id, thread_id, author_id, body, created_at) VALUES ${rows.join(', ')}`);
		sql(`UPDATE discussion_threads SET post_count = 31 WHERE id = ${id}`);
		r = await who.amina.get(`${BASE}/${id}`);
		assert.match(r.text, /Post number 1 here/);
		assert.match(r.text, /Post number 30 here/);
		assert.doesNotMatch(r.text, /Post number 31 here/);
		r = await reply(who.amina, id, 'the last word');
		assert.equal(r.status, 303);
		assert.match(r.location, /\?page=2&done=replied#p-\d+$/);
		r = await who.amina.get(`${BASE}/${id}?page=2`);
		assert.match(r.text, /Post number 31 here[^]*the last word/);
		assert.match(r.text, /Page 2 of 2/);
		assert.equal((await who.amina.get(`${BASE}/99999999`)).status, 404);
	});
});

describe('changelog', () => {
	const rows = readFileSync(path.join(root, 'data/changelog.tsv'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).slice(1);

	test('loaded by migrate: every row of data/changelog.tsv', () => {
		assert.ok(rows.length >= 10);
		assert.equal(count(`SELECT COUNT(*) FROM changelog`), rows.length);
	});

	test('the page in each language, newest version first, linked from the footer', async () => {
		const anon = new Client(srv.url);
		for (const [l, col] of [['ar', 4], ['fr', 5], ['en', 6]]) {
			const r = await anon.get(`/${l}/changelog`);
			assert.equal(r.status, 200);
			for (const row of rows) {
				const text = row.split('\t')[col].replace(/&/g, '&amp;').replace(/'/g, '&#39;').replace(/"/g, '&quot;');
				assert.ok(r.text.includes(text), `${l}: ${text.slice(0, 40)}`);
			}
			assert.match(r.text, new RegExp(`href="/${l}/changelog" id="changelog-link"`));
			assert.match(r.text, new RegExp(`href="/${l}/changelog.atom"`));
		}
		const en = (await anon.get('/en/changelog')).text;
		assert.ok(en.indexOf('id="v-0.2.0-') < en.indexOf('id="v-0.1.0-'), 'newest first');
		assert.match((await anon.get('/ar/changelog')).text, /dir="rtl"[^]*سجل التغييرات/);
	});

	test('the Atom feed is valid XML with one entry per version', async () => {
		const r = await new Client(srv.url).get('/fr/changelog.atom');
		assert.equal(r.status, 200);
		assert.match(r.headers.get('content-type'), /^application\/atom\+xml/);
		const check = spawnSync('python3', ['-c', `
import sys, xml.etree.ElementTree as ET
A = '{http://www.w3.org/2005/Atom}'
feed = ET.fromstring(sys.stdin.buffer.read())
assert feed.tag == A + 'feed', feed.tag
for tag in ('id', 'title', 'updated', 'author'):
    assert feed.find(A + tag) is not None, tag
entries = feed.findall(A + 'entry')
for e in entries:
    for tag in ('id', 'title', 'updated', 'content'):
        assert e.find(A + tag) is not None and (e.find(A + tag).text or tag == 'content'), tag
    assert e.find(A + 'link').get('href').startswith('http')
print(len(entries), '|'.join(e.find(A + 'title').text for e in entries))
`], { input: r.text, encoding: 'utf8' });
		assert.equal(check.status, 0, check.stderr);
		const out = check.stdout.trim(), n = out.slice(0, out.indexOf(' ')), titles = out.slice(out.indexOf(' ') + 1);
		const versions = new Set(rows.map((row) => row.split('\t').slice(1, 3).join(' ')));
		assert.equal(Number(n), versions.size);
		assert.match(titles, /^Version 0\.2\.0/);
		assert.ok(r.text.includes('Des discussions dans chaque réseau'));
	});
});
