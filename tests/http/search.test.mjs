// Search over HTTP against a real server and its in-memory index: experts
// imported before the start are searchable; an Arabic query finds experts
// who wrote their skill in French; filters, facet counts (a facet ignores
// its own filter), pagination and stable order; bad filters named in the
// error; the public sees only directory-consenting, active experts; a
// profile saved through the web is searchable at once, and a withdrawn
// consent takes it out at once; an import made by another process (the
// CLI) reaches the server's index through the change log within a second.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, lastMailTo, linkIn } from '../client.mjs';
import { kafaat, startMs, startServer } from '../kafaat.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-search-'));
const clockFile = path.join(tmp, 'clock');
writeFileSync(clockFile, String(1_800_000_000)); // 2027-01-15
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';

const everyone = { programme: true, institutions: true, networks: true, directory: true, statistics: true };
function expert(i, over = {}) {
	return {
		ref: `s-${i}`, email: `s${i}@example.org`, lang: 'fr', name: `Expert ${i}`, name_ar: 'خبير',
		country: 'FR', city: 'Lyon', headline: 'Ingénieur', bio: '',
		languages: [{ code: 'fr', level: 'C2' }], sectors: ['digital'],
		skills: [{ name: 'Gestion de projet', level: 3 }],
		offer: { modes: ['ponctuelle'], presence: ['remote'], hours_per_month: 8, pay: 'pro_bono' },
		consent: everyone, confirmed_at: '2026-12-01', ...over,
	};
}

// Twenty-five "project" experts (pagination), and a few with something to find.
const roster = [
	...Array.from({ length: 25 }, (_, i) => expert(i + 1)),
	expert(101, { headline: 'Experte en cybersécurité des systèmes industriels', country: 'CA', city: 'Montréal', skills: [{ name: 'Cybersécurité', level: 5 }], availability: [{ from: '2027-03-01', to: '2027-04-30' }] }),
	expert(102, { headline: 'Responsable sécurité', country: 'BE', skills: [{ name: 'cybersecurity', level: 4 }], languages: [{ code: 'ar', level: 'C2' }] }),
	expert(103, { headline: 'Cybersécurité bancaire', consent: { ...everyone, directory: false } }),
	expert(104, { headline: 'Cybersécurité, dormant', confirmed_at: '2025-06-01' }),
];

