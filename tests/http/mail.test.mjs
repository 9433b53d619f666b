// `kafaat mail`: delivery to a real SMTP server (aiosmtpd, tests/http/smtp_sink.py),
// the spool transport, `mail list`, `mail show` and their errors.
// Mails are put into the outbox with the sqlite3 command-line tool.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, kafaat, root } from '../kafaat.mjs';

// Debian's python3 has python3-aiosmtpd; another python3 on PATH may not.
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const subjectAr = 'تأكيد عنوان بريدك الإلكتروني على منصة كفاءات لمغاربة العالم';
const bodyAr = 'مرحبًا،\n\nيُرجى فتح الرابط التالي:\n\nhttps://kafaat.test/ar/verify/abc123\n\nكفاءات';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kafaat-mail-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function sql(db, text) {
	const r = spawnSync('sqlite3', [db, text], { encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	return r.stdout;
}

function sqlQuote(s) {
	return `'${s.replaceAll("'", "''")}'`;
}

// A fresh migrated database in its own folder.
function freshDb(name) {
	const folder = path.join(dir, name);
	const db = path.join(folder, 'kafaat.db');
	mkdirSync(folder);
	const r = kafaat(['migrate', '--db', db]);
	assert.equal(r.status, 0, r.stderr);
	return { folder, db };
}

// Queues a mail the way mail_enqueue stores it, due since long ago.
function insertMail(db, { id, to = 'amina@example.org', subject = subjectAr, body = bodyAr }) {
	sql(db, `INSERT INTO outbox (id, to_addr, lang, subject, body, created_at, next_attempt_at)
		VALUES (${id}, ${sqlQuote(to)}, 'ar', ${sqlQuote(subject)}, ${sqlQuote(body)},
		'2026-11-18T08:00:00Z', '2000-01-01T00:00:00Z')`);
}

function listJson(db, env = {}) {
	const r = kafaat(['mail', 'list', '--json', '--db', db], env);
	assert.equal(r.status, 0, r.stderr);
	return JSON.parse(r.stdout);
}

// Decodes the RFC 2047 encoded-words of an unfolded header value.
function decodeWords(value) {
	const words = [...value.matchAll(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/g)];
	assert.ok(words.length > 0, `no encoded-word in ${value}`);
	for (const w of words) assert.ok(w[0].length <= 75, `encoded-word too long: ${w[0]}`);
	return Buffer.concat(words.map((w) => Buffer.from(w[1], 'base64'))).toString('utf8');
}

// Header name's value in a raw message, unfolded.
function header(raw, name) {
	const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]/g, ' ');
	const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
	assert.ok(line, `no ${name} header`);
	return line.slice(name.length + 1).trim();
}

async function startSink(folder, auth = []) {
	const port = await freePort();
	const child = spawn(python, [path.join(root, 'tests/http/smtp_sink.py'), String(port), folder, ...auth], {
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr.on('data', (d) => { stderr += d; });
	await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`smtp sink did not start: ${stderr}`)), 15000);
		child.stdout.on('data', (d) => {
			if (String(d).includes('ready')) { clearTimeout(timer); resolve(); }
		});
		child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`smtp sink exited ${code}: ${stderr}`)); });
	});
	return {
		port,
		messages: () => readdirSync(folder).filter((f) => f.endsWith('.json')).sort()
			.map((f) => JSON.parse(readFileSync(path.join(folder, f), 'utf8'))),
		async stop() {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.stdin.end();
			await exited;
		},
	};
}

