// A small browser-like HTTP client for the tests: keeps cookies, reads the
// CSRF token from forms, follows nothing by itself (tests see redirects).
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { kafaat } from './kafaat.mjs';

export class Client {
	constructor(base) {
		this.base = base;
		this.cookies = new Map();
		this.csrf = null;
	}

	cookieHeader() {
		return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
	}

	remember(res) {
		for (const line of res.headers.getSetCookie()) {
			const [pair, ...attrs] = line.split(';');
			const eq = pair.indexOf('=');
			const name = pair.slice(0, eq).trim();
			const value = pair.slice(eq + 1).trim();
			const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
			if (gone || value === '') this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
	}

	async request(method, path, { form, headers = {} } = {}) {
		const h = { ...headers };
		if (this.cookies.size) h.Cookie = this.cookieHeader();
		let body;
		if (form) {
			h['Content-Type'] = 'application/x-www-form-urlencoded';
			body = new URLSearchParams(form).toString();
		}
		const res = await fetch(this.base + path, { method, headers: h, body, redirect: 'manual' });
		this.remember(res);
		const text = await res.text();
		const m = /name="csrf" value="([^"]+)"/.exec(text);
		if (m) this.csrf = m[1];
		return { status: res.status, headers: res.headers, text, location: res.headers.get('location') };
	}

	get(path, opts) { return this.request('GET', path, opts); }

	// POSTs a form, adding the CSRF token last seen (fetch a page first).
	post(path, form, opts = {}) {
		return this.request('POST', path, { ...opts, form: { csrf: this.csrf ?? '', ...form } });
	}
}

// The mails in the outbox, newest first: [{id, to, subject, status, …}].
export function mails(db, env = {}) {
	const r = kafaat(['mail', 'list', '--json', '--db', db], env);
	if (r.status !== 0) throw new Error(`mail list: ${r.stderr}`);
	return JSON.parse(r.stdout);
}

// The full text of the newest mail to `to` (decoded body).
export function lastMailTo(db, to, env = {}) {
	const m = mails(db, env).find((x) => x.to === to);
	if (!m) return null;
	const r = kafaat(['mail', 'show', String(m.id), '--db', db], env);
	return decodeMessage(r.stdout);
}

// Decodes a MIME message well enough to read its links: base64 or 8bit body.
export function decodeMessage(raw) {
	const [head, ...rest] = raw.split(/\r?\n\r?\n/);
	const body = rest.join('\n\n');
	if (/Content-Transfer-Encoding:\s*base64/i.test(head)) {
		return head + '\n\n' + Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
	}
	return raw;
}

// The first link in text whose path contains `part`, made relative.
export function linkIn(text, part) {
	const m = new RegExp(`https?://[^\\s]*${part}[^\\s]*`).exec(text);
	if (!m) return null;
	const u = new URL(m[0]);
	return u.pathname + u.search;
}

// RFC 6238 code (HMAC-SHA-1, 6 digits, 30 s) for a base32 secret at unix time t.
export function totp(secret, t = Math.floor(Date.now() / 1000)) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = '';
	for (const ch of secret.replace(/[\s=]/g, '').toUpperCase())
		bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
	const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
	const counter = Buffer.alloc(8);
	counter.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
	const mac = createHmac('sha1', key).update(counter).digest();
	const off = mac[19] & 15;
	const n = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
	return String(n % 1_000_000).padStart(6, '0');
}

// Enrols the signed-in client's second factor; returns the secret.
export async function enrolTotp(c, lang = 'fr', t = undefined) {
	const page = await c.get(`/${lang}/account/totp`);
	const m = /id="totp-secret">([A-Z2-7]+)</.exec(page.text);
	if (!m) throw new Error('no authenticator key on the page: ' + page.status);
	const r = await c.post(`/${lang}/account/totp`, { code: totp(m[1], t) });
	if (r.status !== 200) throw new Error('enrolment refused: ' + r.status);
	return m[1];
}

// ---- Accounts, as the set-up of a test makes them ----------------------------

// Signs `c` in with a password (the first step; staff then give a code).
export async function signIn(c, email, password, lang = 'fr') {
	await c.get(`/${lang}/signin`);
	const r = await c.post(`/${lang}/signin`, { email, password });
	if (r.status !== 303) throw new Error(`sign-in of ${email}: ${r.status}`);
	return c;
}

// Signs staff in again: the password, then the authenticator's code for
// `secret` at time t (the server's clock).
export async function signInWithCode(c, email, password, secret, t, lang = 'fr') {
	await signIn(c, email, password, lang);
	await c.get(`/${lang}/signin/code`);
	const r = await c.post(`/${lang}/signin/code`, { code: totp(secret, t) });
	if (r.status !== 303) throw new Error(`second factor of ${email}: ${r.status}`);
	return c;
}

