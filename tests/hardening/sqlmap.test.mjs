// sqlmap (Debian's package) against the search and form endpoints of a real
// server on a fresh database (SQLite, or PostgreSQL with TEST_PG_URL):
// the experts' search page and API with their filters, the needs board and
// its API, the sign-in and sign-up forms (with their CSRF token, fetched
// again by sqlmap before each request: --csrf-token/--csrf-url), a signed-in
// expert's profile form, an institution officer's need form, an
// institution owner's sectoral plan forms (new and edit), the programme
// team's dashboard period, project queue filter, invitation and network
// forms, institution forms (new and edit), list of plans (its year),
// answer to an expert's proposal and consultation forms (new, edit, a
// question of each kind whose fields differ) (the cookie of a real
// session), a network coordinator's event and announcement forms, a
// network member's introduction request, new discussion thread and reply.
// A target fails when sqlmap reports an injectable
// parameter, when a parameter it was given was not tested, or when the
// server answered 500 or 403; at the end the server must still answer and stop
// with exit 0. The network, institution, plan, proposal and consultation
// forms are each posted once with their values first: the baseline sqlmap
// starts from must be accepted (303), else it would compare refusals with
// refusals. An introduction is open once per pair of
// members: before each of sqlmap's requests (--safe-url, --safe-freq=1) a
// small server here has the coordinator refuse the open ones, so that the
// same request is accepted again. Where no page can undo what a request
// did, such a server undoes it in the database before each request: it
// deletes the owner's plan (one a year), puts the proposal back to
// "received" without answers (an answer is a one-way step), and sets the
// plan's version and the draft consultation's sequence back to the ones
// their forms carry (a form read before a change is refused, 409),
// deleting the draft's questions (ten at most).
//
// The default is the short run of the hardening suite (level 1, risk 1,
// boolean, error, union, stacked and time-based techniques, a few seconds a
// target). `make sqlmap` (scripts/sqlmap.sh) runs the long one: SQLMAP_LEVEL,
// SQLMAP_RISK, SQLMAP_TECHNIQUE (letters of sqlmap's --technique) and
// SQLMAP_TIME_SEC set its bounds. Sign-in and sign-up are throttled per
// address: the server trusts 127.0.0.1 as its proxy and sqlmap's
// xforwardedfor tamper gives each request another X-Forwarded-For, so the
// throttle does not hide the queries behind 429 answers (all traffic stays
// on the loopback; the header is only text).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client, enrolTotp, lastMailTo, linkIn } from '../client.mjs';
import { startServer } from '../kafaat.mjs';
import { PASSWORD, fromInvitation, makeAdmin, makeExpert, makeInstitution, sql } from './lib.mjs';

const SQLMAP = '/usr/bin/sqlmap';
const have = spawnSync(SQLMAP, ['--version'], { encoding: 'utf8' }).status === 0;
const LEVEL = process.env.SQLMAP_LEVEL || '1';
const RISK = process.env.SQLMAP_RISK || '1';
const TECHNIQUE = process.env.SQLMAP_TECHNIQUE || 'BEUST';
const TIME_SEC = process.env.SQLMAP_TIME_SEC || '2';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-sqlmap-'));
// Staff sessions end after 30 idle minutes by default: a long run on a
// loaded machine reaches the officer's and the admin's targets later than
// that.
const env = {
	KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_SERVER_TRUSTED_PROXY: '127.0.0.1',
	KAFAAT_AUTH_STAFF_IDLE_MINUTES: '1440',
};
let srv, admin, expert, officer, institution;
// owner: an owner of the same institution (a ministry), who declares its
// sectoral plans.
let owner;
// The network of the coordinator's and the member's forms: created and
// joined through the pages. peer: another member, on the roster (consent to
// network peers), whom the member asks to be introduced to.
const NET = 'reseau-sqlmap';
let coordinator, member, peer;
const figures = [];

