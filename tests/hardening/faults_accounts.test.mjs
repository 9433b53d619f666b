// Database failure injection on the account paths (issue #11; sign-up has
// its loop in faults.test.mjs, the other write paths theirs in
// faults_writes.test.mjs; the mechanism is src/db/fault.h).
//
// One server runs with FAULT_INJECT_DB=<file> and a test clock (the second
// factor's codes are one use per 30-second step: each attempt that may
// succeed moves the clock on). The people each step starts from are made
// without a fault. Then, for every step, for N = 1, 2, … until the fault is
// not reached: the state is prepared and the form fetched (no fault), the
// fault is armed at the Nth database call, the form is posted, the fault is
// disarmed. For every N:
//   - the server is still running, and the ASan+UBSan build reports nothing;
//   - the answer is never 500; it is the step's success answer if and only
//     if the change is in the database (read with sqlite3 afterwards), and
//     otherwise one of the step's refusals (503, "unavailable", never a
//     misleading "invalid link" or "wrong password");
//   - a change that was not committed left every table as it was (a
//     checksum of the whole database, less what reads and the mail sender
//     write: a session's last_seen_at, a mail's sending status…);
//   - a committed change came with its audit row (and its mail, token…),
//     and the account invariants hold over the whole database (every API
//     token and CV has its audit row, a reset or e-mail-change link exists
//     if and only if its mail does, no session of an unverified account,
//     a spent recovery code has its sign-in, an erased account has no
//     rows left…); an erasure is checked column by column against
//     db/personal_data.tsv.
// A step whose attempt succeeded starts over from a fresh state.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { Client, enrolTotp, linkIn, totp } from '../client.mjs';
import { kafaat, personalData } from '../kafaat.mjs';
import { PASSWORD, faultScale, faultWhat, freshSite, loopTests, makeExpert, makeInstitution, pdf, sanitizedBin, signUp, sql, sqlReaders, sqlText, writeLoop } from './lib.mjs';

const MAX_N = 150;
const site = freshSite('faulta');
const armFile = path.join(site.dir, 'fault');
const clockFile = path.join(site.dir, 'clock');
const filesDir = path.join(site.dir, 'files');
// No hourly job (testing.jobs): a server restarted after an abort would run
// them at once, and their writes would pass for the aborted request's.
site.env = { ...site.env, KAFAAT_TESTING_CLOCK_FILE: clockFile, KAFAAT_PATHS_FILES: filesDir, KAFAAT_TESTING_JOBS: '0' };
let now = Math.floor(Date.now() / 1000);
writeFileSync(clockFile, `${now}\n`);
mkdirSync(filesDir, { recursive: true });
let at, admin, adminSecret, officer, expert, inst;
const figures = [];

const { one, count } = sqlReaders(site.db);
const q = sqlText;
const userId = (email) => one(`SELECT id FROM users WHERE email = ${q(email)}`);
const audits = (action, target) => count(`SELECT COUNT(*) FROM audit_log WHERE action = ${q(action)}${target ? ` AND target_id = ${q(target)}` : ''}`);
const mailsTo = (email) => count(`SELECT COUNT(*) FROM outbox WHERE to_addr = ${q(email)}`);
const tokens = (uid, purpose) => count(`SELECT COUNT(*) FROM one_time_tokens WHERE user_id = ${uid} AND purpose = ${q(purpose)}`);
// The newest mail to `to`: its link whose path contains `part`.
const mailedLink = (to, part) => linkIn(sql(site.db, `SELECT body FROM outbox WHERE to_addr = ${q(to)} ORDER BY id DESC LIMIT 1`).join('\n'), part);

function advanceClock(seconds) {
	now += seconds;
	writeFileSync(clockFile, `${now}\n`);
}

// -- local helpers (to move to client.mjs) --
// Signs c in with a password; the answer of the POST.
async function passwordSignIn(c, email, lang = 'fr', password = PASSWORD) {
	await c.get(`/${lang}/signin`);
	return c.post(`/${lang}/signin`, { email, password });
}
// A programme-team member with a second factor at the test clock's time;
// c.secret is the authenticator key.
async function makeAdminWithSecret(email) {
	const r = kafaat(['admin', 'create', email, '--db', site.db], site.env);
	if (r.status !== 0) throw new Error(`admin create: ${r.stderr}`);
	const link = linkIn(r.stdout, '/invitation\\?token=');
	const c = new Client(loop.srv.url);
	await c.get(link);
	const token = new URL(loop.srv.url + link).searchParams.get('token');
	await c.post('/en/invitation', { token, password: PASSWORD, password2: PASSWORD });
	assert.equal((await passwordSignIn(c, email, 'en')).status, 303);
	c.secret = await enrolTotp(c, 'en', now);
	return c;
}
// A verified expert (no profile), not signed in.
async function verifiedExpert(email) {
	await signUp(loop.srv.url, email);
	const v = await fetch(loop.srv.url + mailedLink(email, '/verify\\?token='), { redirect: 'manual' });
	assert.equal(v.status, 200, `verification of ${email}`);
}
// A signed-in client of email (no second factor).
async function signedIn(email) {
	const c = new Client(loop.srv.url);
	assert.equal((await passwordSignIn(c, email)).status, 303, `sign-in of ${email}`);
	return c;
}
// Posts the CV form as a browser would (multipart), with c's CSRF token.
async function uploadCv(c, bytes) {
	const fd = new FormData();
	fd.append('csrf', c.csrf);
	fd.append('cv', new Blob([bytes], { type: 'application/pdf' }), 'cv.pdf');
	const res = await fetch(`${loop.srv.url}/fr/profile/cv/upload`, {
		method: 'POST', body: fd, headers: { Cookie: c.cookieHeader() }, redirect: 'manual',
	});
	return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}
