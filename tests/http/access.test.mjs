// The access-control matrix, generated from the route table (`kafaat
// routes --json`): every route × anonymous and each role. A route added
// tomorrow is covered without editing this file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client, enrolTotp, lastMailTo, linkIn } from '../client.mjs';
import { kafaat, startServer } from '../kafaat.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-access-'));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail') };
const PW = 'a long enough pass phrase';
let srv;
const who = {};

async function signIn(c, email) {
	await c.get('/en/signin');
	const r = await c.post('/en/signin', { email, password: PW });
	assert.equal(r.status, 303, `sign-in of ${email}: ${r.status}`);
	return r;
}

async function expert(email) {
	const c = new Client(srv.url);
	await c.get('/en/signup');
	await c.post('/en/signup', { email, password: PW, password2: PW, lang: 'en', adult: 'yes', notice: 'yes' });
	await c.get(linkIn(lastMailTo(srv.db, email), '/verify\\?token='));
	await signIn(c, email);
	return c;
}

// Follows an invitation or set-up link: chooses the password, signs in.
async function fromLink(link, email) {
	const c = new Client(srv.url);
	await c.get(link);
	const token = new URL(srv.url + link).searchParams.get('token');
	const r = await c.post('/en/invitation', { token, password: PW, password2: PW });
	assert.equal(r.status, 200, `invitation of ${email}`);
	await signIn(c, email);
	return c;
}

function admin(args) {
	const r = kafaat(['admin', ...args, '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	return r.stdout;
}

before(async () => {
	srv = await startServer({ env });
	who.anonymous = new Client(srv.url);
	who.expert = await expert('expert@example.org');
	who.admin = await fromLink(linkIn(admin(['create', 'admin@example.org']), '/invitation\\?token='), 'admin@example.org');
	await enrolTotp(who.admin, 'en');
	await who.admin.get('/en/admin/institutions');
	await who.admin.post('/en/admin/institutions', { name_ar: 'وزارة الصحة', name_fr: 'Ministère de la Santé', name_en: 'Ministry of Health' });
	const list = await who.admin.get('/en/admin/invitations');
	const inst = /<option value="(\d+)">Ministry of Health</.exec(list.text)[1];
	for (const [role, email] of [['owner', 'owner@example.org'], ['member', 'member@example.org']]) {
		const r = await who.admin.post('/en/admin/invitations', { email, institution: inst, role, lang: 'en' });
		assert.equal(r.status, 200, `invite ${role}`);
		who[role] = await fromLink(linkIn(lastMailTo(srv.db, email), '/invitation\\?token='), email);
	}
	for (const [role, scope] of [['coordinator', 'europe'], ['advisor', null]]) {
		const email = `${role}@example.org`;
		const c = await expert(email);
		admin(['grant', email, role, ...(scope ? [scope] : [])]);
		await signIn(c, email);
		await enrolTotp(c, 'en');
		who[role] = c;
	}
});
after(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

// Who may pass each policy.
const allowed = {
	public: () => true,
	signed_in: (w) => w !== 'anonymous',
	second_step: () => false, // only half-way through sign-in (tested in accounts tests)
	expert: (w) => ['expert', 'coordinator', 'advisor'].includes(w),
	institution: (w) => ['owner', 'member'].includes(w),
	institution_owner: (w) => w === 'owner',
	coordinator: (w) => ['coordinator', 'admin'].includes(w), // admins manage every network
	advisor: (w) => w === 'advisor',
	admin: (w) => w === 'admin',
};

// Routes that end the session run last, so the others see everyone signed in.
const ends = (r) => (/signout-everywhere/.test(r.pattern) ? 1 : /signout/.test(r.pattern) ? 2 : 0);
const routes = JSON.parse(kafaat(['routes', '--json']).stdout).sort((a, b) => ends(a) - ends(b));

function concrete(pattern) {
	return pattern.replace(':lang', 'en').replace(':id', '1').replace(':slug', 'europe')
		.replace('*file', 'css/kafaat.css');
}

test('every route declares a known policy', () => {
	assert.ok(routes.length > 10);
	for (const r of routes) assert.ok(r.policy in allowed, `${r.pattern}: ${r.policy}`);
});

test('owners see only their own: a token of someone else cannot be revoked', async () => {
	const e = who.expert;
	await e.get('/en/account');
	const made = await e.post('/en/account/tokens', { name: 'mine', scope: 'read_needs' });
	const id = /\/account\/tokens\/(\d+)\/revoke/.exec(made.text)[1];
	const other = who.member;
	await other.get('/en/account');
	assert.equal((await other.post(`/en/account/tokens/${id}/revoke`, {})).status, 404);
	assert.equal((await e.post(`/en/account/tokens/${id}/revoke`, {})).status, 303);
});

test('route × role matrix', async () => {
	const failures = [];
	for (const r of routes) {
		const url = concrete(r.pattern);
		for (const w of Object.keys(who)) {
			const c = who[w];
			const method = r.methods.includes('GET') ? 'GET' : r.methods[0];
			if (method !== 'GET') await c.get('/en/signin'); // a page with a form: the current CSRF token
			const res = method === 'GET' ? await c.get(url) : await c.post(url, {});
			// a 403 page marked data-refusal="network" is a network's own refusal
			// (not a member, not its moderator), not the route's policy
			const denied = res.status === 401 || (res.status === 403 && !res.text.includes('data-refusal="network"')) ||
				(res.status === 303 && /\/signin(\/code)?$|\/account\/totp$/.test(res.location ?? ''));
			const expect = allowed[r.policy](w);
			if (denied === expect) failures.push(`${method} ${url} as ${w}: ${res.status} ${res.location ?? ''} (policy ${r.policy})`);
			if (res.status >= 500) failures.push(`${method} ${url} as ${w}: ${res.status}`);
		}
	}
	assert.deepEqual(failures, []);
});