before(async () => {
	if (!have) return;
	srv = await startServer({ env });
	const site = { url: srv.url, db: srv.db, env };
	admin = await makeAdmin(site);
	({ id: institution, officer } = await makeInstitution(site, admin));
	await admin.get('/en/admin/invitations');
	const invited = await admin.post('/en/admin/invitations', { email: 'sqlmap.owner@example.org', institution, role: 'owner', lang: 'fr' });
	assert.equal(invited.status, 200, `owner: ${invited.status}`);
	owner = await fromInvitation(site, linkIn(lastMailTo(site.db, 'sqlmap.owner@example.org', env), '/invitation\\?token='), 'sqlmap.owner@example.org');
	expert = await makeExpert(site, 'sqlmap.expert@example.org');
	await admin.get('/en/admin/networks');
	const made = await admin.post('/en/admin/networks', {
		slug: NET, kind: 'thematic', membership: 'open', name_ar: 'شبكة', name_fr: 'Réseau sqlmap', name_en: 'sqlmap network',
		summary_ar: 'ملخص.', summary_fr: 'Résumé.', summary_en: 'Summary.',
	});
	assert.equal(made.status, 303, `network: ${made.status}`);
	coordinator = await makeExpert(site, 'sqlmap.coordinator@example.org');
	await admin.get(`/en/admin/networks/${NET}`);
	const appointed = await admin.post(`/en/admin/networks/${NET}/coordinators`, { email: 'sqlmap.coordinator@example.org', action: 'add' });
	assert.equal(appointed.status, 303, `coordinator: ${appointed.status}`);
	await enrolTotp(coordinator, 'fr'); // staff: a second factor first
	member = await makeExpert(site, 'sqlmap.member@example.org');
	peer = await makeExpert(site, 'sqlmap.peer@example.org');
	await peer.get('/fr/profile/consent');
	assert.equal((await peer.post('/fr/profile/consent', { set: 'networks:1' })).status, 303, 'consent to network peers');
	for (const c of [member, peer]) {
		await c.get(`/fr/networks/${NET}`);
		const r = await c.post(`/fr/networks/${NET}/join`, {});
		assert.equal(r.status, 303, `join: ${r.status}`);
	}
	assert.match((await member.get(`/fr/networks/${NET}/members`)).text, new RegExp(`id="m-${peer.id}"`), 'the peer is on the roster');
});

after(async () => {
	if (srv) {
		assert.equal((await fetch(`${srv.url}/healthz`)).status, 200, 'the server still answers');
		await srv.stop(); // throws unless the exit status is 0
	}
	rmSync(tmp, { recursive: true, force: true });
	if (figures.length) console.log(`sqlmap level ${LEVEL}, risk ${RISK}, techniques ${TECHNIQUE}, ${process.env.TEST_PG_URL ? 'PostgreSQL' : 'SQLite'}:\n${figures.join('\n')}`);
});

const encode = (form) => new URLSearchParams(form).toString();

// The cookie header and the CSRF token of a client, after it opened `page`.
async function session(c, page) {
	try {
		await c.get(page);
	} catch (e) {
		throw new Error(`GET ${page}: ${e.message} (${e.cause?.code ?? e.cause?.message ?? ''})`);
	}
	return { cookie: c.cookieHeader(), csrf: c.csrf };
}

