// What the browser tests share: Chromium without JavaScript in a session
// opened over HTTP, axe-core on pages that run no script, the language and
// direction of a page, and the catalogues' texts as patterns to look for.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { root } from '../kafaat.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Chromium as the tests run it: headless, nothing fetched from elsewhere.
export const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--no-first-run'];

export function launch() {
	return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
}

// ---- The catalogues: what each page should say, in its language ----------

// locale/LANG/*.po as {key: text} (continuation lines joined).
export function catalogue(lang) {
	const out = {};
	const dir = path.join(root, 'locale', lang);
	for (const f of readdirSync(dir).filter((n) => n.endsWith('.po'))) {
		let entry = null;
		const flush = () => { if (entry?.id) out[entry.id] = entry.str; };
		for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
			const m = /^(?:(msgid|msgstr) )?(".*")$/.exec(line);
			if (!m) continue;
			if (m[1] === 'msgid') { flush(); entry = { id: '', str: '', field: 'id' }; }
			else if (m[1] === 'msgstr') entry.field = 'str';
			if (entry) entry[entry.field] += JSON.parse(m[2]);
		}
		flush();
	}
	return out;
}

export const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const catalogues = {};

// The text of `key` in `lang`, as written in the catalogue.
export function catalogueText(lang, key) {
	catalogues[lang] ??= catalogue(lang);
	const said = catalogues[lang][key];
	assert.ok(said, `${lang}: no text for ${key}`);
	return said;
}

// The text of `key` in `lang` as a pattern: the given placeholders filled
// in, the others matching any text, any run of spaces matching any other.
export function says(lang, key, vars = {}) {
	const said = catalogueText(lang, key);
	const parts = said.split(/(\{\w+\})/).map((p) => {
		const m = /^\{(\w+)\}$/.exec(p);
		if (!m) return escapeRe(p);
		return m[1] in vars ? escapeRe(String(vars[m[1]])) : '.+?';
	});
	return new RegExp(parts.join('').replace(/\s+/g, '\\s+'));
}

export const text = (s) => s.replace(/\s+/g, ' ').trim();
export const mainText = async (page) => text(await page.textContent('main'));

// ---- Pages ------------------------------------------------------------------

// A new browser without JavaScript in the session `client` opened over HTTP
// (signing in has its own browser test: accounts.test.mjs); its first page
// is the account page in `lang`. options: Playwright context options.
export async function session(browser, base, client, lang, options = {}) {
	const context = await browser.newContext({ javaScriptEnabled: false, ...options });
	await context.addCookies([...client.cookies].map(([name, value]) => ({ name, value, url: base })));
	const page = await context.newPage();
	await page.goto(`${base}/${lang}/account`);
	assert.match(page.url(), new RegExp(`/${lang}/account$`), 'signed in');
	return { context, page };
}

// The page is in `lang`, right to left for Arabic.
export async function language(page, lang, what) {
	assert.equal(await page.getAttribute('html', 'lang'), lang, `${what}: language`);
	assert.equal(await page.getAttribute('html', 'dir'), lang === 'ar' ? 'rtl' : 'ltr', `${what}: direction`);
}

// axe-core needs timers, which a page without JavaScript does not run: the
// page as the person saw it (its HTML, even the answer to a POST) is shown
// again, at its address, in a page with JavaScript whose own scripts are
// blocked, and checked there. One Axe per browser.
export class Axe {
	static async start(browser) {
		const axe = new Axe();
		axe.shown = null;
		axe.page = await (await browser.newContext()).newPage();
		await axe.page.route((u) => u.pathname.endsWith('.js'), (r) => r.abort());
		await axe.page.route((u) => axe.shown && u.href === axe.shown.href,
			(r) => r.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: axe.shown.html }));
		return axe;
	}

	// No violation on what `page` shows now.
	async check(page, what) {
		const url = new URL(page.url());
		url.hash = '';
		this.shown = { href: url.href, html: await page.content() };
		await this.page.goto(url.href);
		// Injected through the DevTools protocol: the page's CSP rightly refuses inline script.
		await this.page.evaluate(axeSource);
		const found = await this.page.evaluate(async () => {
			const r = await window.axe.run(document, { resultTypes: ['violations'] });
			return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`);
		});
		assert.deepEqual(found, [], `axe on ${what}`);
	}
}
