// Expert profiles over HTTP against a real server, with an injected clock:
// the editor's steps in French and Arabic, bad input (422, the message next
// to its field, nothing saved), free skills, consent per audience (recorded
// with the notice version and time, withdrawn at once), freshness (confirm,
// pause, resume, attestation), visibility (institutions, the public card,
// the owner, 404 for hidden profiles, dormancy 13 months later), the audit
// of every view, and the skill suggestions of the autocomplete.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { acceptInvitation, Client, enrolTotp, lastMailTo, linkIn, signIn as signInWith, signUp } from '../client.mjs';
import { kafaat, root, startServer } from '../kafaat.mjs';

// The notice version in force, as the code states it.
const NOTICE = /#define PRIVACY_NOTICE_VERSION (\d+)/.exec(readFileSync(path.join(root, 'src/app/app.h'), 'utf8'))[1];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-profile-'));
const clockFile = path.join(tmp, 'clock');
const DAY = 86400;
let now = 1_800_000_000; // 2027-01-15T08:00:00Z
const setClock = (t) => { now = t; writeFileSync(clockFile, String(t)); };
setClock(now);
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';

let srv, member, cyber;
before(async () => {
	srv = await startServer({ env });
	member = await institutionMember('membre@example.org');
	const s = await (await fetch(`${srv.url}/api/v1/taxonomy/skills?q=cyber&lang=fr`)).json();
	cyber = s.skills[0].label; // a skill of the taxonomy, as labelled in French
});
after(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

const signIn = (c, email, lang = 'fr') => signInWith(c, email, PW, lang);

const newExpert = (email, lang = 'fr') => signUp(srv, env, email, PW, lang);

function admin(args) {
	const r = kafaat(['admin', ...args, '--db', srv.db], env);
	assert.equal(r.status, 0, r.stderr);
	return r.stdout;
}

// Follows an invitation or set-up link: chooses the password, signs in.
const fromLink = (link, email) => acceptInvitation(srv, link, email, PW, 'en');

// An admin creates an institution and invites a member (as in access.test.mjs).
async function institutionMember(email) {
	const a = await fromLink(linkIn(admin(['create', 'admin@example.org']), '/invitation\\?token='), 'admin@example.org');
	await enrolTotp(a, 'en', now);
	await a.get('/en/admin/institutions');
	await a.post('/en/admin/institutions', { name_ar: 'وزارة الصحة', name_fr: 'Ministère de la Santé', name_en: 'Ministry of Health' });
	const list = await a.get('/en/admin/invitations');
	const inst = /<option value="(\d+)">Ministry of Health</.exec(list.text)[1];
	const r = await a.post('/en/admin/invitations', { email, institution: inst, role: 'member', lang: 'fr' });
	assert.equal(r.status, 200, 'invitation sent');
	return fromLink(linkIn(lastMailTo(srv.db, email, env), '/invitation\\?token='), email);
}

// The errors shown next to fields: {field: message}.
function fieldErrors(html) {
	const out = {};
	for (const m of html.matchAll(/<div class="invalid-feedback d-block[^"]*" id="e-([^"]+)">([^<]*)</g)) out[m[1]] = m[2];
	return out;
}

// POSTs a step; expects a redirect to `next` (a path ending).
async function save(c, lang, step, form, next) {
	await c.get(`/${lang}/profile/edit/${step}`);
	const r = await c.post(`/${lang}/profile/edit/${step}`, form);
	assert.equal(r.status, 303, `${step}: ${r.status} ${JSON.stringify(fieldErrors(r.text))}`);
	assert.ok(r.location.startsWith(`/${lang}/profile/${next}`), `${step} → ${r.location}`);
}

async function idOf(c, lang = 'fr') {
	const r = await c.get(`/${lang}/profile`);
	return /id="pr-page-link" href="\/\w\w\/experts\/(\d+)"/.exec(r.text)[1];
}

async function setConsent(c, audience, granted, lang = 'fr') {
	await c.get(`/${lang}/profile/consent`);
	const r = await c.post(`/${lang}/profile/consent`, { set: `${audience}:${granted ? 1 : 0}` });
	assert.equal(r.status, 303);
	return c.get(r.location);
}

const decode = (s) => s.replace(/&#39;/g, '\'').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

function profileFr() {
	return [
		['identity', { name: 'Salma Benali', name_ar: 'سلمى بنعلي', gender: 'f', birth_year: '1984', country: 'CA', city: 'Montréal', nat_0: 'MA', nat_add: 'CA', headline: 'Cardiologue interventionnelle', bio: 'Douze ans au CHUM.' }, 'edit/languages'],
		['languages', { lang_0_code: 'arabe', lang_0_level: 'C2', lang_1_code: 'français', lang_1_level: 'C2', lang_2_code: 'English', lang_2_level: 'B2' }, 'edit/education'],
		['education', { edu_0_degree: 'Doctorat en médecine', edu_0_field: 'Cardiologie', edu_0_institution: 'Université de Montréal', edu_0_country: 'Canada', edu_0_year: '2010' }, 'edit/experience'],
		['experience', { years_experience: '12', exp_0_role: 'Cardiologue', exp_0_organisation: 'CHUM', exp_0_sector: 'health', exp_0_country: 'Canada', exp_0_from: '2014-09' }, 'edit/skills'],
		['skills', { skill_0_name: cyber, skill_0_level: '3', skill_0_years: '2', skill_1_name: 'Cardiologie interventionnelle', skill_1_level: '5', skill_1_years: '12', skill_2_name: 'cardiologue', skill_2_level: '4' }, 'edit/sectors'],
		['sectors', { sec_0: 'health', pref_0: 'health', sec_3: 'digital', isco: '2212' }, 'edit/offer'],
		['offer', { mode_0: 'ponctuelle', mode_1: 'continue', presence_0: 'remote', presence_2: 'hybrid', hours: '10', pay: 'pro_bono', avail_0_from: '2027-03-01', avail_0_to: '2027-06-30', stay_0_from: '2027-07-01', stay_0_to: '2027-08-15', stay_0_city: 'Casablanca', region_5: 'MA-06' }, 'edit/links'],
		['links', { linkedin: 'https://www.linkedin.com/in/salma-benali', orcid: '0000-0002-1825-0097', website: 'https://example.org/salma' }, 'consent'],
	];
}

describe('the editor', () => {
	test('every step in French; the steps and the own view show what was saved', async () => {
		const c = await newExpert('salma@example.org');
		assert.equal((await c.get('/fr/profile')).status, 200);
		for (const [step, form, next] of profileFr()) await save(c, 'fr', step, form, next);
		const identity = await c.get('/fr/profile/edit/identity');
		assert.match(identity.text, /value="Salma Benali"/);
		assert.match(identity.text, /name="nat_\d+" value="CA" checked/);
		assert.match((await c.get('/fr/profile/edit/languages')).text, /value="arabe"/);
		const view = decode((await c.get('/fr/profile')).text);
		for (const s of ['Salma Benali', 'سلمى بنعلي', 'Montréal', 'Canada', 'Maroc', 'arabe — C2', 'anglais — B2',
			'Doctorat en médecine', 'CHUM', cyber, 'Cardiologie interventionnelle', 'Santé', '2212 — ',
			'Ponctuelle', 'Continue', 'À distance', 'Bénévole', 'du 1er juillet 2027 au 15 août 2027 — Casablanca',
			'Casablanca-Settat', 'https://www.linkedin.com/in/salma-benali', '0000-0002-1825-0097', 'Femme', '1984']) {
			assert.ok(view.includes(s), `own view shows ${s}`);
		}
		assert.match(view, /complet à 90 %/);
		assert.match(view, /Dernière confirmation le 15 janvier 2027/, 'saving confirms the profile');
		await setConsent(c, 'institutions', true);
		assert.match((await c.get('/fr/profile')).text, /complet à 100 %/);
	});

	test('every step in Arabic, with names typed in Arabic', async () => {
		const c = await newExpert('karim@example.org', 'ar');
		const steps = [
			['identity', { name: 'Karim Alaoui', name_ar: 'كريم العلوي', birth_year: '1979', country: 'FR', city: 'ليون', nat_0: 'MA', nat_1: 'FR', headline: 'مهندس طيران', bio: 'خبرة في صناعة الطيران.' }, 'edit/languages'],
			['languages', { lang_0_code: 'العربية', lang_0_level: 'C2', lang_1_code: 'الفرنسية', lang_1_level: 'C1' }, 'edit/education'],
			['education', { edu_0_degree: 'دكتوراه في الهندسة', edu_0_country: 'فرنسا', edu_0_year: '2005' }, 'edit/experience'],
			['experience', { exp_0_role: 'مهندس', exp_0_organisation: 'Airbus', exp_0_country: 'فرنسا', exp_0_from: '2006-01', exp_0_to: '2020-12' }, 'edit/skills'],
			['skills', { skill_0_name: 'الأمن السيبراني', skill_0_level: '2' }, 'edit/sectors'],
			['sectors', { sec_2: 'aeronautics' }, 'edit/offer'],
			['offer', { mode_1: 'continue', presence_1: 'onsite', stay_0_from: '2027-07-10', stay_0_to: '2027-07-30', stay_0_city: 'طنجة' }, 'edit/links'],
			['links', { website: 'https://example.org/karim' }, 'consent'],
		];
		for (const [step, form, next] of steps) await save(c, 'ar', step, form, next);
		const view = decode((await c.get('/ar/profile')).text);
		for (const s of ['كريم العلوي', 'العربية — C2', 'الفرنسية — C1', 'فرنسا', 'دكتوراه في الهندسة', 'Airbus',
			'مستمرة', 'حضوريًا بالمغرب', 'طنجة', 'الأمن السيبراني']) {
			assert.ok(view.includes(s), `Arabic own view shows ${s}`);
		}
		assert.match(view, /dir="rtl"/);
	});

	test('bad input: 422, the message next to its field in the user’s language, nothing saved', async () => {
		const c = await newExpert('errors@example.org');
		const year = new Date(now * 1000).getUTCFullYear();
		const cases = [
			['fr', 'identity', { name: 'Trop Jeune', birth_year: String(year - 10) }, 'birth_year', /entre 18 et 100 ans/],
			['fr', 'identity', { name: 'Trop Vieux', birth_year: String(year - 101) }, 'birth_year', /entre 18 et 100 ans/],
			['ar', 'identity', { name: 'Trop Jeune', birth_year: String(year - 17) }, 'birth_year', /بين 18 و100 سنة/],
			['fr', 'identity', { name: 'Pays Inconnu', country: 'ZZ' }, 'country', /pays ne figure pas/],
			['fr', 'identity', { name: 'Année Lettres', birth_year: '19a4' }, 'birth_year', /nombre entier/],
			['fr', 'languages', { lang_0_code: 'arabe', lang_0_level: 'C2', lang_1_code: 'anglais', lang_1_level: 'D1' }, 'lang_1_level', /A1, A2, B1, B2, C1 ou C2/],
			['en', 'languages', { lang_0_code: 'Klingon', lang_0_level: 'B1' }, 'lang_0_code', /language is not in our list/],
			['fr', 'offer', { stay_0_from: '2027-08-10', stay_0_to: '2027-08-01', stay_0_city: 'Fès' }, 'stay_0_to', /fin est antérieure au début/],
			['ar', 'offer', { stay_2_from: '2027-08-10', stay_2_to: '2027-08-01' }, 'stay_2_to', /سابق لتاريخ البداية/],
			['fr', 'experience', { exp_0_role: 'Chef', exp_0_from: '2020-05', exp_0_to: '2019-01' }, 'exp_0_to', /antérieure/],
			['fr', 'skills', { skill_0_name: cyber, skill_0_level: '' }, 'skill_0_level', /obligatoire/],
			['fr', 'links', { orcid: '1234' }, 'orcid', /ORCID/],
			['fr', 'links', { website: 'javascript:alert(1)' }, 'website', /https:\/\//],
			['fr', 'offer', { hours: '500' }, 'hours', /en dehors des valeurs/],
		];
		for (const [lang, step, form, field, message] of cases) {
			await c.get(`/${lang}/profile/edit/${step}`);
			const r = await c.post(`/${lang}/profile/edit/${step}`, form);
			assert.equal(r.status, 422, `${step} ${JSON.stringify(form)}`);
			const errors = fieldErrors(r.text);
			assert.match(decode(errors[field] ?? ''), message, `${field}: ${JSON.stringify(errors)}`);
			assert.ok(r.text.includes(`href="#f-${field}"`), 'the summary links to the field');
			assert.match(r.text, new RegExp(`id="f-${field}"[^>]*aria-invalid="true"`));
		}
		const view = await c.get('/fr/profile');
		for (const s of ['Trop Jeune', 'Trop Vieux', 'Pays Inconnu', 'Klingon', 'Fès', 'Chef']) assert.ok(!view.text.includes(s), `${s} not saved`);
		assert.match(view.text, /jamais été confirmé/, 'nothing saved, nothing confirmed');
	});

	test('the form shows what was typed again after an error', async () => {
		const c = await newExpert('retype@example.org');
		await c.get('/fr/profile/edit/languages');
		const r = await c.post('/fr/profile/edit/languages', { lang_0_code: 'arabe', lang_0_level: 'C2', lang_1_code: 'anglais', lang_1_level: 'Z9' });
		assert.equal(r.status, 422);
		assert.match(r.text, /id="f-lang_0_code" name="lang_0_code" value="arabe"/);
		assert.match(r.text, /<option value="C2" selected>/);
	});

	test('a skill not in the taxonomy is kept as a free skill, and the page says so', async () => {
		const c = await newExpert('free@example.org');
		await c.get('/fr/profile/edit/skills');
		const r = await c.post('/fr/profile/edit/skills', { skill_0_name: 'Tissage de tapis amazigh', skill_0_level: '5', skill_1_name: 'cybersecurite', skill_1_level: '3' });
		assert.equal(r.status, 303);
		assert.match(r.location, /\/fr\/profile\/edit\/skills\?saved=1$/, 'back to the skills to see the notice');
		const page = decode((await c.get(r.location)).text);
		assert.match(page, /ne figurent pas dans notre liste[\s\S]*<li>Tissage de tapis amazigh<\/li>/);
		assert.match(page, /Compétence libre/);
		const view = decode((await c.get('/fr/profile')).text);
		assert.match(view, /Tissage de tapis amazigh — niveau 5\/5 <span class="badge[^>]*>Compétence libre/);
		assert.ok(view.includes('Cybersécurité'), 'a name typed without accents resolves to the taxonomy');
	});

	test('rows are bounded; an undeclared or repeated field is refused', async () => {
		const c = await newExpert('bounds@example.org');
		const page = await c.get('/fr/profile/edit/languages');
		assert.equal((page.text.match(/name="lang_\d+_code"/g) ?? []).length, 3, 'three empty rows to start');
		assert.equal((await c.post('/fr/profile/edit/languages', { lang_10_code: 'arabe', lang_10_level: 'C2' })).status, 400);
		assert.equal((await c.post('/fr/profile/edit/identity', { name: 'X', role: 'admin' })).status, 400);
		const full = {};
		for (let i = 0; i < 8; i++) Object.assign(full, { [`lang_${i}_code`]: ['arabe', 'français', 'anglais', 'espagnol', 'allemand', 'italien', 'néerlandais', 'portugais'][i], [`lang_${i}_level`]: 'B2' });
		assert.equal((await c.post('/fr/profile/edit/languages', full)).status, 303);
		const again = await c.get('/fr/profile/edit/languages');
		assert.equal((again.text.match(/name="lang_\d+_code"/g) ?? []).length, 10, 'the saved rows plus empty ones, at most 10');
	});

	test('an institution member cannot use the editor', async () => {
		assert.equal((await member.get('/fr/profile/edit/identity')).status, 403);
	});
});

describe('consent per audience', () => {
	test('given and withdrawn through the page, each recorded with the notice version and time', async () => {
		const c = await newExpert('consent@example.org');
		const page = await c.get('/fr/profile/consent');
		for (const a of ['programme', 'institutions', 'networks', 'directory', 'statistics', 'newsletters']) {
			assert.ok(page.text.includes(`value="${a}:1"`), `a button to give ${a}`);
		}
		assert.match(decode(page.text), new RegExp(`version ${NOTICE}`), 'the information notice names its version');
		let r = await setConsent(c, 'directory', true);
		assert.match(decode(r.text), new RegExp(`Donné le 15 janvier 2027 \\(notice d’information, version ${NOTICE}\\)`));
		assert.ok(r.text.includes('value="directory:0"'), 'now a button to withdraw');
		setClock(now + 3600);
		r = await setConsent(c, 'directory', false);
		assert.match(decode(r.text), /Votre consentement est retiré/);
		assert.match(decode(r.text), /Retiré le 15 janvier 2027/);
		const history = r.text.slice(r.text.indexOf('consent-history'));
		assert.equal((history.match(/<tr><td>15 janvier 2027<\/td><td>Annuaire public<\/td>/g) ?? []).length, 2);
		await c.get('/fr/profile/consent');
		assert.equal((await c.post('/fr/profile/consent', { set: 'everyone:1' })).status, 422);
	});
});

describe('freshness and attestation', () => {
	test('confirm in one click, pause until a date and resume, attest yearly', async () => {
		const c = await newExpert('fresh@example.org');
		await c.get('/fr/profile');
		let r = await c.post('/fr/profile/confirm', {});
		assert.equal(r.location, '/fr/profile/edit/identity', 'nothing to confirm before a profile exists');
		await save(c, 'fr', 'identity', { name: 'Nadia Fresh', country: 'BE' }, 'edit/languages');
		setClock(now + 100 * DAY); // sessions end: sign in again
		await signIn(c, 'fresh@example.org');
		await c.get('/fr/profile');
		r = await c.post('/fr/profile/confirm', {});
		assert.equal(r.location, '/fr/profile?done=confirmed');
		let view = decode((await c.get(r.location)).text);
		assert.match(view, /confirmé comme exact/);
		assert.match(view, /Dernière confirmation le 25 avril 2027/);
		assert.equal((await c.post('/fr/profile/pause', { until: '2026-01-01' })).status, 422);
		assert.match(decode((await c.post('/fr/profile/pause', { until: 'demain' })).text), /AAAA-MM-JJ/);
		r = await c.post('/fr/profile/pause', { until: '2027-06-01' });
		assert.equal(r.location, '/fr/profile?done=paused');
		view = decode((await c.get(r.location)).text);
		assert.match(view, /en pause jusqu’au 1er juin 2027/);
		r = await c.post('/fr/profile/resume', {});
		assert.doesNotMatch(decode((await c.get(r.location)).text), /en pause jusqu’au/);
		assert.match(view, /attestation annuelle est à renouveler/);
		r = await c.post('/fr/profile/coi', { statement: 'Membre du conseil d’un CHU.' });
		assert.equal(r.status, 422);
		assert.match(decode(r.text), /Cochez la case/);
		r = await c.post('/fr/profile/coi', { attest: 'yes', statement: 'Membre du conseil d’un CHU.' });
		view = decode((await c.get(r.location)).text);
		assert.match(view, /Dernière attestation le 25 avril 2027/);
		assert.doesNotMatch(view, /à renouveler/);
		assert.match(view, /Membre du conseil d’un CHU\./);
		setClock(now - 100 * DAY);
	});
});

describe('visibility', () => {
	let expert, id, hidden, hiddenId;
	before(async () => {
		await signIn(member, 'membre@example.org', 'en'); // idle for over 30 minutes of the test clock
		expert = await newExpert('visible@example.org');
		for (const [step, form, next] of profileFr()) await save(expert, 'fr', step, form, next);
		id = await idOf(expert);
		hidden = await newExpert('hidden@example.org');
		await save(hidden, 'fr', 'identity', { name: 'Hidden Expert', country: 'FR' }, 'edit/languages');
		hiddenId = await idOf(hidden);
	});

	test('an institution sees a consenting expert, 404 for others, and 404 at once after withdrawal', async () => {
		const notFound = await member.get('/fr/experts/999999999');
		assert.equal(notFound.status, 404);
		assert.equal((await member.get(`/fr/experts/${id}`)).status, 404, 'no consent yet');
		await setConsent(expert, 'institutions', true);
		const seen = decode((await member.get(`/fr/experts/${id}`)).text);
		for (const s of ['Salma Benali', 'Cardiologue interventionnelle', 'Doctorat en médecine', 'CHUM', cyber,
			'du 1er juillet 2027 au 15 août 2027', 'Bénévole', 'institutions publiques']) {
			assert.ok(seen.includes(s), `the institution sees ${s}`);
		}
		for (const s of ['visible@example.org', '1984', 'Femme', 'Modifier']) assert.ok(!seen.includes(s), `no ${s} for institutions`);
		const hiddenPage = await member.get(`/fr/experts/${hiddenId}`);
		assert.equal(hiddenPage.status, 404);
		assert.equal(hiddenPage.text.replace(/[A-Za-z0-9_-]{43}/g, ''), notFound.text.replace(/[A-Za-z0-9_-]{43}/g, '').replaceAll('999999999', hiddenId), 'a hidden profile looks like none');
		await setConsent(expert, 'institutions', false);
		assert.equal((await member.get(`/fr/experts/${id}`)).status, 404, 'withdrawal takes effect at once');
		await setConsent(expert, 'institutions', true);
	});

	test('a paused profile is hidden from institutions until the date', async () => {
		await expert.get('/fr/profile');
		await expert.post('/fr/profile/pause', { until: '2027-02-01' });
		assert.equal((await member.get(`/fr/experts/${id}`)).status, 404);
		await expert.post('/fr/profile/resume', {});
		assert.equal((await member.get(`/fr/experts/${id}`)).status, 200);
	});

	test('anyone sees the public card, and only the card, with directory consent', async () => {
		const anon = new Client(srv.url);
		assert.equal((await anon.get(`/en/experts/${id}`)).status, 404);
		await setConsent(expert, 'directory', true);
		const card = decode((await anon.get(`/en/experts/${id}`)).text);
		for (const s of ['Salma Benali', 'Cardiologue interventionnelle', 'Canada', 'Health']) assert.ok(card.includes(s), `card shows ${s}`);
		for (const s of ['Montréal', 'CHUM', 'Arabic — C2', 'Doctorat', cyber, 'Casablanca', 'linkedin']) assert.ok(!card.includes(s), `card hides ${s}`);
		await setConsent(expert, 'directory', false);
		assert.equal((await anon.get(`/en/experts/${id}`)).status, 404);
	});

	test('the owner sees everything; another expert sees nothing', async () => {
		const own = decode((await expert.get(`/fr/experts/${id}`)).text);
		for (const s of ['Salma Benali', '1984', 'Femme', 'Maroc', 'CHUM', 'Casablanca']) assert.ok(own.includes(s), `owner sees ${s}`);
		assert.equal((await hidden.get(`/fr/experts/${id}`)).status, 404);
	});

	test('every view by someone else is written to the audit log', async () => {
		await member.get(`/fr/experts/${id}`);
		const r = kafaat(['audit', 'list', '--json', '--db', srv.db], env);
		assert.equal(r.status, 0, r.stderr);
		const views = JSON.parse(r.stdout).filter((x) => x.action === 'profile_viewed' && x.target_id === id);
		assert.ok(views.length >= 2, 'institution and anonymous views are logged');
		assert.ok(views.some((x) => x.details?.level === 'institution' && x.actor !== null));
		assert.ok(views.some((x) => x.details?.level === 'directory' && x.actor === null));
		const before = views.length;
		await expert.get(`/fr/experts/${id}`);
		const after = JSON.parse(kafaat(['audit', 'list', '--json', '--db', srv.db], env).stdout)
			.filter((x) => x.action === 'profile_viewed' && x.target_id === id).length;
		assert.equal(after, before, 'the owner’s own views are not');
		assert.match(kafaat(['audit', 'verify', '--db', srv.db], env).stdout, /intact/);
	});

	test('13 months later the profile is dormant: invisible to institutions until confirmed', async () => {
		assert.equal((await member.get(`/fr/experts/${id}`)).status, 200);
		setClock(now + 396 * DAY);
		await signIn(member, 'membre@example.org', 'en');
		await signIn(expert, 'visible@example.org');
		assert.equal((await member.get(`/fr/experts/${id}`)).status, 404);
		const view = decode((await expert.get('/fr/profile')).text);
		assert.match(view, /il est en sommeil/);
		await expert.post('/fr/profile/confirm', {});
		assert.equal((await member.get(`/fr/experts/${id}`)).status, 200, 'visible again once confirmed');
	});
});

describe('skill suggestions', () => {
	test('an Arabic query finds a skill labelled in French', async () => {
		const r = await fetch(`${srv.url}/api/v1/taxonomy/skills?q=${encodeURIComponent('السيبراني')}&lang=fr`);
		assert.equal(r.status, 200);
		const body = await r.json();
		assert.ok(body.skills.some((s) => s.id === 'cybersecurity' && s.label === 'Cybersécurité'), JSON.stringify(body));
		const ar = await (await fetch(`${srv.url}/api/v1/taxonomy/skills?q=cyber&lang=ar`)).json();
		assert.ok(ar.skills.some((s) => s.label === 'الأمن السيبراني'));
		const none = await (await fetch(`${srv.url}/api/v1/taxonomy/skills?q=`)).json();
		assert.deepEqual(none.skills, []);
	});

	test('unknown or bad parameters are refused with the JSON error envelope', async () => {
		const r = await fetch(`${srv.url}/api/v1/taxonomy/skills?q=x&limit=1000`);
		assert.equal(r.status, 400);
		assert.equal((await r.json()).error.field, 'limit');
		assert.equal((await fetch(`${srv.url}/api/v1/taxonomy/skills?q=x&lang=de`)).status, 400);
		assert.equal((await fetch(`${srv.url}/api/v1/taxonomy/skills?q=${'a'.repeat(101)}`)).status, 400);
	});
});
