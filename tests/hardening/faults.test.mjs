// Database failure injection (src/db/fault.h).
//
// Start-up: with FAULT_INJECT_DB=N for a spread of N, `kafaat serve` either
// refuses to start with a message and exit 1, or serves and stops cleanly.
//
// The sign-up write path: one server runs with FAULT_INJECT_DB=<file>; for
// N = 1, 2, … the test writes N into the file and sends SIGUSR1 (the Nth
// database call from then on fails), then one person signs up. The loop
// ends with the first N whose fault was not reached by the sign-up (the
// fault is disarmed after each sign-up; the mail sender, which polls every
// second, may take a fault meant for the sign-up now and then). For
// every N: the server keeps running, no 500, and either the "check your
// mailbox" page with the account, its role, its link, its audit row and
// its mail all stored, or 503 with none of them stored. At the end every
// acknowledged address verifies its link and signs in, the audit chain
// holds, and SIGTERM ends the server with exit 0.
//
// The same sign-up with the rollback after the fault failing too
// (FAULT_INJECT_DB's N+rollback: the first rollback after the Nth call
// fails; N+rollback-always: every rollback until disarmed), for every N
// until none fails: the failing transaction stays open on its connection
// as after a real failed ROLLBACK. For every N: no 500, 200 only with
// everything stored and 503 with nothing, and the next sign-up (no fault,
// most likely on the same connection: the pool hands out the last one
// given back) is acknowledged and adds its own account and nothing else.
//
// All run the ASan+UBSan build when it exists (a leak on an error path
// makes its exit status non-zero), else TEST_BIN.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { lastMailTo, linkIn, mails } from '../client.mjs';
import { kafaat } from '../kafaat.mjs';
import { acknowledged, arm, canSignIn, freshSite, integrity, isPg, SANITIZER, sanitizedBin, serve, signUp, sql } from './lib.mjs';

const MAX_N = 80;
const FAULT_LINE = /fault injection: database call (\d+) \((\w+)\) fails/;
const ROLLBACK_LINE = /fault injection: the rollback after database call \d+ fails/;
const site = freshSite('faults');
const armFile = path.join(site.dir, 'fault');
after(() => site.remove());

const count = (text) => Number(sql(site.db, text)[0]);

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
	for (const [what, text] of Object.entries(orphans)) assert.equal(count(text), 0, `N=${n}: ${what}`);
}

test('a database call failing at start-up: a clean refusal or a clean start', async () => {
	let refused = 0;
	for (const n of [1, 2, 3, 4, 5, 6, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987]) {
		const srv = await serve(site.db, { env: { ...site.env, FAULT_INJECT_DB: String(n) }, program: sanitizedBin });
		const end = await srv.stop();
		const where = `N=${n}: ${srv.stderr().slice(-1500)}`;
		assert.doesNotMatch(srv.stderr(), SANITIZER, where);
		if (srv.url) {
			assert.deepEqual(end, { code: 0, signal: null }, where);
		} else {
			assert.deepEqual(end, { code: 1, signal: null }, where);
			assert.match(srv.stderr(), /kafaat serve: /, where);
			refused++;
		}
	}
	assert.ok(refused > 0, 'some faults stopped the start-up');
});

// One sign-up with the nth call failing (n: a number, or a form such as
// "5+rollback"); returns {reached, acked, log}.
async function signUpFailing(srv, n, email) {
	const from = await arm(srv, armFile, n);
	const r = await signUp(srv.url, email);
	const log = srv.stderr().slice(from, await arm(srv, armFile, 0));
	const where = `N=${n}: ${log.slice(-1500)}`;
	assert.equal(srv.child.exitCode, null, `N=${n}: the server died\n${where}`);
	assert.doesNotMatch(log, SANITIZER, where);
	assert.ok(r.status === 200 || r.status === 503, `N=${n}: answered ${r.status}\n${where}`);
	assert.equal(r.status === 200, acknowledged(r), `N=${n}: a 200 is the mailbox page`);
	return { reached: FAULT_LINE.test(log), acked: r.status === 200, log };
}

test('sign-up with its Nth database call failing, for every N until none fails', async () => {
	const srv = await serve(site.db, { env: { ...site.env, FAULT_INJECT_DB: armFile }, program: sanitizedBin });
	assert.ok(srv.url, srv.stderr());
	const acked = [];
	let refused = 0, clean = 0;
	try {
		for (let n = 1; n <= MAX_N && !clean; n++) {
			const email = `fault${n}@example.org`;
			const { reached, acked: ok } = await signUpFailing(srv, n, email);
			if (ok) acked.push(email);
			else refused++;
			const stored = count(`SELECT COUNT(*) FROM users WHERE email = '${email}'`);
			const mailed = mails(site.db).filter((m) => m.to === email).length;
			assert.equal(stored, ok ? 1 : 0, `N=${n}: account stored iff acknowledged`);
			assert.equal(mailed, ok ? 1 : 0, `N=${n}: mail queued iff acknowledged`);
			assertWhole(n);
			if (!reached) clean = n;
		}
		assert.ok(clean > 0, `every run up to N=${MAX_N} reached its fault`);
		assert.ok(refused > 0, 'some sign-ups were refused with 503');
		assert.ok(acked.length > 0, 'the fault-free run was acknowledged');

		// Every acknowledged account really works: its link verifies, it signs in.
		for (const email of acked) {
			const link = linkIn(lastMailTo(site.db, email) ?? '', '/verify\\?token=');
			assert.ok(link, `${email}: a verification link was mailed`);
			const v = await fetch(srv.url + link, { redirect: 'manual' });
			assert.equal(v.status, 200, `${email}: link verifies`);
			assert.ok(await canSignIn(srv.url, email), `${email}: signs in`);
		}
	} finally {
		assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.stderr().slice(-1500));
	}
	const audit = kafaat(['audit', 'verify', '--db', site.db]);
	assert.equal(audit.status, 0, audit.stderr);
	assert.equal(integrity(site.db), 'ok', 'integrity_check (SQLite) or amcheck (PostgreSQL)');
	console.log(`faults (${path.basename(sanitizedBin)}, ${isPg(site.db) ? 'PostgreSQL' : 'SQLite'}): ${clean} runs, ${refused} refused with 503, ${acked.length} acknowledged`);
});

