// `make eval`: the quality of the matcher on generated data with a hidden
// ground truth, against two baselines run in the same command on the same
// data (docs/BENCHMARKS.md, "Matching quality").
//
//   1. a fresh SQLite database (`kafaat migrate`) in a temporary folder, its
//      clock set to 2026-12-01 (the day the generated truth holds on);
//   2. `kafaat gen --experts N` (EVAL_EXPERTS, 2000), then `kafaat gen
//      --experts N --needs M --truth FILE` (EVAL_NEEDS, 100): the needs and
//      the hidden relevance judgements of the same experts;
//   3. `kafaat import experts FILE --consent-from-file`;
//   4. for each need, one process per method (the index is built from storage
//      by each; a build of 2,000 experts takes well under a second):
//        matcher     `kafaat match --need FILE --top 20 --json`
//        baseline A  `kafaat search "TITLE DESCRIPTION" --any --top 20 --json`
//                    (text-only BM25, any word, the same visibility rules)
//        baseline B  plain skill-overlap counting, here, from the generated
//                    experts: the number of the need's skills an expert
//                    declares, ties by ref; experts without consent to
//                    institutions, dormant or paused left out, as the two
//                    others do;
//   5. nDCG@10 (gain 2^grade - 1) and recall@20 (relevant experts in the top
//      20 / relevant experts) per method, averaged over the needs that have
//      at least one relevant expert; printed and written to
//      bench/results/eval-DATE.txt after the machine line.
//
// Settings: EVAL_EXPERTS (2000), EVAL_NEEDS (100), EVAL_SEED (1), KAFAAT
// (bin/kafaat), EVAL_KEEP=1 keeps the temporary folder.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const KAFAAT_BUILT = path.resolve(root, process.env.KAFAAT || 'bin/kafaat');
const EXPERTS = intEnv('EVAL_EXPERTS', 2000);
const NEEDS = intEnv('EVAL_NEEDS', 100);
const SEED = intEnv('EVAL_SEED', 1);
const TODAY = '2026-12-01'; // the day the generated truth holds on (src/cli/gen_cmd.c)
const DORMANT_AFTER_DAYS = 365; // src/app/visibility.h
const TOP = 20;
const loadAtStart = os.loadavg();

function intEnv(name, dflt) {
	const v = process.env[name];
	if (v === undefined || v === '') return dflt;
	if (!/^\d+$/.test(v) || Number(v) < 1) die(`${name} must be a positive integer (got "${v}")`);
	return Number(v);
}

function die(msg) {
	console.error(`eval: ${msg}`);
	process.exit(1);
}

const work = mkdtempSync(path.join(os.tmpdir(), 'kafaat-eval-'));
process.on('exit', () => {
	if (process.env.EVAL_KEEP === '1') console.error(`eval: kept ${work}`);
	else rmSync(work, { recursive: true, force: true });
});
// One binary for the whole run, even if bin/kafaat is rebuilt meanwhile.
const KAFAAT = path.join(work, 'kafaat');
try {
	copyFileSync(KAFAAT_BUILT, KAFAAT);
} catch (e) {
	die(`${KAFAAT_BUILT}: ${e.message} (run make bin/kafaat)`);
}
const db = path.join(work, 'eval.db');
const clock = path.join(work, 'clock');
writeFileSync(clock, `${Date.parse(`${TODAY}T00:00:00Z`) / 1000}\n`);
const env = { ...process.env, KAFAAT_TESTING_CLOCK_FILE: clock, KAFAAT_LOG_LEVEL: 'warn' };

// Runs kafaat; returns stdout, or dies with its stderr. ms: the time it took.
function kafaat(args, what) {
	const t0 = process.hrtime.bigint();
	const r = spawnSync(KAFAAT, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 30 });
	const ms = Number(process.hrtime.bigint() - t0) / 1e6;
	if (r.error) die(`${what}: ${r.error.message}`);
	if (r.status !== 0) die(`${what}: exit ${r.status}: ${r.stderr.trim().slice(0, 2000)}`);
	return { out: r.stdout, ms };
}

const lines = (text) => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

// ---- The data -------------------------------------------------------------------------

