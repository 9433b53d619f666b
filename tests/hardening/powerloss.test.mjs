// Power loss: concurrent sign-ups against a real server whose database
// lives on powerfs (tests/hardening/powerfs.c), a FUSE file system that
// journals every change and, once unmounted, undoes whatever was not
// fsynced: the state a disk holds after the machine loses power. Each
// round: write load, kill -9 of the server at a random moment once a
// sign-up was acknowledged, unmount, cut the power (every unsynced change
// lost; on even rounds a random prefix of them kept, the first lost write
// possibly torn at a sector), mount again, check. Every sign-up answered
// "check your mailbox" must still be there with its verification mail, and
// the database must pass its integrity check; at the end `kafaat audit
// verify` passes. The model and its limits: powerfs.c's header and
// docs/HARDENING.md.
//
// Needs root, /dev/fuse, fusermount3 and build/powerfs (`make test` builds
// it; scripts/deps.sh test installs fuse3); skipped otherwise.
// POWER_CUTS sets the number of cuts per engine (10 by default; `make
// powerloss`: 100); POWER_ENGINES the engines ("sqlite pg").
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kafaat } from '../kafaat.mjs';
import { assertSignUpsDurable, serve, signUpsUntilKilled, sleep, slowMs } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const powerfs = path.join(root, 'build/powerfs');
const CUTS = Number(process.env.POWER_CUTS || 10);

function missing() {
	if (process.getuid() !== 0) return 'needs root (FUSE mount with allow_other)';
	if (!existsSync('/dev/fuse')) return 'no /dev/fuse';
	if (!existsSync(powerfs)) return 'build/powerfs missing (make build/powerfs)';
	if (spawnSync('fusermount3', ['-V']).error) return 'fusermount3 missing (apt-get install fuse3)';
	return false;
}

const isMounted = (mnt) => readFileSync('/proc/mounts', 'utf8').split('\n')
	.some((line) => line.split(' ')[1] === mnt);

// A disk: `root` holds the bytes, `mnt` shows them through powerfs, the
// journal sits beside them.
function disk(dir) {
	const d = { root: path.join(dir, 'disk'), mnt: path.join(dir, 'mnt'), journal: path.join(dir, 'journal') };
	mkdirSync(d.root, { recursive: true, mode: 0o755 });
	mkdirSync(d.mnt, { recursive: true, mode: 0o755 });
	return d;
}

async function mount(d) {
	const child = spawn(powerfs, ['mount', d.root, d.mnt, d.journal], { stdio: ['ignore', 'ignore', 'pipe'] });
	let stderr = '';
	child.stderr.on('data', (b) => { stderr += b; });
	d.exited = new Promise((resolve) => child.once('exit', resolve));
	for (let i = 0; i < 200 && !isMounted(d.mnt); i++) {
		if (child.exitCode !== null) break;
		await sleep(25);
	}
	assert.ok(isMounted(d.mnt), `powerfs did not mount: ${stderr}`);
}

// Unmounts (everything above must be dead by now) and waits for powerfs.
async function unmount(d) {
	for (let i = 0; isMounted(d.mnt); i++) {
		const r = spawnSync('fusermount3', ['-u', d.mnt], { encoding: 'utf8' });
		if (r.status === 0) break;
		assert.ok(i < 100, `cannot unmount ${d.mnt}: ${r.stderr}`);
		await sleep(50);
	}
	await d.exited;
}

// The power cut: returns how many unsynced changes were lost.
function cut(d, seed) {
	const out = execFileSync(powerfs, ['cut', d.journal, d.root, ...(seed ? [String(seed)] : [])], { encoding: 'utf8' });
	const m = /(\d+) changes lost, (\d+) survived unsynced, (\d+) durable(, first lost write torn)?/.exec(out);
	assert.ok(m, `powerfs cut said: ${out}`);
	return { lost: Number(m[1]), survived: Number(m[2]), durable: Number(m[3]), torn: Boolean(m[4]) };
}

// Kills with SIGKILL every process working under dir (a PostgreSQL
// server and its children keep their data folder as working folder), and
// waits until they are gone, reaped too: a server that finds its old pid
// still alive, even as a zombie, refuses to start, and after a real power
// cut no old process is left.
async function killUnder(dir) {
	const under = (p) => {
		try {
			const cwd = readlinkSync(`/proc/${p}/cwd`);
			return cwd === dir || cwd.startsWith(`${dir}/`);
		} catch {
			return false;
		}
	};
	const seen = new Set();
	for (let i = 0; i < 400; i++) {
		for (const p of readdirSync('/proc').filter((e) => /^\d+$/.test(e) && under(e))) seen.add(p);
		for (const p of seen) {
			try { process.kill(Number(p), 'SIGKILL'); } catch { seen.delete(p); }
		}
		if (!seen.size) return;
		await sleep(25);
	}
	assert.fail(`processes under ${dir} survive SIGKILL: ${[...seen].join(' ')}`);
}