// Sets up the authenticator for the signed-in c at the test clock's time;
// returns the ten recovery codes the page shows once.
async function enrolWithCodes(c) {
	const page = await c.get('/fr/account/totp');
	const secret = /id="totp-secret">([A-Z2-7]+)</.exec(page.text)[1];
	const r = await c.post('/fr/account/totp', { code: totp(secret, now) });
	assert.equal(r.status, 200, 'enrolment');
	return [...r.text.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]);
}
// -- end of local helpers --

// What a read or the mail sender may write: null leaves a table out of the
// checksum, otherwise {cols, where} say which part of it counts. Unlike
// faults_writes, sessions and sign-in failures count here: they are the
// changes of the sign-in and sign-out steps.
const VOLATILE = {
	sessions: { cols: 'token_hash, user_id, csrf_token, second_factor_done, created_at, expires_at, ip, user_agent' }, // not last_seen_at
	outbox: { cols: 'id, to_addr, lang, subject, body, created_at' }, // not the sending status
	notifications: { cols: 'id, user_id, kind, args, link, created_at' }, // not read/mailed
	audit_log: { where: "action <> 'profile_viewed'" },
	api_tokens: { cols: 'id, user_id, name, token_hash, scopes, created_at, expires_at, revoked_at' }, // not last_used_at
};

// Invariants of the account tables, true after any attempt.
const INVARIANTS = {
	'API token without its creation audit row': "SELECT COUNT(*) FROM api_tokens t WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'api_token_created' AND a.target_id = CAST(t.id AS TEXT))",
	'revoked API token without its audit row': "SELECT COUNT(*) FROM api_tokens t WHERE t.revoked_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'api_token_revoked' AND a.target_id = CAST(t.id AS TEXT))",
	'CV without its audit row': "SELECT COUNT(*) FROM files f WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'cv_uploaded' AND a.details = '{\"file\":' || f.id || '}')",
	'more than one CV for a person': "SELECT COUNT(*) FROM (SELECT user_id FROM files WHERE kind = 'cv' GROUP BY user_id HAVING COUNT(*) > 1) m",
	'session of an unverified or invited account': "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email_verified_at IS NULL OR u.status <> 'active'",
	'invited account without a role': "SELECT COUNT(*) FROM users u WHERE u.status = 'invited' AND NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id)",
	'invited account without its link': "SELECT COUNT(*) FROM users u WHERE u.status = 'invited' AND NOT EXISTS (SELECT 1 FROM one_time_tokens t WHERE t.user_id = u.id AND t.purpose IN ('invite', 'admin_setup'))",
	'institution role granted without its audit row': "SELECT COUNT(*) FROM user_roles r WHERE r.role LIKE 'institution_%' AND r.granted_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'role_granted' AND a.target_id = CAST(r.user_id AS TEXT))",
	'reset links not as many as reset mails': "SELECT COUNT(*) FROM users u WHERE (SELECT COUNT(*) FROM one_time_tokens t WHERE t.user_id = u.id AND t.purpose = 'reset_password') <> (SELECT COUNT(*) FROM outbox o WHERE o.to_addr = u.email AND o.body LIKE '%/password/reset?token=%')",
	'change links not as many as their mails': "SELECT COUNT(*) FROM (SELECT DISTINCT data FROM one_time_tokens WHERE purpose = 'change_email') d WHERE (SELECT COUNT(*) FROM one_time_tokens t WHERE t.purpose = 'change_email' AND t.data = d.data) <> (SELECT COUNT(*) FROM outbox o WHERE o.to_addr = d.data AND o.body LIKE '%/account/email/confirm?token=%')",
	'used reset link without its audit row': "SELECT COUNT(*) FROM users u WHERE (SELECT COUNT(*) FROM one_time_tokens t WHERE t.user_id = u.id AND t.purpose = 'reset_password' AND t.used_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM one_time_tokens n WHERE n.user_id = u.id AND n.purpose = 'reset_password' AND n.created_at >= t.used_at AND n.token_hash <> t.token_hash)) > (SELECT COUNT(*) FROM audit_log a WHERE a.action = 'password_reset' AND a.target_id = CAST(u.id AS TEXT))",
	'verified sign-up without its audit row': "SELECT COUNT(*) FROM users u WHERE u.email_verified_at IS NOT NULL AND EXISTS (SELECT 1 FROM one_time_tokens t WHERE t.user_id = u.id AND t.purpose = 'verify_email' AND t.used_at IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'email_verified' AND a.target_id = CAST(u.id AS TEXT))",
	'spent recovery code without a sign-in at its time': "SELECT COUNT(*) FROM recovery_codes r WHERE r.used_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'signin' AND a.target_id = CAST(r.user_id AS TEXT) AND a.at = r.used_at)",
	'erased account with rows left': "SELECT COUNT(*) FROM audit_log a WHERE a.action = 'account_erased' AND (EXISTS (SELECT 1 FROM users u WHERE CAST(u.id AS TEXT) = a.target_id) OR EXISTS (SELECT 1 FROM sessions s WHERE CAST(s.user_id AS TEXT) = a.target_id) OR EXISTS (SELECT 1 FROM profiles p WHERE CAST(p.user_id AS TEXT) = a.target_id) OR EXISTS (SELECT 1 FROM files f WHERE CAST(f.user_id AS TEXT) = a.target_id))",
	'spent verification link, address not verified': "SELECT COUNT(*) FROM users u WHERE u.email_verified_at IS NULL AND EXISTS (SELECT 1 FROM one_time_tokens t WHERE t.user_id = u.id AND t.purpose = 'verify_email' AND t.used_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM one_time_tokens n WHERE n.user_id = u.id AND n.purpose = 'verify_email' AND n.used_at IS NULL))",
};

