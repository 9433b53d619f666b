// The production shape on loopback: a PostgreSQL cluster (scripts/pg.sh),
// TWO `kafaat serve` nodes on the same database, and nginx in front of them
// with a configuration derived from deploy/nginx/kafaat.conf. Checks pages
// in three languages over TLS and HTTP/2, static files served by nginx,
// requests shared by the nodes, a session made through one node used on
// the other, a profile written through one node found by search through
// the other within a second, mail sent exactly once by two senders, nginx's body, header
// and rate limits answered before Kafaat, and one node stopped.
//
// The derived configuration is the deployed one with local ports, a
// self-signed certificate (openssl) and temporary paths, plus one more
// listener, plain HTTP on loopback, for the test's fetch client (node's
// fetch cannot be told to trust a certificate made at run time); the TLS
// listener is checked with node:http2 and that certificate as its CA.
// Which node answered is read from nginx's access log ($upstream_addr).
//
// nginx runs as a child of this test in a temporary prefix; as root its
// workers run as www-data, as in production. Skipped, with a message, when
// nginx or openssl is missing (scripts/deps.sh test installs both).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, lastMailTo, linkIn } from '../client.mjs';
import { bin, freePort, kafaat, rawRequest, root, statusOf } from '../kafaat.mjs';

const PASSWORD = 'une phrase assez longue 2027';
const isRoot = process.getuid?.() === 0;

function which(name, dirs = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin']) {
	for (const d of [...dirs, ...(process.env.PATH ?? '').split(':')]) {
		if (d && existsSync(path.join(d, name))) return path.join(d, name);
	}
	return null;
}

const nginxBin = which('nginx');
const opensslBin = which('openssl');
const skip = !nginxBin ? 'nginx is not installed (scripts/deps.sh test installs it)'
	: !opensslBin ? 'openssl is not installed (scripts/deps.sh test installs it)' : false;

function run(cmd, args, what = cmd) {
	const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`${what} failed: ${r.error?.message ?? ''}${r.stderr}`);
	return r.stdout.trim();
}

const pgsh = (...args) => run(path.join(root, 'scripts/pg.sh'), args, `scripts/pg.sh ${args[0]}`);
const psql = (db, sql) => run('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', db, '-c', sql], 'psql');

// Replaces `from` in text, which must be there: the test follows the
// deployed file, and says so when that file changes shape.
function edit(text, from, to) {
	assert.ok(text.includes(from), `deploy/nginx/kafaat.conf no longer contains: ${from}`);
	return text.split(from).join(to);
}

// deploy/nginx/kafaat.conf with local ports, certificate and paths.
function siteConfig(p) {
	let conf = readFileSync(path.join(root, 'deploy/nginx/kafaat.conf'), 'utf8');
	conf = edit(conf, 'server 127.0.0.1:8081 ', `server 127.0.0.1:${p.nodeA} `);
	conf = edit(conf, 'server 127.0.0.1:8082 ', `server 127.0.0.1:${p.nodeB} `);
	conf = edit(conf, '\tlisten [::]:80;\n', '');
	conf = edit(conf, '\tlisten [::]:443 ssl http2;\n', '');
	conf = edit(conf, 'listen 80;', `listen 127.0.0.1:${p.redirect};`);
	conf = edit(conf, 'listen 443 ssl http2;',
		`listen 127.0.0.1:${p.tls} ssl http2;\n\tlisten 127.0.0.1:${p.plain}; # the test's fetch client`);
	conf = edit(conf, '/etc/letsencrypt/live/kafaat.example.ma/fullchain.pem', p.cert);
	conf = edit(conf, '/etc/letsencrypt/live/kafaat.example.ma/privkey.pem', p.key);
	conf = edit(conf, '/var/log/nginx/', `${p.prefix}/logs/`);
	conf = edit(conf, '/var/www/letsencrypt', `${p.prefix}/acme`);
	return edit(conf, 'root /opt/kafaat;', `root ${root};`);
}

// As root, nginx's workers run as www-data, as Debian's nginx.conf has it,
// unless www-data cannot read this checkout's static files.
function workerUser() {
	const css = path.join(root, 'static/css/kafaat.css');
	const r = spawnSync('runuser', ['-u', 'www-data', '--', 'test', '-r', css]);
	return r.status === 0 ? 'www-data' : 'root';
}

