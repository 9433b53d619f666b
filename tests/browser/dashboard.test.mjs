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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { newAdmin } from '../client.mjs';
import { startServer } from '../kafaat.mjs';
import { Axe, language, launch, session as sessionOf } from './lib.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-dashboard-browser-'));
const clockFile = path.join(tmp, 'clock');
const now = 1_800_000_000; // 2027-01-15
writeFileSync(clockFile, String(now));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';
let srv, browser, axe, admin;

before(async () => {
	srv = await startServer({ env });
	browser = await launch();
	axe = await Axe.start(browser);
	admin = await newAdmin(srv, env, 'equipe@example.org', PW, { t: now });
});
after(async () => {
	await browser?.close();
	await srv?.stop();
	rmSync(tmp, { recursive: true, force: true });
});

// A browser without JavaScript in the admin's session, at width × 800.
const session = (lang, width) => sessionOf(browser, srv.url, admin, lang, { viewport: { width, height: 800 } });

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
		await axe.check(page, `dashboard (${lang})`);
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
		await axe.check(page, `exports (${lang})`);
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
		await axe.check(page, `statistics (${lang})`);
		await context.close();
	});
}
