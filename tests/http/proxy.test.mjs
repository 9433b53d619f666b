// Behind a reverse proxy: the client's address comes from X-Forwarded-For
// only when the connection is from the configured trusted proxy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client } from '../client.mjs';
import { kafaat, startServer } from '../kafaat.mjs';

async function failedSigninFrom(srv, forwarded) {
	const c = new Client(srv.url);
	await c.get('/fr/signin');
	await c.post('/fr/signin', { email: 'nobody@example.org', password: 'wrong password here' },
		{ headers: { 'X-Forwarded-For': forwarded } });
	const rows = JSON.parse(kafaat(['audit', 'list', '--json', '--db', srv.db]).stdout);
	return rows.find((r) => r.action === 'signin_failed').ip;
}

test('X-Forwarded-For is believed from the trusted proxy only', async () => {
	const trusting = await startServer({ env: { KAFAAT_SERVER_TRUSTED_PROXY: '127.0.0.1' } });
	try {
		assert.equal(await failedSigninFrom(trusting, '198.51.100.4, 203.0.113.7'), '203.0.113.7');
	} finally {
		await trusting.stop();
	}
	const plain = await startServer();
	try {
		assert.equal(await failedSigninFrom(plain, '203.0.113.7'), '127.0.0.1');
	} finally {
		await plain.stop();
	}
});
