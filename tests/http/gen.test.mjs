// `kafaat gen --needs M --truth FILE` through the real binary (TEST_BIN):
// needs and hidden relevance judgements are the same for the same seed,
// every need reads with `kafaat match --need FILE`, and the judgements never
// name an expert an institution may not be shown (no consent to
// institutions, dormant, paused); `kafaat search --any`, the text baseline,
// ranks experts matching any word. The data of `make eval` (bench/eval.mjs).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { kafaat } from '../kafaat.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kafaat-gen-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// The generated truth holds on 2026-12-01 (src/cli/gen_cmd.c): the clock of
// every command is set to that day.
const TODAY = '2026-12-01';
const clock = path.join(dir, 'clock');
writeFileSync(clock, `${Date.parse(`${TODAY}T00:00:00Z`) / 1000}\n`);
const env = { KAFAAT_TESTING_CLOCK_FILE: clock };

function ok(args) {
	const r = kafaat(args, env);
	assert.equal(r.status, 0, `kafaat ${args.join(' ')}: ${r.stderr}${r.stdout}`);
	return r;
}

const lines = (text) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l));

const db = path.join(dir, 'gen.db');
ok(['migrate', '--db', db]);

// Experts, needs and truth of one seed.
function generate(experts, needs, seed) {
	const truth = path.join(dir, `truth-${experts}-${needs}-${seed}-${Math.random().toString(36).slice(2)}.jsonl`);
	const out = ok(['gen', '--experts', `${experts}`, '--needs', `${needs}`, '--seed', `${seed}`, '--truth', truth, '--db', db]);
	return { needs: out.stdout, truth: readFileSync(truth, 'utf8') };
}

test('needs and truth are the same for the same seed, different for another', () => {
	const a = generate(80, 10, 4);
	const b = generate(80, 10, 4);
	const c = generate(80, 10, 5);
	assert.equal(a.needs, b.needs);
	assert.equal(a.truth, b.truth);
	assert.notEqual(a.needs, c.needs);
	assert.equal(lines(a.needs).length, 10);
	assert.deepEqual(lines(a.truth).map((t) => t.need), lines(a.needs).map((n) => n.ref));
	// without --truth: the same needs
	assert.equal(ok(['gen', '--experts', '80', '--needs', '10', '--seed', '4', '--db', db]).stdout, a.needs);
});

test('needs are written in Arabic, French and English, with the need form fields', () => {
	const needs = lines(generate(200, 60, 2).needs);
	const langs = new Set(needs.map((n) => n.ref.split('-').pop()));
	assert.deepEqual([...langs].sort(), ['ar', 'en', 'fr']);
	for (const n of needs) {
		assert.ok(n.title && n.description, n.ref);
		if (n.ref.endsWith('-ar')) assert.match(n.description, /[\u0600-\u06ff]/, n.ref);
		const must = n.skills.filter((s) => s.required);
		assert.ok(must.length >= 2 && must.length <= 4, `${n.ref}: ${must.length} must-have skills`);
		assert.ok(n.skills.length - must.length <= 2, n.ref);
		assert.ok(['remote', 'onsite', 'hybrid'].includes(n.presence), n.ref);
		assert.ok(['ponctuelle', 'continue'].includes(n.mode), n.ref);
		assert.ok(n.languages.length >= 1, n.ref);
		assert.equal(!n.from, !n.to, n.ref);
	}
});

test('every need reads with kafaat match --need FILE; search --any matches any word', () => {
	const experts = ok(['gen', '--experts', '150', '--seed', '6', '--db', db]).stdout;
	const file = path.join(dir, 'experts.jsonl');
	writeFileSync(file, experts);
	ok(['import', 'experts', file, '--db', db, '--consent-from-file']);
	const needs = lines(generate(150, 12, 6).needs);
	let found = 0;
	for (const n of needs) {
		const f = path.join(dir, `${n.ref}.json`);
		writeFileSync(f, JSON.stringify(n));
		const list = JSON.parse(ok(['match', '--need', f, '--top', '20', '--json', '--db', db]).stdout);
		assert.ok(Array.isArray(list), n.ref);
		found += list.length;
	}
	assert.ok(found > 0, 'the matcher found no expert for any generated need');
	// the text baseline of make eval: --any ranks experts matching any word
	const text = `${needs[0].title} ${needs[0].description}`;
	const any = JSON.parse(ok(['search', text, '--any', '--top', '20', '--json', '--db', db]).stdout);
	const all = JSON.parse(ok(['search', text, '--top', '20', '--json', '--db', db]).stdout);
	assert.ok(any.hits.length > 0 && any.total > all.total, `--any: ${any.total}, all words: ${all.total}`);
});

test('the truth never lists an expert without consent to institutions, dormant or paused', () => {
	const experts = lines(ok(['gen', '--experts', '400', '--seed', '8', '--db', db]).stdout);
	const byRef = new Map(experts.map((e) => [e.ref, e]));
	const truth = lines(generate(400, 40, 8).truth);
	const day = (ymd) => Math.floor(Date.parse(`${ymd.slice(0, 10)}T00:00:00Z`) / 86400000);
	// the data holds such experts, so the check can fail
	assert.ok(experts.some((e) => !e.consent.institutions));
	assert.ok(experts.some((e) => day(TODAY) - day(e.confirmed_at) > 365));
	assert.ok(experts.some((e) => e.paused_until));
	let listed = 0;
	for (const t of truth) {
		for (const r of t.relevant) {
			const e = byRef.get(r.ref);
			assert.ok(e, `${t.need}: ${r.ref} is not one of the generated experts`);
			assert.ok([1, 2, 3].includes(r.grade), `${t.need}: grade ${r.grade}`);
			assert.equal(e.consent.institutions, true, `${t.need}: ${r.ref} did not consent to institutions`);
			assert.ok(day(TODAY) - day(e.confirmed_at) <= 365, `${t.need}: ${r.ref} is dormant`);
			assert.equal(e.paused_until, undefined, `${t.need}: ${r.ref} is paused`);
			listed++;
		}
	}
	assert.ok(listed > 40, `only ${listed} judgements for 40 needs`);
});

test('usage errors: --truth without --needs, a bad count', () => {
	assert.equal(kafaat(['gen', '--experts', '5', '--truth', path.join(dir, 't'), '--db', db], env).status, 2);
	assert.equal(kafaat(['gen', '--experts', '5', '--needs', '0', '--db', db], env).status, 2);
	assert.equal(kafaat(['gen', '--experts', '5', '--needs', 'some', '--db', db], env).status, 2);
	const r = kafaat(['gen', '--experts', '5', '--needs', '2', '--truth', path.join(dir, 'no/such/dir/t'), '--db', db], env);
	assert.equal(r.status, 1);
	assert.match(r.stderr, /no\/such\/dir\/t/);
});