// Runs sqlmap on one target; returns its output. t: {url, params, data?,
// cookie?, csrfUrl?, tamper?, safeUrl? (visited before each request),
// eval? (Python run by sqlmap before each request, on the parameters)}.
// (Asynchronous: a blocked event loop would leave Node's idle keep-alive
// sockets to the server unread, and the next fetch would take a closed one.)
async function sqlmap(name, t, base = srv.url) {
	const args = [
		'-u', base + t.url, '--batch', '--disable-coloring', '--flush-session', '--skip-waf',
		`--level=${LEVEL}`, `--risk=${RISK}`, `--technique=${TECHNIQUE}`, `--time-sec=${TIME_SEC}`,
		'--output-dir', path.join(tmp, 'out'), '--timeout=30', '--retries=1',
		'-p', t.params.join(','),
	];
	if (t.data) args.push('--data', encode(t.data));
	if (t.cookie) args.push('--cookie', t.cookie);
	if (t.csrfUrl) args.push('--csrf-token=csrf', `--csrf-url=${srv.url}${t.csrfUrl}`);
	if (t.tamper) args.push(`--tamper=${t.tamper}`);
	if (t.safeUrl) args.push(`--safe-url=${t.safeUrl}`, '--safe-freq=1');
	if (t.eval) args.push(`--eval=${t.eval}`);
	const started = Date.now();
	const child = spawn(SQLMAP, args, { env: { ...process.env, HOME: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	child.stdout.on('data', (d) => { out += d; });
	child.stderr.on('data', (d) => { out += d; });
	const r = await new Promise((resolve) => child.once('close', (status) => resolve({ status })));
	const codes = /HTTP error codes detected during run:\s*\n([^\n]*)/.exec(out)?.[1] ?? 'none';
	const requests = out.match(/testing '/g)?.length ?? 0;
	figures.push(`  ${name}: ${t.params.length} parameters, ${requests} tests, ${((Date.now() - started) / 1000).toFixed(1)} s, non-2xx answers: ${codes}`);
	return { out, status: r.status, codes };
}

const INJECTABLE = /identified the following injection point|is vulnerable/;

async function assertNotInjectable(name, t) {
	const { out, status, codes } = await sqlmap(name, t);
	const where = `${name}\n${out.slice(-3000)}`;
	assert.equal(status, 0, where);
	assert.doesNotMatch(out, INJECTABLE, where);
	assert.doesNotMatch(out, /CSRF protection token .*not found|no parameter\(s\) found|all testing parameters/i, where);
	for (const p of t.params) assert.match(out, new RegExp(`parameter '${p}' does not seem to be injectable`), `${p} was tested\n${where}`);
	assert.match(out, /all tested parameters do not appear to be injectable/, where);
	assert.doesNotMatch(codes, /\b500\b/, `no 500\n${where}`);
	assert.doesNotMatch(codes, /\b403\b/, `the CSRF token and the session held\n${where}`);
	return { codes };
}

const skip = have ? false : `${SQLMAP} is missing (scripts/deps.sh test installs it)`;
const SEARCH = {
	q: 'cybersécurité', country: 'CA', sector: 'digital', skill: 'application-security', lang: 'ar',
	presence: 'remote', mode: 'ponctuelle', pay: 'pro_bono', city: 'Montréal',
};
const BOARD = { q: 'audit', sector: 'digital', region: 'MA-01', presence: 'remote', mode: 'ponctuelle', pay: 'pro_bono' };

// The baseline of every GET target must be a page that works (200), else
// sqlmap would compare error pages with error pages.
async function assertBaseline(url) {
	const r = await fetch(srv.url + url);
	assert.equal(r.status, 200, `${url}: ${r.status}`);
}

test('the experts’ search page and its filters', { skip }, async () => {
	const url = `/fr/experts?${encode(SEARCH)}`;
	await assertBaseline(url);
	await assertNotInjectable('GET /fr/experts', { url, params: Object.keys(SEARCH) });
});

test('the experts’ search API', { skip }, async () => {
	const url = `/api/v1/experts?${encode(SEARCH)}`;
	await assertBaseline(url);
	await assertNotInjectable('GET /api/v1/experts', { url, params: Object.keys(SEARCH) });
});

test('the needs board and its API', { skip }, async () => {
	for (const base of ['/fr/needs', '/api/v1/needs']) {
		const url = `${base}?${encode(BOARD)}`;
		await assertBaseline(url);
		await assertNotInjectable(`GET ${base}`, { url, params: Object.keys(BOARD) });
	}
});

test('the sign-in form, with its CSRF token', { skip }, async () => {
	const { cookie, csrf } = await session(new Client(srv.url), '/fr/signin');
	await assertNotInjectable('POST /fr/signin', {
		url: '/fr/signin', data: { csrf, email: 'sqlmap.expert@example.org', password: 'pas le bon mot de passe' },
		cookie, csrfUrl: '/fr/signin', tamper: 'xforwardedfor', params: ['email', 'password'],
	});
});

test('the sign-up form, with its CSRF token', { skip }, async () => {
	const { cookie, csrf } = await session(new Client(srv.url), '/fr/signup');
	await assertNotInjectable('POST /fr/signup', {
		url: '/fr/signup',
		data: { csrf, email: 'sqlmap.expert@example.org', password: PASSWORD, password2: PASSWORD, lang: 'fr', adult: 'yes', notice: 'yes' },
		cookie, csrfUrl: '/fr/signup', tamper: 'xforwardedfor',
		// The passwords only ever reach Argon2id, never a statement; above
		// level 1 each parameter of this form costs many minutes (every
		// request fetches the form again for its token), so the long run
		// leaves them to the short one.
		params: LEVEL === '1' ? ['email', 'password', 'password2', 'lang', 'adult', 'notice'] : ['email', 'lang', 'adult', 'notice'],
	});
});

test('a signed-in expert’s profile form', { skip }, async () => {
	const { cookie, csrf } = await session(expert, '/fr/profile/edit/identity');
	const data = { csrf, name: 'Salma Benali', name_ar: 'سلمى بنعلي', gender: 'f', birth_year: '1985', country: 'CA', city: 'Montréal', headline: 'Ingénieure sécurité', bio: 'Dix ans de sécurité.' };
	await assertNotInjectable('POST /fr/profile/edit/identity', {
		url: '/fr/profile/edit/identity', data, cookie, csrfUrl: '/fr/profile/edit/identity',
		params: Object.keys(data).filter((k) => k !== 'csrf'),
	});
	assert.equal((await expert.get('/fr/profile')).status, 200, 'the expert is still signed in');
});

test('an institution officer’s need form', { skip }, async () => {
	const { cookie, csrf } = await session(officer, '/fr/institution/needs/new');
	const data = {
		csrf, title: 'Audit de sécurité', description: 'Auditer le portail.', sector: 'digital', mode: 'ponctuelle',
		presence: 'remote', region: '', city: 'Rabat', dates: 'open', effort_days: '10', experts: '1', pay: 'pro_bono',
		cp_name: 'Amina Idrissi', cp_role: 'Directrice', cp_email: 'amina@example.ma',
		skill_0_name: 'Cybersécurité', skill_0_level: 'must-3', then: 'save',
	};
	const params = ['title', 'description', 'sector', 'mode', 'presence', 'city', 'effort_days', 'experts', 'cp_name', 'cp_email', 'skill_0_name', 'skill_0_level'];
	await assertNotInjectable('POST /fr/institution/needs/new', {
		url: '/fr/institution/needs/new', data, cookie, csrfUrl: '/fr/institution/needs/new', params,
	});
	assert.equal((await officer.get('/fr/institution/needs')).status, 200, 'the officer is still signed in');
});

test('the programme team’s dashboard period and project queue filter', { skip }, async () => {
	const cookie = admin.cookieHeader();
	for (const [base, query] of [['/en/admin/dashboard', { from: '2026-01-01', to: '2026-12-31' }], ['/en/admin/projects', { state: 'submitted' }]]) {
		const url = `${base}?${encode(query)}`;
		assert.equal((await admin.get(url)).status, 200, url);
		await assertNotInjectable(`GET ${base}`, { url, params: Object.keys(query), cookie });
	}
	assert.equal((await admin.get('/en/admin/dashboard')).status, 200, 'the admin is still signed in');
});

test('the programme team’s invitation and network forms', { skip }, async () => {
	let serial = 0;
	// Each form creates something whose address or slug must be new: after
	// the first request, the same values would only meet a conflict (409),
	// and sqlmap would compare refusals. While sqlmap tests another
	// parameter, its --eval gives the unique one a fresh value each time;
	// while it tests that one, the payload in it is left as it is.
	const fresh = (param, pattern, format) =>
		`import re, random; ${param} = (${JSON.stringify(format)} % random.randrange(10**12)) if re.match(${JSON.stringify(pattern)}, ${param}) else ${param}`;
	const forms = [
		['/en/admin/invitations', () => ({ email: `invited${++serial}@example.org`, institution, role: 'member', lang: 'fr' }),
			fresh('email', '^invited[0-9]+@example\\.org$', 'invited%d@example.org')],
		['/en/admin/networks', () => ({
			slug: `reseau-${++serial}`, kind: 'thematic', membership: 'open', name_ar: 'شبكة', name_fr: 'Réseau', name_en: 'Network',
			summary_ar: 'ملخص.', summary_fr: 'Résumé.', summary_en: 'Summary.',
		}), fresh('slug', '^reseau-[0-9]+$', 'reseau-%d')],
	];
	for (const [url, fields, evalCode] of forms) {
		const { cookie, csrf } = await session(admin, url);
		const data = fields();
		const { codes } = await assertNotInjectable(`POST ${url}`, { url, data: { csrf, ...data }, cookie, csrfUrl: url, params: Object.keys(data), eval: evalCode });
		assert.doesNotMatch(codes, /\b409\b/, `${url}: each request met a new value`);
	}
	assert.equal((await admin.get('/en/admin/dashboard')).status, 200, 'the admin is still signed in');
});

// Posts data from page to url as c, as a user would: it must be accepted
// (the baseline of sqlmap's comparisons).
async function assertAccepted(c, page, url, data) {
	await c.get(page);
	const r = await c.post(url, data);
	assert.equal(r.status, 303, `${url}: ${r.status}`);
	return r;
}

test('a network coordinator’s event and announcement forms', { skip }, async () => {
	const year = new Date().getUTCFullYear() + 1; // an event starts in the future
	const forms = [
		// Leaves out online_url: an event in person keeps none (the server
		// drops the field, as an online one drops city and address).
		[`/fr/networks/${NET}/events/new`, {
			title: 'Rencontre des ingénieurs', description: 'Présentations et échanges.', mode: 'in_person', open_to: 'members',
			city: 'Paris', address: '10 rue de la Paix', tz: 'Europe/Paris', start_date: `${year}-06-10`, start_time: '18:30',
			end_date: `${year}-06-10`, end_time: '21:00', closes_date: `${year}-06-09`, closes_time: '12:00', capacity: '20',
		}],
		[`/fr/networks/${NET}/announcements`, { title: 'Réunion trimestrielle', body: 'Samedi 12 juin.\nTous bienvenus.' }],
	];
	for (const [url, data] of forms) {
		await assertAccepted(coordinator, url, url, data);
		const { cookie, csrf } = await session(coordinator, url);
		await assertNotInjectable(`POST ${url}`, { url, data: { csrf, ...data }, cookie, csrfUrl: url, params: Object.keys(data) });
	}
	assert.equal((await coordinator.get(`/fr/networks/${NET}/manage`)).status, 200, 'the coordinator is still signed in');
});

test('a network member’s introduction, discussion and reply forms', { skip }, async () => {
	// The coordinator refuses every open introduction of the network,
	// before each of sqlmap's requests (its safe URL).
	let refused = 0;
	const problems = [];
	const refuseOpen = async () => {
		const page = (await coordinator.get('/fr/introductions')).text;
		const waiting = page.slice(page.indexOf('id="waiting"'), page.indexOf('id="received-title"'));
		for (const [, id] of waiting.matchAll(/id="i-(\d+)"/g)) {
			const r = await coordinator.post(`/fr/introductions/${id}`, { action: 'refuse', note: '' });
			if (r.status === 303) refused++;
			else problems.push(`refusing introduction ${id}: ${r.status}`);
		}
	};
	const safe = http.createServer((req, res) => {
		refuseOpen().catch((e) => problems.push(e.message)).finally(() => {
			res.writeHead(200, { 'Content-Type': 'text/plain' });
			res.end('ok');
		});
	});
	await new Promise((resolve) => safe.listen(0, '127.0.0.1', resolve));
	try {
		const roster = `/fr/networks/${NET}/members`, intros = `/fr/networks/${NET}/introductions`;
		const data = { target: String(peer.id), message: 'Nous travaillons tous deux sur la cybersécurité.' };
		await assertAccepted(member, roster, intros, data);
		await refuseOpen();
		const { cookie, csrf } = await session(member, roster);
		await assertNotInjectable(`POST ${intros}`, {
			url: intros, data: { csrf, ...data }, cookie, csrfUrl: roster, params: Object.keys(data),
			safeUrl: `http://127.0.0.1:${safe.address().port}/`,
		});
		assert.deepEqual(problems, []);
		assert.ok(refused > 1, `the request was accepted again (${refused} refused)`);
	} finally {
		safe.closeAllConnections();
		await new Promise((resolve) => safe.close(resolve));
	}

	// The thread started here is the one replied in.
	const threads = `/fr/networks/${NET}/discussions`;
	const thread = { title: 'Missions courtes', body: 'Qui a déjà fait une mission de deux semaines ?' };
	await member.get(`${threads}/new`);
	const started = await member.post(`${threads}/new`, thread);
	assert.equal(started.status, 303, `thread: ${started.status}`);
	const id = /discussions\/(\d+)\?done=posted$/.exec(started.location)[1];
	const reply = { body: 'Moi, à Rabat, en 2025.' };
	await assertAccepted(member, `${threads}/${id}`, `${threads}/${id}/reply`, reply);
	for (const [page, url, data] of [[`${threads}/new`, `${threads}/new`, thread], [`${threads}/${id}`, `${threads}/${id}/reply`, reply]]) {
		const { cookie, csrf } = await session(member, page);
		await assertNotInjectable(`POST ${url.replace(`/${id}/`, '/:id/')}`, { url, data: { csrf, ...data }, cookie, csrfUrl: page, params: Object.keys(data) });
	}
	assert.equal((await member.get(threads)).status, 200, 'the member is still signed in');
});

// Runs run(url) with a small server on the loopback at url that sqlmap
// visits before each of its requests (--safe-url, --safe-freq=1: right
// before the request is sent) and that runs prepare() then; prepare()
// must never fail, and must have run more than once.
async function withHelper(prepare, run) {
	const problems = [];
	let calls = 0;
	const helper = http.createServer((req, res) => {
		prepare().then(() => { calls++; }, (e) => { problems.push(e.message); }).then(() => {
			res.writeHead(200, { 'Content-Type': 'text/plain' });
			res.end('ok');
		});
	});
	await new Promise((resolve) => helper.listen(0, '127.0.0.1', resolve));
	try {
		await run(`http://127.0.0.1:${helper.address().port}/`);
	} finally {
		helper.closeAllConnections();
		await new Promise((resolve) => helper.close(resolve));
	}
	assert.deepEqual(problems, []);
	assert.ok(calls > 1, `the helper ran before sqlmap's requests (${calls} times)`);
}

// The first number a query on the database prints (a count), after
// running it and the statements that follow (the helpers' resets).
const count = (text) => Number(sql(srv.db, text)[0]);

test('the programme team’s institution forms', { skip }, async () => {
	const fields = {
		name_ar: 'وكالة التنمية الرقمية', name_fr: 'Agence de développement du digital', name_en: 'Digital Development Agency',
		kind: 'agency', region: 'MA-04', website: 'https://www.example.ma', description: 'Elle porte la stratégie numérique.', sec_3: 'digital',
	};
	// Names need not be unique: each request of the new form makes one
	// more institution. The edit form's is one of those.
	const made = await assertAccepted(admin, '/en/admin/institutions', '/en/admin/institutions', fields);
	const id = /\/admin\/institutions\/(\d+)\?saved=1$/.exec(made.location)[1];
	for (const url of ['/en/admin/institutions', `/en/admin/institutions/${id}`]) {
		await assertAccepted(admin, url, url, fields);
		const { cookie, csrf } = await session(admin, url);
		await assertNotInjectable(`POST ${url.replace(`/${id}`, '/:id')}`, { url, data: { csrf, ...fields }, cookie, csrfUrl: url, params: Object.keys(fields) });
	}
	assert.equal((await admin.get('/en/admin/dashboard')).status, 200, 'the admin is still signed in');
});

test('an institution owner’s plan forms and the programme team’s list of plans', { skip }, async () => {
	const year = String(new Date().getUTCFullYear() + 1); // a plan is for this year or one of the next ten
	const list = `/en/admin/plans?${encode({ year })}`;
	assert.equal((await admin.get(list)).status, 200, list);
	await assertNotInjectable('GET /en/admin/plans', { url: list, params: ['year'], cookie: admin.cookieHeader() });

	const fields = {
		needs_target: '4', experts_target: '2', focal_name: 'Khadija Ouazzani', focal_title: 'Cheffe de la division de la coopération',
		focal_email: 'k.ouazzani@example.ma', sec_3: 'digital', skill_0: 'Cybersécurité',
	};
	// An institution has one plan a year (another is refused, 422) and no
	// page deletes a plan: before each request the helper deletes the
	// institution's plans in the database.
	const plans = `SELECT id FROM plans WHERE institution_id = ${institution}`;
	let dropped = 0;
	const dropPlans = async () => {
		dropped += count(`SELECT COUNT(*) FROM plans WHERE institution_id = ${institution};
			DELETE FROM plan_sectors WHERE plan_id IN (${plans}); DELETE FROM plan_skills WHERE plan_id IN (${plans});
			DELETE FROM plans WHERE institution_id = ${institution};`);
	};
	const create = '/fr/institution/plans/new';
	await assertAccepted(owner, create, create, { year, ...fields });
	await withHelper(dropPlans, async (safeUrl) => {
		const { cookie, csrf } = await session(owner, create);
		await assertNotInjectable(`POST ${create}`, {
			url: create, data: { csrf, year, ...fields }, cookie, csrfUrl: create, params: ['year', ...Object.keys(fields)], safeUrl,
		});
	});
	assert.ok(dropped > 2, `the plan was declared again (${dropped} deleted)`);

	// The plan of the edit form, declared through the page; its year is
	// fixed (not read). The form carries the version it was read at, and
	// each edit raises the plan's (a form of an older one is refused,
	// 409): before each request the helper sets the plan's version back to
	// the form's, in the database. (--eval could instead give the form the
	// version the page shows, but sqlmap's first time-based test sends
	// requests of its own between its --eval and the request it prepared.)
	// The version is only ever compared as a number, never written into a
	// statement: it is not a target.
	await dropPlans();
	await assertAccepted(owner, create, create, { year, ...fields });
	const plan = /\/institution\/plans\/(\d+)\/edit"/.exec((await owner.get('/fr/institution/plans')).text)[1];
	const edit = `/fr/institution/plans/${plan}/edit`;
	const { cookie, csrf } = await session(owner, edit);
	const version = /name="version" value="(\d+)"/.exec((await owner.get(edit)).text)[1];
	await assertAccepted(owner, edit, edit, { version, ...fields });
	let restored = 0;
	const restore = async () => {
		restored += count(`SELECT COUNT(*) FROM plans WHERE id = ${plan} AND version <> ${version};
			UPDATE plans SET version = ${version} WHERE id = ${plan};`);
	};
	await restore();
	await withHelper(restore, async (safeUrl) => {
		const { codes } = await assertNotInjectable('POST /fr/institution/plans/:id/edit', {
			url: edit, data: { csrf, version, ...fields }, cookie, csrfUrl: edit, params: Object.keys(fields), safeUrl,
		});
		assert.doesNotMatch(codes, /\b409\b/, 'each request carried the plan’s version');
	});
	assert.ok(restored > 2, `the plan was edited again (${restored} times)`);
	assert.equal((await owner.get('/fr/institution/plans')).status, 200, 'the owner is still signed in');
});

test('the programme team’s answer to an expert’s proposal', { skip }, async () => {
	await expert.get('/fr/proposals/new');
	const submitted = await expert.post('/fr/proposals/new', {
		title: 'Un guichet unique pour les médecins de la diaspora', kind: 'initiative', sector: 'health',
		body: 'Un seul point d’entrée au ministère pour les missions courtes.\nDes formalités allégées.',
	});
	assert.equal(submitted.status, 303, `proposal: ${submitted.status}`);
	const id = /\/proposals\/(\d+)\?done=submitted$/.exec(submitted.location)[1];
	const url = `/en/admin/proposals/${id}`;
	const data = { status: 'under_study', answer: 'We are studying it with the Ministry of Health.' };
	// An answer moves the proposal on and no page moves it back (a status
	// does not follow itself, a decision is final: 409): before each
	// request the helper puts it back as it was received, in the database
	// (its status, and no answer: its page would grow with each).
	let reopened = 0;
	const reopen = async () => {
		reopened += count(`SELECT COUNT(*) FROM proposals WHERE id = ${id} AND status <> 'received';
			DELETE FROM proposal_answers WHERE proposal_id = ${id}; UPDATE proposals SET status = 'received' WHERE id = ${id};`);
	};
	await assertAccepted(admin, url, url, data);
	await reopen();
	await withHelper(reopen, async (safeUrl) => {
		const { cookie, csrf } = await session(admin, url);
		const { codes } = await assertNotInjectable('POST /en/admin/proposals/:id', {
			url, data: { csrf, ...data }, cookie, csrfUrl: url, params: Object.keys(data), safeUrl,
		});
		assert.doesNotMatch(codes, /\b409\b/, 'each answer met a proposal just received');
	});
	assert.ok(reopened > 2, `the proposal was answered again (${reopened} times)`);
	assert.equal((await admin.get('/en/admin/proposals')).status, 200, 'the admin is still signed in');
});

test('the programme team’s consultation and question forms', { skip }, async () => {
	const year = new Date().getUTCFullYear() + 1;
	// public_results (and a question's required) is one character at most
	// (the router's bound, 400 beyond): no payload reaches the page. The
	// sector and the country are read for their own audiences only.
	const fields = {
		title_ar: 'أولويات الشبكة', title_fr: 'Priorités du réseau', title_en: 'The network’s priorities',
		intro_ar: 'أخبرونا أين نركز جهودنا.', intro_fr: 'Dites-nous où porter nos efforts.', intro_en: 'Tell us where to focus.',
		audience: 'network', network: NET, opens_on: `${year}-03-01`, closes_on: `${year}-03-31`,
	};
	const data = { ...fields, sector: '', country: '', public_results: '1' };
	const create = '/en/manage/consultations/new';
	const made = await assertAccepted(admin, create, create, data);
	{
		const { cookie, csrf } = await session(admin, create);
		await assertNotInjectable(`POST ${create}`, { url: create, data: { csrf, ...data }, cookie, csrfUrl: create, params: Object.keys(fields) });
	}

	// The draft made above. Its forms carry the sequence they were read at,
	// and each change raises the draft's (a form of an older one is
	// refused, 409); a draft holds ten questions at most. Before each
	// request the helper sets the sequence back to the form's, and deletes
	// the questions the requests added, in the database. The sequence is
	// only ever compared as a number: it is not a target.
	const cid = /\/manage\/consultations\/(\d+)\?done=created$/.exec(made.location)[1];
	const editor = `/en/manage/consultations/${cid}`, questions = `${editor}/questions`;
	// A choice's options and a scale's labels are read for their kind only.
	const choice = { kind: 'choice', prompt: 'Which priority first?', options: 'Health\nEducation\nWater' };
	const scale = { kind: 'scale', prompt: 'Is the network useful to you?', scale_low: 'Not at all', scale_high: 'Very much' };
	for (const [url, form, params] of [
		[editor, data, Object.keys(fields)],
		[questions, choice, Object.keys(choice)],
		[questions, scale, ['scale_low', 'scale_high']],
	]) {
		const sequence = /name="sequence" value="(\d+)"/.exec((await admin.get(editor)).text)[1];
		await assertAccepted(admin, editor, url, { sequence, ...form });
		let restored = 0;
		const restore = async () => {
			restored += count(`SELECT COUNT(*) FROM consultations WHERE id = ${cid} AND sequence <> ${sequence};
				DELETE FROM consultation_questions WHERE consultation_id = ${cid}; UPDATE consultations SET sequence = ${sequence} WHERE id = ${cid};`);
		};
		await restore();
		await withHelper(restore, async (safeUrl) => {
			const { cookie, csrf } = await session(admin, editor);
			const { codes } = await assertNotInjectable(`POST ${url.replace(`/${cid}`, '/:id')} (${form.kind ?? 'texts'})`, {
				url, data: { csrf, sequence, ...form }, cookie, csrfUrl: editor, params, safeUrl,
			});
			assert.doesNotMatch(codes, /\b409\b/, `${url}: each request carried the draft’s sequence`);
		});
		assert.ok(restored > 2, `${url}: the draft was changed again (${restored} times)`);
	}
	assert.equal((await admin.get('/en/admin/dashboard')).status, 200, 'the admin is still signed in');
});

// The control: the same run and the same reading of sqlmap's report find
// the injection in a deliberately vulnerable server (a few lines here, on
// the loopback, that paste ?name= into a query run by the sqlite3 tool).
test('control: sqlmap’s report is read right on a server that is injectable', { skip }, async () => {
	const db = path.join(tmp, 'control.db');
	spawnSync('sqlite3', [db, "CREATE TABLE people (name TEXT); INSERT INTO people VALUES ('amina'), ('karim');"]);
	const control = http.createServer((req, res) => {
		const name = new URL(req.url, 'http://x').searchParams.get('name') ?? '';
		const r = spawnSync('sqlite3', [db, `SELECT name FROM people WHERE name = '${name}'`], { encoding: 'utf8' });
		res.writeHead(r.status === 0 ? 200 : 500, { 'Content-Type': 'text/html' });
		res.end(`<html><body><p>Found:</p><pre>${r.stdout}</pre></body></html>`);
	});
	await new Promise((resolve) => control.listen(0, '127.0.0.1', resolve));
	try {
		const { out } = await sqlmap('control (injectable)', { url: '/people?name=amina', params: ['name'] }, `http://127.0.0.1:${control.address().port}`);
		assert.match(out, INJECTABLE, out.slice(-3000));
	} finally {
		control.closeAllConnections();
		await new Promise((resolve) => control.close(resolve));
	}
});
