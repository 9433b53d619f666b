// The programme dashboard, the public statistics and the open data over
// HTTP (docs/INDICATORS.md), against a real server with an injected clock,
// on a generated population: `kafaat gen` experts imported with their
// consents, some accounts activated, needs, publications, applications,
// staffing and deliveries written by SQL. Every indicator is computed here
// again by its own SQL and the two must agree; the public tables publish
// no cell below k, in the page, the CSV and the JSON, and no hidden cell
// can be recovered by subtraction from another published figure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createHash, randomBytes } from 'node:crypto';
import { Client, enrolTotp, lastMailTo, linkIn } from '../client.mjs';
import { spawn } from 'node:child_process';
import { bin, freePort, kafaat, root, startMs, startServer } from '../kafaat.mjs';

const pgUrl = process.env.TEST_PG_URL;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-dashboard-'));
const clockFile = path.join(tmp, 'clock');
const now = Date.parse('2026-12-01T00:00:00Z') / 1000;
writeFileSync(clockFile, String(now));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';
const K = 10;
const DAY = 86400;
const iso = (t) => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

let srv, admin;

// ---- Helpers ---------------------------------------------------------------

function sql(text) {
	const [cmd, args] = pgUrl ? ['psql', ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', srv.db, '-c', text]]
		: ['sqlite3', ['-bail', '-cmd', '.timeout 10000', '-separator', '\t', srv.db, text]];
	const r = spawnSync(cmd, args, { encoding: 'utf8' });
	assert.equal(r.status, 0, `${text}: ${r.stderr}`);
	return r.stdout.split('\n').filter((l) => l !== '');
}
const num = (text) => Number(sql(text)[0]);

function cli(args) {
	const r = kafaat([...args, '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	return r.stdout;
}

async function fromLink(link, email) {
	const c = new Client(srv.url);
	await c.get(link);
	const token = new URL(srv.url + link).searchParams.get('token');
	assert.equal((await c.post('/fr/invitation', { token, password: PW, password2: PW })).status, 200);
	await c.get('/fr/signin');
	assert.equal((await c.post('/fr/signin', { email, password: PW })).status, 303);
	return c;
}

const median = (v) => {
	if (!v.length) return 0;
	const s = [...v].sort((a, b) => a - b);
	const n = s.length;
	return n % 2 ? s[(n - 1) / 2] : Math.trunc((s[n / 2 - 1] + s[n / 2]) / 2);
};
const secs = (t) => Date.parse(t) / 1000;

// ---- The population ---------------------------------------------------------

// 300 generated experts; four in five accounts activated (the others stay
// invited); needs in every state, with their events, applications and
// deliveries in 2025 and 2026.
function populate() {
	const file = path.join(tmp, 'experts.jsonl');
	writeFileSync(file, cli(['gen', '--experts', '300', '--seed', '29']));
	cli(['import', 'experts', file, '--consent-from-file']);
	const experts = sql("SELECT u.id FROM users u JOIN profiles p ON p.user_id = u.id WHERE u.status = 'invited' ORDER BY u.id").map(Number);
	assert.equal(experts.length, 300);
	const activated = experts.filter((_, i) => i % 5 !== 0);
	sql(`UPDATE users SET status = 'active' WHERE id IN (${activated.join(',')})`);
	// Two in three activated accounts verified their address.
	sql(`UPDATE users SET email_verified_at = '${iso(now - 500 * DAY)}' WHERE id IN (${activated.filter((_, i) => i % 3 !== 0).join(',')})`);
	// Two networks: members (and some pending requests, not counted).
	for (const [slug, pos] of [['stat-eau', 90], ['stat-sante', 91]])
		sql(`INSERT INTO networks (slug, kind, name_ar, name_fr, name_en, summary_ar, summary_fr, summary_en, position, created_at)
			VALUES ('${slug}', 'thematic', 'شبكة ${slug}', 'Réseau ${slug}', 'Network ${slug}', '', '', '', ${pos}, '${iso(now - 900 * DAY)}')`);
	experts.forEach((x, i) => {
		const rows = [];
		if (i % 4 === 1) rows.push(['stat-eau', 'member']);
		if (i % 6 === 2) rows.push(['stat-sante', 'member']);
		if (i % 10 === 3) rows.push(['stat-sante', 'pending']);
		for (const [slug, state] of rows)
			sql(`INSERT INTO network_members (network, user_id, state, requested_at, joined_at) VALUES ('${slug}', ${x}, '${state}', '${iso(now - 200 * DAY)}', ${state === 'member' ? `'${iso(now - 199 * DAY)}'` : 'NULL'})`);
	});
	// Project dossiers along the pipeline, for the funnel.
	const pipeline = [['submitted'], ['submitted', 'qualified'], ['submitted', 'qualified', 'oriented'], ['submitted', 'qualified', 'abandoned']];
	let pev = 9_900_000;
	pipeline.forEach((path, i) => {
		const pid = 9_800_000 + i, state = path[path.length - 1];
		sql(`INSERT INTO projects (id, holder_id, state, title, summary, sector_id, region, city, stage, investment, equity_percent, jobs, created_at, updated_at)
			VALUES (${pid}, ${experts[i]}, '${state}', 'Projet ${i}', 'Résumé', 'water', 'MA-04', 'Rabat', 'idea', 1000000, 30, 5, '${iso(now - 100 * DAY)}', '${iso(now - 100 * DAY)}')`);
		path.forEach((to, j) => sql(`INSERT INTO project_events (id, project_id, at, from_state, to_state) VALUES (${pev++}, ${pid}, '${iso(now - (100 - j) * DAY)}', '${j ? path[j - 1] : ''}', '${to}')`));
	});
	const inst = sql('SELECT id FROM institutions ORDER BY id')[0];
	const at = iso(now - 400 * DAY);
	// [state, sector, count]
	const plan = [['published', 'digital', 12], ['published', 'health', 11], ['published', 'energy', 3],
		['staffed', 'digital', 6], ['in_progress', 'water', 4], ['completed', 'education', 9],
		['cancelled', 'health', 2], ['draft', 'digital', 2]];
	let id = 9_100_000, ev = 9_500_000, eng = 9_700_000, e = 0;
	const delivered = [];
	for (const [state, sector, count] of plan)
		for (let i = 0; i < count; i++, id++) {
			const pub = now - ((state === 'completed' ? 560 : 300) - id % 250) * DAY; // completed: delivered in 2025
			const published = state !== 'draft';
			const region = ['MA-01', 'MA-04', null][id % 3];
			sql(`INSERT INTO needs (id, institution_id, state, title, sector_id, region, created_by, created_at, updated_at, published_at)
				VALUES (${id}, ${inst}, '${state}', 'Besoin ${id}', '${sector}', ${region ? `'${region}'` : 'NULL'}, NULL, '${at}', '${at}', ${published ? `'${iso(pub)}'` : 'NULL'})`);
			if (!published) continue;
			sql(`INSERT INTO need_events (id, need_id, at, from_state, to_state) VALUES (${ev++}, ${id}, '${iso(pub)}', 'submitted', 'published')`);
			// applications: 1 to 3, the first after a few hours to days
			for (let a = 0; a < 1 + (id % 3); a++) {
				const x = experts[e++ % experts.length];
				const created = pub + (id % 7) * 3600 * (a + 1) + 1800;
				const engState = state === 'completed' && a === 0 ? 'delivered' : state === 'in_progress' && a === 0 ? 'evaluated' : 'applied';
				const deliveredAt = engState === 'applied' ? null : pub + (20 + (id % 90)) * DAY;
				if (deliveredAt) delivered.push(x);
				sql(`INSERT INTO engagements (id, need_id, expert_id, origin, state, created_at, updated_at, delivered_at)
					VALUES (${eng++}, ${id}, ${x}, 'applied', '${engState}', '${iso(created)}', '${iso(created)}', ${deliveredAt ? `'${iso(deliveredAt)}'` : 'NULL'})`);
			}
			if (['staffed', 'in_progress', 'completed'].includes(state))
				sql(`INSERT INTO need_events (id, need_id, at, from_state, to_state) VALUES (${ev++}, ${id}, '${iso(pub + (3 + id % 11) * DAY)}', 'published', 'staffed')`);
		}
	assert.ok(delivered.length >= 10);
}

// ---- The same indicators by the test's own SQL ------------------------------

const since = iso(now - 365 * DAY);
const REG = "u.status = 'active' AND u.id IN (SELECT user_id FROM user_roles WHERE role = 'expert')";
const own = {
	registered: () => num(`SELECT COUNT(*) FROM users u WHERE ${REG}`),
	active: () => num(`SELECT COUNT(*) FROM users u JOIN profiles p ON p.user_id = u.id WHERE ${REG} AND p.confirmed_at >= '${since}'`),
	mobilised: () => num("SELECT COUNT(DISTINCT expert_id) FROM engagements WHERE state IN ('delivered', 'evaluated')"),
	needs: () => Object.fromEntries(sql('SELECT state, COUNT(*) FROM needs GROUP BY state').map((l) => { const [s, n] = l.split('\t'); return [s, Number(n)]; })),
	medianDays(second) {
		const firstPub = new Map();
		for (const l of sql("SELECT need_id, at FROM need_events WHERE to_state = 'published'")) {
			const [n, t] = l.split('\t');
			if (!firstPub.has(n) || t < firstPub.get(n)) firstPub.set(n, t);
		}
		const firstOther = new Map();
		for (const l of sql(second)) {
			const [n, t] = l.split('\t');
			if (!firstOther.has(n) || t < firstOther.get(n)) firstOther.set(n, t);
		}
		const d = [];
		for (const [n, t] of firstPub) if (firstOther.has(n)) d.push(Math.max(0, secs(firstOther.get(n)) - secs(t)));
		return d.length >= 3 ? Math.trunc((median(d) + 43200) / 86400) : null;
	},
	sectors(consented) {
		const c = consented ? "AND u.id IN (SELECT user_id FROM consents WHERE audience = 'statistics' AND granted = 1)" : '';
		const experts = new Map(sql(`SELECT ps.sector_id, COUNT(*) FROM profile_sectors ps JOIN users u ON u.id = ps.user_id JOIN profiles p ON p.user_id = u.id
			WHERE ${REG} AND p.confirmed_at >= '${since}' ${c} GROUP BY ps.sector_id`).map((l) => { const [s, n] = l.split('\t'); return [s, Number(n)]; }));
		const needs = new Map(sql("SELECT sector_id, COUNT(*) FROM needs WHERE state = 'published' GROUP BY sector_id").map((l) => { const [s, n] = l.split('\t'); return [s, Number(n)]; }));
		return sql('SELECT id FROM sectors ORDER BY position, id').map((id) => ({ id, experts: experts.get(id) ?? 0, needs: needs.get(id) ?? 0 }));
	},
	// verified address and a complete profile, each rule written here again
	identified: () => num(`SELECT COUNT(*) FROM users u JOIN profiles p ON p.user_id = u.id WHERE ${REG}
		AND u.email_verified_at IS NOT NULL AND (p.name <> '' OR p.name_ar <> '') AND p.country IS NOT NULL AND p.city <> ''
		AND p.headline <> '' AND u.id IN (SELECT user_id FROM profile_languages) AND u.id IN (SELECT user_id FROM profile_education)
		AND u.id IN (SELECT user_id FROM profile_experience) AND (SELECT COUNT(*) FROM profile_skills k WHERE k.user_id = u.id) >= 3
		AND u.id IN (SELECT user_id FROM profile_sectors) AND p.offer_modes <> '' AND p.offer_presence <> ''
		AND u.id IN (SELECT user_id FROM consents WHERE audience = 'institutions' AND granted = 1)`),
	// every breakdown of consenting registered experts: {dim: {key: [registered|engaged, active, mobilised]}};
	// the mission dimensions over engagements created (engaged) or delivered (mobilised) in [lo, hi]
	breakdowns(lo = '0000', hi = '9999') {
		const mob = new Set(sql("SELECT DISTINCT expert_id FROM engagements WHERE state IN ('delivered', 'evaluated')"));
		const people = sql(`SELECT u.id, COALESCE(p.country, ''), p.gender, COALESCE(p.birth_year, 0), COALESCE(p.confirmed_at, '') FROM users u JOIN profiles p ON p.user_id = u.id
			WHERE ${REG} AND u.id IN (SELECT user_id FROM consents WHERE audience = 'statistics' AND granted = 1)`).map((l) => l.split('\t'));
		const listOf = (q) => {
			const m = new Map();
			for (const l of sql(q)) { const [u, v] = l.split('\t'); m.set(u, [...(m.get(u) ?? []), v]); }
			return m;
		};
		const sectorsOf = listOf('SELECT user_id, sector_id FROM profile_sectors');
		const networksOf = listOf("SELECT user_id, network FROM network_members WHERE state = 'member'");
		const engOf = new Map();
		for (const l of sql("SELECT e.expert_id, CAST(n.institution_id AS TEXT), COALESCE(n.region, ''), e.state, e.created_at, COALESCE(e.delivered_at, e.updated_at) FROM engagements e JOIN needs n ON n.id = e.need_id")) {
			const [u, ...rest] = l.split('\t');
			engOf.set(u, [...(engOf.get(u) ?? []), rest]);
		}
		const band = (y) => { if (!Number(y)) return 'unknown'; const a = 2026 - Number(y); return a < 30 ? 'under_30' : a < 40 ? '30_39' : a < 50 ? '40_49' : a < 60 ? '50_59' : '60_plus'; };
		const want = { sector: {}, country: {}, gender: {}, age: {}, network: {}, institution: {}, region: {} };
		const add = (dim, key, p) => {
			const r = want[dim][key] ??= [0, 0, 0];
			r[0]++; if (p[4] >= since) r[1]++; if (mob.has(p[0])) r[2]++;
		};
		for (const p of people) {
			for (const sec of sectorsOf.get(p[0]) ?? []) add('sector', sec, p);
			for (const net of networksOf.get(p[0]) ?? []) add('network', net, p);
			add('country', p[1], p);
			add('gender', p[2], p);
			add('age', band(p[3]), p);
			for (const [dim, at] of [['institution', 0], ['region', 1]]) {
				const keys = new Map();
				for (const e of engOf.get(p[0]) ?? []) {
					const k = keys.get(e[at]) ?? [false, false];
					if (e[3] >= lo && e[3] <= hi) k[0] = true;
					if (['delivered', 'evaluated'].includes(e[2]) && e[4] >= lo && e[4] <= hi) k[1] = true;
					keys.set(e[at], k);
				}
				for (const [key, [engaged, mobilised]] of keys) {
					const r = want[dim][key] ??= [0, 0, 0];
					if (engaged) { r[0]++; if (p[4] >= since) r[1]++; }
					if (mobilised) r[2]++;
				}
			}
		}
		return { want, people };
	},
	funnel() {
		const reached = Object.fromEntries(sql('SELECT to_state, COUNT(DISTINCT project_id) FROM project_events GROUP BY to_state').map((l) => l.split('\t')));
		const nowIn = Object.fromEntries(sql('SELECT state, COUNT(*) FROM projects GROUP BY state').map((l) => l.split('\t')));
		return { reached, now: nowIn };
	},
	// cumulative mobilised experts by year of first delivery, and the pace
	progress() {
		const first = new Map();
		for (const l of sql("SELECT expert_id, COALESCE(delivered_at, updated_at) FROM engagements WHERE state IN ('delivered', 'evaluated')")) {
			const [x, t] = l.split('\t');
			if (!first.has(x) || t < first.get(x)) first.set(x, t);
		}
		const byYear = {};
		let pace = 0;
		for (const t of first.values()) {
			const y = Math.min(2030, Math.max(2025, Number(t.slice(0, 4))));
			byYear[y] = (byYear[y] ?? 0) + 1;
			if (t >= since) pace++;
		}
		const cum = {};
		let run = 0;
		for (let y = 2025; y <= 2030; y++) cum[y] = run += byYear[y] ?? 0;
		return { cum, pace };
	},
};

before(async () => {
	srv = await startServer({ env });
	// The population first: the server's idle keep-alive connections may
	// close while it is written (slow on PostgreSQL).
	populate();
	admin = await fromLink(linkIn(cli(['admin', 'create', 'equipe@example.org']), '/invitation\\?token='), 'equipe@example.org');
	await enrolTotp(admin, 'fr', now);
});
after(async () => {
	await srv?.stop();
	rmSync(tmp, { recursive: true, force: true });
});

const cellOf = (html, attr) => {
	const m = new RegExp(`data-ind="${attr}">([^<]*)<`).exec(html);
	assert.ok(m, `no ${attr} on the page`);
	return m[1];
};

describe('admin dashboard', () => {
	test('only the programme team sees it', async () => {
		assert.equal((await new Client(srv.url).get('/fr/admin/dashboard')).status, 303, 'anonymous: to sign-in');
	});

	test('every indicator agrees with its own SQL', async () => {
		const r = await admin.get('/fr/admin/dashboard');
		assert.equal(r.status, 200);
		const h = r.text;
		assert.ok(own.registered() >= 240);
		assert.equal(Number(cellOf(h, 'registered')), own.registered());
		assert.equal(Number(cellOf(h, 'active')), own.active());
		assert.ok(own.active() > 0 && own.active() < own.registered(), 'active and registered are counted apart');
		assert.equal(Number(cellOf(h, 'mobilised')), own.mobilised());
		const needs = own.needs();
		for (const s of ['draft', 'submitted', 'published', 'staffed', 'in_progress', 'completed', 'cancelled'])
			assert.equal(Number(cellOf(h, `needs-${s}`)), needs[s] ?? 0, s);
		const app = own.medianDays("SELECT need_id, created_at FROM engagements WHERE origin = 'applied'");
		const staff = own.medianDays("SELECT need_id, at FROM need_events WHERE to_state = 'staffed'");
		assert.ok(app !== null && staff !== null);
		assert.match(cellOf(h, 'to-application'), new RegExp(`^${app} jours$`));
		assert.match(cellOf(h, 'to-staffing'), new RegExp(`^${staff} jours$`));
	});

	test('the period filter: flows within the dates; a bad date or order is refused with its message', async () => {
		const [from, to] = ['2026-01-01', '2026-06-30'];
		const lo = `${from}T00:00:00Z`, hi = `${to}T23:59:59Z`;
		const r = await admin.get(`/fr/admin/dashboard?from=${from}&to=${to}`);
		assert.equal(r.status, 200);
		const published = num(`SELECT COUNT(*) FROM (SELECT need_id, MIN(at) AS at FROM need_events WHERE to_state = 'published' GROUP BY need_id) p WHERE p.at BETWEEN '${lo}' AND '${hi}'`);
		const firsts = sql("SELECT MIN(COALESCE(delivered_at, updated_at)) FROM engagements WHERE state IN ('delivered', 'evaluated') GROUP BY expert_id");
		const mobilised = firsts.filter((t) => t >= lo && t <= hi).length;
		assert.ok(published > 0 && mobilised > 0 && published < num("SELECT COUNT(DISTINCT need_id) FROM need_events WHERE to_state = 'published'"));
		assert.equal(Number(cellOf(r.text, 'period-published')), published);
		assert.equal(Number(cellOf(r.text, 'period-mobilised')), mobilised);
		assert.match(r.text, /id="f-from" name="from" value="2026-01-01"/);

		const bad = await admin.get('/fr/admin/dashboard?from=2026-02-30&to=');
		assert.equal(bad.status, 422);
		assert.match(bad.text, /id="e-from">Écrivez une date réelle sous la forme AAAA-MM-JJ\.</);
		assert.ok(!bad.text.includes('data-ind="period-published"'));
		const order = await admin.get('/fr/admin/dashboard?from=2026-06-01&to=2026-01-01');
		assert.equal(order.status, 422);
		assert.match(order.text, /id="e-to">La fin de la période précède son début\.</);
		assert.equal((await admin.get('/fr/admin/dashboard?from=2026-01-01T00:00')).status, 400, 'longer than a date: refused by the route');
	});

	test('supply and demand per sector, with the alert past the ratio', async () => {
		const h = (await admin.get('/fr/admin/dashboard')).text;
		let alerts = 0;
		for (const s of own.sectors(false)) {
			const m = new RegExp(`<tr data-sector="${s.id}"><th scope="row">[^<]*</th><td>(\\d+)</td><td>(\\d+)</td><td>(.*?)</td></tr>`).exec(h);
			assert.ok(m, s.id);
			assert.equal(Number(m[1]), s.experts, `${s.id} experts`);
			assert.equal(Number(m[2]), s.needs, `${s.id} needs`);
			const alert = s.needs > 0 && s.needs >= 2 * s.experts;
			alerts += alert;
			assert.equal(m[3].includes('badge'), alert, `${s.id} alert`);
		}
		assert.ok(h.includes(`Secteurs en alerte : ${alerts}`));
	});

	test('breakdowns by sector, country, gender and age band count consenting experts only', async () => {
		const h = (await admin.get('/fr/admin/dashboard')).text;
		const mob = new Set(sql("SELECT DISTINCT expert_id FROM engagements WHERE state IN ('delivered', 'evaluated')"));
		const people = sql(`SELECT u.id, COALESCE(p.country, ''), p.gender, COALESCE(p.birth_year, 0), COALESCE(p.confirmed_at, '') FROM users u JOIN profiles p ON p.user_id = u.id
			WHERE ${REG} AND u.id IN (SELECT user_id FROM consents WHERE audience = 'statistics' AND granted = 1)`).map((l) => l.split('\t'));
		const sectorsOf = new Map();
		for (const l of sql('SELECT user_id, sector_id FROM profile_sectors')) {
			const [u, sec] = l.split('\t');
			sectorsOf.set(u, [...(sectorsOf.get(u) ?? []), sec]);
		}
		const band = (y) => { if (!Number(y)) return 'unknown'; const a = 2026 - Number(y); return a < 30 ? 'under_30' : a < 40 ? '30_39' : a < 50 ? '40_49' : a < 60 ? '50_59' : '60_plus'; };
		const want = { sector: {}, country: {}, gender: {}, age: {} };
		const add = (dim, key, p) => {
			const r = want[dim][key] ??= [0, 0, 0];
			r[0]++; if (p[4] >= since) r[1]++; if (mob.has(p[0])) r[2]++;
		};
		for (const p of people) {
			for (const sec of sectorsOf.get(p[0]) ?? []) add('sector', sec, p);
			add('country', p[1], p);
			add('gender', p[2], p);
			add('age', band(p[3]), p);
		}
		assert.ok(people.length > 100 && people.length < own.registered(), 'some registered experts did not consent');
		for (const dim of Object.keys(want)) {
			const table = new RegExp(`<table[^>]* id="by-${dim}"[\\s\\S]*?</table>`).exec(h);
			assert.ok(table, dim);
			const got = {};
			for (const m of table[0].matchAll(/<tr data-key="([^"]*)"><th scope="row">[^<]*<\/th><td>(\d+)<\/td><td>(\d+)<\/td><td>(\d+)<\/td><\/tr>/g))
				if (dim !== 'age' || Number(m[2]) > 0) got[m[1]] = [Number(m[2]), Number(m[3]), Number(m[4])];
			assert.deepEqual(got, want[dim], dim);
		}
	});

	test('identified experts: a verified address and a complete profile, by the test\'s own rules', async () => {
		const h = (await admin.get('/fr/admin/dashboard')).text;
		const ident = own.identified();
		assert.ok(ident > 0 && ident < own.registered(), `identified ${ident} is a strict part of registered`);
		assert.ok(ident < num(`SELECT COUNT(*) FROM users u WHERE ${REG} AND u.email_verified_at IS NOT NULL`), 'some verified profiles are incomplete');
		assert.equal(Number(cellOf(h, 'identified')), ident);
	});

	test('"complete" is one definition: the expert\'s checklist and the identified count agree, through the real forms', async () => {
		const identified = async () => Number(cellOf((await admin.get('/fr/admin/dashboard')).text, 'identified'));
		const c = new Client(srv.url);
		await c.get('/fr/signup');
		await c.post('/fr/signup', { email: 'dina@example.org', password: PW, password2: PW, lang: 'fr', adult: 'yes', notice: 'yes' });
		await c.get(linkIn(lastMailTo(srv.db, 'dina@example.org', env), '/verify\\?token='));
		await c.get('/fr/signin');
		assert.equal((await c.post('/fr/signin', { email: 'dina@example.org', password: PW })).status, 303);
		const complete = async () => (await c.get('/fr/profile')).text.includes('Votre profil est complet.');
		const base = await identified();
		const steps = [
			['identity', { name: 'Dina Alaoui', name_ar: 'دينا العلوي', country: 'DE', city: 'Berlin', headline: 'Hydrologue' }],
			['languages', { lang_0_code: 'arabe', lang_0_level: 'C2' }],
			['education', { edu_0_degree: 'Master en hydrologie', edu_0_country: 'Allemagne', edu_0_year: '2012' }],
			['experience', { exp_0_role: 'Hydrologue', exp_0_organisation: 'Stadtwerke', exp_0_from: '2013-01' }],
			['skills', { skill_0_name: 'Hydrologie urbaine', skill_0_level: '4', skill_1_name: 'Modélisation des crues', skill_1_level: '4', skill_2_name: 'Gestion de projet', skill_2_level: '3' }],
			['sectors', { sec_0: 'water' }],
			['offer', { mode_0: 'ponctuelle', presence_0: 'remote' }],
		];
		for (const [step, form] of steps) {
			assert.equal(await complete(), false, `before ${step}`);
			assert.equal(await identified(), base, `not identified before ${step}`);
			await c.get(`/fr/profile/edit/${step}`);
			const r = await c.post(`/fr/profile/edit/${step}`, form);
			assert.equal(r.status, 303, `${step}: ${r.status}`);
		}
		const consent = async (granted) => {
			await c.get('/fr/profile/consent');
			assert.equal((await c.post('/fr/profile/consent', { set: `institutions:${granted}` })).status, 303);
		};
		assert.equal(await complete(), false, 'the consent is still missing');
		await consent(1);
		assert.equal(await complete(), true, 'the checklist: complete');
		assert.equal(await identified(), base + 1, 'counted as identified');
		assert.equal(await identified(), own.identified(), 'and by the test\'s own rules');
		sql("UPDATE users SET email_verified_at = NULL WHERE email = 'dina@example.org'");
		assert.equal(await identified(), base, 'an unverified address is not identified');
		sql(`UPDATE users SET email_verified_at = '${iso(now)}' WHERE email = 'dina@example.org'`);
		await consent(0);
		assert.equal(await complete(), false);
		assert.equal(await identified(), base, 'withdrawn: no longer identified');
		await consent(1);
	});

	// The rows of table by-DIM on the page: {key: [three counts]}, all-zero rows left out.
	const pageRows = (h, dim) => {
		const table = new RegExp(`<table[^>]* id="by-${dim}"[\\s\\S]*?</table>`).exec(h);
		assert.ok(table, dim);
		const got = {};
		for (const m of table[0].matchAll(/<tr data-key="([^"]*)"><th scope="row">[^<]*<\/th><td>(\d+)<\/td><td>(\d+)<\/td><td>(\d+)<\/td><\/tr>/g))
			if (Number(m[2]) + Number(m[3]) + Number(m[4]) > 0) got[m[1]] = [Number(m[2]), Number(m[3]), Number(m[4])];
		return got;
	};

	test('breakdowns by network, institution and region of the missions agree with their own SQL; the period applies to missions', async () => {
		const h = (await admin.get('/fr/admin/dashboard')).text;
		const { want } = own.breakdowns();
		for (const dim of ['network', 'institution', 'region']) {
			assert.ok(Object.keys(want[dim]).length >= (dim === 'institution' ? 1 : 2), `${dim}: several keys`);
			assert.deepEqual(pageRows(h, dim), want[dim], dim);
		}
		assert.ok(h.includes('Réseau stat-eau'), 'networks by name');
		assert.ok(Object.values(want.region).some((r) => r[2] > 0), 'someone mobilised in a region');
		assert.equal(Number(sql("SELECT COUNT(*) FROM network_members WHERE state = 'pending'")[0]) > 0, true, 'pending requests exist and are not counted (the deepEqual above)');

		const [from, to] = ['2026-01-01', '2026-06-30'];
		const p = (await admin.get(`/fr/admin/dashboard?from=${from}&to=${to}`)).text;
		const inPeriod = own.breakdowns(`${from}T00:00:00Z`, `${to}T23:59:59Z`).want;
		for (const dim of ['institution', 'region']) assert.deepEqual(pageRows(p, dim), inPeriod[dim], `${dim} in the period`);
		assert.notDeepEqual(inPeriod.region, want.region, 'the period changes the mission figures');
		assert.deepEqual(pageRows(p, 'network'), want.network, 'the period does not apply to people');
	});

	test('the projects funnel: dossiers that reached each stage and those in it now', async () => {
		const h = (await admin.get('/fr/admin/dashboard')).text;
		const table = /<table[^>]* id="funnel"[\s\S]*?<\/table>/.exec(h)[0];
		const rows = [...table.matchAll(/<tr><th scope="row">[^<]*<\/th><td>(\d+)<\/td><td>(\d+)<\/td><\/tr>/g)].map((m) => [Number(m[1]), Number(m[2])]);
		const { reached, now: nowIn } = own.funnel();
		const states = ['submitted', 'qualified', 'oriented', 'accompanied', 'realised', 'on_hold', 'abandoned'];
		assert.equal(rows.length, states.length);
		states.forEach((st, i) => assert.deepEqual(rows[i], [Number(reached[st] ?? 0), Number(nowIn[st] ?? 0)], st));
		assert.deepEqual(rows[0], [4, 1]);
		const page = (await admin.get('/fr/admin/projects/figures')).text;
		const theirs = /<table[^>]* id="funnel"[\s\S]*?<\/table>/.exec(page)[0];
		const them = [...theirs.matchAll(/<td>(\d+)<\/td><td>(\d+)<\/td>/g)].map((m) => [Number(m[1]), Number(m[2])]);
		assert.deepEqual(them, rows, 'the same funnel as the projects\' figures');
	});

	test('progress: cumulative mobilised per year, the target and the pace; chart and table', async () => {
		const h = (await admin.get('/fr/admin/dashboard')).text;
		const { cum, pace } = own.progress();
		for (const y of [2025, 2026]) {
			const m = new RegExp(`<td data-year="${y}">(\\d+)</td>`).exec(h);
			assert.ok(m, `year ${y}`);
			assert.equal(Number(m[1]), cum[y], `cumulative ${y}`);
		}
		assert.ok(cum[2026] > cum[2025] && cum[2025] > 0, 'deliveries in both years');
		assert.ok(h.includes(`douze derniers mois : ${pace}<`), 'the pace');
		assert.match(h, /<tr><th scope="row">2030<\/th><td>10000<\/td>/);
		assert.match(h, /<svg [^>]*role="img" aria-label="[^"]+"/);
		assert.match(h, /<svg[^>]*>\s*<title>[^<]+<\/title>/);
		assert.match(h, /<polyline points="\d+,\d+ \d+,\d+/);
	});
});

// ---- Public statistics --------------------------------------------------------

// The true values of the public table by_DIM, row by row (want: own.breakdowns()):
// gender and age list every key; the other dimensions the keys of k or more
// (first column), the rest summed into "other".
const fixed = { gender: ['f', 'm', 'x', 'none'], age: ['under_30', '30_39', '40_49', '50_59', '60_plus', 'unknown'] };
function byTruth(want, dim) {
	const truth = new Map();
	const keyOf = (k) => (k === '' ? 'none' : k);
	if (fixed[dim]) for (const k of fixed[dim]) truth.set(k, [0, 0, 0]);
	for (const [k, v] of Object.entries(want[dim])) {
		const id = fixed[dim] ? keyOf(k) : v[0] >= K ? keyOf(k) : 'other';
		const r = truth.get(id) ?? [0, 0, 0];
		truth.set(id, r.map((x, i) => x + v[i]));
	}
	return truth;
}

async function openData() {
	const r = await fetch(`${srv.url}/en/statistics/data.json`);
	assert.equal(r.status, 200);
	return r.json();
}

describe('public statistics and open data', () => {
	test('the page, the CSV and the JSON publish the same cells; none below k', async () => {
		const j = await openData();
		assert.equal(j.min_cell, K);
		const cells = [];
		for (const t of j.tables)
			for (const row of t.rows)
				row.values.forEach((v, i) => cells.push({ table: t.id, row: row.id, column: t.columns[i], v }));
		for (const c of cells) assert.ok(c.v === null || c.v >= K, `${c.table}/${c.row}/${c.column} = ${c.v}`);
		assert.ok(cells.some((c) => c.v !== null) && cells.some((c) => c.v === null), 'some shown, some hidden');

		const csv = await fetch(`${srv.url}/en/statistics/data.csv`);
		assert.match(csv.headers.get('content-type'), /^text\/csv/);
		const bytes = new Uint8Array(await csv.arrayBuffer());
		assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM');
		const lines = new TextDecoder().decode(bytes.slice(3)).split('\r\n').filter(Boolean);
		assert.equal(lines[0], 'table,row,label,column,value');
		const rows = lines.slice(1).map((l) => { const f = l.split(','); return { table: f[0], row: f[1], column: f[f.length - 2], v: f[f.length - 1] === '' ? null : Number(f[f.length - 1]) }; });
		assert.deepEqual(rows, cells);

		const page = await (await fetch(`${srv.url}/fr/statistics`)).text();
		const shown = [...page.matchAll(/<span class="kf-n">(\d+)<\/span>/g)].map((m) => Number(m[1]));
		const hidden = [...page.matchAll(/<span class="kf-hidden">/g)].length;
		assert.deepEqual(shown, cells.filter((c) => c.v !== null).map((c) => c.v));
		assert.equal(hidden, cells.filter((c) => c.v === null).length);

		const dict = await (await fetch(`${srv.url}/ar/statistics/dictionary.json`)).json();
		assert.equal(dict.language, 'ar');
		for (const c of cells) assert.ok(dict.columns[c.column] && dict.tables[c.table], c.column);
		for (const f of ['table', 'row', 'label', 'column', 'value']) assert.ok(dict.csv_fields[f]);
	});

	test('the published cells are the indicators (consenting experts in breakdowns)', async () => {
		const j = await openData();
		const experts = j.tables.find((t) => t.id === 'experts');
		const want = { registered: own.registered(), identified: own.identified(), active: own.active(), mobilised: own.mobilised() };
		experts.columns.forEach((c, i) => assert.equal(experts.rows[0].values[i], want[c] >= K ? want[c] : null, c));
		const sectors = j.tables.find((t) => t.id === 'sectors');
		const mine = own.sectors(true);
		assert.deepEqual(sectors.rows.map((r) => r.id), mine.map((s) => s.id));
		sectors.rows.forEach((r, i) => {
			if (r.values[0] !== null) assert.equal(r.values[0], mine[i].experts, r.id);
			if (r.values[1] !== null) assert.equal(r.values[1], mine[i].needs, r.id);
		});
		const all = own.sectors(false);
		assert.ok(mine.some((s, i) => s.experts < all[i].experts), 'experts without consent to statistics are left out');
	});

	test('identified, and the breakdowns by country, gender, age, network and region: right rows, right values, suppressed by column', async () => {
		const j = await openData();
		const experts = j.tables.find((t) => t.id === 'experts');
		assert.deepEqual(experts.columns, ['registered', 'identified', 'active', 'mobilised']);
		const ident = own.identified();
		assert.equal(experts.rows[0].values[1], ident >= K ? ident : null);
		const { want } = own.breakdowns();
		let hiddenSeen = 0;
		for (const dim of ['country', 'gender', 'age', 'network', 'region']) {
			const t = j.tables.find((x) => x.id === `by_${dim}`);
			assert.ok(t, dim);
			assert.deepEqual(t.columns, [dim === 'region' ? 'engaged' : 'registered', 'active', 'mobilised']);
			const truth = byTruth(want, dim);
			assert.deepEqual(t.rows.map((r) => r.id).sort(), [...truth.keys()].sort(), `${dim}: the rows published`);
			if (!fixed[dim]) assert.ok(t.rows.every((r) => r.id === 'other' || want[dim][r.id === 'none' ? '' : r.id][0] >= K), `${dim}: no named key below k`);
			for (let c = 0; c < 3; c++) {
				const col = t.rows.map((r) => ({ v: r.values[c], truth: truth.get(r.id)[c] }));
				const hidden = col.filter((x) => x.v === null);
				for (const x of col) if (x.v !== null) { assert.ok(x.v >= K, `${dim}/${c}: ${x.v} below k`); assert.equal(x.v, x.truth, `${dim}/${c}`); }
				for (const x of col) if (x.truth < K) assert.equal(x.v, null, `${dim}/${c}: a small cell shown`);
				if (hidden.length && hidden.length < col.length) {
					assert.ok(hidden.length >= 2, `${dim}/${c}: a lone hidden cell`);
					assert.ok(hidden.reduce((a, x) => a + x.truth, 0) >= K, `${dim}/${c}: hidden cells add up to less than k`);
				}
				hiddenSeen += hidden.length;
			}
		}
		assert.ok(hiddenSeen > 0, 'some breakdown cells are hidden');
		const page = await (await fetch(`${srv.url}/ar/statistics`)).text();
		for (const dim of ['country', 'gender', 'age', 'network', 'region']) assert.ok(page.includes(`id="table-by_${dim}"`), dim);
		const dict = await (await fetch(`${srv.url}/fr/statistics/dictionary.json`)).json();
		for (const id of ['by_country', 'by_gender', 'by_age', 'by_network', 'by_region']) assert.ok(dict.tables[id], id);
		for (const c of ['identified', 'engaged']) assert.ok(dict.columns[c], c);
	});

	test('the partner API publishes under the same suppression and threshold', async () => {
		const id = 8_800_001, tokenId = 8_800_002, token = randomBytes(32).toString('base64url');
		const at = '2026-01-01T00:00:00Z';
		sql(`INSERT INTO users (id, email, lang, status, created_at, updated_at) VALUES (${id}, 'observatoire@example.org', 'fr', 'active', '${at}', '${at}')`);
		sql(`INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, created_at, expires_at) VALUES (${tokenId}, ${id}, 'test', '${createHash('sha256').update(token).digest('hex')}', 'read_statistics', '${at}', NULL)`);
		const r = await fetch(`${srv.url}/api/v1/statistics`, { headers: { Authorization: `Bearer ${token}` } });
		assert.equal(r.status, 200);
		const a = await r.json();
		assert.equal(a.suppressed_below, K);
		const j = await openData();
		const pub = j.tables.find((t) => t.id === 'experts');
		assert.deepEqual(a.experts, Object.fromEntries(pub.columns.map((c, i) => [c, pub.rows[0].values[i]])), 'the experts\' figures as the open data');
		const needs = own.needs();
		const states = ['draft', 'submitted', 'published', 'staffed', 'in_progress', 'completed', 'cancelled'];
		assert.deepEqual(Object.keys(a.needs).sort(), [...states].sort());
		const hidden = states.filter((st) => a.needs[st] === null);
		for (const st of states) {
			if (a.needs[st] !== null) assert.equal(a.needs[st], needs[st] ?? 0, st);
			if ((needs[st] ?? 0) < K) assert.equal(a.needs[st], null, `${st}: small`);
		}
		assert.ok(hidden.length >= 2 && hidden.reduce((s, st) => s + (needs[st] ?? 0), 0) >= K, 'complementary suppression: no lone hidden count');
	});

	test('no hidden cell can be recovered by subtraction', async () => {
		const j = await openData();
		const sectorsT = j.tables.find((t) => t.id === 'sectors');
		const needsT = j.tables.find((t) => t.id === 'needs');
		const expertsT = j.tables.find((t) => t.id === 'experts');
		const mine = own.sectors(true);
		const needs = own.needs();
		// The groups and their true values: each sector column, the needs row.
		const groups = [
			{ name: 'sector experts', pub: sectorsT.rows.map((r) => r.values[0]), truth: mine.map((s) => s.experts) },
			{ name: 'sector needs', pub: sectorsT.rows.map((r) => r.values[1]), truth: mine.map((s) => s.needs) },
			{ name: 'needs by state', pub: needsT.rows[0].values, truth: needsT.columns.map((c) => needs[c] ?? 0) },
		];
		// Each column of each breakdown is a group too.
		const { want } = own.breakdowns();
		const byTables = j.tables.filter((t) => t.id.startsWith('by_'));
		for (const t of byTables) {
			const truth = byTruth(want, t.id.slice(3));
			for (let c = 0; c < t.columns.length; c++)
				groups.push({ name: `${t.id}/${t.columns[c]}`, pub: t.rows.map((r) => r.values[c]), truth: t.rows.map((r) => truth.get(r.id)[c]) });
		}
		// Every published figure is a candidate total, and so is every sum of
		// a shown column (the same people counted by another attribute).
		const totals = [...expertsT.rows[0].values, ...needsT.rows[0].values, ...sectorsT.rows.flatMap((r) => r.values),
			...byTables.flatMap((t) => t.rows.flatMap((r) => r.values)),
			...byTables.flatMap((t) => t.columns.map((_, c) => t.rows.reduce((a, r) => a + (r.values[c] ?? 0), 0)))].filter((v) => v !== null);
		let tried = 0;
		for (const g of groups) {
			const hiddenIdx = g.pub.map((v, i) => (v === null ? i : -1)).filter((i) => i >= 0);
			if (!hiddenIdx.length) continue;
			const hiddenSum = hiddenIdx.reduce((s, i) => s + g.truth[i], 0);
			assert.ok(hiddenIdx.length >= 2 || hiddenIdx.length === g.pub.length, `${g.name}: a lone hidden cell`);
			assert.ok(hiddenSum >= K || hiddenIdx.length === g.pub.length, `${g.name}: hidden cells add up to ${hiddenSum}`);
			const shownSum = g.pub.reduce((s, v) => s + (v ?? 0), 0);
			for (const t of totals) {
				const d = t - shownSum;
				tried++;
				for (const i of hiddenIdx) // a difference equal to a hidden cell must not single it out
					if (d === g.truth[i]) assert.ok(hiddenIdx.length >= 2 && hiddenSum >= K, `${g.name}: ${t} − ${shownSum} recovers cell ${i}`);
			}
		}
		assert.ok(tried > 0, 'there were hidden cells to attack');
		// The needs published per sector never exceed the published needs cell.
		const open = needsT.rows[0].values[needsT.columns.indexOf('published')];
		if (open !== null) assert.ok(sectorsT.rows.reduce((s, r) => s + (r.values[1] ?? 0), 0) <= open);
	});

	test('CSV cells that start like a formula are neutralised', async () => {
		// The labels come from the reference data, read at start: a second
		// server on the same database reads a sector name that starts with "=".
		const original = sql("SELECT name_en FROM sectors WHERE id = 'mining'")[0];
		sql("UPDATE sectors SET name_en = '=HYPERLINK(\"http://x\")' WHERE id = 'mining'");
		const port = await freePort();
		const child = spawn(bin, ['serve', '--db', srv.db, '--listen', `127.0.0.1:${port}`], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
		try {
			await new Promise((ok, fail) => {
				let out = '';
				const timer = setTimeout(() => fail(new Error('second server did not start')), startMs);
				child.stdout.on('data', (d) => { out += d; if (out.includes('serving http://')) { clearTimeout(timer); ok(); } });
				child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`exited ${code}`)); });
			});
			const text = await (await fetch(`http://127.0.0.1:${port}/en/statistics/data.csv`)).text();
			const line = text.split('\r\n').find((l) => l.startsWith('sectors,mining,'));
			assert.ok(line, 'the mining row');
			assert.ok(line.startsWith('sectors,mining,"\'=HYPERLINK(""http://x"")",'), line);
			assert.ok(!/(^|,)[=+@-]/m.test(text.replace(/^\uFEFF/, '')), 'no cell starts like a formula');
		} finally {
			if (child.exitCode === null && child.signalCode === null) {
				const gone = new Promise((ok) => child.once('exit', ok));
				child.kill('SIGTERM');
				await gone;
			}
			sql(`UPDATE sectors SET name_en = '${original.replaceAll("'", "''")}' WHERE id = 'mining'`);
		}
	});
});