describe('smtp transport, to a real SMTP server', () => {
	let sink;
	let db;
	let smtpEnv;

	before(async () => {
		const d = freshDb('smtp');
		db = d.db;
		const inbox = path.join(d.folder, 'inbox');
		mkdirSync(inbox);
		sink = await startSink(inbox);
		smtpEnv = {
			KAFAAT_MAIL_TRANSPORT: 'smtp',
			KAFAAT_MAIL_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
			KAFAAT_MAIL_SMTP_TLS: 'none',
		};
	});
	after(() => sink?.stop());

	test('an Arabic mail arrives with its subject and body decoded', () => {
		insertMail(db, { id: 1001 });
		const r = kafaat(['mail', 'send', '--db', db], smtpEnv);
		assert.equal(r.status, 0, r.stderr);
		assert.match(r.stdout, /^1 mail\(s\) sent$/m);
		const got = sink.messages();
		assert.equal(got.length, 1);
		const m = got[0];
		assert.deepEqual(m.defects, []);
		assert.equal(m.mail_from, 'no-reply@kafaat.localhost');
		assert.deepEqual(m.rcpt_tos, ['amina@example.org']);
		assert.equal(m.subject, subjectAr);
		assert.equal(m.body.replace(/\r\n/g, '\n'), `${bodyAr}\n`);
		assert.equal(m.headers['Message-ID'], '<1001@kafaat>');
		assert.equal(m.headers['Date'], 'Wed, 18 Nov 2026 08:00:00 +0000');
		assert.equal(m.headers['Auto-Submitted'], 'auto-generated');
		assert.match(m.headers['Content-Type'], /^text\/plain; charset="?utf-8"?$/i);
		// the subject travelled as encoded-words
		assert.equal(decodeWords(header(m.raw, 'Subject')), subjectAr);
	});

	test('the outbox shows it sent; a second send sends nothing', () => {
		const rows = listJson(db, smtpEnv);
		assert.equal(rows.length, 1);
		assert.equal(rows[0].id, 1001);
		assert.equal(rows[0].status, 'sent');
		assert.equal(rows[0].attempts, 1);
		const r = kafaat(['mail', 'send', '--db', db], smtpEnv);
		assert.equal(r.status, 0, r.stderr);
		assert.match(r.stdout, /^0 mail\(s\) sent$/m);
		assert.equal(sink.messages().length, 1);
	});

	test('a refused recipient stays queued with its attempt and error recorded', () => {
		insertMail(db, { id: 1002, to: 'reject@example.org' });
		const r = kafaat(['mail', 'send', '--db', db], smtpEnv);
		assert.equal(r.status, 0, r.stderr);
		assert.match(r.stdout, /^0 mail\(s\) sent$/m);
		const row = listJson(db, smtpEnv).find((x) => x.id === 1002);
		assert.equal(row.status, 'queued');
		assert.equal(row.attempts, 1);
		const err = sql(db, 'SELECT last_error FROM outbox WHERE id = 1002').trim();
		assert.ok(err.length > 0);
		const next = sql(db, 'SELECT next_attempt_at > created_at FROM outbox WHERE id = 1002').trim();
		assert.equal(next, '1');
		// not due again at once
		const again = kafaat(['mail', 'send', '--db', db], smtpEnv);
		assert.match(again.stdout, /^0 mail\(s\) sent$/m);
		assert.equal(sql(db, 'SELECT attempts FROM outbox WHERE id = 1002').trim(), '1');
	});

	test('a line holding only a dot does not end the message early', () => {
		insertMail(db, { id: 1003, to: 'dots@example.org', subject: 'dots', body: 'a\n.\n..b\nend' });
		const r = kafaat(['mail', 'send', '--db', db], smtpEnv);
		assert.match(r.stdout, /^1 mail\(s\) sent$/m);
		const m = sink.messages().find((x) => x.rcpt_tos.includes('dots@example.org'));
		assert.equal(m.body.replace(/\r\n/g, '\n'), 'a\n.\n..b\nend\n');
	});
});

describe('smtp transport with authentication', () => {
	let sink;
	let d;
	let env;

	before(async () => {
		d = freshDb('smtp-auth');
		const inbox = path.join(d.folder, 'inbox');
		mkdirSync(inbox);
		sink = await startSink(inbox, ['kafaat:s3cret pass']);
		const passwordFile = path.join(d.folder, 'smtp-password');
		writeFileSync(passwordFile, 's3cret pass\nignored second line\n', { mode: 0o600 });
		env = {
			KAFAAT_MAIL_TRANSPORT: 'smtp',
			KAFAAT_MAIL_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
			KAFAAT_MAIL_SMTP_TLS: 'none',
			KAFAAT_MAIL_SMTP_USER: 'kafaat',
			KAFAAT_MAIL_SMTP_PASSWORD_FILE: passwordFile,
		};
	});
	after(() => sink?.stop());

	// (aiosmtpd answers a wrong password only after a long delay, so the
	// failing case here is an unreadable password file.)
	test('without its password file the attempt fails; with it the mail is delivered', () => {
		insertMail(d.db, { id: 3001 });
		const missing = path.join(d.folder, 'no-such-file');
		const bad = kafaat(['mail', 'send', '--db', d.db], { ...env, KAFAAT_MAIL_SMTP_PASSWORD_FILE: missing });
		assert.equal(bad.status, 0, bad.stderr);
		assert.match(bad.stdout, /^0 mail\(s\) sent$/m);
		assert.equal(sink.messages().length, 0);
		assert.equal(sql(d.db, 'SELECT attempts FROM outbox WHERE id = 3001').trim(), '1');
		assert.match(sql(d.db, 'SELECT last_error FROM outbox WHERE id = 3001'), /smtp_password_file/);
		// due again (as after the backoff), now with the right password
		sql(d.db, "UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00Z'");
		const good = kafaat(['mail', 'send', '--db', d.db], env);
		assert.equal(good.status, 0, good.stderr);
		assert.match(good.stdout, /^1 mail\(s\) sent$/m);
		assert.equal(sink.messages().length, 1);
		assert.equal(sink.messages()[0].subject, subjectAr);
	});
});

