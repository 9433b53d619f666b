// Load on loopback with wrk: 2 threads, 64 connections, LOAD_SECONDS (5)
// on /healthz and on the French home page. Every answer must be 2xx or 3xx
// (wrk reports the others as "Non-2xx or 3xx responses") with no socket
// error (connect, read, write, timeout), and the server must still answer
// and stop cleanly afterwards. Skipped when wrk is not installed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { freshSite, serve } from './lib.mjs';

const SECONDS = Number(process.env.LOAD_SECONDS || 5);
const hasWrk = spawnSync('wrk', ['--version']).error === undefined;
const skip = hasWrk ? false : 'wrk is not installed (scripts/deps.sh test installs it)';
if (skip) console.log(`load: skipped: ${skip}`);

// Runs wrk (asynchronously: the server runs in this same event loop's
// children, but wrk must not block the test's timers). Resolves with its output.
function wrk(url) {
	return new Promise((resolve, reject) => {
		const p = spawn('wrk', ['-t2', '-c64', `-d${SECONDS}s`, '--timeout', '5s', '--latency', url]);
		let out = '';
		p.stdout.on('data', (d) => { out += d; });
		p.stderr.on('data', (d) => { out += d; });
		p.once('error', reject);
		p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}: ${out}`))));
	});
}

// The figures of a wrk report that matter here.
function parse(out) {
	const num = (re) => Number((re.exec(out) ?? [0, 0])[1]);
	const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
	return {
		requests: num(/(\d+) requests in/),
		perSecond: num(/Requests\/sec:\s+([\d.]+)/),
		bad: num(/Non-2xx or 3xx responses: (\d+)/),
		socketErrors: errors ? errors.slice(1).reduce((s, x) => s + Number(x), 0) : 0,
		p99: (/\s99%\s+(\S+)/.exec(out) ?? [0, '?'])[1],
	};
}

describe('load', { skip }, () => {
	let site, srv;
	after(async () => {
		if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.stderr());
		if (site) rmSync(site.dir, { recursive: true, force: true });
	});

	for (const path of ['/healthz', '/fr/']) {
		test(`wrk -t2 -c64 -d${SECONDS}s ${path}: no error answer, no socket error`, async () => {
			site ??= freshSite('load');
			srv ??= await serve(site.db, { env: site.env });
			assert.equal((await fetch(srv.url + path)).status, 200);
			const out = await wrk(srv.url + path);
			const r = parse(out);
			assert.ok(r.requests > 0, out);
			assert.equal(r.bad, 0, `non-2xx/3xx answers:\n${out}`);
			assert.equal(r.socketErrors, 0, `socket errors:\n${out}`);
			assert.equal((await fetch(`${srv.url}/healthz`)).status, 200, 'still answering');
			console.log(`load ${path}: ${r.requests} requests, ${r.perSecond}/s, p99 ${r.p99}`);
		});
	}
});
