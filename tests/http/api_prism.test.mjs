// The API test suite (api.test.mjs) once more, through Prism in proxy mode
// with --errors: every request and response of the suite must match the
// description the server publishes. And the check is real: with the
// description altered (a deliberate mismatch), the same run fails and names
// the violation.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { root } from '../kafaat.mjs';

function suite(env) {
	const own = { ...process.env, ...env };
	delete own.NODE_TEST_CONTEXT; // a run of its own, not a subtest of this one
	const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', path.join(root, 'tests/http/api.test.mjs')],
		{ cwd: root, encoding: 'utf8', env: own, timeout: 300_000 });
	return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

test('the API suite passes through the validating proxy', () => {
	const r = suite({ API_PRISM: '1' });
	assert.equal(r.status, 0, r.out);
	assert.match(r.out, /pass [1-9]/);
	assert.doesNotMatch(r.out, /disagree|prism refused/);
});

test('a deliberate mismatch between the description and the server fails the run', () => {
	const r = suite({ API_PRISM: '1', API_PRISM_BREAK: '1' });
	assert.notEqual(r.status, 0, 'the altered description must make the suite fail');
	assert.match(r.out, /\/api\/v1\/meta: (the description and the exchange disagree|prism refused the exchange)/);
	assert.match(r.out, /must be equal to constant/);
});
