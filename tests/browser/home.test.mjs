// Browser tests: Debian's chromium driven by playwright-core, checked by
// axe-core. The home page in Arabic, French and English: no accessibility
// violation, right-to-left in Arabic, no request to any other host, usable
// without JavaScript and on a phone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer } from '../kafaat.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--no-first-run'];

let srv, browser;
before(async () => {
	srv = await startServer();
	browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS,
	});
});
after(async () => {
	await browser?.close();
	await srv?.stop();
});

// Opens path in a fresh context; records every request's host.
async function open(path, options = {}) {
	const context = await browser.newContext(options);
	const page = await context.newPage();
	const hosts = new Set();
	page.on('request', (r) => hosts.add(new URL(r.url()).host));
	const response = await page.goto(srv.url + path, { waitUntil: 'load' });
	return { context, page, hosts, response };
}

async function axe(page) {
	// Injected through the DevTools protocol: the page's CSP rightly refuses inline script.
	await page.evaluate(axeSource);
	return page.evaluate(async () => {
		const r = await window.axe.run(document, { resultTypes: ['violations'] });
		return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`);
	});
}

for (const [lang, dir] of [['ar', 'rtl'], ['fr', 'ltr'], ['en', 'ltr']]) {
	describe(`home page in ${lang}`, () => {
		test('0 axe violations, right direction, only Kafaat contacted', async () => {
			const { context, page, hosts, response } = await open(`/${lang}/`);
			assert.equal(response.status(), 200);
			assert.equal(await page.getAttribute('html', 'lang'), lang);
			assert.equal(await page.getAttribute('html', 'dir'), dir);
			const direction = await page.evaluate(() => getComputedStyle(document.body).direction);
			assert.equal(direction, dir);
			assert.deepEqual(await axe(page), []);
			assert.deepEqual([...hosts], [new URL(srv.url).host]);
			await context.close();
		});

		test('works without JavaScript; the language switcher navigates', async () => {
			const { context, page } = await open(`/${lang}/`, { javaScriptEnabled: false });
			assert.equal(await page.locator('h1').count(), 1);
			assert.ok((await page.locator('main').innerText()).length > 500);
			const other = lang === 'ar' ? 'en' : 'ar';
			await page.click(`a[hreflang="${other}"]`);
			assert.equal(await page.getAttribute('html', 'lang'), other);
			await context.close();
		});

		test('fits a phone screen', async () => {
			const { context, page } = await open(`/${lang}/`, {
				viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true,
			});
			const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
			assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
			assert.deepEqual(await axe(page), []);
			await context.close();
		});
	});
}

test('privacy notice and error page pass axe in Arabic', async () => {
	for (const path of ['/ar/privacy', '/ar/no-such-page']) {
		const { context, page } = await open(path);
		assert.deepEqual(await axe(page), [], path);
		await context.close();
	}
});

test('the skip link is the first focusable element and reaches main', async () => {
	const { context, page } = await open('/fr/');
	await page.keyboard.press('Tab');
	const first = await page.evaluate(() => document.activeElement.getAttribute('href'));
	assert.equal(first, '#main');
	await page.keyboard.press('Enter');
	assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
	await context.close();
});