test('sign-up with its Nth call failing and the rollback after it failing too: the next sign-up is whole', async () => {
	const srv = await serve(site.db, { env: { ...site.env, FAULT_INJECT_DB: armFile }, program: sanitizedBin });
	assert.ok(srv.url, srv.stderr());
	const acked = [], signIns = [];
	const figures = [];
	const stored = (email) => count(`SELECT COUNT(*) FROM users WHERE email = '${email}'`);
	try {
		for (const mode of ['rollback', 'rollback-always']) {
			let clean = 0, refused = 0, rolledBack = 0, failedRollbacks = 0, healed = 0, replaced = 0;
			for (let n = 1; n <= MAX_N && !clean; n++) {
				const where = `N=${n}+${mode}`;
				const email = `rb-${mode}-${n}@example.org`, next = `rb-${mode}-${n}-next@example.org`;
				const { reached, acked: ok, log } = await signUpFailing(srv, `${n}+${mode}`, email);
				if (ok) acked.push(email);
				else refused++;
				if (ROLLBACK_LINE.test(log)) failedRollbacks++;
				if (/transaction failed/.test(log)) rolledBack++;
				if (/db pool: a connection came back inside a transaction/.test(log)) healed++;
				if (/db pool: the rollback failed again .*: replacing the connection/.test(log)) replaced++;
				assert.equal(stored(email), ok ? 1 : 0, `${where}: account stored iff acknowledged\n${log.slice(-1500)}`);
				assert.equal(mails(site.db).filter((m) => m.to === email).length, ok ? 1 : 0, `${where}: mail queued iff acknowledged`);
				const users = count('SELECT COUNT(*) FROM users');

				// The next request: no fault; whole, and only its own.
				const from = srv.stderr().length;
				const r = await signUp(srv.url, next);
				const after = srv.stderr().slice(from);
				assert.doesNotMatch(after, SANITIZER, `${where}: ${after.slice(-1500)}`);
				assert.ok(acknowledged(r), `${where}: the next sign-up answered ${r.status}\n${after.slice(-1500)}`);
				acked.push(next);
				if (n === 1 || ok) signIns.push(next);
				assert.equal(stored(next), 1, `${where}: the next account is stored`);
				assert.equal(stored(email), ok ? 1 : 0, `${where}: the failed sign-up stays ${ok ? 'stored' : 'absent'} after the next one`);
				assert.equal(count('SELECT COUNT(*) FROM users'), users + 1, `${where}: the next sign-up added one account`);
				assert.equal(mails(site.db).filter((m) => m.to === next).length, 1, `${where}: the next mail is queued`);
				assertWhole(where);
				if (!reached) clean = n;
			}
			signIns.push(acked.at(-1)); // the last next sign-up of the mode
			assert.ok(clean > 0, `${mode}: every run up to N=${MAX_N} reached its fault`);
			assert.ok(failedRollbacks > 0, `${mode}: some rollbacks failed`);
			assert.ok(refused > 0, `${mode}: some sign-ups were refused with 503`);
			// The pool ends each transaction left open: rolled back again
			// (+rollback), or the connection replaced (+rollback-always).
			assert.equal(healed, failedRollbacks, `${mode}: each failed rollback's connection healed by the pool`);
			assert.equal(replaced, mode === 'rollback' ? 0 : failedRollbacks, `${mode}: connections replaced`);
			figures.push(`${mode}: ${clean} runs, ${refused} refused with 503, ${rolledBack} rolled back, ${failedRollbacks} failed rollbacks, ${replaced} connections replaced`);
		}

		// Every acknowledged account's link verifies; the acknowledged
		// failed sign-ups, the first next one and the last of each mode sign
		// in (each sign-in hashes a password: all of them would triple the
		// test's time under ASan).
		for (const email of acked) {
			const link = linkIn(lastMailTo(site.db, email) ?? '', '/verify\\?token=');
			assert.ok(link, `${email}: a verification link was mailed`);
			const v = await fetch(srv.url + link, { redirect: 'manual' });
			assert.equal(v.status, 200, `${email}: link verifies`);
		}
		for (const email of new Set([...acked.filter((e) => !e.endsWith('-next@example.org')), ...signIns])) {
			assert.ok(await canSignIn(srv.url, email), `${email}: signs in`);
		}
	} finally {
		assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.stderr().slice(-1500));
	}
	assert.doesNotMatch(srv.stderr(), SANITIZER);
	const audit = kafaat(['audit', 'verify', '--db', site.db]);
	assert.equal(audit.status, 0, audit.stderr);
	assert.equal(integrity(site.db), 'ok', 'integrity_check (SQLite) or amcheck (PostgreSQL)');
	console.log(`faults with failing rollbacks (${path.basename(sanitizedBin)}, ${isPg(site.db) ? 'PostgreSQL' : 'SQLite'}): ${figures.join('; ')}; ${acked.length} acknowledged`);
});
