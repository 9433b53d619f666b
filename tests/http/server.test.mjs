// HTTP behaviour of a real `kafaat serve`: pages in three languages,
// redirects, errors, limits, static files, keep-alive, API envelope.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { rawRequest, startServer, statusOf } from '../kafaat.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

const get = (path, headers = {}) => fetch(srv.url + path, { headers, redirect: 'manual' });

describe('language', () => {
	test('/ redirects by Accept-Language', async () => {
		for (const [accept, lang] of [['ar-MA,ar;q=0.9', 'ar'], ['en-GB,en;q=0.8', 'en'],
			['fr-CA', 'fr'], ['de-DE', 'fr'], ['', 'fr'], ['nl, ar;q=0.5, fr;q=0.2', 'ar']]) {
			const r = await get('/', { 'Accept-Language': accept });
			assert.equal(r.status, 302, accept);
			assert.equal(r.headers.get('location'), `/${lang}/`, accept);
		}
	});
	test('the lang cookie beats Accept-Language', async () => {
		const r = await get('/', { 'Accept-Language': 'fr', Cookie: 'lang=ar' });
		assert.equal(r.headers.get('location'), '/ar/');
	});
	test('home page in each language with the right direction', async () => {
		for (const [lang, dir, css] of [['ar', 'rtl', 'bootstrap.rtl.min.css'],
			['fr', 'ltr', 'bootstrap.min.css'], ['en', 'ltr', 'bootstrap.min.css']]) {
			const r = await get(`/${lang}/`);
			assert.equal(r.status, 200);
			assert.match(r.headers.get('content-type'), /^text\/html; charset=utf-8/);
			assert.equal(r.headers.get('content-language'), lang);
			const html = await r.text();
			assert.match(html, new RegExp(`<html[^>]* lang="${lang}"`));
			assert.match(html, new RegExp(`<html[^>]* dir="${dir}"`));
			assert.ok(html.includes(`/static/vendor/${css}`), `${lang} uses ${css}`);
			for (const l of ['ar', 'fr', 'en']) assert.ok(html.includes(`href="/${l}/"`), `switcher to ${l}`);
		}
	});
	test('the home page shows the target and data from the database', async () => {
		const fr = await (await get('/fr/')).text();
		assert.ok(fr.includes('10\u202f000'), 'target formatted the French way');
		assert.ok(fr.includes('Aéronautique'), 'a sector in French');
		assert.ok(fr.includes('Singapour'), 'a demo network in French');
		const ar = await (await get('/ar/')).text();
		assert.ok(ar.includes('10.000'));
		assert.ok(ar.includes('سنغافورة'));
		const en = await (await get('/en/')).text();
		assert.ok(en.includes('10,000'));
		assert.ok(en.includes('Aeronautics'));
	});
	test('visiting a language sets the lang cookie', async () => {
		const r = await get('/ar/privacy');
		assert.equal(r.status, 200);
		const lang = r.headers.getSetCookie().find((c) => c.startsWith('lang='));
		assert.match(lang ?? '', /^lang=ar; Path=\/; .*SameSite=Lax/);
	});
	test('/fr redirects to /fr/', async () => {
		const r = await get('/fr');
		assert.equal(r.status, 301);
		assert.equal(r.headers.get('location'), '/fr/');
	});
});

