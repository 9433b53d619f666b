// The HTTP smoke run of scripts/valgrind.sh (make valgrind): a short walk
// through the site against a server already running under memcheck.
// Not a *.test.mjs: the hardening suite does not run it on its own.
//
//   node tests/hardening/valgrind_smoke.mjs URL DB
//
// TEST_BIN (the script's memcheck wrapper) runs the commands it needs
// (`kafaat admin create`, `kafaat mail list/show`), so they are checked too;
// KAFAAT_MAIL_SPOOL_DIR must be the server's. It reads pages in the three
// languages, the search and the needs board with their APIs, error paths
// (404, 405, 400 for bad encodings, 431), then makes an admin with a second
// factor, a verified institution and its officer, an expert; a need goes
// from draft to published, the expert applies, and the engagement goes to
// evaluated with its certificate verified; the inbox, the data export and
// sign-out. It fails (exit 1) on any 5xx or on a step that does not give
// its expected status; it prints the number of requests.
import assert from 'node:assert/strict';
import { Client } from '../client.mjs';
import { makeAdmin, makeExpert, makeInstitution } from './lib.mjs';

const [url, db] = process.argv.slice(2);
const site = { url, db, env: { KAFAAT_MAIL_SPOOL_DIR: process.env.KAFAAT_MAIL_SPOOL_DIR } };
let requests = 0;

// Counts every request of every client, and refuses any 5xx.
const request = Client.prototype.request;
Client.prototype.request = async function counted(method, path, opts) {
	const r = await request.call(this, method, path, opts);
	requests++;
	assert.ok(r.status < 500, `${method} ${path}: ${r.status}`);
	return r;
};

async function expect(c, path, status) {
	const r = await c.get(path);
	assert.equal(r.status, status, `GET ${path}`);
	return r;
}

const anon = new Client(url);
for (const p of ['/fr/', '/ar/', '/en/', '/healthz', '/api/v1/meta', '/static/css/kafaat.css', '/fr/experts?q=cybers%C3%A9curit%C3%A9',
	'/api/v1/experts?q=data&country=MA', '/fr/needs?q=audit&sector=digital', '/api/v1/needs', '/fr/needs.atom', '/fr/signin', '/fr/signup']) {
	await expect(anon, p, 200);
}
await expect(anon, '/', 302);
await expect(anon, '/fr/no-such-page', 404);
await expect(anon, '/fr/experts?q=%ff', 400);
assert.equal((await anon.request('DELETE', '/fr/')).status, 405);
assert.equal((await anon.get('/fr/', { headers: { 'X-Big': 'a'.repeat(30000) } })).status, 431);
assert.equal((await anon.post('/fr/signin', { email: 'x@example.org', password: 'y' })).status, 422);

const admin = await makeAdmin(site);
const { officer } = await makeInstitution(site, admin);
const expert = await makeExpert(site, 'valgrind.expert@example.org');

await officer.get('/fr/institution/needs/new');
const n = await officer.post('/fr/institution/needs/new', {
	title: 'Audit de sécurité du portail', description: 'Auditer le portail.', sector: 'digital', mode: 'ponctuelle',
	presence: 'remote', dates: 'open', effort_days: '10', experts: '1', pay: 'pro_bono', cp_name: 'Amina Idrissi',
	cp_role: 'Directrice', cp_email: 'amina@example.ma', ready_counterpart: '1', ready_resources: '1',
	ready_approval: '1', skill_0_name: 'Cybersécurité', skill_0_level: 'must-3', then: 'submit',
});
assert.equal(n.status, 303, 'need submitted');
const need = /\/institution\/needs\/(\d+)/.exec(n.location)[1];
await admin.get(`/fr/admin/needs/${need}`);
assert.equal((await admin.post(`/fr/admin/needs/${need}/action`, { action: 'publish' })).status, 303, 'published');
await expect(anon, `/fr/needs/${need}`, 200);
await expect(anon, `/api/v1/needs/${need}`, 200);

await expert.get(`/fr/needs/${need}/apply`);
const a = await expert.post(`/fr/needs/${need}/apply`, { motivation: 'Dix ans de sécurité.' });
assert.equal(a.status, 303, 'applied');
const eng = /#e-(\d+)/.exec(a.location)[1];
const officerStep = async (action) => {
	await officer.get(`/fr/institution/needs/${need}/engagements`);
	assert.equal((await officer.post(`/fr/institution/engagements/${eng}`, { action })).status, 303, action);
};
await officerStep('shortlist');
await officerStep('accept');
await expert.get('/fr/engagements');
assert.equal((await expert.post(`/fr/engagements/${eng}`, { action: 'confirm' })).status, 303, 'confirm');
await officerStep('start');
await officerStep('deliver');
for (const who of [expert, officer]) {
	await who.get(`/fr/engagements/${eng}/evaluate`);
	const e = await who.post(`/fr/engagements/${eng}/evaluate?round=delivery`, { rating: '5', objectives: 'yes', again: 'yes' });
	assert.equal(e.status, 303, 'evaluated');
}
const cert = await expect(expert, `/ar/engagements/${eng}/certificate`, 200);
const code = /class="kf-cert-code[^"]*"[^>]*>([A-Z2-9-]{14})</.exec(cert.text)[1];
await expect(anon, `/fr/certificates/verify?code=${code}`, 200);
await expect(anon, '/fr/certificates/verify?code=ABCD-EFGH-JKLM', 404);
await expect(expert, '/fr/inbox', 200);
await expect(expert, '/fr/profile', 200);
await expect(expert, '/en/profile/export', 200);
await expect(officer, `/fr/institution/needs/${need}/matches`, 200);
await expect(admin, '/en/admin/audit', 200);
await expert.get('/fr/account');
assert.equal((await expert.post('/fr/signout', {})).status, 303, 'sign-out');
console.log(`valgrind smoke: ${requests} requests, no 5xx`);
