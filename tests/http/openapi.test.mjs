// The API's description: /api/v1/openapi.json is generated from the route
// table, lints clean with a real OpenAPI linter (@redocly/cli, recommended
// rules: no error, no warning), covers every API route of `kafaat routes`,
// and the reference page is rendered from it in the three languages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kafaat, root, startServer } from '../kafaat.mjs';

let srv, tmp, doc;
before(async () => {
	srv = await startServer();
	tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-openapi-'));
	doc = await (await fetch(`${srv.url}/api/v1/openapi.json`)).json();
});
after(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

// Runs redocly lint on a description; returns {errors, warnings, output}.
function redocly(description) {
	const file = path.join(tmp, 'openapi.json');
	writeFileSync(file, JSON.stringify(description));
	const r = spawnSync(path.join(root, 'scripts/node.sh'),
		[path.join(root, 'node_modules/.bin/redocly'), 'lint', file, '--format=json'],
		{ cwd: tmp, encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } });
	const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
	return { errors: json.totals.errors, warnings: json.totals.warnings, status: r.status,
		output: json.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`).join('\n') };
}

describe('the OpenAPI description', () => {
	test('is OpenAPI 3.1 and lints clean with @redocly/cli', () => {
		assert.equal(doc.openapi, '3.1.0');
		const r = redocly(doc);
		assert.equal(r.errors, 0, r.output);
		assert.equal(r.warnings, 0, r.output);
		assert.equal(r.status, 0);
	});

	test('the linter is real: a broken description fails it', () => {
		const broken = structuredClone(doc);
		delete broken.paths['/api/v1/needs'].get.responses;
		broken.paths['/api/v1/needs/{id}'].get.parameters = [];
		const r = redocly(broken);
		assert.ok(r.errors > 0, 'a missing responses object and an undeclared path parameter are errors');
		assert.notEqual(r.status, 0);
	});

	test('every API route of the table is described, nothing else', () => {
		const routes = JSON.parse(kafaat(['routes', '--json']).stdout);
		const api = routes.filter((r) => r.pattern === '/healthz' || r.pattern.startsWith('/api/'));
		assert.ok(api.length >= 8);
		const described = new Set();
		for (const [p, item] of Object.entries(doc.paths))
			for (const m of Object.keys(item)) described.add(`${m.toUpperCase()} ${p}`);
		for (const r of api) {
			const p = r.pattern.replace(/[:*]([a-z]+)/g, '{$1}');
			for (const m of r.methods) assert.ok(described.has(`${m} ${p}`), `${m} ${p} is described`);
		}
		assert.equal(described.size, api.reduce((n, r) => n + r.methods.length, 0));
	});

	test('query parameters and bounds come from the route validators', async () => {
		const params = doc.paths['/api/v1/needs'].get.parameters;
		const limit = params.find((p) => p.name === 'limit');
		assert.deepEqual([limit.schema.type, limit.schema.minimum, limit.schema.maximum], ['integer', 1, 100]);
		assert.ok(params.find((p) => p.name === 'cursor'));
		assert.ok(params.find((p) => p.$ref === '#/components/parameters/IfNoneMatch'));
		const id = doc.paths['/api/v1/needs/{id}'].get.parameters.find((p) => p.name === 'id');
		assert.equal(id.in, 'path');
		assert.equal(id.schema.minimum, 1);
		// the server refuses what the description does not allow
		assert.equal((await fetch(`${srv.url}/api/v1/needs?limit=101`)).status, 400);
	});

	test('the same for every language; served with an ETag', async () => {
		const r = await fetch(`${srv.url}/api/v1/openapi.json`, { headers: { 'Accept-Language': 'ar' } });
		assert.equal(r.status, 200);
		assert.deepEqual(await r.json(), doc);
		assert.match(r.headers.get('etag'), /^"[0-9a-f]+"$/);
	});
});

describe('the reference page', () => {
	test('rendered from the description, in three languages, without script', async () => {
		for (const [lang, title] of [['ar', 'مرجع واجهة برمجة التطبيقات'], ['fr', 'Référence de l’API'], ['en', 'Kafaat API reference']]) {
			const r = await fetch(`${srv.url}/${lang}/developers/api`);
			assert.equal(r.status, 200);
			const html = await r.text();
			assert.ok(html.includes(title), lang);
			assert.ok(!/<script/i.test(html), 'no script');
			assert.ok(!/https?:\/\/(?!127\.0\.0\.1)[a-z]/i.test(html.replace(/<code dir="ltr">[^<]*<\/code>/g, '')), 'no third-party host');
			for (const [p, item] of Object.entries(doc.paths))
				for (const op of Object.values(item)) {
					assert.ok(html.includes(`id="op-${op.operationId}"`), `${lang}: ${op.operationId}`);
					assert.ok(html.includes(p.replace(/&/g, '&amp;')), p);
				}
		}
	});
});
