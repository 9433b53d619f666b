// The search index snapshot (config search.snapshot): a server saves its
// index when it stops; the next start reads the snapshot and the change log
// since (an import made while it was down is found), never every profile;
// a damaged snapshot is refused and the index is built from storage, with
// the same results.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { bin, freePort, kafaat, root } from '../kafaat.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-snapshot-'));
const snapshot = path.join(tmp, 'search.snapshot');
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_SEARCH_SNAPSHOT: snapshot };
const today = new Date().toISOString().slice(0, 10);
let db, dropDb = () => {};

function pgsh(args) {
	const r = spawnSync(path.join(root, 'scripts/pg.sh'), args, { cwd: root, encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`scripts/pg.sh ${args[0]}: ${r.stderr}`);
	return r.stdout.trim();
}
function roster(file, refs) {
	writeFileSync(file, refs.map((ref) => JSON.stringify({
		ref, email: `${ref}@example.org`, lang: 'fr', name: `Expert ${ref}`, country: 'FR',
		headline: 'Hydrologue', languages: [{ code: 'fr', level: 'C2' }], sectors: ['water'],
		skills: [{ name: 'Hydraulique', level: 4 }], confirmed_at: today,
		consent: { programme: true, institutions: true, networks: true, directory: true, statistics: true },
	})).join('\n') + '\n');
	const r = kafaat(['import', 'experts', file, '--db', db, '--consent-from-file'], env);
	assert.equal(r.status, 0, r.stderr);
}

// A server on an existing database; {url, log(), stop()}.
async function serve() {
	const port = await freePort();
	const child = spawn(bin, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`], {
		cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
	});
	let log = '';
	child.stderr.on('data', (d) => { log += d; });
	await new Promise((resolve, reject) => {
		let out = '';
		child.stdout.on('data', (d) => { out += d; if (out.includes('serving http://')) resolve(); });
		child.once('exit', (code) => reject(new Error(`server exited ${code}: ${log}`)));
	});
	return {
		url: `http://127.0.0.1:${port}`,
		log: () => log,
		async stop() {
			const done = new Promise((ok) => child.once('exit', (code) => ok(code)));
			child.kill('SIGTERM');
			assert.equal(await done, 0, log);
		},
	};
}

async function found(url) {
	const r = await fetch(`${url}/api/v1/experts?q=hydraulique`);
	return (await r.json()).results.map((e) => e.name).sort();
}

before(() => {
	const pgUrl = process.env.TEST_PG_URL;
	if (pgUrl) {
		const name = `kt_snap_${process.pid}`;
		db = pgsh(['createdb', pgUrl, name]);
		dropDb = () => pgsh(['dropdb', pgUrl, name]);
	} else {
		db = path.join(tmp, 'kafaat.db');
	}
	const r = kafaat(['migrate', '--db', db], env);
	assert.equal(r.status, 0, r.stderr);
});
after(() => { dropDb(); rmSync(tmp, { recursive: true, force: true }); });

test('a start from the snapshot and the log finds what the storage holds', async () => {
	const first = await serve();
	assert.match(first.log(), /search index: 0 experts/);
	assert.ok(existsSync(snapshot), 'saved after the build');
	roster(path.join(tmp, 'a.jsonl'), ['a1', 'a2', 'a3']);
	for (let i = 0; i < 100 && (await found(first.url)).length < 3; i++)
		await new Promise((ok) => setTimeout(ok, 50));
	assert.deepEqual(await found(first.url), ['Expert a1', 'Expert a2', 'Expert a3']);
	const size = statSync(snapshot).size;
	await first.stop(); // saves the changed index
	assert.ok(statSync(snapshot).size > size, 'the three experts saved at shutdown');

	roster(path.join(tmp, 'b.jsonl'), ['b1']); // while no server runs: only the log knows
	const second = await serve();
	try {
		assert.match(second.log(), /started from the snapshot .* and [1-9]\d* change\(s\) since/);
		assert.deepEqual(await found(second.url), ['Expert a1', 'Expert a2', 'Expert a3', 'Expert b1']);
	} finally {
		await second.stop();
	}

	truncateSync(snapshot, Math.floor(statSync(snapshot).size / 2));
	const third = await serve();
	try {
		assert.match(third.log(), /snapshot .* not used \(damaged/);
		assert.deepEqual(await found(third.url), ['Expert a1', 'Expert a2', 'Expert a3', 'Expert b1']);
	} finally {
		await third.stop();
	}
	assert.ok(statSync(snapshot).size > size, 'a whole snapshot again after the build');
});
