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
import { Client, enrolTotp, linkIn } from '../client.mjs';
import { freePort, kafaat, root, startServer } from '../kafaat.mjs';

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

// Prism closes a connection idle for 5 s, and fetch may have picked it
// just then (the request never left): once more on a fresh one.
async function fetchOnce(url, init) {
	try {
		return await fetch(url, init);
	} catch (e) {
		if (!prism || e.cause?.code !== 'UND_ERR_SOCKET') throw e;
		return fetch(url, init);
	}
}

// A request the description allows (through Prism when it runs)...
const get = async (p, headers = {}) => checked(await fetchOnce(base + p, { headers }));
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

// ---- Writes and scopes --------------------------------------------------------

const send = async (method, p, body, headers = {}) => checked(await fetchOnce(base + p, {
	method, body, headers: { 'Content-Type': 'application/json', ...headers },
}));
const needBody = {
	title: 'Audit de sécurité du portail', description: 'Un audit externe.', mode: 'ponctuelle',
	presence: 'remote', dates: 'open', effort_days: 10, experts_wanted: 1, pay: 'pro_bono',
	covers_travel: false, counterpart_name: 'Nadia El Amrani', counterpart_email: 'nadia@example.org',
	skills: [{ name: 'cybersécurité', required: true, min_level: 4 }], languages: [{ code: 'fr', level: 'B2' }],
};