// A new person who signed up in `lang`, verified the address from the mail
// and signed in. srv: {url, db} of tests/kafaat.mjs startServer.
export async function signUp(srv, env, email, password, lang = 'fr') {
	const c = new Client(srv.url);
	await c.get(`/${lang}/signup`);
	await c.post(`/${lang}/signup`, { email, password, password2: password, lang, adult: 'yes', notice: 'yes' });
	const link = linkIn(lastMailTo(srv.db, email, env), '/verify\\?token=');
	if (!link) throw new Error(`no verification mail to ${email}`);
	await c.get(link);
	return signIn(c, email, password, lang);
}

// Follows an invitation link (staff, institution officers): chooses the
// password, then signs in.
export async function acceptInvitation(srv, link, email, password, lang = 'fr') {
	const c = new Client(srv.url);
	await c.get(link);
	const token = new URL(srv.url + link).searchParams.get('token');
	const r = await c.post(`/${lang}/invitation`, { token, password, password2: password });
	if (r.status !== 200) throw new Error(`invitation of ${email}: ${r.status}`);
	return signIn(c, email, password, lang);
}

// The rows of a query on the test's database (a SQLite path or a
// PostgreSQL URL), each row its columns joined by tabs.
export function sqlRows(db, text) {
	const pg = /^postgres(ql)?:/.test(db);
	const [cmd, args] = pg ? ['psql', ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', db, '-c', text]]
		: ['sqlite3', ['-bail', '-cmd', '.timeout 10000', '-separator', '\t', db, text]];
	const r = spawnSync(cmd, args, { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`${text}: ${r.stderr}`);
	return r.stdout.split('\n').filter((l) => l !== '');
}

// Runs `kafaat ARGS --db srv.db` with `env`; its output, or throws with its
// message.
export function cli(srv, env, args) {
	const r = kafaat([...args, '--db', srv.db], env);
	if (r.status !== 0) throw new Error(`kafaat ${args.join(' ')}: ${r.stderr}`);
	return r.stdout;
}

// A new person (signUp) given a staff role from the command line (`kafaat
// admin grant EMAIL ROLE [SCOPE]`; scope: a network's slug for a
// coordinator), signed in again so that the role applies, their
// authenticator enrolled at unix time t (the server's clock).
export async function newStaff(srv, env, email, password, { role, scope, lang = 'fr', t } = {}) {
	const c = await signUp(srv, env, email, password, lang);
	cli(srv, env, ['admin', 'grant', email, role, ...(scope ? [scope] : [])]);
	await signIn(c, email, password, lang);
	await enrolTotp(c, lang, t);
	return c;
}

// A member of the programme team made from the command line (`kafaat admin
// create`), their invitation accepted in `lang` and their authenticator
// enrolled at unix time t; the client keeps the authenticator's key in
// totpSecret (to sign in again with a code).
export async function newAdmin(srv, env, email, password, { lang = 'fr', t } = {}) {
	const link = linkIn(cli(srv, env, ['admin', 'create', email]), '/invitation\\?token=');
	const c = await acceptInvitation(srv, link, email, password, lang);
	c.totpSecret = await enrolTotp(c, lang, t);
	return c;
}

// Membership of a network, written directly: joining has its own tests
// (tests/http/networks.test.mjs).
export function addMember(srv, slug, email) {
	sqlRows(srv.db, `INSERT INTO network_members (network, user_id, state, requested_at, joined_at) SELECT '${slug}', id, 'member', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z' FROM users WHERE email = '${email}'`);
}

// Saves the signed-in person's identity through the profile editor's form.
export async function editIdentity(c, identity, lang = 'fr') {
	await c.get(`/${lang}/profile/edit/identity`);
	const r = await c.post(`/${lang}/profile/edit/identity`, identity);
	if (r.status !== 303) throw new Error(`identity: ${r.status}`);
	return c;
}

// Opens `page` (for its CSRF token), then posts `form` to `path`.
export async function postFrom(c, page, path, form = {}) {
	await c.get(page);
	return c.post(path, form);
}

// ---- Reading the pages -------------------------------------------------------

// Text of HTML as the templates escape it, read back.
export const decodeHtml = (s) => s.replace(/&#39;/g, '\'').replace(/&quot;/g, '"').replace(/&lt;/g, '<')
	.replace(/&gt;/g, '>').replace(/&amp;/g, '&');

// The messages by the fields of a form page: {field: message}.
export function formErrors(html) {
	const out = {};
	for (const m of html.matchAll(/<div class="invalid-feedback d-block[^"]*" id="e-([^"]+)">([^<]*)</g)) out[m[1]] = decodeHtml(m[2]);
	return out;
}