// Every stored CV is a file, and no file is left without its row.
const loop = writeLoop(site, armFile, VOLATILE, INVARIANTS, { files: { dir: filesDir, query: 'SELECT stored_as FROM files ORDER BY stored_as' } });


// ---- the steps -------------------------------------------------------------------

let serial = 0;
const has = (key) => (r) => r.text.includes(key);
// The texts of the answers (French, English for the staff pages).
const T = {
	verified: 'Adresse vérifiée', checkMail: 'Consultez votre messagerie', unavailable: 'momentanément indisponible',
	wrong: 'L’adresse électronique ou le mot de passe est incorrect', resetDone: 'Mot de passe modifié',
	accountReady: 'Votre compte est prêt', emailChanged: 'Adresse électronique modifiée',
	erased: 'Votre compte a été supprimé',
};
// A refusal of a form whose data were valid: an outage, said as such.
const outage = (r) => r.status === 503;
const outageOrForm = (r) => r.status === 503 || (r.status === 422 && r.text.includes(T.unavailable));

// The rows db/personal_data.tsv says an erasure removes or anonymises that
// still name the person (user id uid, address email): ['table.column: n', …],
// empty once the erasure is done. Deleted and anonymised identifiers must no
// longer hold the id, address finders the address, anonymised contact
// columns the address anywhere in their text.
const CATALOGUE = personalData();
function rowsNaming(uid, email) {
	const checks = [];
	for (const c of CATALOGUE) {
		const col = `CAST(${c.column} AS TEXT)`;
		if (c.kind === 'identifier' && ((c.erasure === 'delete' && c.finds === 'user') || c.erasure === 'anonymise')) checks.push([c, `${col} = ${q(uid)}`]);
		else if (c.erasure === 'delete' && c.finds === 'email') checks.push([c, `${col} = ${q(email)}`]);
		else if (c.erasure === 'anonymise' && c.kind === 'contact') checks.push([c, `${col} LIKE ${q(`%${email}%`)}`]);
	}
	const got = sql(site.db, `SELECT ${checks.map(([c, where]) => `(SELECT COUNT(*) FROM ${c.table} WHERE ${where})`).join(', ')}`)[0].split('|');
	return checks.map(([c], i) => `${c.table}.${c.column}: ${got[i]}`).filter((_, i) => got[i] !== '0');
}

// The recovery codes not yet used by a step: {email, uid, code}.
const recoveryCodes = [];

// An expert with a profile, consents, a CV and a second device's session,
// signed in: what an erasure must take away.
async function expertToErase() {
	const email = `erase${++serial}@example.org`;
	await verifiedExpert(email);
	await signedIn(email); // another device
	const c = await signedIn(email);
	await c.get('/fr/profile/edit/identity');
	assert.equal((await c.post('/fr/profile/edit/identity', { name: 'Nadia Alaoui', country: 'DE', city: 'Berlin', headline: 'Data engineer' })).status, 303, 'profile');
	await c.get('/fr/profile/consent');
	assert.equal((await c.post('/fr/profile/consent', { set: 'institutions:1' })).status, 303, 'consent');
	await c.get('/fr/profile/cv/upload');
	assert.equal((await uploadCv(c, pdf())).status, 303, 'CV');
	return { c, email, uid: userId(email) };
}

