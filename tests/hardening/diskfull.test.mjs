// Disk full: the database on a small tmpfs, a filler file takes the rest of
// the space, and people keep signing up. The answers become 503 with the
// "service unavailable" page (never 500, never a false "check your
// mailbox"), nothing acknowledged is lost, and once the filler is deleted
// the same server process signs people up again, without a restart.
// Needs root and a kernel that lets this process mount tmpfs: skipped
// otherwise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kafaat } from '../kafaat.mjs';
import { acknowledged, serve, signUp, sqlite } from './lib.mjs';

const SIZE = '4m';
const dir = mkdtempSync(path.join(os.tmpdir(), 'kafaat-diskfull-'));
const disk = path.join(dir, 'disk');
const db = path.join(disk, 'kafaat.db');
const filler = path.join(disk, 'filler');
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(dir, 'mail') }; // mail spool elsewhere

function tryMount() {
	mkdirSync(disk);
	if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
	const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE},mode=700`, 'tmpfs', disk], { encoding: 'utf8' });
	return r.status === 0 ? false : `mount -t tmpfs is not permitted here: ${r.stderr.trim()}`;
}
const skip = tryMount();
if (skip) console.log(`diskfull: skipped: ${skip}`);
after(() => {
	if (!skip) spawnSync('umount', [disk]);
	rmSync(dir, { recursive: true, force: true });
});

// Writes zeros into the filler until the file system refuses (ENOSPC),
// then gives back `headroom` bytes: a few sign-ups fit, then none.
function fillDisk(headroom) {
	const fd = openSync(filler, 'w');
	const chunk = Buffer.alloc(64 * 1024);
	try {
		for (let size = chunk.length; size >= 512; ) {
			try { writeSync(fd, chunk, 0, size); } catch (e) {
				if (e.code !== 'ENOSPC') throw e;
				size /= 2; // top up the last bytes with smaller writes
			}
		}
		ftruncateSync(fd, Math.max(0, fstatSync(fd).size - headroom));
	} finally { closeSync(fd); }
}

describe('disk full', { skip }, () => {
	let srv;
	const acked = [];
	let n = 0;
	const next = async () => {
		const email = `full${++n}@example.org`;
		const r = await signUp(srv.url, email);
		if (acknowledged(r)) acked.push(email);
		return r;
	};

	before(async () => {
		const r = kafaat(['migrate', '--db', db]);
		assert.equal(r.status, 0, r.stderr);
		srv = await serve(db, { env });
		assert.ok(srv.url, srv.stderr());
	});
	after(async () => {
		if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.stderr());
	});

	test('writes on a full disk answer 503 with a clear page', async () => {
		for (let i = 0; i < 3; i++) assert.equal((await next()).status, 200);
		fillDisk(256 * 1024);
		let r;
		for (let i = 0; i < 40; i++) {
			r = await next();
			if (r.status !== 200) break;
		}
		assert.equal(r.status, 503, 'a sign-up failed once the disk was full');
		assert.match(r.text, /Service indisponible/);
		assert.match(srv.stderr(), /disk is full|No space left/, 'the log says the disk is full');
		console.log(`diskfull: full after ${acked.length - 3} sign-up(s) into the headroom`);
		// Still full: still 503, and the server keeps answering reads.
		assert.equal((await next()).status, 503);
		assert.equal((await fetch(`${srv.url}/fr/`)).status, 200);
	});

	test('service resumes without a restart once space returns', async () => {
		rmSync(filler);
		const r = await next();
		assert.ok(acknowledged(r), `answered ${r.status}`);
		assert.equal(srv.child.exitCode, null, 'the same process');
	});

	test('nothing acknowledged was lost, the database is intact', async () => {
		assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.stderr());
		srv = null;
		const users = new Set(sqlite(db, 'SELECT email FROM users'));
		for (const email of acked) assert.ok(users.has(email), `${email} lost`);
		assert.equal(users.size, acked.length, 'no account the visitor was told had failed');
		assert.deepEqual(sqlite(db, 'PRAGMA integrity_check'), ['ok']);
		assert.equal(kafaat(['audit', 'verify', '--db', db]).status, 0);
	});
});