let srv, db;
before(async () => {
	srv = await startServer({ env, demo: false });
	db = srv.db;
	const file = path.join(tmp, 'roster.jsonl');
	writeFileSync(file, roster.map((e) => JSON.stringify(e)).join('\n') + '\n');
	const r = kafaat(['import', 'experts', file, '--db', db, '--consent-from-file'], env);
	assert.equal(r.status, 0, r.stderr);
	// The running server learns of the import through the change log.
	for (let i = 0; i < 100 && (await api('page=1')).body.total !== 27; i++)
		await new Promise((ok) => setTimeout(ok, 50));
});
after(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

const api = async (q) => {
	const r = await fetch(`${srv.url}/api/v1/experts?${q}`);
	return { status: r.status, body: await r.json() };
};
const names = (body) => body.results.map((e) => e.name);

describe('searching experts', () => {
	test('a French word, and the same skill asked in Arabic, find the same experts', async () => {
		const fr = await api(`q=${encodeURIComponent('cybersécurité')}`);
		assert.equal(fr.status, 200);
		assert.deepEqual(names(fr.body).sort(), ['Expert 101', 'Expert 102']);
		const ar = await api(`q=${encodeURIComponent('الأمن السيبراني')}`);
		assert.deepEqual(names(ar.body).sort(), ['Expert 101', 'Expert 102']);
		const en = await api('q=cybersecurity');
		assert.deepEqual(names(en.body).sort(), ['Expert 101', 'Expert 102']);
	});

	test('the public never sees an expert without directory consent, nor a dormant one', async () => {
		const all = await api('page=1');
		const seen = new Set(names(all.body));
		assert.ok(!seen.has('Expert 103') && !seen.has('Expert 104'));
		assert.equal(all.body.total, 27);
	});

	test('filters combine with AND; a facet counts as if its own filter were not set', async () => {
		const r = await api(`q=${encodeURIComponent('cybersécurité')}&country=CA`);
		assert.deepEqual(names(r.body), ['Expert 101']);
		assert.equal(r.body.total, 1);
		const countries = Object.fromEntries(r.body.facets.country.map((v) => [v.value, v.count]));
		assert.deepEqual(countries, { CA: 1, BE: 1 });
		const langs = Object.fromEntries(r.body.facets.lang.map((v) => [v.value, v.count]));
		assert.deepEqual(langs, { fr: 1 }, 'other facets follow every filter');
		const both = await api('country=CA,BE');
		assert.equal(both.body.total, 2, 'values of one filter are alternatives');
		const none = await api('country=CA&lang=ar');
		assert.equal(none.body.total, 0);
	});

	test('city in any spelling, an availability window, a language at a minimum level', async () => {
		assert.deepEqual(names((await api('city=montreal')).body), ['Expert 101']);
		assert.deepEqual(names((await api('from=2027-03-10&to=2027-03-20')).body), ['Expert 101']);
		assert.deepEqual(names((await api('from=2027-06-01&to=2027-06-02')).body), []);
		assert.deepEqual(names((await api('lang=ar:C1')).body), ['Expert 102']);
		assert.equal((await api('lang=fr:C2')).body.total, 26);
		for (const [q, field] of [['lang=ar:Z9', 'lang'], ['from=2027-03-10', 'to'], ['from=2027-03-10&to=2027-03-01', 'to'], ['from=hier&to=2027-03-01', 'from']]) {
			const r = await api(q);
			assert.equal(r.status, 400, q);
			assert.equal(r.body.error.field, field, q);
		}
	});

	test('pages of twenty, in a stable order', async () => {
		const p1 = await api('q=ingenieur');
		const p2 = await api('q=ingenieur&page=2');
		assert.equal(p1.body.total, 25);
		assert.equal(p1.body.results.length, 20);
		assert.equal(p2.body.results.length, 5);
		const again = await api('q=ingenieur');
		assert.deepEqual(names(again.body), names(p1.body));
		const all = [...names(p1.body), ...names(p2.body)];
		assert.equal(new Set(all).size, 25);
	});

	test('an unknown filter value is refused, naming it; the page says it in the reader\'s language', async () => {
		const r = await api('country=XX');
		assert.equal(r.status, 400);
		assert.equal(r.body.error.field, 'country');
		const page = await fetch(`${srv.url}/fr/experts?sector=nope`);
		assert.equal(page.status, 422);
		assert.match(await page.text(), /Secteur/);
		const ar = await fetch(`${srv.url}/ar/experts?sector=nope`);
		assert.match(await ar.text(), /القطاع/);
	});

	test('the page works without JavaScript: facets are links that keep the query', async () => {
		const r = await fetch(`${srv.url}/fr/experts?q=${encodeURIComponent('cybersécurité')}`);
		const html = await r.text();
		assert.equal(r.status, 200);
		assert.match(html, /href="\/fr\/experts\?q=cybers%C3%A9curit%C3%A9&amp;country=CA">Canada<\/a> <span class="text-muted">\(1\)/);
		assert.match(html, /Experts trouvés : 2/);
		const ar = await (await fetch(`${srv.url}/ar/experts?q=${encodeURIComponent('الأمن السيبراني')}`)).text();
		assert.match(ar, /dir="rtl"/);
		assert.match(ar, /عدد الخبراء: 2/);
	});
});

describe('the index follows changes', () => {
	test('a profile saved on the web is found at once; a withdrawn consent hides it at once', async () => {
		const email = 'web@example.org';
		const c = new Client(srv.url);
		await c.get('/fr/signup');
		await c.post('/fr/signup', { email, password: PW, password2: PW, lang: 'fr', adult: 'yes', notice: 'yes' });
		await c.get(linkIn(lastMailTo(db, email, env), '/verify\\?token='));
		await c.get('/fr/signin');
		assert.equal((await c.post('/fr/signin', { email, password: PW })).status, 303);
		await c.get('/fr/profile/edit/identity');
		const saved = await c.post('/fr/profile/edit/identity', { name: 'Nadia Webb', name_ar: 'نادية', country: 'SG', city: 'Singapore', headline: 'Aéronautique et maintenance prédictive', bio: '' });
		assert.equal(saved.status, 303);
		await c.get('/fr/profile/consent');
		assert.equal((await c.post('/fr/profile/consent', { set: 'directory:1' })).status, 303);
		let r = await api('q=aeronautique');
		assert.deepEqual(names(r.body), ['Nadia Webb'], 'searchable as soon as the reply came');
		await c.get('/fr/profile/consent');
		assert.equal((await c.post('/fr/profile/consent', { set: 'directory:0' })).status, 303);
		r = await api('q=aeronautique');
		assert.deepEqual(names(r.body), [], 'gone as soon as the reply came');
	});

	test('an import by another process reaches the running server within a second', async () => {
		const file = path.join(tmp, 'late.jsonl');
		writeFileSync(file, JSON.stringify(expert(900, { headline: 'Hydrologue des oasis' })) + '\n');
		assert.equal(kafaat(['import', 'experts', file, '--db', db, '--consent-from-file'], env).status, 0);
		// The server polls once a second; the rest is the query's own time,
		// scaled like the start limit when every process runs under memcheck.
		const imported = Date.now();
		const slow = startMs / 20000;
		let found = [];
		while (Date.now() - imported < 5000 * slow) {
			found = names((await api('q=hydrologue')).body);
			if (found.length) break;
			await new Promise((ok) => setTimeout(ok, 50));
		}
		assert.deepEqual(found, ['Expert 900']);
		assert.ok(Date.now() - imported < (1000 + 2000) * slow, 'within a second of the import (plus the query)');
	});
});