describe('headers', () => {
	test('security headers on pages, API and errors', async () => {
		for (const p of ['/fr/', '/api/v1/meta', '/fr/nowhere', '/static/css/kafaat.css']) {
			const r = await get(p);
			const csp = r.headers.get('content-security-policy') || '';
			assert.match(csp, /default-src 'self'/, p);
			assert.match(csp, /frame-ancestors 'none'/, p);
			assert.doesNotMatch(csp, /unsafe-inline/, p);
			assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
			assert.ok(r.headers.get('referrer-policy'), p);
		}
	});
	test('no page refers to another host', async () => {
		for (const p of ['/ar/', '/fr/', '/en/', '/fr/privacy', '/en/nowhere']) {
			const html = await (await get(p)).text();
			const hosts = [...html.matchAll(/(?:src|href|action)="(https?:)?\/\/([^"/]+)/g)].map((m) => m[2]);
			assert.deepEqual(hosts, [], p);
			assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${p} has no inline script`);
			assert.doesNotMatch(html, /\sstyle="/, `${p} has no inline style`);
		}
	});
});

describe('errors', () => {
	test('unknown page: 404 in the visitor\'s language', async () => {
		const fr = await get('/fr/nulle-part');
		assert.equal(fr.status, 404);
		const frHtml = await fr.text();
		assert.match(frHtml, /<html[^>]* lang="fr"/);
		const ar = await get('/ar/nowhere');
		assert.equal(ar.status, 404);
		assert.match(await ar.text(), /<html[^>]* dir="rtl"/);
		const neg = await get('/nowhere', { 'Accept-Language': 'en' });
		assert.equal(neg.status, 404);
		assert.match(await neg.text(), /<html[^>]* lang="en"/);
	});
	test('unknown API route: JSON envelope', async () => {
		const r = await get('/api/v1/nowhere', { 'Accept-Language': 'fr' });
		assert.equal(r.status, 404);
		assert.match(r.headers.get('content-type'), /^application\/json/);
		const body = await r.json();
		assert.equal(body.error.code, 'not_found');
		assert.equal(typeof body.error.message, 'string');
		assert.ok(body.error.message.length > 0);
		assert.equal(r.headers.get('content-language'), 'fr');
	});
	test('unknown query parameter on the API names the field', async () => {
		const r = await get('/api/v1/meta?colour=blue');
		assert.equal(r.status, 400);
		const body = await r.json();
		assert.equal(body.error.code, 'unknown_parameter');
		assert.equal(body.error.field, 'colour');
	});
	test('unknown query parameters on pages are ignored', async () => {
		assert.equal((await get('/fr/?utm_source=x')).status, 200);
	});
	test('wrong method: 405 with Allow', async () => {
		const r = await fetch(srv.url + '/fr/', { method: 'POST', body: 'a=1' });
		assert.equal(r.status, 405);
		assert.match(r.headers.get('allow'), /GET/);
	});
	test('malformed percent-encoding and bad UTF-8: 400', async () => {
		for (const p of ['/fr/%zz', '/fr/%', '/%ff', '/fr/%00', '/fr/?q=%e2%28%a1']) {
			const raw = await rawRequest(srv.port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
			assert.equal(statusOf(raw), 400, p);
		}
	});
	test('oversized headers: 431', async () => {
		const big = 'x'.repeat(40000);
		const raw = await rawRequest(srv.port, `GET /fr/ HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\nConnection: close\r\n\r\n`);
		assert.equal(statusOf(raw), 431);
	});
	test('a head just over server.max_header_bytes (16 KB): 431 with the page in its language', async () => {
		const ok = await rawRequest(srv.port, `GET /ar/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(15000)}\r\nConnection: close\r\n\r\n`);
		assert.equal(statusOf(ok), 200, 'a 15 KB head is within the limit');
		const raw = await rawRequest(srv.port, `GET /ar/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(17000)}\r\nConnection: close\r\n\r\n`);
		assert.equal(statusOf(raw), 431);
		assert.match(raw, /Content-Security-Policy:/i, 'room was left for the usual headers');
		assert.match(raw, /<html lang="ar" dir="rtl"/);
	});
	test('oversized body: 413', async () => {
		const body = 'a'.repeat(2 * 1024 * 1024);
		const raw = await rawRequest(srv.port, `POST /fr/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
		assert.equal(statusOf(raw), 413);
		const chunked = await rawRequest(srv.port, `POST /api/v1/meta HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${(2 * 1024 * 1024).toString(16)}\r\n${body}\r\n0\r\n\r\n`);
		assert.equal(statusOf(chunked), 413);
	});
	test('the server survives all of that', async () => {
		assert.equal((await get('/healthz')).status, 200);
	});
});