const started = Date.now();
kafaat(['migrate', '--db', db], 'migrate');
const expertsFile = path.join(work, 'experts.jsonl');
const truthFile = path.join(work, 'truth.jsonl');
const experts = kafaat(['gen', '--experts', `${EXPERTS}`, '--seed', `${SEED}`, '--db', db], 'gen experts').out;
writeFileSync(expertsFile, experts);
const needs = lines(
	kafaat(['gen', '--experts', `${EXPERTS}`, '--needs', `${NEEDS}`, '--seed', `${SEED}`, '--truth', truthFile,
		'--db', db], 'gen needs').out,
);
const imported = kafaat(['import', 'experts', expertsFile, '--db', db, '--consent-from-file'], 'import');
if (!imported.out.includes(`${EXPERTS} created`)) die(`import did not create ${EXPERTS} experts:\n${imported.out}`);
const truth = new Map(lines(readFileSync(truthFile, 'utf8')).map((t) => [t.need, t.relevant]));

// ---- Baseline B: skill overlap ----------------------------------------------------------

// Skill names (id and the three labels, exactly as the generator writes them) -> id.
function skillIds() {
	const ids = new Map();
	for (const line of readFileSync(path.join(root, 'data/skills.tsv'), 'utf8').split('\n')) {
		if (!line || line.startsWith('#') || line.startsWith('id\t')) continue;
		const [id, , ar, fr, en] = line.split('\t');
		for (const name of [id, ar, fr, en]) if (name) ids.set(name, id);
	}
	return ids;
}
const skillId = skillIds();
const dayOf = (ymd) => Math.floor(Date.parse(`${ymd.slice(0, 10)}T00:00:00Z`) / 86400000);
const today = dayOf(TODAY);

// The experts an institution may be shown: consent, not dormant, not paused.
const candidates = lines(experts)
	.filter((e) => e.consent?.institutions === true)
	.filter((e) => e.confirmed_at && today - dayOf(e.confirmed_at) <= DORMANT_AFTER_DAYS)
	.filter((e) => !e.paused_until || dayOf(e.paused_until) < today)
	.map((e) => ({ ref: e.ref, skills: new Set((e.skills || []).map((s) => skillId.get(s.name)).filter(Boolean)) }));

function overlap(need) {
	const wanted = need.skills.map((s) => skillId.get(s.name)).filter(Boolean);
	return candidates
		.map((e) => ({ ref: e.ref, n: wanted.filter((id) => e.skills.has(id)).length }))
		.filter((e) => e.n > 0)
		.sort((a, b) => b.n - a.n || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
		.slice(0, TOP)
		.map((e) => e.ref);
}

// ---- Metrics ---------------------------------------------------------------------------

function ndcg(ranked, relevant, k = 10) {
	const gain = new Map(relevant.map((r) => [r.ref, 2 ** r.grade - 1]));
	const dcg = (gains) => gains.slice(0, k).reduce((s, g, i) => s + g / Math.log2(i + 2), 0);
	const ideal = dcg(relevant.map((r) => 2 ** r.grade - 1).sort((a, b) => b - a));
	return ideal > 0 ? dcg(ranked.map((ref) => gain.get(ref) || 0)) / ideal : 0;
}

function recall(ranked, relevant, k = TOP) {
	const top = new Set(ranked.slice(0, k));
	return relevant.length ? relevant.filter((r) => top.has(r.ref)).length / relevant.length : 0;
}

// ---- The runs --------------------------------------------------------------------------

const methods = [
	{ key: 'matcher', name: 'matcher (kafaat match)', ms: 0 },
	{ key: 'text', name: 'A: text BM25 (kafaat search --any)', ms: 0 },
	{ key: 'overlap', name: 'B: skill-overlap count', ms: 0 },
];
const scores = []; // {need, lang, relevant, matcher: {ndcg, recall}, text: ..., overlap: ...}
const needDir = path.join(work, 'needs');
mkdirSync(needDir);
for (const need of needs) {
	const relevant = truth.get(need.ref) || [];
	const file = path.join(needDir, `${need.ref}.json`);
	writeFileSync(file, JSON.stringify(need));
	const m = kafaat(['match', '--need', file, '--top', `${TOP}`, '--json', '--db', db], `match ${need.ref}`);
	const query = `${need.title} ${need.description}`;
	const t = kafaat(['search', query, '--any', '--top', `${TOP}`, '--json', '--db', db], `search ${need.ref}`);
	const t0 = process.hrtime.bigint();
	const ranked = {
		matcher: JSON.parse(m.out).map((r) => r.ref),
		text: JSON.parse(t.out).hits.map((h) => h.ref),
		overlap: overlap(need),
	};
	methods[0].ms += m.ms;
	methods[1].ms += t.ms;
	methods[2].ms += Number(process.hrtime.bigint() - t0) / 1e6;
	if (!relevant.length) continue;
	const row = { need: need.ref, lang: need.ref.split('-').pop(), relevant: relevant.length };
	for (const k of Object.keys(ranked)) row[k] = { ndcg: ndcg(ranked[k], relevant), recall: recall(ranked[k], relevant) };
	scores.push(row);
}

// ---- The report ------------------------------------------------------------------------

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const f3 = (x) => x.toFixed(3);
const stamp = new Date().toISOString().replace(/:\d\d\.\d+Z$/, 'Z').replace(/:/g, '');
const out = path.join(root, 'bench/results', `eval-${stamp}.txt`);
const report = [];
const say = (line = '') => {
	report.push(line);
	console.log(line);
};

function git(args) {
	const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
	return r.status === null ? null : r;
}

function machine() {
	const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) || [])[1] || 'unknown';
	const head = git(['rev-parse', '--short', 'HEAD']);
	const dirty = git(['diff', '--quiet']);
	const version = kafaat(['version'], 'version').out.trim();
	say(`# make eval: matching quality on generated data, ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`);
	say(`machine: ${spawnSync('uname', ['-a'], { encoding: 'utf8' }).stdout.trim()}`);
	say(`cpus: ${os.cpus().length}; CPU: ${cpu}; load average at start: ${loadAtStart.map((x) => x.toFixed(2)).join(' ')}`);
	say(`kafaat: ${version} (${head?.status === 0 ? head.stdout.trim() : '?'}${dirty?.status === 1 ? ', uncommitted changes' : ''}); node ${process.version}`);
}

