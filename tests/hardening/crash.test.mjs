// Crash safety: concurrent sign-ups through HTTP against a real server on
// SQLite, a kill -9 at a random moment once the round's first sign-up was
// acknowledged (so every kill lands in a running write load), a restart on
// the same file, again and again. Every sign-up answered "check your mailbox" (acknowledged)
// must still be there after every crash, with its verification mail, and
// the database must pass PRAGMA integrity_check and `kafaat audit verify`.
//
// CRASH_KILLS sets the number of kills (20 by default; 200 or more for a
// longer run: `make crash` or CRASH_KILLS=500 node --test this file).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { kafaat } from '../kafaat.mjs';
import { assertSignUpsDurable, freshSite, serve, signUpsUntilKilled, slowMs } from './lib.mjs';

const KILLS = Number(process.env.CRASH_KILLS || 20);
const site = freshSite('crash');
after(() => rmSync(site.dir, { recursive: true, force: true }));

test(`every acknowledged sign-up survives ${KILLS} kill -9`, { timeout: slowMs(KILLS * 15000) }, async () => {
	const acked = new Set();
	const odd = [];
	for (let k = 1; k <= KILLS; k++) {
		const srv = await serve(site.db, { env: site.env });
		assert.ok(srv.url, `restart ${k} failed: ${srv.stderr()}`);
		await signUpsUntilKilled(srv, `k${k}`, acked, odd);
		assertSignUpsDurable(site.db, acked, `after kill ${k}`);
	}
	assert.deepEqual(odd, [], 'every answer was 200 or 503');
	assert.ok(acked.size >= KILLS, `only ${acked.size} sign-ups acknowledged in ${KILLS} rounds`);
	const audit = kafaat(['audit', 'verify', '--db', site.db]);
	assert.equal(audit.status, 0, `audit chain after the crashes: ${audit.stderr}`);
	console.log(`crash: ${KILLS} kills, ${acked.size} acknowledged sign-ups, all present`);
});