describe('system routes', () => {
	test('healthz checks the database', async () => {
		const r = await get('/healthz');
		assert.equal(r.status, 200);
		const body = await r.json();
		assert.equal(body.status, 'ok');
		assert.equal(body.database, 'ok');
	});
	test('api meta: version and languages', async () => {
		const body = await (await get('/api/v1/meta')).json();
		assert.match(body.version, /^\d+\.\d+\.\d+$/);
		assert.deepEqual(body.languages.map((l) => [l.code, l.dir]), [['ar', 'rtl'], ['fr', 'ltr'], ['en', 'ltr']]);
	});
	test('HEAD answers without a body', async () => {
		const r = await fetch(srv.url + '/fr/', { method: 'HEAD' });
		assert.equal(r.status, 200);
		assert.equal((await r.text()).length, 0);
	});
});

describe('static files', () => {
	test('ETag, revalidation, pre-compressed variants', async () => {
		const r = await get('/static/css/kafaat.css', { 'Accept-Encoding': 'identity' });
		assert.equal(r.status, 200);
		assert.match(r.headers.get('content-type'), /^text\/css/);
		const etag = r.headers.get('etag');
		assert.match(etag, /^"[0-9a-f]{16}"$/);
		assert.equal(r.headers.get('content-encoding'), null);
		const again = await get('/static/css/kafaat.css', { 'If-None-Match': etag });
		assert.equal(again.status, 304);
		const raw = await rawRequest(srv.port, 'GET /static/vendor/bootstrap.min.css HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n');
		assert.match(raw, /\r\nContent-Encoding: gzip\r\n/i);
	});
	test('no way out of the static folder', async () => {
		for (const p of ['/static/../src/cli/main.c', '/static/%2e%2e/Makefile', '/static/.hidden', '/static/css/nope.css']) {
			const raw = await rawRequest(srv.port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
			assert.equal(statusOf(raw), 404, p);
		}
	});
});

describe('keep-alive', () => {
	test('one connection serves many requests', async () => {
		const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
		const sockets = new Set();
		for (let i = 0; i < 20; i++) {
			await new Promise((resolve, reject) => {
				const req = http.get(srv.url + (i % 2 ? '/healthz' : '/fr/'), { agent }, (res) => {
					sockets.add(res.socket);
					assert.notEqual(res.headers.connection, 'close');
					res.resume();
					res.on('end', resolve);
				});
				req.on('error', reject);
			});
		}
		agent.destroy();
		assert.equal(sockets.size, 1);
	});
});

describe('privacy notice', () => {
	test('its version date is written the way each language writes dates', async () => {
		const expected = { ar: '29 نونبر 2026', fr: '29 novembre 2026', en: '29 November 2026' };
		for (const [lang, date] of Object.entries(expected)) {
			const html = await (await get(`/${lang}/privacy`)).text();
			assert.ok(html.includes(date), `${lang}: ${date}`);
		}
	});
});

test('a pre-compressed variant older than its file is ignored (the plain file is served)', async () => {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'kafaat-static-'));
	const css = path.join(dir, 'a.css');
	writeFileSync(`${css}.gz`, gzipSync('old {}'));
	writeFileSync(`${css}.br`, 'stale');
	utimesSync(`${css}.gz`, 1e6, 1e6);
	utimesSync(`${css}.br`, 1e6, 1e6);
	writeFileSync(css, 'new {}');
	const s = await startServer({ env: { KAFAAT_PATHS_STATIC: dir } });
	try {
		const r = await fetch(`${s.url}/static/a.css`, { headers: { 'Accept-Encoding': 'gzip, br' } });
		assert.equal(r.status, 200);
		assert.equal(r.headers.get('content-encoding'), null);
		assert.equal(await r.text(), 'new {}');
	} finally {
		await s.stop();
		rmSync(dir, { recursive: true, force: true });
	}
});
