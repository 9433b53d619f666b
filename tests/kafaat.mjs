// Shared helpers for the HTTP and browser tests: start a real `kafaat serve`
// on a free loopback port with a fresh, migrated database: a SQLite file, or
// with TEST_PG_URL set (scripts/test.sh's -pg suites), a new PostgreSQL
// database on that server, dropped when the server stops.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
export const bin = path.resolve(root, process.env.TEST_BIN || 'bin/kafaat');
// How long a server may take to start, in ms: TEST_START_SECONDS (default
// 20; scripts/valgrind.sh raises it, memcheck needs more).
export const startMs = 1000 * Number(process.env.TEST_START_SECONDS || 20);

// db/personal_data.tsv, the catalogue of columns holding personal data:
// [{table, column, kind, erasure, finds, …}], keys from its header line.
export function personalData() {
	const lines = readFileSync(path.join(root, 'db/personal_data.tsv'), 'utf8').split('\n')
		.filter((l) => l && !l.startsWith('#'));
	const head = lines.shift().split('\t');
	return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [head[i], v])));
}

export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

// Runs a kafaat subcommand synchronously; returns {status, stdout, stderr}.
export function kafaat(args, env = {}) {
	const r = spawnSync(bin, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
	// A run that could not start or was killed says so in stderr.
	const why = r.error ? `spawn failed: ${r.error.message}\n` : r.signal ? `killed by ${r.signal}\n` : '';
	return { status: r.status, stdout: r.stdout ?? '', stderr: why + (r.stderr ?? '') };
}

// Runs scripts/pg.sh; returns its output or throws with its message.
function pgsh(args) {
	const r = spawnSync(path.join(root, 'scripts/pg.sh'), args, { cwd: root, encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`scripts/pg.sh ${args[0]} failed: ${r.stderr}`);
	return r.stdout.trim();
}

// A fresh database for one server: {db (path or URL), drop()}.
function freshDatabase(dir) {
	const pgUrl = process.env.TEST_PG_URL;
	if (!pgUrl) return { db: path.join(dir, 'kafaat.db'), drop() {} };
	const name = `kt_${randomBytes(8).toString('hex')}`;
	return { db: pgsh(['createdb', pgUrl, name]), drop() { pgsh(['dropdb', pgUrl, name]); } };
}

// Starts a server; returns {url, port, dir, db, stop()}. db is the SQLite
// file, or the PostgreSQL URL when TEST_PG_URL is set.
export async function startServer(options = {}) {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'kafaat-test-'));
	const fresh = freshDatabase(dir);
	try {
		return await startOn(dir, fresh, options);
	} catch (e) {
		try { fresh.drop(); } catch { /* report the first error */ }
		throw e;
	}
}

// Starts `kafaat serve` on an existing database; resolves once it serves,
// with {url, port, child, stderr(), stop()} (stop: SIGTERM, resolves with
// {code, sig}).
export async function serveOn(db, { args = [], env = {} } = {}) {
	const port = await freePort();
	const child = spawn(bin, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, ...args], {
		cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr.on('data', (d) => { stderr += d; });
	await new Promise((resolve, reject) => {
		let out = '';
		const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), startMs);
		child.stdout.on('data', (d) => {
			out += d;
			if (out.includes('serving http://')) { clearTimeout(timer); resolve(); }
		});
		child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${stderr}`)); });
	});
	return {
		url: `http://127.0.0.1:${port}`, port, child,
		stderr: () => stderr,
		stop() {
			const exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, sig })));
			child.kill('SIGTERM');
			return exited;
		},
	};
}

async function startOn(dir, fresh, { demo = true, args = [], env = {} }) {
	const { db } = fresh;
	for (const cmd of demo ? ['migrate', 'demo'] : ['migrate']) {
		const r = kafaat([cmd, '--db', db], env);
		if (r.status !== 0) throw new Error(`kafaat ${cmd} failed: ${r.stderr}`);
	}
	const s = await serveOn(db, { args, env });
	return {
		url: s.url, port: s.port, dir, db,
		stderr: s.stderr,
		async stop() {
			const r = await s.stop();
			rmSync(dir, { recursive: true, force: true });
			let dropError = null;
			try { fresh.drop(); } catch (e) { dropError = e; }
			if (r.code !== 0) throw new Error(`server exited with ${r.code ?? r.sig}: ${s.stderr()}`);
			if (dropError) throw dropError;
		},
	};
}

// Sends raw bytes on a new connection; resolves with the raw response text.
export function rawRequest(port, bytes) {
	return new Promise((resolve, reject) => {
		const sock = net.connect(port, '127.0.0.1');
		let data = '';
		sock.setEncoding('latin1');
		sock.on('data', (d) => { data += d; });
		sock.on('end', () => resolve(data));
		sock.on('error', (e) => (data ? resolve(data) : reject(e)));
		sock.setTimeout(10000, () => { sock.destroy(); resolve(data); });
		sock.write(bytes);
	});
}

export function statusOf(raw) {
	const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
	return m ? Number(m[1]) : 0;
}