describe('writing draft needs (write_needs)', () => {
	test('a draft of the token’s institution, checked as the editor checks it, audited', async () => {
		const inst = sqlOn(srv.db, 'SELECT id FROM institutions ORDER BY id LIMIT 1')[0];
		const p = personWithToken(srv.db, 'officer@example.org', [['institution_member', inst]], 'write_needs');
		const r = await send('POST', '/api/v1/needs', JSON.stringify(needBody), bearer(p.token));
		assert.equal(r.status, 201);
		const made = await r.json();
		assert.equal(made.state, 'draft');
		assert.equal(String(made.institution), inst);
		assert.match(made.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
		assert.deepEqual(sqlOn(srv.db, `SELECT state, institution_id, title FROM needs WHERE id = ${made.id}`),
			[`draft\t${inst}\tAudit de sécurité du portail`]);
		assert.deepEqual(sqlOn(srv.db, `SELECT skill_id, required, min_level FROM need_skills WHERE need_id = ${made.id}`), ['cybersecurity\t1\t4']);
		assert.equal(sqlOn(srv.db, `SELECT COUNT(*) FROM audit_log WHERE action = 'need_created' AND target_id = '${made.id}'`)[0], '1');
		assert.equal((await get(`/api/v1/needs/${made.id}`)).status, 404, 'a draft is not public');
	});

	test('Idempotency-Key: the same body gives the same answer once; another body 409', async () => {
		const inst = sqlOn(srv.db, 'SELECT id FROM institutions ORDER BY id LIMIT 1')[0];
		const p = personWithToken(srv.db, 'idem@example.org', [['institution_owner', inst]], 'write_needs');
		const before_ = Number(sqlOn(srv.db, 'SELECT COUNT(*) FROM needs')[0]);
		const h = { ...bearer(p.token), 'Idempotency-Key': 'order-2027-001' };
		const body = JSON.stringify({ ...needBody, title: 'Une fois seulement' });
		const first = await send('POST', '/api/v1/needs', body, h);
		assert.equal(first.status, 201);
		const again = await send('POST', '/api/v1/needs', body, h);
		assert.equal(again.status, 201);
		assert.equal(again.headers.get('idempotent-replayed'), 'true');
		assert.deepEqual(await again.json(), await first.json());
		assert.equal(Number(sqlOn(srv.db, 'SELECT COUNT(*) FROM needs')[0]), before_ + 1, 'one draft, not two');
		const other = await send('POST', '/api/v1/needs', JSON.stringify({ ...needBody, title: 'Autre' }), h);
		assert.equal(other.status, 409);
		assert.deepEqual((await other.json()).error.code, 'idempotency_conflict');
		const badKey = await fetch(`${srv.url}/api/v1/needs`, { method: 'POST', body, headers: { ...h, 'Content-Type': 'application/json', 'Idempotency-Key': 'a b' } });
		assert.equal(badKey.status, 400, 'a key the description rules out, straight to the server');
		assert.equal((await badKey.json()).error.code, 'bad_idempotency_key');
	});

	test('what the editor refuses is refused: 422 naming the field, in the caller’s language; nothing saved', async () => {
		const inst = sqlOn(srv.db, 'SELECT id FROM institutions ORDER BY id LIMIT 1')[0];
		const p = personWithToken(srv.db, 'checks@example.org', [['institution_member', inst]], 'write_needs');
		const count = () => sqlOn(srv.db, 'SELECT COUNT(*) FROM needs')[0];
		const n0 = count();
		for (const [body, field, code, fr] of [
			[{ ...needBody, sector: 'nulle-part' }, 'sector', 'invalid', /Secteur inconnu : « nulle-part »/],
			[{ ...needBody, skills: [{ name: 'zzzz inconnu', required: true, min_level: 3 }] }, 'skills[0].name', 'invalid', /zzzz inconnu/],
			[{ ...needBody, experts_wanted: 99 }, 'experts', null, null],
			[{ ...needBody, start_date: '2020-01-01', dates: 'fixed' }, 'start_date', 'invalid', /passé/],
		]) {
			const direct_ = body.experts_wanted === 99; // past the description's maximum
			const r = direct_
				? await fetch(`${srv.url}/api/v1/needs`, { method: 'POST', body: JSON.stringify(body), headers: { ...bearer(p.token), 'Content-Type': 'application/json', 'Accept-Language': 'fr' } })
				: await send('POST', '/api/v1/needs', JSON.stringify(body), { ...bearer(p.token), 'Accept-Language': 'fr' });
			assert.equal(r.status, 422, JSON.stringify(body));
			const e = (await r.json()).error;
			if (code) assert.equal(e.code, code);
			assert.equal(e.field, direct_ ? 'experts_wanted' : field);
			if (fr) assert.match(e.message, fr);
		}
		for (const [body, code, field] of [['{"title": 1}', 'wrong_type', 'title'], ['{"colour": "red"}', 'unknown_field', 'colour'], ['[1]', 'malformed_json', null], ['{', 'malformed_json', null]]) {
			const r = await fetch(`${srv.url}/api/v1/needs`, { method: 'POST', body, headers: { ...bearer(p.token), 'Content-Type': 'application/json' } });
			assert.ok([400, 422].includes(r.status), body);
			assert.deepEqual([(await r.json()).error.code, field], [code, field], body);
		}
		const t = await fetch(`${srv.url}/api/v1/needs`, { method: 'POST', body: 'title=x', headers: { ...bearer(p.token), 'Content-Type': 'application/x-www-form-urlencoded' } });
		assert.equal(t.status, 415);
		assert.equal(count(), n0, 'nothing saved');
	});

	test('without the scope, or without an institution: refused', async () => {
		const inst = sqlOn(srv.db, 'SELECT id FROM institutions ORDER BY id LIMIT 1')[0];
		const reader = personWithToken(srv.db, 'reader@example.org', [['institution_member', inst]], 'read_needs');
		const body = JSON.stringify(needBody);
		const r = await send('POST', '/api/v1/needs', body, bearer(reader.token));
		assert.equal(r.status, 403);
		assert.deepEqual(Object.entries((await r.json()).error).filter(([k]) => k !== 'message'),
			[['code', 'insufficient_scope'], ['field', 'write_needs']]);
		// no token at all: the description rules it out (security), straight to the server
		const none = await fetch(`${srv.url}/api/v1/needs`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
		assert.equal(none.status, 401);
		// a write_needs token of someone who has since left the institution
		const left = personWithToken(srv.db, 'left@example.org', [['institution_member', inst]], 'write_needs');
		sqlOn(srv.db, `DELETE FROM user_roles WHERE user_id = ${left.id}`);
		assert.equal((await send('POST', '/api/v1/needs', body, bearer(left.token))).status, 403);
	});
});

describe('the institution’s own needs (read_needs)', () => {
	test('every state, drafts included, by cursor; only its own institution’s', async () => {
		const [a, b] = sqlOn(srv.db, 'SELECT id FROM institutions ORDER BY id LIMIT 2');
		const writer = personWithToken(srv.db, 'writer-a@example.org', [['institution_member', a]], 'write_needs');
		const reader = personWithToken(srv.db, 'reader-a@example.org', [['institution_member', a]], 'read_needs');
		const other = personWithToken(srv.db, 'reader-b@example.org', [['institution_member', b]], 'read_needs');
		const made = [];
		for (const title of ['Premier brouillon', 'Second brouillon'])
			made.push((await (await send('POST', '/api/v1/needs', JSON.stringify({ ...needBody, title }), bearer(writer.token))).json()).id);
		const drafts = [];
		for (let url = '/api/v1/institution/needs?state=draft&limit=1'; url;) {
			const r = await get(url, bearer(reader.token));
			assert.equal(r.status, 200);
			const j = await r.json();
			drafts.push(...j.needs.map((n) => n.id));
			for (const n of j.needs) assert.equal(n.state, 'draft');
			url = j.next;
		}
		for (const id of made) assert.ok(drafts.includes(id), `draft ${id} listed`);
		const all = await (await get('/api/v1/institution/needs', bearer(reader.token))).json();
		assert.equal(all.total, Number(sqlOn(srv.db, `SELECT COUNT(*) FROM needs WHERE institution_id = ${a}`)[0]));
		assert.ok(!JSON.stringify(all).includes('nadia@example.org'), 'never the counterpart');
		const theirs = await (await get('/api/v1/institution/needs', bearer(other.token))).json();
		for (const id of made) assert.ok(!theirs.needs.some((n) => n.id === id), 'not another institution’s');
		const bad = await get('/api/v1/institution/needs?state=lost', bearer(reader.token));
		assert.equal(bad.status, 400);
		assert.equal((await bad.json()).error.field, 'state');
		const expert = personWithToken(srv.db, 'expert-rn@example.org', [['expert', '']], 'read_needs');
		assert.equal((await get('/api/v1/institution/needs', bearer(expert.token))).status, 403);
	});
});

describe('statistics (read_statistics)', () => {
	test('headline figures; counts below 10 are null', async () => {
		const p = personWithToken(srv.db, 'observatory@example.org', [], 'read_statistics');
		const at = '2026-01-01T00:00:00Z';
		for (let i = 0; i < 11; i++) {
			const id = 8_000_000 + i;
			sqlOn(srv.db, `INSERT INTO users (id, email, lang, status, created_at, updated_at) VALUES (${id}, 'x${i}@example.org', 'fr', 'active', '${at}', '${at}')`);
			sqlOn(srv.db, `INSERT INTO user_roles (user_id, role, scope, granted_at) VALUES (${id}, 'expert', '', '${at}')`);
		}
		const experts = Number(sqlOn(srv.db, "SELECT COUNT(*) FROM users u WHERE u.status = 'active' AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'expert')")[0]);
		const r = await get('/api/v1/statistics', bearer(p.token));
		assert.equal(r.status, 200);
		const s = await r.json();
		assert.equal(s.suppressed_below, 10);
		assert.ok(experts >= 11);
		assert.equal(s.experts.registered, experts);
		assert.equal(s.experts.mobilised, null, 'no mobilised expert yet: below 10');
		assert.equal(s.needs.published, null, '6 published needs: below 10');
		assert.deepEqual(Object.keys(s.needs).sort(), ['cancelled', 'completed', 'draft', 'in_progress', 'published', 'staffed', 'submitted']);
		const other = personWithToken(srv.db, 'other-scope@example.org', [], 'read_needs');
		assert.equal((await get('/api/v1/statistics', bearer(other.token))).status, 403);
		assert.equal((await direct('/api/v1/statistics')).status, 401, 'no token (ruled out by the description)');
	});
});

describe('rosters (import_rosters)', () => {
	test('JSON Lines by the import’s rules: created, then unchanged; bad rows reported', async () => {
		const p = personWithToken(srv.db, 'coordinator@example.org', [['coordinator', 'sante']], 'import_rosters');
		const lines = ['{"email": "amal.roster@example.org", "lang": "fr", "name": "Amal Roster", "country": "CA"}',
			'{"email": "not an address", "name": "B"}'].join('\n') + '\n';
		const h = { ...bearer(p.token), 'Content-Type': 'application/jsonl' };
		const dry = await send('POST', '/api/v1/rosters?dry_run=1', lines, h);
		assert.equal(dry.status, 200);
		const d = await dry.json();
		assert.equal(d.dry_run, true);
		assert.equal(sqlOn(srv.db, "SELECT COUNT(*) FROM users WHERE email = 'amal.roster@example.org'")[0], '0', 'a dry run writes nothing');
		const r = await send('POST', '/api/v1/rosters', lines, h);
		assert.equal(r.status, 200);
		const j = await r.json();
		assert.deepEqual([j.counts.rows, j.counts.created, j.counts.skipped], [2, 1, 1]);
		assert.equal(j.rows[0].line, 2);
		assert.equal(j.rows[0].status, 'skipped');
		assert.ok(j.rows[0].issues.length > 0);
		assert.deepEqual(d.counts, j.counts, 'the dry run said the same');
		const again = await (await send('POST', '/api/v1/rosters', lines, h)).json();
		assert.deepEqual([again.counts.created, again.counts.unchanged], [0, 1], 'importing twice changes nothing');
		assert.equal(sqlOn(srv.db, "SELECT COUNT(*) FROM users WHERE email = 'amal.roster@example.org'")[0], '1');
		const csv = await fetch(`${srv.url}/api/v1/rosters`, { method: 'POST', body: 'email\na@example.org\n', headers: h });
		assert.equal(csv.status, 400);
		assert.equal((await csv.json()).error.code, 'malformed_jsonl');
		const wrongType = await fetch(`${srv.url}/api/v1/rosters`, { method: 'POST', body: lines, headers: { ...bearer(p.token), 'Content-Type': 'text/csv' } });
		assert.equal(wrongType.status, 415);
		const expert = personWithToken(srv.db, 'not-a-coordinator@example.org', [['expert', '']], 'read_needs');
		assert.equal((await send('POST', '/api/v1/rosters', lines, { ...bearer(expert.token), 'Content-Type': 'application/jsonl' })).status, 403);
	});
});

describe('the programme team revokes any token', () => {
	test('listed with its owner and scope; revoked at once, audited, the owner told', async () => {
		const PW = 'une phrase assez longue 2027';
		const out = kafaat(['admin', 'create', 'equipe@example.org', '--db', srv.db]);
		assert.equal(out.status, 0, out.stderr);
		const admin = new Client(srv.url);
		const link = linkIn(out.stdout, '/invitation\\?token=');
		await admin.get(link);
		const invited = await admin.post('/fr/invitation', { token: new URL(srv.url + link).searchParams.get('token'), password: PW, password2: PW });
		assert.equal(invited.status, 200);
		await admin.get('/fr/signin');
		assert.equal((await admin.post('/fr/signin', { email: 'equipe@example.org', password: PW })).status, 303);
		await enrolTotp(admin, 'fr');

		const p = personWithToken(srv.db, 'partner@example.org', [['expert', '']], 'read_statistics');
		const page = await admin.get('/ar/admin/tokens');
		assert.equal(page.status, 200);
		assert.ok(page.text.includes('partner@example.org') && page.text.includes('read_statistics'));
		assert.equal((await get('/api/v1/statistics', bearer(p.token))).status, 200);
		const r = await admin.post(`/ar/admin/tokens/${p.tokenId}/revoke`, {});
		assert.equal(r.status, 303);
		assert.equal(r.location, '/ar/admin/tokens?done=revoked');
		const r2 = await get('/api/v1/statistics', bearer(p.token));
		assert.equal(r2.status, 401, 'revoked: refused at once');
		assert.equal(sqlOn(srv.db, `SELECT COUNT(*) FROM audit_log WHERE action = 'api_token_revoked' AND target_id = '${p.tokenId}'`)[0], '1');
		assert.equal(sqlOn(srv.db, `SELECT COUNT(*) FROM notifications WHERE user_id = ${p.id}`)[0], '1');
		assert.equal((await admin.post(`/ar/admin/tokens/${p.tokenId}/revoke`, {})).status, 404, 'not twice');
		assert.ok(!(await admin.get('/ar/admin/tokens')).text.includes('partner@example.org'));
		// only the programme team
		const expert = new Client(srv.url);
		const denied = await expert.get('/fr/admin/tokens');
		assert.equal(denied.status, 303);
	});
});
