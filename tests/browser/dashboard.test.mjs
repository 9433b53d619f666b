// Browser test of the programme dashboard and the public statistics, in
// Arabic and in French, without JavaScript: the programme team (signed in
// with an authenticator code) reaches the dashboard from the navigation;
// the page is in its language and direction, its chart has a title and
// its data table beside it, and at phone width nothing overflows the
// screen but the tables' own scrolling boxes; axe-core finds no violation
// on the dashboard, the exports page and the public statistics page, in
// both languages. The dashboard's newer sections (identified experts, the
// breakdowns by network, institution and region of the missions, the
// projects funnel) are there with their tables.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { Client, enrolTotp, linkIn } from '../client.mjs';
import { kafaat, startServer } from '../kafaat.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--no-first-run'];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-dashboard-browser-'));
const clockFile = path.join(tmp, 'clock');
const now = 1_800_000_000; // 2027-01-15
writeFileSync(clockFile, String(now));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';
let srv, browser, admin;

function cli(args) {
	const r = kafaat([...args, '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	return r.stdout;
}

before(async () => {
	srv = await startServer({ env });
	browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
	await axeStart();
	const link = linkIn(cli(['admin', 'create', 'equipe@example.org']), '/invitation\\?token=');
	admin = new Client(srv.url);
	await admin.get(link);
	const token = new URL(srv.url + link).searchParams.get('token');
	assert.equal((await admin.post('/fr/invitation', { token, password: PW, password2: PW })).status, 200);
	await admin.get('/fr/signin');
	assert.equal((await admin.post('/fr/signin', { email: 'equipe@example.org', password: PW })).status, 303);
	await enrolTotp(admin, 'fr', now);
});
after(async () => {
	await browser?.close();
	await srv?.stop();
	rmSync(tmp, { recursive: true, force: true });
});

// A browser without JavaScript in the admin's session, at width × 800.
async function session(lang, width) {
	const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width, height: 800 } });
	await context.addCookies([...admin.cookies].map(([name, value]) => ({ name, value, url: srv.url })));
	const page = await context.newPage();
	await page.goto(`${srv.url}/${lang}/account`);
	assert.match(page.url(), new RegExp(`/${lang}/account$`), 'signed in');
	return { context, page };
}

// axe-core needs timers, which a page without JavaScript does not run: the
// page's HTML is shown again at its address in a page with JavaScript whose
// own scripts are blocked, and checked there (as tests/browser/mission.test.mjs).
let axePage, shown = null;
async function axeStart() {
	axePage = await (await browser.newContext()).newPage();
	await axePage.route((u) => u.pathname.endsWith('.js'), (r) => r.abort());
	await axePage.route((u) => shown && u.href === shown.href,
		(r) => r.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: shown.html }));
}
async function axe(page, what) {
	const url = new URL(page.url());
	url.hash = '';
	shown = { href: url.href, html: await page.content() };
	await axePage.goto(url.href);
	await axePage.evaluate(axeSource);
	const found = await axePage.evaluate(async () => {
		const r = await window.axe.run(document, { resultTypes: ['violations'] });
		return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`);
	});
	assert.deepEqual(found, [], `axe on ${what}`);
}

async function language(page, lang, what) {
	assert.equal(await page.getAttribute('html', 'lang'), lang, `${what}: language`);
	assert.equal(await page.getAttribute('html', 'dir'), lang === 'ar' ? 'rtl' : 'ltr', `${what}: direction`);
}

// Nothing wider than the screen, but inside a scrolling box (.table-responsive).
async function fitsPhone(page, what) {
	const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
	assert.ok(wide <= 1, `${what}: the page scrolls sideways by ${wide}px`);
}

for (const lang of ['ar', 'fr']) {
	test(`the dashboard in ${lang}: from the navigation, chart and table, phone width, axe`, async () => {
		const { context, page } = await session(lang, 375);
		await page.click(`.kf-nav a[href="/${lang}/admin/dashboard"]`);
		assert.match(page.url(), new RegExp(`/${lang}/admin/dashboard$`));
		await language(page, lang, 'dashboard');
		const svg = page.locator('svg[role="img"]');
		assert.ok((await svg.getAttribute('aria-label')).length > 10, 'the chart is named');
		assert.ok((await page.textContent('svg[role="img"] title')).length > 10, 'the chart has a title');
		assert.equal(await page.locator('table#progress tbody tr').count(), 6, 'its data: 2025 to 2030');
		assert.equal(await page.locator('table#sectors tbody tr').count(), await page.locator('table#sectors tbody tr[data-sector]').count());
		assert.equal(await page.locator('td[data-ind="identified"]').count(), 1, 'identified experts');
		for (const dim of ['network', 'institution', 'region'])
			assert.equal(await page.locator(`h3#b-${dim} + div table#by-${dim}`).count(), 1, `the ${dim} breakdown under its heading`);
		assert.equal(await page.locator('section[aria-labelledby="d-funnel"] table#funnel tbody tr').count(), 7, 'the funnel: seven stages');
		await fitsPhone(page, 'dashboard');
		await axe(page, `dashboard (${lang})`);
		await context.close();
	});

	test(`the exports page in ${lang}: from the dashboard, every file linked, phone width, axe`, async () => {
		const { context, page } = await session(lang, 375);
		await page.goto(`${srv.url}/${lang}/admin/dashboard`);
		await page.click(`a[href="/${lang}/admin/exports"]`);
		assert.match(page.url(), new RegExp(`/${lang}/admin/exports$`));
		await language(page, lang, 'exports');
		assert.equal(await page.locator('table#exports tbody tr[data-export]').count(), 4);
		assert.equal(await page.locator('table#exports a[download]').count(), 8);
		await fitsPhone(page, 'exports');
		await axe(page, `exports (${lang})`);
		await context.close();
	});

	test(`the public statistics in ${lang}: from the navigation, phone width, axe`, async () => {
		const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
		const page = await context.newPage();
		await page.goto(`${srv.url}/${lang}/`);
		await page.click(`.kf-nav a[href="/${lang}/statistics"]`);
		assert.match(page.url(), new RegExp(`/${lang}/statistics$`));
		await language(page, lang, 'statistics');
		assert.equal(await page.locator('table').count(), 8, 'experts, needs, sectors and five breakdowns');
		await fitsPhone(page, 'statistics');
		await axe(page, `statistics (${lang})`);
		await context.close();
	});
}