const pgsh = (args, env = {}) => execFileSync(path.join(root, 'scripts/pg.sh'), args,
	{ encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }).trim();

// The engines: where the database lives on the disk, how it starts (once,
// and after each cut), and what dies with the power besides Kafaat.
const engines = {
	sqlite: {
		async create(d) {
			const db = path.join(d.mnt, 'kafaat.db');
			const m = kafaat(['migrate', '--db', db]);
			assert.equal(m.status, 0, m.stderr);
			return db;
		},
		async powerOff() {},
		async powerOn(d, db) { return db; },
	},
	pg: {
		async create(d) {
			const db = pgsh(['start', path.join(d.mnt, 'pg')], { PG_DURABLE: '1' });
			const m = kafaat(['migrate', '--db', db]);
			assert.equal(m.status, 0, m.stderr);
			return db;
		},
		async powerOff(d) { await killUnder(d.mnt); },
		async powerOn(d) { return pgsh(['resume', path.join(d.mnt, 'pg')]); },
	},
};

const skip = missing();
const ENGINES = (process.env.POWER_ENGINES || 'sqlite pg').split(/\s+/);
const dirs = [];
after(async () => {
	for (const dir of dirs) {
		await killUnder(path.join(dir, 'mnt'));
		spawnSync('fusermount3', ['-u', '-z', path.join(dir, 'mnt')]);
		rmSync(dir, { recursive: true, force: true });
	}
});

// Rounds of load, kill, power cut and check on one engine.
async function powerCuts(name) {
	const engine = engines[name];
	const dir = mkdtempSync(path.join(os.tmpdir(), `kafaat-power-${name}-`));
	dirs.push(dir);
	chmodSync(dir, 0o755); // the postgres user goes through it
	const d = disk(dir);
	const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(dir, 'mail') };
	await mount(d);
	let db = await engine.create(d);
	const acked = new Set();
	const odd = [];
	const totals = { lost: 0, survived: 0, torn: 0 };
	for (let k = 1; k <= CUTS; k++) {
		const srv = await serve(db, { env });
		assert.ok(srv.url, `start ${k} failed: ${srv.stderr()}`);
		await signUpsUntilKilled(srv, `p${k}`, acked, odd);
		await engine.powerOff(d);
		await unmount(d);
		const c = cut(d, k % 2 === 0 ? k : 0);
		totals.lost += c.lost;
		totals.survived += c.survived;
		totals.torn += c.torn ? 1 : 0;
		await mount(d);
		db = await engine.powerOn(d, db);
		// The disk as the machine finds it when it comes back.
		assertSignUpsDurable(db, acked, `after cut ${k} (${c.lost} changes lost)`);
	}
	assert.deepEqual(odd, [], 'every answer was 200 or 503');
	assert.ok(acked.size >= CUTS, `only ${acked.size} sign-ups acknowledged in ${CUTS} rounds`);
	// A cut that never loses anything would prove nothing.
	assert.ok(totals.lost > 0, 'no power cut lost an unsynced change: the test did not bite');
	const audit = kafaat(['audit', 'verify', '--db', db]);
	assert.equal(audit.status, 0, `audit chain after the cuts: ${audit.stderr}`);
	await engine.powerOff(d);
	await unmount(d);
	console.log(`powerloss ${name}: ${CUTS} cuts, ${acked.size} acknowledged sign-ups, all present; ` +
		`${totals.lost} unsynced changes lost, ${totals.survived} kept by partial cuts, ${totals.torn} torn writes`);
}

test(`SQLite: every acknowledged sign-up survives ${CUTS} power cuts`, { skip: skip || !ENGINES.includes('sqlite'), timeout: slowMs(CUTS * 30000) },
	() => powerCuts('sqlite'));

test(`PostgreSQL: every acknowledged sign-up survives ${CUTS} power cuts`, { skip: skip || !ENGINES.includes('pg'), timeout: slowMs(CUTS * 60000) },
	() => powerCuts('pg'));