// What Debian's /etc/nginx/nginx.conf provides around the site file.
function mainConfig(p) {
	return [
		isRoot ? `user ${workerUser()};` : '',
		'worker_processes 2;',
		`pid ${p.prefix}/nginx.pid;`,
		`error_log ${p.prefix}/logs/error.log;`,
		'events { worker_connections 256; }',
		'http {',
		'\tinclude /etc/nginx/mime.types;',
		'\tdefault_type application/octet-stream;',
		'\tsendfile on;',
		...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `\t${t}_temp_path ${p.prefix}/tmp/${t};`),
		`\tinclude ${p.prefix}/kafaat.conf;`,
		'}',
		'',
	].join('\n');
}

function selfSignedCert(p) {
	run(opensslBin, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
		'-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
		'-keyout', p.key, '-out', p.cert], 'openssl req');
}

// A child process that printed `ready` on stdout; stop() ends it with sig.
async function startChild(cmd, args, { env = {}, ready, sig = 'SIGTERM' }) {
	const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	let err = '';
	child.stdout.on('data', (d) => { out += d; });
	child.stderr.on('data', (d) => { err += d; });
	let exited = false;
	const exit = new Promise((resolve) => child.once('exit', (code, signal) => { exited = true; resolve(code ?? signal); }));
	await ready(() => out, () => exited, () => err);
	return {
		stderr: () => err,
		async stop() {
			if (!exited) child.kill(sig);
			return exit;
		},
	};
}

async function waitFor(what, check, ms = 20000) {
	const end = Date.now() + ms;
	for (;;) {
		if (await check()) return;
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

const nodeReady = (out, exited, err) => waitFor('kafaat serve', () => {
	if (exited()) throw new Error(`kafaat serve exited: ${err()}`);
	return out().includes('serving http://');
});

function startNode(db, port, env) {
	return startChild(bin, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`], { env, ready: nodeReady });
}

async function answers(url) {
	try { return (await fetch(url)).status > 0; } catch { return false; }
}

function startNginx(p, conf) {
	return startChild(nginxBin, ['-p', `${p.prefix}/`, '-e', `${p.prefix}/logs/error.log`, '-c', conf, '-g', 'daemon off;'], {
		sig: 'SIGQUIT',
		ready: (out, exited, err) => waitFor('nginx', async () => {
			if (exited()) throw new Error(`nginx exited: ${err()}${readFileSync(`${p.prefix}/logs/error.log`, 'utf8')}`);
			return answers(`http://127.0.0.1:${p.plain}/healthz`);
		}),
	});
}

// One GET over HTTP/2: {status, headers, body}.
function h2get(session, pathname) {
	return new Promise((resolve, reject) => {
		const req = session.request({ ':path': pathname });
		let headers = {};
		let body = '';
		req.setEncoding('utf8');
		req.on('response', (h) => { headers = h; });
		req.on('data', (d) => { body += d; });
		req.on('end', () => resolve({ status: headers[':status'], headers, body }));
		req.on('error', reject);
		req.end();
	});
}

