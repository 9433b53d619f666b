// A person erased after a backup was made stays erased when that backup is
// restored: `kafaat restore` re-applies the erasures the replaced database
// recorded. On SQLite, or PostgreSQL when TEST_PG_URL is set.
import assert from 'node:assert/strict';
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
