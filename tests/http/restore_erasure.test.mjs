// A person erased after a backup was made stays erased when that backup is
// restored: `kafaat restore` re-applies the erasures the replaced database
// recorded — their named consultation answers too become anonymous again,
// under new ids. On SQLite, or PostgreSQL when TEST_PG_URL is set.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client, lastMailTo, linkIn } from '../client.mjs';
import { kafaat, startServer } from '../kafaat.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-reerase-'));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail') };
const PW = 'une phrase de passe assez longue';
let srv;
before(async () => { srv = await startServer({ env }); });
after(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

// -- local helpers (to move to client.mjs) --

function sql(text) {
	const [cmd, args] = process.env.TEST_PG_URL ? ['psql', ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', srv.db, '-c', text]]
		: ['sqlite3', ['-bail', '-cmd', '.timeout 10000', '-separator', '\t', srv.db, text]];
	const r = spawnSync(cmd, args, { encoding: 'utf8' });
	assert.equal(r.status, 0, `${text}: ${r.stderr}`);
	return r.stdout.split('\n').filter((l) => l !== '');
}

// -- end of local helpers --

async function expert(email) {
	const c = new Client(srv.url);
	await c.get('/fr/signup');
	await c.post('/fr/signup', { email, password: PW, password2: PW, lang: 'fr', adult: 'yes', notice: 'yes' });
	await c.get(linkIn(lastMailTo(srv.db, email), '/verify\\?token='));
	await c.get('/fr/signin');
	assert.equal((await c.post('/fr/signin', { email, password: PW })).status, 303);
	return c;
}

async function canSignIn(email) {
	const c = new Client(srv.url);
	await c.get('/fr/signin');
	return (await c.post('/fr/signin', { email, password: PW })).status === 303;
}

test('restoring a backup does not bring an erased person back', async () => {
	const leaving = await expert('leaving@example.org');
	await expert('staying@example.org');
	const file = path.join(tmp, 'before.backup');
	const b = kafaat(['backup', file, '--db', srv.db], env);
	assert.equal(b.status, 0, b.stderr);
	await leaving.get('/fr/profile/delete');
	assert.equal((await leaving.post('/fr/profile/delete', { password: PW })).status, 200);
	assert.equal(await canSignIn('leaving@example.org'), false);
	const r = kafaat(['restore', file, '--force', '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	assert.match(r.stdout, /1 erasure request\(s\) re-applied/);
	assert.equal(await canSignIn('leaving@example.org'), false, 'still erased');
	assert.equal(await canSignIn('staying@example.org'), true, 'the others are back');
	const v = kafaat(['audit', 'verify', '--db', srv.db], env);
	assert.equal(v.status, 0, v.stdout + v.stderr);
});

test('after a restore, the named consultation answer of an erased person is anonymous again', async () => {
	const leaving = await expert('respondent@example.org');
	const uid = sql("SELECT id FROM users WHERE email = 'respondent@example.org'")[0];
	// a published consultation the person answered in their name
	sql("INSERT INTO consultations (id, lang, title_fr, audience, opens_on, closes_on, state, created_at, updated_at) VALUES (7001, 'fr', 'Avis sur le programme', 'everyone', '2026-01-01', '2026-01-31', 'published', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')");
	sql("INSERT INTO consultation_questions (id, consultation_id, position, kind, prompt) VALUES (7002, 7001, 1, 'text', 'Une idée ?')");
	sql(`INSERT INTO consultation_participants (consultation_id, user_id) VALUES (7001, ${uid})`);
	sql(`INSERT INTO consultation_responses (id, consultation_id, user_id) VALUES (7003, 7001, ${uid})`);
	sql("INSERT INTO consultation_answers (response_id, question_id, answer_text) VALUES (7003, 7002, 'Des bourses pour les retours')");
	const file = path.join(tmp, 'consultation.backup');
	const b = kafaat(['backup', file, '--db', srv.db], env);
	assert.equal(b.status, 0, b.stderr);
	await leaving.get('/fr/profile/delete');
	assert.equal((await leaving.post('/fr/profile/delete', { password: PW })).status, 200);
	const state = () => sql(`SELECT (SELECT COUNT(*) FROM consultation_participants WHERE user_id = ${uid}) || ' ' || `
		+ "(SELECT COUNT(*) FROM consultation_responses WHERE consultation_id = 7001 AND user_id IS NULL AND id <> 7003) || ' ' || "
		+ "(SELECT COUNT(*) FROM consultation_responses WHERE consultation_id = 7001) || ' ' || "
		+ "(SELECT COUNT(*) FROM consultation_answers x JOIN consultation_responses r ON r.id = x.response_id WHERE r.consultation_id = 7001 AND x.answer_text = 'Des bourses pour les retours')")[0];
	// participations gone; the response anonymous, drawn again; the answer kept
	assert.equal(state(), '0 1 1 1');
	const r = kafaat(['restore', file, '--force', '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	assert.match(r.stdout, /1 erasure request\(s\) re-applied/);
	assert.equal(state(), '0 1 1 1', 'the same after the replay');
	assert.equal(await canSignIn('respondent@example.org'), false);
});
