// The partner API's conventions over HTTP, against a real server with the
// demo data: cursor pagination (signed cursors bound to their list and
// filters), limits and unknown parameters refused, errors in the language
// of Accept-Language, ETag and If-None-Match, rate limits per token or per
// address, tokens and their scopes (docs/API.md).
//
// With API_PRISM=1 (api_prism.test.mjs), every request goes through Prism,
// a proxy that validates requests and responses against the description
// the server publishes (/api/v1/openapi.json) and fails on any violation;
// only the requests the description itself rules out (a limit past its
// maximum, a word where a number goes) go straight to the server, to check
// that it refuses them too. API_PRISM_BREAK=1 alters the description first
// (a deliberate mismatch): the run must then fail.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, root, startServer } from '../kafaat.mjs';

const pgUrl = process.env.TEST_PG_URL;
let srv, prism, base;
before(async () => {
	srv = await startServer();
	base = srv.url;
	if (process.env.API_PRISM === '1') {
		prism = await startPrism(srv);
		base = prism.url;
	}
});
after(async () => { prism?.stop(); await srv.stop(); });

// ---- Helpers ------------------------------------------------------------------

// Prism in proxy mode in front of the server, with --errors: a request or
// a response that does not match the description becomes an error.
async function startPrism(server) {
	const description = await (await fetch(`${server.url}/api/v1/openapi.json`)).json();
	if (process.env.API_PRISM_BREAK === '1') // the answer says v1: the description now disagrees
		description.paths['/api/v1/meta'].get.responses['200'].content['application/json'].schema.properties.api.const = 'v2';
	const file = path.join(server.dir, 'openapi.json');
	writeFileSync(file, JSON.stringify(description));
	const port = await freePort();
	const child = spawn(path.join(root, 'scripts/node.sh'), [path.join(root, 'node_modules/.bin/prism'), 'proxy', file,
		server.url, '--errors', '--host', '127.0.0.1', '--port', String(port)], { cwd: server.dir, stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	await new Promise((ok, fail) => {
		const timer = setTimeout(() => fail(new Error(`prism did not start: ${out}`)), 60_000);
		const seen = (d) => { out += d; if (out.includes('Prism is listening')) { clearTimeout(timer); ok(); } };
		child.stdout.on('data', seen);
		child.stderr.on('data', seen);
		child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`prism exited ${code}: ${out}`)); });
	});
	return { url: `http://127.0.0.1:${port}`, stop() { child.kill('SIGTERM'); } };
}

// Fails on a violation Prism reports (its sl-violations header, or its
// problem document in place of the answer).
async function checked(r) {
	if (!prism) return r;
	const violations = r.headers.get('sl-violations');
	assert.equal(violations, null, `${r.url}: the description and the exchange disagree: ${violations}`);
	if (/problem\+json/.test(r.headers.get('content-type') ?? ''))
		assert.fail(`${r.url}: prism refused the exchange: ${await r.text()}`);
	return r;
}

