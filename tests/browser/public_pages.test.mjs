// Browser tests of public pages added with networks, events and the partner
// API: the networks list and a network's page (with its events), the events
// list, and the API reference, in Arabic and French, on a desktop and on a
// phone: 0 axe violations, the right direction, only Kafaat contacted, no
// horizontal scrolling on the phone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
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
	browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
});
after(async () => {
	await browser?.close();
	await srv?.stop();
});

async function axe(page) {
	await page.evaluate(axeSource); // through the DevTools protocol: the CSP refuses inline script
	return page.evaluate(async () => {
		const r = await window.axe.run(document, { resultTypes: ['violations'] });
		return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`);
	});
}

const pages = ['networks', 'networks/europe', 'events', 'developers/api'];
const sizes = { desktop: { width: 1280, height: 900 }, phone: { width: 375, height: 740 } };

for (const [lang, dir] of [['ar', 'rtl'], ['fr', 'ltr']]) {
	for (const [size, viewport] of Object.entries(sizes)) {
		test(`${lang}, ${size}: networks, a network, events, the API reference`, async () => {
			const context = await browser.newContext({ viewport });
			const page = await context.newPage();
			const hosts = new Set();
			page.on('request', (r) => hosts.add(new URL(r.url()).host));
			for (const p of pages) {
				const res = await page.goto(`${srv.url}/${lang}/${p}`, { waitUntil: 'load' });
				assert.equal(res.status(), 200, p);
				assert.equal(await page.getAttribute('html', 'dir'), dir, p);
				assert.deepEqual(await axe(page), [], `${lang}/${p} (${size})`);
				if (size === 'phone') {
					const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
					assert.ok(wide <= 1, `${lang}/${p}: ${wide}px wider than the phone`);
				}
			}
			assert.deepEqual([...hosts], [new URL(srv.url).host]);
			await context.close();
		});
	}
}
