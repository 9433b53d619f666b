// Database failure injection on the sign-up write path. For N = 1, 2, …
// a server runs with FAULT_INJECT_DB=N (its Nth database call fails, see
// src/db/fault.h), one person signs up, and the server stops; the loop
// ends with the first run in which the Nth call never came. Every run
// shares one database, so a half-written change would show in a later one.
//
// For every N: no crash (start-up refuses cleanly with exit 1; otherwise
// SIGTERM ends the server with exit 0), no 500, and either the "check your
// mailbox" page with the account, its role, its link and its mail all
// stored, or 503 with nothing stored. At the end, every acknowledged
// address verifies its link and signs in, and the audit chain holds.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { lastMailTo, linkIn, mails } from '../client.mjs';
import { kafaat } from '../kafaat.mjs';
import { acknowledged, canSignIn, freshSite, serve, signUp, sqlite } from './lib.mjs';

const MAX_N = 80;
const FAULT_LINE = /fault injection: database call (\d+) \((\w+)\) fails/;
const site = freshSite('faults');
after(() => rmSync(site.dir, { recursive: true, force: true }));

const count = (sql) => Number(sqlite(site.db, sql)[0]);

// Invariants over the whole database: no part of a sign-up without the rest.
function assertWhole(n) {
	const orphans = {
		'user without a mail': 'SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.to_addr = u.email)',
		'mail without a user': 'SELECT COUNT(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.email = o.to_addr)',
		'user without a role': 'SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id)',
		'user without a link': 'SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM one_time_tokens t WHERE t.user_id = u.id)',
		'user without an audit row': "SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'signup' AND a.target_id = CAST(u.id AS TEXT))",
		'audit row without a user': "SELECT COUNT(*) FROM audit_log a WHERE a.action = 'signup' AND NOT EXISTS (SELECT 1 FROM users u WHERE CAST(u.id AS TEXT) = a.target_id)",
	};
	for (const [what, sql] of Object.entries(orphans)) assert.equal(count(sql), 0, `N=${n}: ${what}`);
}

// One run with FAULT_INJECT_DB=n; returns {reached, acked}.
async function run(n, email) {
	const srv = await serve(site.db, { env: { ...site.env, FAULT_INJECT_DB: String(n) } });
	let r = null;
	if (srv.url) r = await signUp(srv.url, email);
	const end = await srv.stop();
	const log = srv.stderr();
	const where = `N=${n}: ${log.slice(-1500)}`;
	assert.doesNotMatch(log, /AddressSanitizer|runtime error|LeakSanitizer/, where);
	if (!srv.url) {
		// Start-up needed the failing call: a clear message and exit 1, no crash.
		assert.deepEqual(end, { code: 1, signal: null }, where);
		assert.match(log, /kafaat serve: /, where);
	} else {
		assert.deepEqual(end, { code: 0, signal: null }, where);
		assert.ok(r.status === 200 || r.status === 503, `N=${n}: answered ${r.status}\n${where}`);
		assert.equal(r.status === 200, acknowledged(r), `N=${n}: a 200 is the mailbox page`);
	}
	return { reached: FAULT_LINE.test(log), acked: r !== null && r.status === 200, started: !!srv.url };
}

test('sign-up with the Nth database call failing, for every N until none fails', async () => {
	const acked = [];
	let refused = 0, startups = 0, clean = 0;
	for (let n = 1; n <= MAX_N && !clean; n++) {
		const email = `fault${n}@example.org`;
		const { reached, acked: ok, started } = await run(n, email);
		if (!started) startups++;
		else if (ok) acked.push(email);
		else refused++;
		const stored = count(`SELECT COUNT(*) FROM users WHERE email = '${email}'`);
		const mailed = mails(site.db).filter((m) => m.to === email).length;
		assert.equal(stored, ok ? 1 : 0, `N=${n}: account stored iff acknowledged`);
		assert.equal(mailed, ok ? 1 : 0, `N=${n}: mail queued iff acknowledged`);
		assertWhole(n);
		if (!reached) clean = n;
	}
	assert.ok(clean > 0, `every run up to N=${MAX_N} reached its fault`);
	assert.ok(startups > 0, 'some runs failed at start-up');
	assert.ok(refused > 0, 'some sign-ups were refused with 503');
	assert.ok(acked.length > 0, 'the fault-free run was acknowledged');
	const audit = kafaat(['audit', 'verify', '--db', site.db]);
	assert.equal(audit.status, 0, audit.stderr);

	// Every acknowledged account really works: its link verifies, it signs in.
	const srv = await serve(site.db, { env: site.env });
	try {
		for (const email of acked) {
			const link = linkIn(lastMailTo(site.db, email) ?? '', '/verify\\?token=');
			assert.ok(link, `${email}: a verification link was mailed`);
			const c = await fetch(srv.url + link, { redirect: 'manual' });
			assert.equal(c.status, 200, `${email}: link verifies`);
			assert.ok(await canSignIn(srv.url, email), `${email}: signs in`);
		}
	} finally {
		assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.stderr());
	}
	console.log(`fault runs: ${clean} (start-up ${startups}, refused ${refused}, acknowledged ${acked.length})`);
});