const RESET = 'reset@example.org', MOVER = 'mover@example.org', CHANGER = 'changer@example.org';
let moverEmail = MOVER;

// Each path: prepare() gives a fresh starting point (no fault); form(o)
// fetches the form and notes what it needs (no fault); post(o) is the
// request under test; ok(r, o) tells its success answer; refusal(r) its
// refusals; committed(o) reads the database; recorded(o) the rest of a
// done change. noWrite: a step whose answer is the same whatever it did
// (nothing may change, success or not).
const STEPS = [
	{
		// faults.test.mjs loops over the sign-up too (database calls, with failed rollbacks)
		name: 'someone signs up',
		prepare: async () => ({ c: new Client(loop.srv.url), email: `signup${++serial}@example.org` }),
		form: (o) => o.c.get('/fr/signup'),
		post: (o) => o.c.post('/fr/signup', { email: o.email, password: PASSWORD, password2: PASSWORD, lang: 'fr', adult: 'yes', notice: 'yes' }),
		ok: has(T.checkMail),
		refusal: outage,
		committed: (o) => count(`SELECT COUNT(*) FROM users WHERE email = ${q(o.email)}`) === 1,
		recorded: (o) => {
			const uid = userId(o.email);
			return mailsTo(o.email) === 1 && tokens(uid, 'verify_email') === 1 && audits('signup', uid) === 1;
		},
	},
	{
		name: 'a new expert follows the verification link',
		prepare: async () => {
			const email = `verify${++serial}@example.org`;
			await signUp(loop.srv.url, email);
			return { email, uid: userId(email), link: mailedLink(email, '/verify\\?token=') };
		},
		form: async () => {},
		post: (o) => new Client(loop.srv.url).get(o.link),
		ok: (r) => r.status === 200 && r.text.includes(T.verified),
		refusal: outage,
		committed: (o) => count(`SELECT COUNT(*) FROM users WHERE id = ${o.uid} AND email_verified_at IS NOT NULL`) === 1,
		recorded: (o) => audits('email_verified', o.uid) === 1 && count(`SELECT COUNT(*) FROM one_time_tokens WHERE user_id = ${o.uid} AND purpose = 'verify_email' AND used_at IS NULL`) === 0,
	},
	{
		name: 'an expert signs in with a password',
		prepare: async () => ({ c: new Client(loop.srv.url), uid: String(expert.id) }),
		form: async (o) => {
			await o.c.get('/fr/signin');
			o.sessions = count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${o.uid}`);
			o.audits = audits('signin', o.uid);
		},
		post: (o) => o.c.post('/fr/signin', { email: 'expert@example.org', password: PASSWORD }),
		ok: (r) => r.status === 303 && r.location === '/fr/account',
		refusal: outage, // an unreadable throttle too: 503, never 429 (users.c)
		committed: (o) => count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${o.uid}`) === o.sessions + 1,
		recorded: (o) => audits('signin', o.uid) === o.audits + 1,
	},
	{
		name: 'a sign-in with a wrong password is counted',
		prepare: async () => {
			sql(site.db, 'DELETE FROM signin_failures');
			return { c: new Client(loop.srv.url), uid: String(expert.id) };
		},
		form: async (o) => {
			await o.c.get('/fr/signin');
			o.failures = count('SELECT COUNT(*) FROM signin_failures');
			o.audits = audits('signin_failed', o.uid);
		},
		post: (o) => o.c.post('/fr/signin', { email: 'expert@example.org', password: 'pas le bon mot de passe' }),
		ok: (r) => r.status === 422 && r.text.includes(T.wrong),
		refusal: outage,
		// one failure for the account, one for the pair, one for the address
		committed: (o) => count('SELECT COUNT(*) FROM signin_failures') === o.failures + 3,
		recorded: (o) => audits('signin_failed', o.uid) === o.audits + 1,
	},
	{
		name: 'staff give their authenticator code',
		prepare: async () => {
			advanceClock(90); // a step the code was never used in
			const c = new Client(loop.srv.url);
			const r = await passwordSignIn(c, 'admin@example.org', 'en');
			assert.equal(r.location, '/en/signin/code');
			return { c, uid: userId('admin@example.org') };
		},
		form: async (o) => {
			await o.c.get('/en/signin/code');
			o.done = count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${o.uid} AND second_factor_done = 1`);
			o.audits = audits('signin', o.uid);
		},
		post: (o) => o.c.post('/en/signin/code', { code: totp(adminSecret, now) }),
		ok: (r) => r.status === 303 && r.location === '/en/account',
		refusal: outage,
		committed: (o) => count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${o.uid} AND second_factor_done = 1`) === o.done + 1,
		recorded: (o) => audits('signin', o.uid) === o.audits + 1
			&& count(`SELECT totp_last_step FROM users WHERE id = ${o.uid}`) === Math.floor(now / 30),
	},
	{
		name: 'a new expert asks for the verification link again',
		prepare: async () => {
			const email = `resend${++serial}@example.org`;
			await signUp(loop.srv.url, email);
			return { email, uid: userId(email), c: new Client(loop.srv.url) };
		},
		form: async (o) => {
			await o.c.get('/fr/verify/resend');
			o.tokens = tokens(o.uid, 'verify_email');
			o.mails = mailsTo(o.email);
		},
		post: (o) => o.c.post('/fr/verify/resend', { email: o.email }),
		ok: (r) => r.status === 200 && r.text.includes(T.checkMail),
		refusal: outageOrForm,
		committed: (o) => tokens(o.uid, 'verify_email') === o.tokens + 1,
		// the link and its mail together; the earlier link is spent
		recorded: (o) => mailsTo(o.email) === o.mails + 1
			&& count(`SELECT COUNT(*) FROM one_time_tokens WHERE user_id = ${o.uid} AND purpose = 'verify_email' AND used_at IS NULL`) === 1,
	},
	{
		name: 'a person asks for a password reset link',
		prepare: async () => ({ c: new Client(loop.srv.url), uid: userId(RESET) }),
		form: async (o) => {
			await o.c.get('/fr/password/forgot');
			o.tokens = tokens(o.uid, 'reset_password');
			o.mails = mailsTo(RESET);
		},
		post: (o) => o.c.post('/fr/password/forgot', { email: RESET }),
		ok: (r) => r.status === 200 && r.text.includes(T.checkMail),
		refusal: outageOrForm,
		committed: (o) => tokens(o.uid, 'reset_password') === o.tokens + 1,
		recorded: (o) => mailsTo(RESET) === o.mails + 1 && mailedLink(RESET, '/password/reset\\?token=') !== null,
	},
	{
		// the same page whether the address exists or not: nothing may change
		name: 'someone asks a reset link for an unknown address', noWrite: true,
		prepare: async () => ({ c: new Client(loop.srv.url) }),
		form: (o) => o.c.get('/fr/password/forgot'),
		post: (o) => o.c.post('/fr/password/forgot', { email: 'personne@example.org' }),
		ok: (r) => r.status === 200 && r.text.includes(T.checkMail),
		refusal: outageOrForm,
		committed: () => false,
		recorded: () => true,
	},
	{
		name: 'a person chooses a new password from the reset link',
		prepare: async () => {
			const other = await signedIn(RESET); // a session the reset must end
			await other.get('/fr/password/forgot');
			assert.equal((await other.post('/fr/password/forgot', { email: RESET })).status, 200);
			const link = mailedLink(RESET, '/password/reset\\?token=');
			return { c: new Client(loop.srv.url), link, token: new URL(loop.srv.url + link).searchParams.get('token'), uid: userId(RESET) };
		},
		form: async (o) => {
			await o.c.get(o.link);
			o.hash = one(`SELECT password_hash FROM users WHERE id = ${o.uid}`);
			o.audits = audits('password_reset', o.uid);
			assert.ok(count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${o.uid}`) > 0);
		},
		post: (o) => o.c.post('/fr/password/reset', { token: o.token, password: PASSWORD, password2: PASSWORD }),
		ok: (r) => r.status === 200 && r.text.includes(T.resetDone),
		refusal: outage,
		committed: (o) => one(`SELECT password_hash FROM users WHERE id = ${o.uid}`) !== o.hash,
		recorded: (o) => audits('password_reset', o.uid) === o.audits + 1
			&& count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${o.uid}`) === 0
			&& tokens(o.uid, 'reset_password') === count(`SELECT COUNT(*) FROM one_time_tokens WHERE user_id = ${o.uid} AND purpose = 'reset_password' AND used_at IS NOT NULL`),
	},
	{
		name: 'the programme team invites an institution officer',
		prepare: async () => ({ email: `invitee${++serial}@example.org` }),
		form: () => admin.get('/en/admin/invitations'),
		post: (o) => admin.post('/en/admin/invitations', { email: o.email, institution: inst, role: 'member', lang: 'fr' }),
		ok: (r, o) => r.status === 200 && r.text.includes(`Invitation sent to ${o.email}.`),
		refusal: outage,
		committed: (o) => count(`SELECT COUNT(*) FROM users WHERE email = ${q(o.email)} AND status = 'invited'`) === 1,
		recorded: (o) => {
			const uid = userId(o.email);
			return audits('role_granted', uid) === 1 && tokens(uid, 'invite') === 1 && mailsTo(o.email) === 1
				&& count(`SELECT COUNT(*) FROM user_roles WHERE user_id = ${uid} AND role = 'institution_member' AND scope = '${inst}'`) === 1;
		},
	},
	{
		name: 'the programme team invites an existing account',
		prepare: async () => {
			const email = `known${++serial}@example.org`;
			await verifiedExpert(email);
			return { email, uid: userId(email) };
		},
		form: (o) => { o.mails = mailsTo(o.email); return admin.get('/en/admin/invitations'); },
		post: (o) => admin.post('/en/admin/invitations', { email: o.email, institution: inst, role: 'member', lang: 'fr' }),
		ok: (r, o) => r.status === 200 && r.text.includes(`Invitation sent to ${o.email}.`),
		refusal: outage,
		committed: (o) => count(`SELECT COUNT(*) FROM user_roles WHERE user_id = ${o.uid} AND role = 'institution_member'`) === 1,
		recorded: (o) => audits('role_granted', o.uid) === 1 && mailsTo(o.email) === o.mails + 1,
	},
	{
		name: 'an invited officer accepts and chooses a password',
		prepare: async () => {
			const email = `accept${++serial}@example.org`;
			await admin.get('/en/admin/invitations');
			assert.equal((await admin.post('/en/admin/invitations', { email, institution: inst, role: 'member', lang: 'fr' })).status, 200);
			const link = mailedLink(email, '/invitation\\?token=');
			return { email, uid: userId(email), c: new Client(loop.srv.url), link, token: new URL(loop.srv.url + link).searchParams.get('token') };
		},
		form: (o) => o.c.get(o.link),
		post: (o) => o.c.post('/fr/invitation', { token: o.token, password: PASSWORD, password2: PASSWORD }),
		ok: (r) => r.status === 200 && r.text.includes(T.accountReady),
		refusal: outage,
		committed: (o) => count(`SELECT COUNT(*) FROM users WHERE id = ${o.uid} AND status = 'active' AND password_hash IS NOT NULL AND email_verified_at IS NOT NULL`) === 1,
		recorded: (o) => audits('invitation_accepted', o.uid) === 1 && tokens(o.uid, 'invite') === count(`SELECT COUNT(*) FROM one_time_tokens WHERE user_id = ${o.uid} AND used_at IS NOT NULL`),
	},
	{
		name: 'an officer creates an API token',
		prepare: async () => {
			// the page lists the live tokens: revoke the last run's, so that every
			// N meets the same list (else a fault just after the commit moves on
			// with N, one token more each time)
			const uid = userId('officer@example.org');
			for (const id of sql(site.db, `SELECT id FROM api_tokens WHERE user_id = ${uid} AND revoked_at IS NULL`)) {
				await officer.get('/fr/account');
				assert.equal((await officer.post(`/fr/account/tokens/${id}/revoke`, {})).status, 303);
			}
			return { name: `Jeton ${++serial}` };
		},
		form: async (o) => {
			const page = await officer.get('/fr/account');
			o.scope = /<select class="form-select" id="f-token-scope" name="scope">\s*<option value="([^"]+)"/.exec(page.text)[1];
		},
		post: (o) => officer.post('/fr/account/tokens', { name: o.name, scope: o.scope }),
		ok: (r) => r.status === 201 && /<code class="kf-token">[^<]+<\/code>/.test(r.text),
		refusal: outage,
		committed: (o) => count(`SELECT COUNT(*) FROM api_tokens WHERE name = ${q(o.name)}`) === 1,
		recorded: (o) => audits('api_token_created', one(`SELECT id FROM api_tokens WHERE name = ${q(o.name)}`)) === 1,
	},
	{
		name: 'an officer revokes an API token',
		prepare: async () => {
			const name = `Jeton à révoquer ${++serial}`;
			const page = await officer.get('/fr/account');
			const scope = /id="f-token-scope" name="scope">\s*<option value="([^"]+)"/.exec(page.text)[1];
			assert.equal((await officer.post('/fr/account/tokens', { name, scope })).status, 201);
			return { id: one(`SELECT id FROM api_tokens WHERE name = ${q(name)}`) };
		},
		form: () => officer.get('/fr/account'),
		post: (o) => officer.post(`/fr/account/tokens/${o.id}/revoke`, {}),
		ok: (r) => r.status === 303 && r.location === '/fr/account?done=token_revoked',
		refusal: outage,
		committed: (o) => count(`SELECT COUNT(*) FROM api_tokens WHERE id = ${o.id} AND revoked_at IS NOT NULL`) === 1,
		recorded: (o) => audits('api_token_revoked', o.id) === 1,
	},
	{
		name: 'an expert uploads a CV',
		prepare: async () => ({ bytes: pdf() }),
		form: async (o) => {
			await expert.get('/fr/profile/cv/upload');
			o.audits = audits('cv_uploaded');
		},
		post: (o) => uploadCv(expert, o.bytes),
		ok: (r) => r.status === 303 && r.location === '/fr/profile/cv/upload?done=uploaded',
		refusal: outage,
		committed: (o) => count(`SELECT COUNT(*) FROM files WHERE user_id = ${expert.id} AND sha256 = ${q(createHash('sha256').update(o.bytes).digest('hex'))}`) === 1,
		recorded: (o) => audits('cv_uploaded') === o.audits + 1,
	},
	{
		name: 'an expert signs out',
		prepare: async () => ({ c: await signedIn('expert@example.org'), uid: String(expert.id) }),
		form: async (o) => {
			await o.c.get('/fr/account');
			o.sessions = count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${o.uid}`);
			o.audits = audits('signout', o.uid);
		},
		post: (o) => o.c.post('/fr/signout', {}),
		ok: (r) => r.status === 303 && r.location === '/fr/',
		refusal: outage,
		committed: (o) => count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${o.uid}`) === o.sessions - 1,
		recorded: (o) => audits('signout', o.uid) === o.audits + 1,
	},
	{
		name: 'an expert sets up the authenticator app',
		prepare: async () => {
			const email = `totp${++serial}@example.org`;
			await verifiedExpert(email);
			const c = await signedIn(email);
			const page = await c.get('/fr/account/totp'); // draws the key (a write, no fault)
			return { c, uid: userId(email), secret: /id="totp-secret">([A-Z2-7]+)</.exec(page.text)[1] };
		},
		form: async (o) => { o.audits = audits('totp_enabled', o.uid); },
		post: (o) => o.c.post('/fr/account/totp', { code: totp(o.secret, now) }),
		ok: (r) => r.status === 200 && (r.text.match(/<li><code>[^<]+<\/code><\/li>/g) ?? []).length === 10,
		refusal: outage,
		committed: (o) => count(`SELECT COUNT(*) FROM users WHERE id = ${o.uid} AND totp_enabled_at IS NOT NULL`) === 1,
		recorded: (o) => audits('totp_enabled', o.uid) === o.audits + 1
			&& count(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = ${o.uid}`) === 10
			&& count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${o.uid} AND second_factor_done = 1`) >= 1,
	},
	{
		name: 'an expert signs out everywhere',
		prepare: async () => {
			await signedIn(CHANGER); // another device
			return { c: await signedIn(CHANGER), uid: userId(CHANGER) };
		},
		form: async (o) => {
			await o.c.get('/fr/account');
			o.audits = audits('signout_everywhere', o.uid);
			assert.ok(count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${o.uid}`) >= 2);
		},
		post: (o) => o.c.post('/fr/account/signout-everywhere', {}),
		ok: (r) => r.status === 303 && r.location === '/fr/',
		refusal: outage,
		committed: (o) => count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${o.uid}`) === 0,
		recorded: (o) => audits('signout_everywhere', o.uid) === o.audits + 1,
	},
	{
		name: 'an expert changes the password on the account page',
		prepare: async () => ({ c: await signedIn(CHANGER), uid: userId(CHANGER) }),
		form: async (o) => {
			await o.c.get('/fr/account');
			o.hash = one(`SELECT password_hash FROM users WHERE id = ${o.uid}`);
			o.audits = audits('password_changed', o.uid);
			o.mails = mailsTo(CHANGER);
		},
		post: (o) => o.c.post('/fr/account/password', { current: PASSWORD, password: PASSWORD, password2: PASSWORD }),
		ok: (r) => r.status === 303 && r.location === '/fr/account?done=password',
		refusal: outage,
		committed: (o) => one(`SELECT password_hash FROM users WHERE id = ${o.uid}`) !== o.hash,
		recorded: (o) => audits('password_changed', o.uid) === o.audits + 1 && mailsTo(CHANGER) === o.mails + 1,
	},
	{
		name: 'an expert asks to change the e-mail address',
		prepare: async () => ({ c: await signedIn(moverEmail), email: `moved${++serial}@example.org` }),
		form: (o) => o.c.get('/fr/account'),
		post: (o) => o.c.post('/fr/account/email', { current: PASSWORD, email: o.email }),
		ok: (r) => r.status === 303 && r.location === '/fr/account?done=email_sent',
		refusal: outage,
		committed: (o) => count(`SELECT COUNT(*) FROM one_time_tokens WHERE purpose = 'change_email' AND data = ${q(o.email)}`) === 1,
		recorded: (o) => mailsTo(o.email) === 1,
	},
	{
		name: 'an expert confirms the new e-mail address',
		prepare: async () => {
			const c = await signedIn(moverEmail), email = `moved${++serial}@example.org`;
			await c.get('/fr/account');
			assert.equal((await c.post('/fr/account/email', { current: PASSWORD, email })).status, 303);
			return { email, old: moverEmail, uid: userId(moverEmail), link: mailedLink(email, '/account/email/confirm\\?token=') };
		},
		form: (o) => { o.mails = mailsTo(o.old); o.audits = audits('email_changed', o.uid); },
		post: (o) => new Client(loop.srv.url).get(o.link),
		ok: (r) => r.status === 200 && r.text.includes(T.emailChanged),
		refusal: outage,
		committed: (o) => {
			const done = one(`SELECT email FROM users WHERE id = ${o.uid}`) === o.email;
			if (done) moverEmail = o.email;
			return done;
		},
		recorded: (o) => audits('email_changed', o.uid) === o.audits + 1 && mailsTo(o.old) === o.mails + 1,
	},
	{
		// the code is spent if and only if the session passes its second step
		name: 'an expert signs in with a recovery code',
		prepare: async () => {
			if (!recoveryCodes.length) {
				const email = `recover${++serial}@example.org`;
				await verifiedExpert(email);
				const uid = userId(email);
				for (const code of await enrolWithCodes(await signedIn(email))) recoveryCodes.push({ email, uid, code });
				assert.equal(recoveryCodes.length, 10, 'ten recovery codes');
			}
			const o = { c: new Client(loop.srv.url), ...recoveryCodes.pop() };
			o.hash = createHash('sha256').update(o.code).digest('hex');
			assert.equal(count(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = ${o.uid} AND code_hash = ${q(o.hash)} AND used_at IS NULL`), 1, 'the code is there, unused');
			assert.equal((await passwordSignIn(o.c, o.email)).location, '/fr/signin/code');
			return o;
		},
		form: async (o) => {
			await o.c.get('/fr/signin/code');
			o.done = count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${o.uid} AND second_factor_done = 1`);
			o.audits = audits('signin', o.uid);
		},
		post: (o) => o.c.post('/fr/signin/code', { code: o.code }),
		ok: (r) => r.status === 303 && r.location === '/fr/account',
		refusal: outage,
		committed: (o) => count(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = ${o.uid} AND code_hash = ${q(o.hash)} AND used_at IS NOT NULL`) === 1,
		recorded: (o) => count(`SELECT COUNT(*) FROM sessions WHERE user_id = ${o.uid} AND second_factor_done = 1`) === o.done + 1
			&& audits('signin', o.uid) === o.audits + 1
			&& count(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = ${o.uid} AND used_at IS NULL`) === recoveryCodes.filter((x) => x.uid === o.uid).length,
	},
	{
		name: 'an expert deletes the CV',
		prepare: async () => {
			await expert.get('/fr/profile/cv/upload');
			assert.equal((await uploadCv(expert, pdf())).status, 303, 'CV');
			return { stored: one(`SELECT stored_as FROM files WHERE user_id = ${expert.id} AND kind = 'cv'`) };
		},
		form: async (o) => {
			await expert.get('/fr/profile/cv/upload');
			o.audits = audits('cv_deleted');
		},
		post: () => expert.post('/fr/profile/cv/delete', {}),
		ok: (r) => r.status === 303 && r.location === '/fr/profile/cv/upload?done=removed',
		refusal: outage,
		committed: () => count(`SELECT COUNT(*) FROM files WHERE user_id = ${expert.id}`) === 0,
		// the file goes with its row (assertFiles), and the removal is audited
		recorded: (o) => audits('cv_deleted') === o.audits + 1 && !readdirSync(filesDir).includes(o.stored),
	},
	{
		// the right to erasure: all of it (db/personal_data.tsv) or nothing
		name: 'an expert erases the account', maxN: 800,
		prepare: expertToErase,
		form: async (o) => {
			await o.c.get('/fr/profile/delete');
			assert.ok(rowsNaming(o.uid, o.email).length > 0, 'the person has rows to erase');
		},
		post: (o) => o.c.post('/fr/profile/delete', { password: PASSWORD }),
		ok: (r) => r.status === 200 && r.text.includes(T.erased),
		refusal: outage,
		committed: (o) => count(`SELECT COUNT(*) FROM users WHERE id = ${o.uid}`) === 0,
		recorded: (o) => {
			const left = rowsNaming(o.uid, o.email);
			assert.deepEqual(left, [], 'rows the erasure should have removed or anonymised');
			return count(`SELECT COUNT(*) FROM audit_log WHERE action = 'account_erased' AND actor_id = ${o.uid} AND target_id = ${q(o.uid)}`) === 1;
		},
	},
];

before(async () => {
	const srv = await loop.start();
	at = { url: srv.url, db: site.db, env: site.env };
	admin = await makeAdminWithSecret('admin@example.org');
	adminSecret = admin.secret;
	let o;
	({ id: inst, officer: o } = await makeInstitution(at, admin));
	officer = o;
	expert = await makeExpert(at, 'expert@example.org');
	for (const email of [RESET, MOVER, CHANGER]) await verifiedExpert(email);
});

after(async () => {
	const { srv } = loop;
	if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.stderr().slice(-1500));
	const audit = kafaat(['audit', 'verify', '--db', site.db]);
	assert.equal(audit.status, 0, audit.stderr);
	console.log(`faults on account paths, the Nth ${faultWhat} failing (${path.basename(sanitizedBin)}):\n${figures.join('\n')}`);
	site.remove();
});

loopTests(STEPS, site.db, loop, figures, (step) => (step.maxN ?? MAX_N) * faultScale);