machine();
const grades = [0, 0, 0, 0];
for (const rel of truth.values()) for (const r of rel) grades[r.grade]++;
say(`data: ${EXPERTS} experts and ${NEEDS} needs from kafaat gen --seed ${SEED}, truth for ${TODAY}; ` +
	`${candidates.length} experts visible to institutions; judgements: ${grades[3]} grade 3, ${grades[2]} grade 2, ` +
	`${grades[1]} grade 1 (${f3(mean([...truth.values()].map((r) => r.length)))} relevant per need); ` +
	`${scores.length} needs with at least one relevant expert are scored; ` +
	`recall@20 can reach ${f3(mean(scores.map((s) => Math.min(1, TOP / s.relevant))))} at best (20 / relevant experts)`);
say();
say(`${'method'.padEnd(36)} ${'nDCG@10'.padStart(8)} ${'recall@20'.padStart(10)}   ms/need   matcher nDCG@10 better/equal/worse`);
for (const m of methods) {
	const nd = mean(scores.map((s) => s[m.key].ndcg));
	const rc = mean(scores.map((s) => s[m.key].recall));
	let vs = '';
	if (m.key !== 'matcher') {
		const d = scores.map((s) => s.matcher.ndcg - s[m.key].ndcg);
		vs = `${d.filter((x) => x > 1e-9).length}/${d.filter((x) => Math.abs(x) <= 1e-9).length}/${d.filter((x) => x < -1e-9).length}`;
	}
	say(`${m.name.padEnd(36)} ${f3(nd).padStart(8)} ${f3(rc).padStart(10)} ${(m.ms / needs.length).toFixed(1).padStart(9)}   ${vs}`);
}
say();
say('nDCG@10 by language of the need (title and description):');
for (const lang of ['ar', 'fr', 'en']) {
	const of = scores.filter((s) => s.lang === lang);
	say(`  ${lang}: ${String(of.length).padStart(3)} needs   ` +
		methods.map((m) => `${m.key} ${f3(mean(of.map((s) => s[m.key].ndcg)))}`).join('   '));
}
const best = methods.reduce((a, m) => (mean(scores.map((s) => s[m.key].ndcg)) > mean(scores.map((s) => s[a.key].ndcg)) ? m : a));
say();
say(best.key === 'matcher' ? 'the matcher has the best nDCG@10' : `the matcher does NOT beat ${best.name} on nDCG@10`);
say(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${report.join('\n')}\n`);
console.log(`eval: written to ${path.relative(root, out)}`);