function sqlOn(db, text) {
	const [cmd, args] = pgUrl ? ['psql', ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', db, '-c', text]]
		: ['sqlite3', ['-bail', '-cmd', '.timeout 10000', '-separator', '\t', db, text]];
	const r = spawnSync(cmd, args, { encoding: 'utf8' });
	assert.equal(r.status, 0, `${text}: ${r.stderr}`);
	return r.stdout.split('\n').filter((l) => l !== '');
}

let nextId = 7_000_000;
// A person with roles ([[role, scope]]) and an API token of scope; returns
// {id, token, tokenId}. Written straight into the database: the account
// pages that make tokens are tested by accounts.test.mjs.
function personWithToken(db, email, roles, scope, { expires = null } = {}) {
	const id = nextId++, tokenId = nextId++;
	const token = randomBytes(32).toString('base64url');
	const hash = createHash('sha256').update(token).digest('hex');
	const at = '2026-01-01T00:00:00Z';
	sqlOn(db, `INSERT INTO users (id, email, lang, status, created_at, updated_at) VALUES (${id}, '${email}', 'en', 'active', '${at}', '${at}')`);
	for (const [role, s] of roles)
		sqlOn(db, `INSERT INTO user_roles (user_id, role, scope, granted_at) VALUES (${id}, '${role}', '${s}', '${at}')`);
	sqlOn(db, `INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, created_at, expires_at) VALUES (${tokenId}, ${id}, 'test', '${hash}', '${scope}', '${at}', ${expires ? `'${expires}'` : 'NULL'})`);
	return { id, token, tokenId };
}

// A request the description allows (through Prism when it runs)...
const get = async (p, headers = {}) => checked(await fetch(base + p, { headers }));
// ...and one it rules out: straight to the server.
const direct = (p, headers = {}) => fetch(srv.url + p, { headers });
const bearer = (t) => ({ Authorization: `Bearer ${t}` });

describe('lists by cursor', () => {
	test('every published need once, page by page; the same without a limit', async () => {
		const ids = [];
		let pages = 0;
		for (let url = '/api/v1/needs?limit=2'; url; pages++) {
			const r = await get(url);
			assert.equal(r.status, 200);
			const j = await r.json();
			assert.equal(j.limit, 2);
			assert.ok(j.needs.length <= 2);
			ids.push(...j.needs.map((n) => n.id));
			assert.equal(j.cursor === null, j.next === null);
			if (j.next) assert.ok(j.next.includes(`cursor=${j.cursor}`) && j.next.includes('limit=2'));
			url = j.next;
		}
		const all = await (await get('/api/v1/needs')).json();
		assert.equal(all.total, 6);
		assert.equal(all.cursor, null);
		assert.deepEqual(ids, all.needs.map((n) => n.id));
		assert.equal(new Set(ids).size, 6);
		assert.equal(pages, 3);
		for (const n of all.needs) assert.match(n.published_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
	});

	test('a cursor from another list, other filters, or altered, is refused (400 bad_cursor)', async () => {
		const first = await (await get('/api/v1/needs?limit=2')).json();
		const c = first.cursor;
		for (const bad of [`/api/v1/needs?limit=2&presence=remote&cursor=${c}`, `/api/v1/experts?cursor=${c}`,
			`/api/v1/needs?limit=2&cursor=${c.slice(0, -2)}${c.endsWith('AA') ? 'AB' : 'AA'}`,
			`/api/v1/needs?cursor=${'A'.repeat(32)}`, '/api/v1/needs?cursor=not-a-cursor']) {
			const r = await get(bad); // a cursor is any short text to the description
			assert.equal(r.status, 400, bad);
			assert.deepEqual((await r.json()).error.code, 'bad_cursor');
		}
		// the limit may change between pages: the cursor is a position
		assert.equal((await get(`/api/v1/needs?limit=3&cursor=${c}`)).status, 200);
	});

	test('wrong types, bounds and unknown parameters: 400 naming the parameter', async () => {
		for (const [q, code, field] of [['limit=0', 'out_of_range', 'limit'], ['limit=101', 'out_of_range', 'limit'],
			['limit=ten', 'not_an_integer', 'limit'], ['colour=red', 'unknown_parameter', 'colour'],
			['limit=1&limit=2', 'repeated_parameter', 'limit'], ['sector=nowhere', 'bad_parameter', 'sector']]) {
			const ruledOut = /^limit/.test(q); // by the description's bounds and types
			const r = await (ruledOut ? direct : get)(`/api/v1/needs?${q}`);
			assert.equal(r.status, 400, q);
			const e = (await r.json()).error;
			assert.deepEqual([e.code, e.field], [code, field], q);
			assert.ok(e.message.includes(field) || code === 'bad_parameter', e.message);
		}
		const s = await get('/api/v1/experts?limit=3');
		assert.equal(s.status, 200);
		assert.equal((await s.json()).limit, 3);
	});
});

describe('errors', () => {
	test('in the language of Accept-Language, English by default; one envelope', async () => {
		const msgs = {};
		for (const [accept, lang] of [['ar', 'ar'], ['fr-FR,fr;q=0.9', 'fr'], ['de', 'en'], ['', 'en']]) {
			const r = await get('/api/v1/needs?colour=red', accept ? { 'Accept-Language': accept } : {});
			assert.equal(r.headers.get('content-language'), lang);
			const body = await r.json();
			assert.deepEqual(Object.keys(body), ['error']);
			assert.deepEqual(Object.keys(body.error).sort(), ['code', 'field', 'message']);
			msgs[lang] = body.error.message;
		}
		assert.match(msgs.ar, /[\u0600-\u06FF]/);
		assert.match(msgs.fr, /paramètre/);
		assert.match(msgs.en, /parameter/);
		const nf = await (await get('/api/v1/needs/999999', { 'Accept-Language': 'fr' })).json();
		assert.equal(nf.error.code, 'not_found');
		assert.equal(nf.error.field, null);
	});
});

describe('conditional reads', () => {
	test('ETag, then 304 without a body while nothing changed', async () => {
		for (const p of ['/api/v1/needs', '/api/v1/meta', '/api/v1/taxonomy/skills?q=cyber&lang=fr', '/api/v1/openapi.json']) {
			const r = await get(p);
			const tag = r.headers.get('etag');
			assert.match(tag, /^"[0-9a-f]{32}"$/, p);
			const again = await get(p, { 'If-None-Match': tag });
			assert.equal(again.status, 304, p);
			assert.equal(await again.text(), '');
			assert.equal((await get(p, { 'If-None-Match': `"x", W/${tag}` })).status, 304);
			assert.equal((await get(p, { 'If-None-Match': '"other"' })).status, 200);
		}
		const one = (await (await get('/api/v1/needs?limit=1')).json()).needs[0].id;
		const tag = (await get(`/api/v1/needs/${one}`)).headers.get('etag');
		sqlOn(srv.db, `UPDATE needs SET title = 'Titre changé' WHERE id = ${one}`);
		const changed = await get(`/api/v1/needs/${one}`, { 'If-None-Match': tag });
		assert.equal(changed.status, 200, 'a change gives a new representation');
		assert.notEqual(changed.headers.get('etag'), tag);
	});
});

describe('tokens', () => {
	test('/api/v1/me: who the token belongs to and its scopes; unknown, revoked or expired → 401', async () => {
		const p = personWithToken(srv.db, 'me@example.org', [['expert', '']], 'read_statistics');
		const r = await get('/api/v1/me', bearer(p.token));
		assert.equal(r.status, 200);
		assert.deepEqual(await r.json(), { id: p.id, email: 'me@example.org', lang: 'en', scopes: ['read_statistics'] });
		const old = personWithToken(srv.db, 'old@example.org', [], 'read_needs', { expires: '2020-01-01T00:00:00Z' });
		for (const t of [old.token, randomBytes(32).toString('base64url'), 'short']) {
			const x = await get('/api/v1/me', bearer(t));
			assert.equal(x.status, 401);
			assert.equal((await x.json()).error.code, 'unauthenticated');
		}
		sqlOn(srv.db, `UPDATE api_tokens SET revoked_at = '2026-01-02T00:00:00Z' WHERE id = ${p.tokenId}`);
		assert.equal((await get('/api/v1/me', bearer(p.token))).status, 401);
	});

	test('a token opens the API only, never the pages', async () => {
		const p = personWithToken(srv.db, 'pages@example.org', [['admin', '']], 'read_needs');
		const r = await fetch(`${srv.url}/en/admin/audit`, { headers: bearer(p.token), redirect: 'manual' });
		assert.equal(r.status, 303, 'treated as anonymous: to the sign-in page');
	});
});

describe('rate limits', () => {
	test('per token, or per address without one; 429 with Retry-After past the limit', async () => {
		// a frozen clock: the window of one minute cannot end during the test
		const clock = path.join(srv.dir, 'clock');
		writeFileSync(clock, '1800000030');
		const limited = await startServer({ env: { KAFAAT_API_RATE_LIMIT: '3', KAFAAT_TESTING_CLOCK_FILE: clock } });
		try {
			const seen = [];
			for (let i = 0; i < 4; i++) {
				const r = await fetch(`${limited.url}/api/v1/meta`);
				seen.push([r.status, r.headers.get('ratelimit-limit'), r.headers.get('ratelimit-remaining')]);
				if (r.status === 429) {
					assert.ok(Number(r.headers.get('retry-after')) >= 1);
					assert.equal(r.headers.get('ratelimit-reset'), '30');
					assert.equal((await r.json()).error.code, 'rate_limited');
				}
			}
			assert.deepEqual(seen, [[200, '3', '2'], [200, '3', '1'], [200, '3', '0'], [429, '3', '0']]);
			const p = personWithToken(limited.db, 'quota@example.org', [], 'read_needs');
			const withToken = await fetch(`${limited.url}/api/v1/meta`, { headers: bearer(p.token) });
			assert.equal(withToken.status, 200, 'a token has its own budget');
			assert.equal(withToken.headers.get('ratelimit-remaining'), '2');
			assert.equal((await fetch(`${limited.url}/healthz`)).status, 200, 'health checks are never limited');
		} finally {
			await limited.stop();
		}
	});
});