describe('spool transport, list and show', () => {
	let db;
	let spool;
	let env;

	before(() => {
		const d = freshDb('spool');
		db = d.db;
		spool = path.join(d.folder, 'spool', 'mail');
		env = { KAFAAT_MAIL_SPOOL_DIR: spool };
		insertMail(db, { id: 2001 });
		insertMail(db, { id: 2002, to: 'john@example.com', subject: 'Confirm your email address', body: 'Hello,\n\nhttps://kafaat.test/en/verify/xyz' });
	});

	test('show prints the message before it is sent, the spool file holds the same bytes after', () => {
		const before = kafaat(['mail', 'show', '2001', '--db', db], env);
		assert.equal(before.status, 0, before.stderr);
		assert.equal(header(before.stdout, 'To'), 'amina@example.org');
		assert.equal(decodeWords(header(before.stdout, 'Subject')), subjectAr);
		assert.ok(before.stdout.includes('\r\nhttps://kafaat.test/ar/verify/abc123\r\n'));
		for (const line of before.stdout.split('\r\n')) assert.ok(!line.includes('\n'), 'bare LF');

		const r = kafaat(['mail', 'send', '--db', db], env);
		assert.equal(r.status, 0, r.stderr);
		assert.match(r.stdout, /^2 mail\(s\) sent$/m);
		const file = path.join(spool, '2001.eml');
		assert.equal(readFileSync(file, 'utf8'), before.stdout);
		assert.ok(existsSync(path.join(spool, '2002.eml')));
		assert.ok(!existsSync(`${file}.tmp`));
		const after = kafaat(['mail', 'show', '2001', '--db', db], env);
		assert.equal(after.stdout, before.stdout);
		// an ASCII subject stays readable
		assert.equal(header(readFileSync(path.join(spool, '2002.eml'), 'utf8'), 'Subject'), 'Confirm your email address');
	});

	test('list --json: newest first, with status and attempts', () => {
		const rows = listJson(db, env);
		assert.deepEqual(rows.map((x) => x.id), [2002, 2001]);
		assert.deepEqual(rows.map((x) => x.status), ['sent', 'sent']);
		assert.equal(rows[1].subject, subjectAr);
		assert.equal(rows[1].to, 'amina@example.org');
		assert.equal(rows[1].created_at, '2026-11-18T08:00:00Z');
		assert.equal(rows[1].attempts, 1);
	});

	test('list prints one line per mail', () => {
		const r = kafaat(['mail', 'list', '--db', db], env);
		assert.equal(r.status, 0, r.stderr);
		const lines = r.stdout.trim().split('\n');
		assert.equal(lines.length, 2);
		assert.match(lines[0], /^2002 .*sent.*john@example\.com.*Confirm your email address$/);
		assert.ok(lines[1].startsWith('2001 ') && lines[1].includes(subjectAr));
	});

	test('errors: unknown id exits 1, usage errors exit 2', () => {
		const unknown = kafaat(['mail', 'show', '999', '--db', db], env);
		assert.equal(unknown.status, 1);
		assert.match(unknown.stderr, /no mail with id 999/);
		for (const args of [['mail', 'show', 'abc'], ['mail', 'show', '-5'], ['mail', 'show'],
			['mail', 'frobnicate'], ['mail'], ['mail', 'list', 'extra']]) {
			const r = kafaat([...args, '--db', db], env);
			assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
			assert.ok(r.stderr.length > 0);
		}
		assert.match(kafaat(['mail', 'frobnicate', '--db', db], env).stderr, /unknown subcommand 'frobnicate'/);
	});
});
