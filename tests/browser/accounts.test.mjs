// Browser test of the account journeys, in Arabic, with mail delivered by
// a real SMTP server (Debian's python3-aiosmtpd) started here: sign up,
// receive the verification mail, verify, sign in, sign out; reset the
// password; set up the authenticator app and sign in with it. Without
// JavaScript, as the pages must work.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { decodeMessage, linkIn, totp } from '../client.mjs';
import { freePort, startServer } from '../kafaat.mjs';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--no-first-run'];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-mailbox-'));
const maildir = path.join(tmp, 'maildir');
let smtp, srv, browser;

before(async () => {
	const port = await freePort();
	smtp = spawn('/usr/bin/python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`,
		'-c', 'aiosmtpd.handlers.Mailbox', maildir], { stdio: 'ignore' });
	await new Promise((r) => setTimeout(r, 800));
	srv = await startServer({
		env: {
			KAFAAT_MAIL_TRANSPORT: 'smtp', KAFAAT_MAIL_SMTP_URL: `smtp://127.0.0.1:${port}`,
			KAFAAT_MAIL_SMTP_TLS: 'none',
		},
	});
	browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
});
after(async () => {
	await browser?.close();
	await srv?.stop();
	smtp?.kill();
	rmSync(tmp, { recursive: true, force: true });
});

// Waits for a mail to `to` whose text contains `part`; returns its link.
async function mailedLink(to, part, seen = new Set()) {
	for (let i = 0; i < 100; i++) {
		for (const dir of ['new', 'cur']) {
			let names = [];
			try { names = readdirSync(path.join(maildir, dir)); } catch { /* not yet */ }
			for (const n of names) {
				if (seen.has(n)) continue;
				const text = decodeMessage(readFileSync(path.join(maildir, dir, n), 'utf8'));
				if (text.includes(`To: ${to}`) && linkIn(text, part)) {
					seen.add(n);
					return { link: linkIn(text, part), text };
				}
			}
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`no mail to ${to} with ${part}`);
}

const PW = 'كلمة سر طويلة بما يكفي';
const seen = new Set();

test('sign up in Arabic, verify by mail, sign in, sign out', async () => {
	const context = await browser.newContext({ javaScriptEnabled: false });
	const page = await context.newPage();
	await page.goto(srv.url + '/ar/signup');
	assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
	await page.fill('#f-email', 'salma@example.org');
	await page.fill('#f-password', PW);
	await page.fill('#f-password2', PW);
	await page.check('#f-adult');
	await page.check('#f-notice');
	await page.click('button[type=submit]');
	assert.match(await page.textContent('h1'), /بريدك|صندوق/);
	const { link, text } = await mailedLink('salma@example.org', '/verify\\?token=', seen);
	assert.match(text, /Subject: =\?UTF-8\?B\?/, 'the Arabic subject is encoded');
	await page.goto(srv.url + link);
	await page.goto(srv.url + '/ar/signin');
	await page.fill('#f-email', 'salma@example.org');
	await page.fill('#f-password', PW);
	await page.click('main button[type=submit]');
	assert.match(page.url(), /\/ar\/account$/);
	assert.ok((await page.textContent('main')).includes('salma@example.org'));
	await page.click('.kf-nav-button');
	assert.match(page.url(), /\/ar\/$/);
	await page.goto(srv.url + '/ar/account');
	assert.match(page.url(), /\/ar\/signin$/);
	await context.close();
});

test('password reset round trip', async () => {
	const context = await browser.newContext({ javaScriptEnabled: false });
	const page = await context.newPage();
	await page.goto(srv.url + '/ar/password/forgot');
	await page.fill('#f-email', 'salma@example.org');
	await page.click('main button[type=submit]');
	const { link } = await mailedLink('salma@example.org', '/password/reset\\?token=', seen);
	await page.goto(srv.url + link);
	const NEW = 'كلمة سر جديدة وطويلة';
	await page.fill('#f-password', NEW);
	await page.fill('#f-password2', NEW);
	await page.click('main button[type=submit]');
	await page.goto(srv.url + '/ar/signin');
	await page.fill('#f-email', 'salma@example.org');
	await page.fill('#f-password', NEW);
	await page.click('main button[type=submit]');
	assert.match(page.url(), /\/ar\/account$/);
	await context.close();
});

test('authenticator enrolment, then sign-in with a code', async () => {
	const NEW = 'كلمة سر جديدة وطويلة';
	const context = await browser.newContext({ javaScriptEnabled: false });
	const page = await context.newPage();
	await page.goto(srv.url + '/ar/signin');
	await page.fill('#f-email', 'salma@example.org');
	await page.fill('#f-password', NEW);
	await page.click('main button[type=submit]');
	await page.goto(srv.url + '/ar/account/totp');
	const secret = (await page.textContent('#totp-secret')).trim();
	await page.fill('#f-code', totp(secret));
	await page.click('main button[type=submit]');
	assert.equal(await page.locator('.kf-codes li').count(), 10, 'ten recovery codes shown once');
	const recovery = (await page.locator('.kf-codes li').first().textContent()).trim();
	await page.click('.kf-nav-button');
	// Sign in again: the second step asks for a code.
	await page.goto(srv.url + '/ar/signin');
	await page.fill('#f-email', 'salma@example.org');
	await page.fill('#f-password', NEW);
	await page.click('main button[type=submit]');
	assert.match(page.url(), /\/ar\/signin\/code$/);
	await page.goto(srv.url + '/ar/account');
	assert.match(page.url(), /\/ar\/signin\/code$/, 'nothing else before the code');
	await page.fill('#f-code', '000000');
	await page.click('main button[type=submit]');
	assert.ok(await page.locator('.alert-danger').count() > 0);
	await page.fill('#f-code', recovery);
	await page.click('main button[type=submit]');
	assert.match(page.url(), /\/ar\/account$/);
	await context.close();
});
