// Search and networks: a member of a network finds the directory plus the
// peers of their networks who consented to be seen by network peers; the
// network filter searches a roster (peer consent only) and is open to that
// network's members, never to the public (membership is shown to peers
// only); the network facet is shown only where membership may be seen.
// Memberships are written with SQL here (the network pages have their own
// tests); the index learns of them through the change log, as it would of
// any other process's write.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client, lastMailTo, linkIn } from '../client.mjs';
import { kafaat, startServer } from '../kafaat.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-search-net-'));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail') };
const PW = 'une phrase assez longue 2027';
const pgUrl = process.env.TEST_PG_URL;
const today = new Date().toISOString().slice(0, 10);

function sql(db, text) {
	const [cmd, args] = pgUrl ? ['psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', db, '-c', text]]
		: ['sqlite3', ['-bail', db, text]];
	const r = spawnSync(cmd, args, { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
	return r.stdout.trim();
}

function expert(ref, name, consent) {
	return {
		ref, email: `${ref}@example.org`, lang: 'fr', name, country: 'FR', city: 'Lyon',
		headline: 'Ingénieure en hydraulique', languages: [{ code: 'fr', level: 'C2' }],
		sectors: ['water'], skills: [{ name: 'Hydraulique', level: 4 }],
		consent: { programme: true, institutions: true, statistics: true, networks: false, directory: false, ...consent },
		confirmed_at: today,
	};
}

const roster = [
	expert('peer-eu', 'Amal Peer', { networks: true }),          // europe, peers only
	expert('dir-eu', 'Badr Directory', { directory: true }),     // europe, directory only
	expert('peer-sg', 'Chama Singapore', { networks: true }),    // singapore, peers only
	expert('dir-none', 'Driss Nowhere', { directory: true }),    // no network
];

let srv, viewer;

async function signUp(email) {
	const c = new Client(srv.url);
	await c.get('/fr/signup');
	await c.post('/fr/signup', { email, password: PW, password2: PW, lang: 'fr', adult: 'yes', notice: 'yes' });
	await c.get(linkIn(lastMailTo(srv.db, email, env), '/verify\\?token='));
	await c.get('/fr/signin');
	const r = await c.post('/fr/signin', { email, password: PW });
	assert.equal(r.status, 303);
	return c;
}

// network_members rows, then one change-log row per person so that the
// running server's index reloads them.
function join(email, network) {
	const id = sql(srv.db, `SELECT id FROM users WHERE email = '${email}'`);
	sql(srv.db, `INSERT INTO network_members (network, user_id, state, requested_at, joined_at) VALUES ('${network}', ${id}, 'member', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')`);
	sql(srv.db, `INSERT INTO index_changes (seq, kind, ref_id, at) SELECT COALESCE(MAX(seq), 0) + 1, 'expert', ${id}, '${new Date().toISOString().slice(0, 19)}Z' FROM index_changes`);
}

async function search(c, q) {
	const r = c ? await c.get(`/api/v1/experts?${q}`) : await fetch(`${srv.url}/api/v1/experts?${q}`);
	const body = c ? JSON.parse(r.text) : await r.json();
	return { status: r.status, body, names: (body.results || []).map((e) => e.name).sort() };
}

before(async () => {
	srv = await startServer({ env });
	const file = path.join(tmp, 'roster.jsonl');
	writeFileSync(file, roster.map((e) => JSON.stringify(e)).join('\n') + '\n');
	const r = kafaat(['import', 'experts', file, '--db', srv.db, '--consent-from-file'], env);
	assert.equal(r.status, 0, r.stderr);
	viewer = await signUp('viewer@example.org');
	join('peer-eu@example.org', 'europe');
	join('dir-eu@example.org', 'europe');
	join('peer-sg@example.org', 'singapore');
	join('viewer@example.org', 'europe');
	for (let i = 0; i < 100 && (await search(viewer, 'q=hydraulique')).names.length !== 3; i++)
		await new Promise((ok) => setTimeout(ok, 50));
});
after(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

test('the public sees the directory only, and may not filter by network', async () => {
	const all = await search(null, 'q=hydraulique');
	assert.deepEqual(all.names, ['Badr Directory', 'Driss Nowhere']);
	assert.deepEqual(all.body.facets.network, [], 'membership is not shown to the public');
	const net = await search(null, 'q=hydraulique&network=europe');
	assert.equal(net.status, 400);
	assert.equal(net.body.error.field, 'network');
	const page = await fetch(`${srv.url}/en/experts?q=hydraulique&network=europe`);
	assert.equal(page.status, 422);
	assert.match(await page.text(), /Network/);
});

test('a member finds the directory and the peers of their own networks', async () => {
	const all = await search(viewer, 'q=hydraulique');
	assert.deepEqual(all.names, ['Amal Peer', 'Badr Directory', 'Driss Nowhere']);
	assert.deepEqual(all.body.facets.network, [], 'a directory-only member of europe is not revealed');
	// The peer's card shows more than the directory's (city: the peers' level).
	const id = all.body.results.find((e) => e.name === 'Amal Peer').id;
	const card = await viewer.get(`/fr/experts/${id}`);
	assert.equal(card.status, 200);
	assert.match(card.text, /Lyon/);
	assert.equal((await fetch(`${srv.url}/fr/experts/${id}`)).status, 404);
});

test('filtering by network searches its roster: peer consent only, own networks only', async () => {
	const eu = await search(viewer, 'q=hydraulique&network=europe');
	assert.equal(eu.status, 200);
	assert.deepEqual(eu.names, ['Amal Peer']);
	assert.deepEqual(eu.body.facets.network.map((v) => v.value), ['europe']);
	const sg = await search(viewer, 'q=hydraulique&network=singapore');
	assert.equal(sg.status, 400, 'not a member of singapore');
	const unknown = await search(viewer, 'q=hydraulique&network=atlantis');
	assert.equal(unknown.status, 400);
});
