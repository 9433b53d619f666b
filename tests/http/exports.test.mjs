// The programme team's exports over HTTP (exports.c): experts, needs,
// engagements and projects as CSV (UTF-8 with a BOM, cells that a
// spreadsheet would read as a formula neutralised) and XLSX (opened here
// by python3-openpyxl: Arabic intact, the Arabic sheet right-to-left, the
// header row frozen). Only experts who consented to the programme team are
// exported (a withdrawn consent takes them out); an engagement names its
// expert only under that consent; every export is audited; only the
// programme team may export. Profiles and needs are written through the
// real forms.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { acceptInvitation, Client, editIdentity, lastMailTo, linkIn, newAdmin, signUp, sqlRows } from '../client.mjs';
import { startServer } from '../kafaat.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kafaat-exports-'));
const clockFile = path.join(tmp, 'clock');
const now = 1_800_000_000; // 2027-01-15T08:00:00Z
writeFileSync(clockFile, String(now));
const env = { KAFAAT_MAIL_SPOOL_DIR: path.join(tmp, 'mail'), KAFAAT_TESTING_CLOCK_FILE: clockFile };
const PW = 'une phrase assez longue 2027';
const python = '/usr/bin/python3';

let srv, admin, officer, inst, amal, bilal, chama;

const sql = (text) => sqlRows(srv.db, text);
const one = (text) => sql(text)[0];


const fromLink = (link, email) => acceptInvitation(srv, link, email, PW);

async function newExpert(email) {
	const c = await signUp(srv, env, email, PW);
	c.id = one(`SELECT id FROM users WHERE email = '${email}'`);
	return c;
}

async function consent(c, audience, granted) {
	await c.get('/fr/profile/consent');
	assert.equal((await c.post('/fr/profile/consent', { set: `${audience}:${granted ? 1 : 0}` })).status, 303);
}

// An expert with an identity written through the editor's form.
async function expert(email, identity, consents) {
	const c = await newExpert(email);
	await editIdentity(c, identity);
	for (const a of consents) await consent(c, a, true);
	return c;
}

// A download as the admin: {status, type, bytes}.
async function download(c, p) {
	const r = await fetch(srv.url + p, { headers: { Cookie: c.cookieHeader() }, redirect: 'manual' });
	return { status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), bytes: new Uint8Array(await r.arrayBuffer()) };
}

// RFC 4180 records of a CSV text (quoted fields with commas, quotes, CRLF).
function parseCsv(text) {
	const rows = [];
	let row = [], field = '', quoted = false, i = 0;
	while (i < text.length) {
		const ch = text[i];
		if (quoted) {
			if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
			if (ch === '"') { quoted = false; i++; continue; }
			field += ch; i++; continue;
		}
		if (ch === '"' && field === '') { quoted = true; i++; continue; }
		if (ch === ',') { row.push(field); field = ''; i++; continue; }
		if (ch === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i += 2; continue; }
		field += ch; i++;
	}
	if (field !== '' || row.length) { row.push(field); rows.push(row); }
	return rows;
}