describe('two Kafaat nodes on PostgreSQL behind nginx', { skip, timeout: 300000 }, () => {
	const p = {};
	const cleanups = [];
	let db;
	let base; // nginx, plain HTTP
	let nodes;
	let logged = 0; // access log lines already read

	// The access log lines written since the last call.
	function newLogLines() {
		const lines = readFileSync(`${p.prefix}/logs/kafaat.access.log`, 'utf8').split('\n').filter(Boolean);
		const fresh = lines.slice(logged);
		logged = lines.length;
		return fresh;
	}
	// The new access log lines, waiting for at least `min` of those `keep`
	// selects: nginx logs a request just after answering it.
	async function awaitLogLines(min, keep = () => true) {
		const lines = [];
		await waitFor(`${min} access log lines`, () => {
			lines.push(...newLogLines().filter(keep));
			return lines.length >= min;
		}, 5000);
		return lines;
	}
	// "upstream=-", "upstream=ADDR" or, after a retry, "upstream=ADDR1, ADDR2".
	const upstreamOf = (line) => /upstream=([^\s,]+(?:, [^\s,]+)*) /.exec(line)?.[1] ?? '';

	before(async () => {
		p.prefix = mkdtempSync(path.join(os.tmpdir(), 'kafaat-deploy-'));
		chmodSync(p.prefix, 0o755); // nginx's workers and postgres reach their folders
		cleanups.push(() => rmSync(p.prefix, { recursive: true, force: true }));
		for (const d of ['logs', 'tmp', 'acme', 'tls']) mkdirSync(path.join(p.prefix, d));
		for (const k of ['nodeA', 'nodeB', 'plain', 'tls', 'redirect']) p[k] = await freePort();
		p.cert = path.join(p.prefix, 'tls/cert.pem');
		p.key = path.join(p.prefix, 'tls/key.pem');
		base = `http://127.0.0.1:${p.plain}`;

		// PostgreSQL: the suite's cluster when given one, else our own.
		let cluster = process.env.TEST_PG_URL;
		if (!cluster) {
			const dir = path.join(p.prefix, 'pg');
			cleanups.push(() => pgsh('stop', dir));
			cluster = pgsh('start', dir);
		}
		const name = `kt_deploy_${randomBytes(6).toString('hex')}`;
		db = pgsh('createdb', cluster, name);
		cleanups.push(() => pgsh('dropdb', cluster, name));
		for (const cmd of ['migrate', 'demo']) {
			const r = kafaat([cmd, '--db', db]);
			assert.equal(r.status, 0, `kafaat ${cmd}: ${r.stderr}`);
		}

		// Two nodes, each with its own mail spool; links in mail point at nginx.
		nodes = {};
		for (const [k, port] of [['a', p.nodeA], ['b', p.nodeB]]) {
			p[`spool_${k}`] = path.join(p.prefix, `mail-${k}`);
			nodes[k] = await startNode(db, port, { KAFAAT_MAIL_SPOOL_DIR: p[`spool_${k}`], KAFAAT_SERVER_PUBLIC_URL: base });
			cleanups.push(() => nodes[k].stop());
		}

		selfSignedCert(p);
		writeFileSync(path.join(p.prefix, 'kafaat.conf'), siteConfig(p));
		const conf = path.join(p.prefix, 'nginx.conf');
		writeFileSync(conf, mainConfig(p));
		run(nginxBin, ['-t', '-q', '-p', `${p.prefix}/`, '-e', `${p.prefix}/logs/error.log`, '-c', conf], 'nginx -t');
		const nginx = await startNginx(p, conf);
		cleanups.push(() => nginx.stop());
		newLogLines();
	});

	after(async () => {
		for (const f of cleanups.reverse()) {
			try { await f(); } catch (e) { console.error(`cleanup: ${e.message}`); }
		}
	});

	test('pages in the three languages, over TLS and HTTP/2, with the security headers', async () => {
		const session = http2.connect(`https://127.0.0.1:${p.tls}`, { ca: readFileSync(p.cert) });
		session.on('error', () => {});
		try {
			for (const [lang, dir, network] of [['ar', 'rtl', 'سنغافورة'], ['fr', 'ltr', 'Singapour'], ['en', 'ltr', 'Singapore']]) {
				const r = await h2get(session, `/${lang}/`);
				assert.equal(r.status, 200, lang);
				assert.equal(r.headers['content-language'], lang);
				assert.match(r.body, new RegExp(`<html[^>]* dir="${dir}"`));
				assert.ok(r.body.includes(network), `${network} on /${lang}/`);
				assert.match(r.headers['strict-transport-security'] ?? '', /max-age=31536000/, 'HSTS from nginx');
				assert.match(r.headers['content-security-policy'] ?? '', /default-src 'self'/, 'CSP from Kafaat');
				assert.equal(r.headers['x-content-type-options'], 'nosniff');
				assert.equal(r.headers.server, 'nginx', 'no version in Server');
			}
			assert.equal(session.alpnProtocol, 'h2');
		} finally {
			session.close();
		}
		const plain = await fetch(`http://127.0.0.1:${p.redirect}/fr/`, { redirect: 'manual' });
		assert.equal(plain.status, 301, 'plain HTTP is redirected');
		assert.match(plain.headers.get('location'), /^https:\/\/127\.0\.0\.1\/fr\/$/);
	});

	test('static files come from nginx itself, pre-compressed, with the same headers', async () => {
		newLogLines();
		const r = await fetch(`${base}/static/css/kafaat.css`, { headers: { 'Accept-Encoding': 'gzip' } });
		assert.equal(r.status, 200);
		assert.equal(r.headers.get('content-encoding'), 'gzip', 'the .gz made at build time');
		assert.match(r.headers.get('content-type'), /^text\/css; charset=utf-8$/);
		assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
		assert.match(r.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
		assert.equal(await r.text(), readFileSync(path.join(root, 'static/css/kafaat.css'), 'utf8'));
		assert.equal((await fetch(`${base}/static/css/kafaat.css.gz`)).status, 404);
		const lines = await awaitLogLines(2);
		assert.ok(lines.every((l) => upstreamOf(l) === '-'), `no node involved:\n${lines.join('\n')}`);
	});

	test('requests are shared between the two nodes', async () => {
		newLogLines();
		for (let i = 0; i < 12; i++) assert.equal((await fetch(`${base}/fr/`)).status, 200);
		const used = new Set((await awaitLogLines(12)).map(upstreamOf));
		assert.deepEqual([...used].sort(), [`127.0.0.1:${p.nodeA}`, `127.0.0.1:${p.nodeB}`].sort());
	});

	test('a session made through nginx works on either node', async () => {
		const email = `deploy-${randomBytes(4).toString('hex')}@example.org`;
		const c = new Client(base);
		await c.get('/fr/signup');
		const signup = await c.post('/fr/signup', { email, password: PASSWORD, password2: PASSWORD, lang: 'fr', adult: 'yes', notice: 'yes' });
		assert.equal(signup.status, 200, signup.text.slice(0, 300));
		const verify = linkIn(lastMailTo(db, email) ?? '', '/verify\\?token=');
		assert.ok(verify, 'a verification link was mailed');
		assert.equal((await c.get(verify)).status, 200);
		await c.get('/fr/signin');
		const signin = await c.post('/fr/signin', { email, password: PASSWORD });
		assert.equal(signin.status, 303);
		for (const port of [p.nodeA, p.nodeB]) {
			const direct = new Client(`http://127.0.0.1:${port}`);
			direct.cookies = new Map(c.cookies);
			const account = await direct.get('/fr/account');
			assert.equal(account.status, 200, `the session on the node at ${port}`);
			assert.ok(account.text.includes(email));
		}
		for (let i = 0; i < 6; i++) assert.equal((await c.get('/fr/account')).status, 200);
	});

	test('a profile written through node A is found by search through node B within a second', async (t) => {
		const email = `search-${randomBytes(4).toString('hex')}@example.org`;
		const word = `hydro${randomBytes(3).toString('hex')}`;
		const a = new Client(`http://127.0.0.1:${p.nodeA}`);
		await a.get('/fr/signup');
		await a.post('/fr/signup', { email, password: PASSWORD, password2: PASSWORD, lang: 'fr', adult: 'yes', notice: 'yes' });
		assert.equal((await a.get(linkIn(lastMailTo(db, email) ?? '', '/verify\\?token='))).status, 200);
		await a.get('/fr/signin');
		assert.equal((await a.post('/fr/signin', { email, password: PASSWORD })).status, 303);
		await a.get('/fr/profile/consent');
		assert.equal((await a.post('/fr/profile/consent', { set: 'directory:1' })).status, 303);
		await a.get('/fr/profile/edit/identity');
		const saved = await a.post('/fr/profile/edit/identity', { name: 'Yasmine Deploy', country: 'SG', city: 'Singapore', headline: `Ingénieure ${word}`, bio: '' });
		assert.equal(saved.status, 303);
		const written = Date.now();
		let found = 0;
		while (Date.now() - written < 5000) {
			const r = await fetch(`http://127.0.0.1:${p.nodeB}/api/v1/experts?q=${word}`);
			found = (await r.json()).total;
			if (found) break;
			await new Promise((ok) => setTimeout(ok, 20));
		}
		const took = Date.now() - written;
		t.diagnostic(`found through node B ${took} ms after the write through node A`);
		assert.equal(found, 1);
		assert.ok(took <= 1000, `${took} ms`);
	});

	test('a mail queued once is sent once, with both nodes sending', async (t) => {
		const first = 9_000_000_000;
		const values = Array.from({ length: 300 }, (_, i) => `(${first + i}, 'n${i}@example.org', 'fr', 'Essai ${i}', ` +
			`'Bonjour ${i}', '2026-11-29T10:00:00Z', '2000-01-01T00:00:00Z')`);
		psql(db, `INSERT INTO outbox (id, to_addr, lang, subject, body, created_at, next_attempt_at) VALUES ${values.join(', ')}`);
		await waitFor('the outbox to empty', () =>
			psql(db, 'SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL') === '0', 30000);
		const sent = psql(db, 'SELECT id FROM outbox WHERE sent_at IS NOT NULL').split('\n').filter(Boolean);
		assert.ok(sent.length >= 301, `the 300 mails and the verification: ${sent.length}`);
		const files = [p.spool_a, p.spool_b].flatMap((d) => (existsSync(d) ? readdirSync(d) : []));
		assert.deepEqual(files.filter((f) => !f.endsWith('.eml')), [], 'no half-written file');
		const byId = new Map();
		for (const f of files) byId.set(f.replace(/\.eml$/, ''), (byId.get(f.replace(/\.eml$/, '')) ?? 0) + 1);
		for (const id of sent) assert.equal(byId.get(id), 1, `mail ${id} delivered once`);
		assert.equal(files.length, sent.length);
		const count = (d) => (existsSync(d) ? readdirSync(d).length : 0);
		t.diagnostic(`sent by node A: ${count(p.spool_a)}, by node B: ${count(p.spool_b)}`);
	});

	test('nginx refuses a 20 MB body and oversized headers itself', async () => {
		newLogLines();
		const body = 'email=' + 'a'.repeat(20 * 1024 * 1024);
		const raw = await rawRequest(p.plain, `POST /fr/signup HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
			`Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
		assert.equal(statusOf(raw), 413);
		assert.match(raw, /\r\nServer: nginx\r\n/i);
		const big = await fetch(`${base}/fr/`, { headers: { 'X-Filler': 'x'.repeat(9000) } });
		assert.equal(big.status, 400, 'one header line over 8 KiB');
		const lines = await awaitLogLines(2, (l) => l.includes(' 413 ') || l.includes(' 400 '));
		assert.equal(lines.length, 2, lines.join('\n'));
		for (const l of lines) assert.equal(upstreamOf(l), '-', `answered before Kafaat: ${l}`);
	});

	test('account forms are rate limited by nginx', async () => {
		newLogLines();
		const statuses = [];
		for (let i = 0; i < 25; i++) {
			const r = await fetch(`${base}/fr/signin`, { method: 'POST', body: 'email=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
			statuses.push(r.status);
		}
		assert.ok(statuses.includes(429), `some refused: ${statuses}`);
		assert.ok(statuses.some((s) => s !== 429), 'a burst is allowed');
		const refused = statuses.filter((x) => x === 429).length;
		for (const l of await awaitLogLines(refused, (x) => x.includes(' 429 '))) assert.equal(upstreamOf(l), '-');
		assert.equal((await fetch(`${base}/fr/signin`)).status, 200, 'reading the form is not limited');
	});

	test('with one node stopped the other answers; with both, static files still come', async () => {
		newLogLines();
		assert.equal(await nodes.a.stop(), 0);
		for (let i = 0; i < 8; i++) assert.equal((await fetch(`${base}/fr/`)).status, 200);
		for (const l of await awaitLogLines(8)) assert.ok(upstreamOf(l).endsWith(`127.0.0.1:${p.nodeB}`), l);
		assert.equal(await nodes.b.stop(), 0);
		assert.equal((await fetch(`${base}/fr/`)).status, 502);
		assert.equal((await fetch(`${base}/static/css/kafaat.css`)).status, 200);
	});
});