async function csv(p) {
	const d = await download(admin, p);
	assert.equal(d.status, 200, p);
	assert.match(d.type, /^text\/csv; charset=utf-8/);
	assert.deepEqual([...d.bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM');
	const text = new TextDecoder().decode(d.bytes.slice(3));
	const rows = parseCsv(text);
	return { text, header: rows[0], rows: rows.slice(1).map((r) => Object.fromEntries(rows[0].map((h, i) => [h, r[i]]))) };
}

// The workbook as openpyxl reads it.
function readXlsx(bytes) {
	const file = path.join(tmp, `book-${Math.random().toString(36).slice(2)}.xlsx`);
	writeFileSync(file, bytes);
	const script = `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.worksheets[0]
print(json.dumps({"sheets": wb.sheetnames, "rtl": bool(ws.sheet_view.rightToLeft), "freeze": ws.freeze_panes,
  "widths": {k: v.width for k, v in ws.column_dimensions.items()},
  "rows": [[c for c in r] for r in ws.iter_rows(values_only=True)]}, ensure_ascii=False, default=str))`;
	const r = spawnSync(python, ['-c', script, file], { encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	return JSON.parse(r.stdout);
}

before(async () => {
	srv = await startServer({ env });
	admin = await newAdmin(srv, env, 'equipe@example.org', PW, { t: now });
	await admin.get('/fr/admin/institutions');
	const r = await admin.post('/fr/admin/institutions', {
		name_ar: 'وزارة التجهيز والماء', name_fr: 'Ministère de l’Équipement et de l’Eau', name_en: 'Ministry of Equipment and Water',
		kind: 'ministry', region: 'MA-04', website: '', description: '',
	});
	assert.equal(r.status, 303, `institution: ${r.status}`);
	inst = /\/admin\/institutions\/(\d+)\?saved=1$/.exec(r.location)[1];
	await admin.get('/fr/admin/invitations');
	assert.equal((await admin.post('/fr/admin/invitations', { email: 'agent@example.org', institution: inst, role: 'member', lang: 'fr' })).status, 200);
	officer = await fromLink(linkIn(lastMailTo(srv.db, 'agent@example.org', env), '/invitation\\?token='), 'agent@example.org');

	// Amal consents to the programme team; her headline and city start like formulas.
	amal = await expert('amal@example.org', { name: 'Amal Benali', name_ar: 'أمل بنعلي', country: 'CA', city: '@x', headline: '=cmd|\' /C calc\'!A0' }, ['programme', 'institutions']);
	// Bilal never consents to the programme team.
	bilal = await expert('bilal@example.org', { name: 'Bilal Sans Consentement', country: 'FR', city: 'Lyon', headline: 'Hydrologue' }, ['institutions']);
	// Chama consents, then withdraws.
	chama = await expert('chama@example.org', { name: 'Chama Retrait', country: 'BE', city: 'Liège', headline: 'Urbaniste' }, ['programme']);
	await consent(chama, 'programme', false);

	// A need through the officer's form, its title starting like a formula.
	await officer.get('/fr/institution/needs/new');
	const n = await officer.post('/fr/institution/needs/new', {
		title: '=SUM(A1:A9) audit du réseau d’eau', description: 'Auditer le réseau et proposer un plan.',
		sector: 'water', mode: 'ponctuelle', presence: 'remote', region: '', city: '',
		dates: 'fixed', start: '2027-03-01', end: '2027-03-31', effort_days: '10', hours: '', experts: '1',
		pay: 'pro_bono', travel: '1', cp_name: 'Nadia El Amrani', cp_role: 'Cheffe de division',
		cp_email: 'nadia@example.org', ready_counterpart: '1', ready_resources: '1', ready_approval: '1',
		lang_0_code: 'français', lang_0_level: 'B2', then: 'save',
	});
	assert.equal(n.status, 303, `need: ${n.status}`);
	const need = /\/institution\/needs\/(\d+)$/.exec(n.location)[1];
	// Engagements of Amal (consented) and Bilal (not) on it.
	const at = '2027-01-10T10:00:00Z';
	sql(`INSERT INTO engagements (id, need_id, expert_id, origin, state, created_at, updated_at) VALUES (9900001, ${need}, ${amal.id}, 'applied', 'applied', '${at}', '${at}')`);
	sql(`INSERT INTO engagements (id, need_id, expert_id, origin, state, created_at, updated_at) VALUES (9900002, ${need}, ${bilal.id}, 'applied', 'applied', '${at}', '${at}')`);
});
after(async () => {
	await srv?.stop();
	rmSync(tmp, { recursive: true, force: true });
});

describe('admin exports', () => {
	test('only the programme team: anonymous to sign-in, others 403', async () => {
		assert.equal((await new Client(srv.url).get('/fr/admin/exports')).status, 303);
		assert.equal((await download(new Client(srv.url), '/fr/admin/exports/experts.csv')).status, 303);
		for (const who of [amal, officer]) {
			assert.equal((await who.get('/fr/admin/exports')).status, 403);
			assert.equal((await download(who, '/fr/admin/exports/experts.csv')).status, 403);
			assert.equal((await download(who, '/ar/admin/exports/needs.xlsx')).status, 403);
		}
		assert.equal(one("SELECT COUNT(*) FROM audit_log WHERE action = 'export'"), '0', 'nothing exported');
	});

	test('the page lists every export in both formats', async () => {
		const r = await admin.get('/fr/admin/exports');
		assert.equal(r.status, 200);
		for (const id of ['experts', 'needs', 'engagements', 'projects'])
			for (const f of ['csv', 'xlsx']) assert.ok(r.text.includes(`href="/fr/admin/exports/${id}.${f}"`), `${id}.${f}`);
		assert.equal((await download(admin, '/fr/admin/exports/nothing.csv')).status, 404);
		assert.equal((await download(admin, '/fr/admin/exports/experts.pdf')).status, 404);
	});

	test('experts CSV: BOM, consenting experts only, formulas neutralised, audited', async () => {
		const before = Number(one("SELECT COUNT(*) FROM audit_log WHERE action = 'export'"));
		const { text, header, rows } = await csv('/fr/admin/exports/experts.csv');
		assert.equal(header[0], 'Identifiant');
		assert.ok(header.includes('Adresse électronique'));
		const emails = rows.map((r) => r['Adresse électronique']);
		assert.deepEqual(emails, ['amal@example.org'], 'only the expert who consented to the programme team');
		const a = rows[0];
		assert.equal(a['Nom (en arabe)'], 'أمل بنعلي');
		assert.equal(a['Titre'], '\'=cmd|\' /C calc\'!A0', 'the formula is shown as text');
		assert.equal(a['Ville'], '\'@x');
		assert.ok(text.includes('"\'=cmd|'), 'quoted with an apostrophe in front');
		assert.ok(!/(^|,)[=+@-]/m.test(text), 'no cell starts like a formula');
		assert.ok(!text.includes('Bilal') && !text.includes('Chama'), 'no trace of the others');
		assert.ok(!/password|totp/i.test(header.join(',')), 'no secret column');
		const audit = sql("SELECT actor_id, target_id, details FROM audit_log WHERE action = 'export' ORDER BY seq DESC")[0].split('\t');
		assert.equal(Number(one("SELECT COUNT(*) FROM audit_log WHERE action = 'export'")), before + 1);
		assert.equal(audit[0], one("SELECT id FROM users WHERE email = 'equipe@example.org'"));
		assert.equal(audit[1], 'experts');
		assert.deepEqual(JSON.parse(audit[2]), { format: 'csv', rows: 1 });
	});

	test('needs and engagements CSV: the need\'s formula neutralised; the expert named only with consent', async () => {
		const needs = await csv('/en/admin/exports/needs.csv');
		assert.equal(needs.header[0], 'Id');
		const need = needs.rows.find((r) => r.Title.includes('audit du réseau'));
		assert.ok(need);
		assert.equal(need.Title, '\'=SUM(A1:A9) audit du réseau d’eau');
		assert.equal(need.Institution, 'Ministry of Equipment and Water');
		assert.ok(!/(^|,)[=+@-]/m.test(needs.text));
		const eng = await csv('/en/admin/exports/engagements.csv');
		const mine = eng.rows.filter((r) => ['9900001', '9900002'].includes(r.Id));
		assert.equal(mine.length, 2, 'every engagement keeps its row');
		const [a, b] = mine;
		assert.equal(a['Expert id'], amal.id);
		assert.equal(a['Name (Latin script)'], 'Amal Benali');
		assert.equal(b['Expert id'], '', 'no consent to the programme team: not named');
		assert.equal(b['Name (Latin script)'], '');
		assert.ok(!eng.text.includes('Bilal'));
		const projects = await csv('/en/admin/exports/projects.csv');
		assert.equal(projects.rows.length, Number(one('SELECT COUNT(*) FROM projects')));
	});

	test('XLSX opens in openpyxl: Arabic intact, right-to-left sheet in Arabic, header frozen', async () => {
		const ar = await download(admin, '/ar/admin/exports/experts.xlsx');
		assert.equal(ar.status, 200);
		assert.equal(ar.type, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
		assert.match(ar.disposition, /attachment; filename="kafaat-experts-ar\.xlsx"/);
		const book = readXlsx(ar.bytes);
		assert.deepEqual(book.sheets, ['الخبراء']);
		assert.equal(book.rtl, true);
		assert.equal(book.freeze, 'A2');
		assert.equal(book.rows[0][0], 'المعرّف');
		assert.equal(book.rows.length, 2);
		assert.equal(book.rows[1][0], Number(amal.id), 'ids are numbers');
		assert.equal(book.rows[1][2], 'أمل بنعلي');
		assert.ok(book.rows[1].includes('=cmd|\' /C calc\'!A0'), 'a string cell, not a formula');
		assert.ok(Object.values(book.widths).some((w) => w >= 20), 'columns sized');

		const fr = readXlsx((await download(admin, '/fr/admin/exports/needs.xlsx')).bytes);
		assert.deepEqual(fr.sheets, ['Besoins']);
		assert.equal(fr.rtl, false);
		assert.equal(fr.freeze, 'A2');
		assert.ok(fr.rows.some((r) => r.includes('Ministère de l’Équipement et de l’Eau')));
		const audit = sql("SELECT target_id, details FROM audit_log WHERE action = 'export' ORDER BY seq DESC").slice(0, 2);
		assert.deepEqual(audit.map((l) => l.split('\t')[0]), ['needs', 'experts']);
		assert.equal(JSON.parse(audit[1].split('\t')[1]).format, 'xlsx');
	});
});
