// Database failure injection on the write paths of project dossiers and
// their mentorships, institutions, a few need and profile actions, and the
// partner API (issue #11; the needs' and engagements' main paths have their
// loop in faults_writes.test.mjs, the accounts theirs in
// faults_accounts.test.mjs; the mechanism is the same, docs/HARDENING.md).
//
// One server runs with FAULT_INJECT_DB=<file> (lib.mjs's writeLoop). The
// people each step starts from are made without a fault: an admin and an
// advisor with a second factor, a verified institution whose officer also
// owns it, a network's coordinator, a project holder, an expert whose
// profile the profile steps change, and a mentor the programme team may
// see; the officer and the coordinator hold API tokens. Then, for every
// step, for N = 1, 2, … until the fault is not reached: the form is fetched
// (no fault), the fault is armed at the Nth database call, the form (or the
// API request) is posted, the fault is disarmed. For every N:
//   - the server is still running, and the ASan+UBSan build reports nothing;
//   - the answer is never 500, and it is the step's success answer if and
//     only if the change is in the database (read with sqlite3 or psql
//     afterwards); any other answer is a 503;
//   - a change that was not committed left every table as it was (a
//     checksum of the whole database, less what reads and the mail sender
//     may write: sessions, an API token's last use, sending status…);
//   - a committed change came with its record (audit row, project event,
//     notification, index change…), and the whole database keeps its
//     invariants (a dossier's state is that of its last event and every
//     step has its audit row, a mentorship's state is that of its last
//     audited step, an institution's verification that of its last audited
//     verification, a repeated need's parent is closed, a profile's pause
//     or attestation has its index change, an API token its audit rows…);
//   - the files folder holds exactly the stored project documents (an
//     upload that failed leaves no file behind).
// A step whose attempt succeeded starts over from a fresh object (a new
// dossier, mentorship, institution, need, token), so every N meets the
// same state. Two steps found bugs, fixed since: proposing a mentor
// answered 422 "expert unknown" when reading the expert failed; the roster
// import answered 400 for an outage before its first row, 200 with the row
// "skipped" for one inside it, and 503 after committing the rows when its
// audit row failed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { enrolTotp } from '../client.mjs';
import { kafaat } from '../kafaat.mjs';
import { draftNeed, faultScale, faultWhat, freshSite, isPg, loopTests, makeAdmin, makeExpert, makeInstitution, needForm, pdf, sanitizedBin, sql, sqlReaders, sqlText, VOLATILE_BASE, writeLoop } from './lib.mjs';

// Most steps end within 40 database calls. The profile steps tell the
// search index after their commit (search_changed): it reads the change log
// of the last seconds (a row per step just done) and reloads the expert, a
// long tail of reads (50 to 270 calls in runs of 2026-11-30, longer the
// faster the attempts come), so they may go further (maxN). Allocations are
// more (faultScale).
const MAX_N = 100;
const PROFILE_MAX_N = 500;
const site = freshSite('faultp');
const filesDir = path.join(site.dir, 'files');
// No hourly job (testing.jobs): a server restarted after an abort would run
// them at once, and their writes would pass for the aborted request's.
site.env = { ...site.env, KAFAAT_TESTING_JOBS: '0', KAFAAT_PATHS_FILES: filesDir };
mkdirSync(filesDir, { recursive: true });
const armFile = path.join(site.dir, 'fault');
let admin, advisor, officer, coordinator, holder, expert, mentor, inst, needToken, rosterToken;
const figures = [];

const { one, count } = sqlReaders(site.db);
const q = sqlText;
const userId = (email) => one(`SELECT id FROM users WHERE email = ${q(email)}`);

// What a read or the mail sender may write (lib.mjs's VOLATILE_BASE, and more).
const VOLATILE = {
	...VOLATILE_BASE,
	api_tokens: { cols: 'id, user_id, name, token_hash, scopes, created_at, expires_at, revoked_at' }, // not last_used_at
};

// The audited steps of a dossier, each with its project event (project_move, the assignment).
const PROJECT_STEP_ACTIONS = ['project_assigned', 'project_qualify', 'project_orient', 'project_accompany', 'project_realise',
	'project_hold', 'project_resume', 'project_abandon', 'project_message'].map(q).join(', ');

// Invariants of the whole database, true after any attempt. (The demo data,
// not loaded here, makes institutions and needs without audit rows.)
const INVARIANTS = {
	// dossiers: submitted with its audit row and event; every later step audited; the state that of the last event
	'project without its submission audit row': "SELECT COUNT(*) FROM projects p WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'project_submitted' AND a.target_type = 'project' AND a.target_id = CAST(p.id AS TEXT))",
	'project without its submission event': "SELECT COUNT(*) FROM projects p WHERE NOT EXISTS (SELECT 1 FROM project_events e WHERE e.project_id = p.id AND e.from_state = '' AND e.to_state = 'submitted')",
	'project steps not as many as their audit rows': `SELECT COUNT(*) FROM projects p WHERE (SELECT COUNT(*) FROM project_events e WHERE e.project_id = p.id AND e.from_state <> '') <> (SELECT COUNT(*) FROM audit_log a WHERE a.target_type = 'project' AND a.target_id = CAST(p.id AS TEXT) AND a.action IN (${PROJECT_STEP_ACTIONS}))`,
	'project state not that of its last event': 'SELECT COUNT(*) FROM projects p WHERE p.state <> (SELECT e.to_state FROM project_events e WHERE e.project_id = p.id ORDER BY e.at DESC, e.id DESC LIMIT 1)',
	'project closed but not final, or final but open': "SELECT COUNT(*) FROM projects WHERE (state IN ('realised', 'abandoned')) <> (closed_at IS NOT NULL)",
	'project on hold without the stage to resume': "SELECT COUNT(*) FROM projects WHERE state = 'on_hold' AND held_from NOT IN ('submitted', 'qualified', 'oriented', 'accompanied')",
	'assigned project without its assignment audit row': "SELECT COUNT(*) FROM projects p WHERE p.advisor_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'project_assigned' AND a.target_id = CAST(p.id AS TEXT) AND a.details = '{\"advisor\":' || p.advisor_id || '}')",
	'project document without its audit row': "SELECT COUNT(*) FROM project_documents d WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'project_document_added' AND a.target_id = CAST(d.project_id AS TEXT) AND a.details = '{\"document\":' || d.id || '}')",
	// mentorships: proposed with its audit row; the state that of the last audited step
	'mentorship without its proposal audit row': "SELECT COUNT(*) FROM mentorships m WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'mentorship_proposed' AND a.target_type = 'project' AND a.target_id = CAST(m.project_id AS TEXT) AND a.details = '{\"expert\":' || m.expert_id || '}')",
	'mentorship state not that of its last audited step': "SELECT COUNT(*) FROM mentorships m WHERE COALESCE((SELECT a.details FROM audit_log a WHERE a.target_type = 'project' AND a.target_id = CAST(m.project_id AS TEXT) AND a.action LIKE 'mentorship%' AND a.action <> 'mentorship_proposed' AND a.details LIKE '{\"mentorship\":' || m.id || ',%' ORDER BY a.seq DESC LIMIT 1), '\"to\":\"invited\"}') NOT LIKE '%\"to\":\"' || m.state || '\"}'",
	// institutions: created and verified with their audit rows; the people invited with theirs
	'institution without its creation audit row': "SELECT COUNT(*) FROM institutions i WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'institution_created' AND a.target_type = 'institution' AND a.target_id = CAST(i.id AS TEXT))",
	'institution verification not that of its last audited one': "SELECT COUNT(*) FROM institutions i WHERE (CASE WHEN i.verified_at IS NULL THEN 0 ELSE 1 END) <> COALESCE((SELECT CASE a.action WHEN 'institution_verified' THEN 1 ELSE 0 END FROM audit_log a WHERE a.target_type = 'institution' AND a.target_id = CAST(i.id AS TEXT) AND a.action IN ('institution_verified', 'institution_unverified') ORDER BY a.seq DESC LIMIT 1), 0)",
	'institution role granted without its audit row': "SELECT COUNT(*) FROM user_roles r WHERE r.role LIKE 'institution_%' AND r.granted_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'role_granted' AND a.target_id = CAST(r.user_id AS TEXT))",
	'invited account without a role': "SELECT COUNT(*) FROM users u WHERE u.status = 'invited' AND NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id)",
	'invited account without its link': "SELECT COUNT(*) FROM users u WHERE u.status = 'invited' AND NOT EXISTS (SELECT 1 FROM one_time_tokens t WHERE t.user_id = u.id AND t.purpose IN ('invite', 'admin_setup'))",
	'invitation link without its mail': "SELECT COUNT(*) FROM one_time_tokens t JOIN users u ON u.id = t.user_id WHERE t.purpose = 'invite' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.to_addr = u.email)",
	// needs: every event audited, the state that of the last event; a repeat's parent is closed
	'need event without its audit row': "SELECT COUNT(*) FROM need_events e WHERE e.from_state <> e.to_state AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.target_type = 'need' AND a.target_id = CAST(e.need_id AS TEXT) AND a.action LIKE 'need_%')",
	'need without its creation audit row': "SELECT COUNT(*) FROM needs n WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.target_type = 'need' AND a.target_id = CAST(n.id AS TEXT) AND a.action = (CASE WHEN n.parent_id IS NULL THEN 'need_created' ELSE 'need_repeated' END))",
	'need state not that of its last event': 'SELECT COUNT(*) FROM needs n WHERE n.state <> (SELECT e.to_state FROM need_events e WHERE e.need_id = n.id ORDER BY e.at DESC, e.id DESC LIMIT 1)',
	'repeat of a need still open': "SELECT COUNT(*) FROM needs c JOIN needs p ON p.id = c.parent_id WHERE p.state NOT IN ('completed', 'cancelled')",
	'repeat without its repeat event': "SELECT COUNT(*) FROM needs n WHERE n.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM need_events e WHERE e.need_id = n.id AND e.from_state = '' AND e.reason = 'repeat')",
	// profiles: a save, a pause, a resumption, an attestation tells the search index in the same transaction
	'profile saved without its index change': "SELECT COUNT(*) FROM profiles p WHERE NOT EXISTS (SELECT 1 FROM index_changes c WHERE c.kind = 'expert' AND c.ref_id = p.user_id AND c.at = p.updated_at)",
	'attestation without its index change': "SELECT COUNT(*) FROM profiles p WHERE p.coi_attested_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM index_changes c WHERE c.kind = 'expert' AND c.ref_id = p.user_id AND c.at = p.coi_attested_at)",
	// the partner API: tokens audited; a kept answer names its need
	'API token without its creation audit row': "SELECT COUNT(*) FROM api_tokens t WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'api_token_created' AND a.target_id = CAST(t.id AS TEXT))",
	'revoked API token without its audit row': "SELECT COUNT(*) FROM api_tokens t WHERE t.revoked_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'api_token_revoked' AND a.target_id = CAST(t.id AS TEXT))",
	'kept API answer without its need': "SELECT COUNT(*) FROM api_idempotency k WHERE NOT EXISTS (SELECT 1 FROM needs n WHERE k.body LIKE '{\"id\":' || n.id || ',%')",
	'notification for no one': 'SELECT COUNT(*) FROM notifications n WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = n.user_id)',
};

// The files folder holds exactly the stored documents (and CVs: none here).
const loop = writeLoop(site, armFile, VOLATILE, INVARIANTS, {
	files: { dir: filesDir, query: 'SELECT stored_as FROM project_documents UNION SELECT stored_as FROM files ORDER BY 1' },
});

// ---- the people, the forms and the objects each step starts from ---------------

let serial = 0;
const audited = (target, action) => count(`SELECT COUNT(*) FROM audit_log WHERE target_id = ${q(target)} AND action = ${q(action)}`);
const told = (uid, kind, link) => count(`SELECT COUNT(*) FROM notifications WHERE user_id = ${uid} AND kind = ${q(kind)} AND link LIKE ${q(`%${link}`)}`);
const touches = (uid) => count(`SELECT COUNT(*) FROM index_changes WHERE kind = 'expert' AND ref_id = ${uid}`);
const isoDay = (days) => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);

// A programme-team member of `role` (advisor, coordinator of a network):
// signed up, granted the role, second factor enrolled.
async function staff(at, email, role, scope) {
	const c = await makeExpert(at, email);
	const r = kafaat(['admin', 'grant', email, role, ...(scope ? [scope] : []), '--db', site.db], site.env);
	assert.equal(r.status, 0, r.stderr);
	await enrolTotp(c, 'fr');
	return c;
}

// A new API token of c, made on the account page: the token itself.
async function newToken(c, scope, name = `Jeton ${++serial}`) {
	await c.get('/fr/account');
	const r = await c.post('/fr/account/tokens', { name, scope });
	assert.equal(r.status, 201, `token: ${r.status}`);
	return /<code class="kf-token">([^<]+)<\/code>/.exec(r.text)[1];
}

// A request of the partner API with token.
async function api(p, token, body, type, headers = {}) {
	const res = await fetch(loop.srv.url + p, {
		method: 'POST', body, redirect: 'manual',
		headers: { Authorization: `Bearer ${token}`, 'Content-Type': type, ...headers },
	});
	return { status: res.status, headers: res.headers, text: await res.text(), location: res.headers.get('location') };
}
const json = (r) => { try { return JSON.parse(r.text); } catch { return {}; } };

const dossier = (title) => ({
	title, summary: 'Une coopérative de Tiznit.\nVente en Europe.', sector: 'agriculture', region: 'MA-09',
	city: 'Tiznit', stage: 'launch', investment: '1 000 000', equity: '25', jobs: '12', need_financing: '1', need_mentoring: '1',
});

// A dossier of the holder, just submitted: {project}.
async function newProject() {
	await holder.get('/fr/projects/new');
	const r = await holder.post('/fr/projects/new', dossier(`Projet préparé ${++serial}`));
	assert.equal(r.status, 303, `dossier: ${r.status}`);
	return { project: /\/projects\/(\d+)\?done=submitted$/.exec(r.location)[1] };
}

// A dossier the programme team assigned to the advisor: {project}.
async function assignedProject() {
	const o = await newProject();
	await admin.get(`/fr/admin/projects/${o.project}`);
	assert.equal((await admin.post(`/fr/admin/projects/${o.project}/assign`, { advisor: advisor.id })).status, 303, 'assign');
	return o;
}

// A dossier whose advisor proposed the mentor: {project, m} (the mentorship, invited).
async function proposedMentorship() {
	const o = await assignedProject();
	await advisor.get(`/fr/advisor/projects/${o.project}`);
	const r = await advisor.post(`/fr/advisor/projects/${o.project}/mentors`, { expert: mentor.id, message: 'Votre expérience des PME aiderait.' });
	assert.equal(r.status, 303, `propose: ${r.status}`);
	o.m = one(`SELECT id FROM mentorships WHERE project_id = ${o.project}`);
	return o;
}

// A mentorship brought along its path to `state`: {project, m}.
async function mentorshipAt(state) {
	const o = await proposedMentorship();
	const path_ = [
		['shortlisted', async () => { await mentor.get('/fr/mentorships'); return mentor.post(`/fr/mentorships/${o.m}`, { action: 'interested' }); }],
		['accepted', async () => { await advisor.get(`/fr/advisor/projects/${o.project}`); return advisor.post(`/fr/advisor/mentorships/${o.m}`, { action: 'accept' }); }],
	];
	for (const [to, go] of path_) {
		if (mentorshipState(o) === state) break;
		assert.equal((await go()).status, 303, `to ${to}`);
		assert.equal(mentorshipState(o), to);
	}
	assert.equal(mentorshipState(o), state);
	return o;
}

const projectState = (o) => one(`SELECT state FROM projects WHERE id = ${o.project}`);
const mentorshipState = (o) => one(`SELECT state FROM mentorships WHERE id = ${o.m}`);
// The audited step of a mentorship (target: its dossier; details: the mentorship, from, to).
const mentorStep = (o, action, to) => count(`SELECT COUNT(*) FROM audit_log WHERE action = ${q(`mentorship_${action}`)} AND target_id = ${q(o.project)} AND details LIKE ${q(`{"mentorship":${o.m},%"to":"${to}"}`)}`);

// Posts the document form as a browser would (multipart), with c's CSRF token.
async function uploadDocument(c, project, bytes) {
	const fd = new FormData();
	fd.append('csrf', c.csrf);
	fd.append('document', new Blob([bytes], { type: 'application/pdf' }), 'Plan d’affaires.pdf');
	const res = await fetch(`${loop.srv.url}/fr/projects/${project}/documents`, {
		method: 'POST', body: fd, headers: { Cookie: c.cookieHeader() }, redirect: 'manual',
	});
	return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}

// A draft the officer cancelled: {need}.
async function cancelledNeed() {
	const o = await draftNeed(officer);
	await officer.get(`/fr/institution/needs/${o.need}`);
	const r = await officer.post(`/fr/institution/needs/${o.need}/action`, { action: 'cancel', reason: 'no_budget', note: '' });
	assert.equal(r.status, 303, `cancel: ${r.status}`);
	return o;
}

const institutionForm = (name) => ({ name_ar: `مؤسسة ${name}`, name_fr: `Institution ${name}`, name_en: `Institution ${name}`, kind: 'agency' });

// An institution the programme team made, not verified yet: {inst}.
async function newInstitution() {
	await admin.get('/fr/admin/institutions');
	const r = await admin.post('/fr/admin/institutions', institutionForm(`préparée ${++serial}`));
	assert.equal(r.status, 303, `institution: ${r.status}`);
	return { inst: /\/admin\/institutions\/(\d+)\?saved=1$/.exec(r.location)[1] };
}

const paused = () => one(`SELECT paused_until FROM profiles WHERE user_id = ${expert.id}`) ?? '';
async function profileAction(what, form = {}) {
	await expert.get('/fr/profile');
	const r = await expert.post(`/fr/profile/${what}`, form);
	assert.equal(r.status, 303, `${what}: ${r.status}`);
}

const needBody = (title) => JSON.stringify({
	title, description: 'Un audit externe.', mode: 'ponctuelle', presence: 'remote', dates: 'open',
	effort_days: 10, experts_wanted: 1, pay: 'pro_bono', covers_travel: false,
	counterpart_name: 'Nadia El Amrani', counterpart_email: 'nadia@example.org',
	skills: [{ name: 'cybersécurité', required: true, min_level: 4 }], languages: [{ code: 'fr', level: 'B2' }],
});

// ---- the steps --------------------------------------------------------------------

const PROJECT_STEPS = [
	{
		name: 'a holder submits a dossier', prepare: async () => ({}),
		form: () => holder.get('/fr/projects/new'),
		post: (o) => { o.title = `Projet sous faute ${++serial}`; return holder.post('/fr/projects/new', dossier(o.title)); },
		success: () => /^\/fr\/projects\/\d+\?done=submitted$/,
		committed: (o) => count(`SELECT COUNT(*) FROM projects WHERE title = ${q(o.title)} AND state = 'submitted'`) === 1,
		recorded: (o) => {
			const id = one(`SELECT id FROM projects WHERE title = ${q(o.title)}`);
			return audited(id, 'project_submitted') === 1
				&& count(`SELECT COUNT(*) FROM project_needs WHERE project_id = ${id} AND holder_id = ${holder.id}`) === 2
				&& told(admin.id, 'project.submitted', `/admin/projects/${id}`) === 1;
		},
	},
	{
		name: 'a holder abandons a dossier', prepare: newProject,
		form: (o) => holder.get(`/fr/projects/${o.project}`),
		post: (o) => holder.post(`/fr/projects/${o.project}/action`, { action: 'abandon', reason: 'holder_withdrew', note: 'Je reste en France.' }),
		success: (o) => new RegExp(`^/fr/projects/${o.project}$`),
		committed: (o) => projectState(o) === 'abandoned',
		recorded: (o) => audited(o.project, 'project_abandon') === 1
			&& count(`SELECT COUNT(*) FROM project_events WHERE project_id = ${o.project} AND to_state = 'abandoned' AND reason = 'holder_withdrew'`) === 1
			&& told(admin.id, 'project.abandoned', `/admin/projects/${o.project}`) === 1,
	},
	{
		name: 'a holder uploads a document', prepare: async () => ({ ...(await newProject()), bytes: pdf() }),
		form: (o) => holder.get(`/fr/projects/${o.project}`),
		post: (o) => uploadDocument(holder, o.project, o.bytes),
		success: (o) => new RegExp(`^/fr/projects/${o.project}\\?done=uploaded$`),
		committed: (o) => count(`SELECT COUNT(*) FROM project_documents WHERE project_id = ${o.project} AND sha256 = ${q(createHash('sha256').update(o.bytes).digest('hex'))}`) === 1,
		recorded: (o) => audited(o.project, 'project_document_added') === 1, // the file: assertFiles
	},
	{
		name: 'the programme team assigns an advisor', prepare: newProject,
		form: (o) => admin.get(`/fr/admin/projects/${o.project}`),
		post: (o) => admin.post(`/fr/admin/projects/${o.project}/assign`, { advisor: advisor.id }),
		success: (o) => new RegExp(`^/fr/admin/projects/${o.project}\\?done=assigned$`),
		committed: (o) => one(`SELECT advisor_id FROM projects WHERE id = ${o.project}`) === String(advisor.id),
		recorded: (o) => audited(o.project, 'project_assigned') === 1
			&& count(`SELECT COUNT(*) FROM project_events WHERE project_id = ${o.project} AND reason = 'assigned'`) === 1
			&& told(advisor.id, 'project.assigned', `/advisor/projects/${o.project}`) === 1,
	},
	{
		name: 'the advisor qualifies a dossier', prepare: assignedProject,
		form: (o) => advisor.get(`/fr/advisor/projects/${o.project}`),
		post: (o) => advisor.post(`/fr/advisor/projects/${o.project}/action`, { action: 'qualify', note: 'Dossier complet, merci.' }),
		success: (o) => new RegExp(`^/fr/advisor/projects/${o.project}$`),
		committed: (o) => projectState(o) === 'qualified',
		recorded: (o) => audited(o.project, 'project_qualify') === 1
			&& count(`SELECT COUNT(*) FROM project_events WHERE project_id = ${o.project} AND from_state = 'submitted' AND to_state = 'qualified'`) === 1
			&& told(holder.id, 'project.moved', `/projects/${o.project}`) === 1,
	},
	{
		name: 'the programme team puts a dossier on hold', prepare: newProject,
		form: (o) => admin.get(`/fr/admin/projects/${o.project}`),
		post: (o) => admin.post(`/fr/admin/projects/${o.project}/action`, { action: 'hold', reason: 'missing_documents', note: 'Envoyez le devis.' }),
		success: (o) => new RegExp(`^/fr/admin/projects/${o.project}$`),
		committed: (o) => projectState(o) === 'on_hold',
		recorded: (o) => audited(o.project, 'project_hold') === 1
			&& one(`SELECT held_from FROM projects WHERE id = ${o.project}`) === 'submitted'
			&& told(holder.id, 'project.moved', `/projects/${o.project}`) === 1,
	},
	{
		name: 'the advisor proposes a mentor', prepare: assignedProject,
		form: (o) => advisor.get(`/fr/advisor/projects/${o.project}`),
		post: (o) => advisor.post(`/fr/advisor/projects/${o.project}/mentors`, { expert: mentor.id, message: 'Votre expérience des PME aiderait.' }),
		success: (o) => new RegExp(`^/fr/advisor/projects/${o.project}\\?done=proposed#mentors$`),
		committed: (o) => count(`SELECT COUNT(*) FROM mentorships WHERE project_id = ${o.project} AND expert_id = ${mentor.id} AND state = 'invited'`) === 1,
		recorded: (o) => audited(o.project, 'mentorship_proposed') === 1
			&& told(mentor.id, 'project.mentor_invited', '/mentorships') >= 1
			&& count(`SELECT COUNT(*) FROM notifications WHERE user_id = ${mentor.id} AND kind = 'project.mentor_invited'`) === count(`SELECT COUNT(*) FROM mentorships WHERE expert_id = ${mentor.id}`),
	},
	{
		name: 'the mentor says yes to a proposal', prepare: proposedMentorship,
		form: () => mentor.get('/fr/mentorships'),
		post: (o) => mentor.post(`/fr/mentorships/${o.m}`, { action: 'interested' }),
		success: () => /^\/fr\/mentorships$/,
		committed: (o) => mentorshipState(o) === 'shortlisted',
		recorded: (o) => mentorStep(o, 'interested', 'shortlisted') === 1
			&& told(advisor.id, 'project.mentor_stepped', `/advisor/projects/${o.project}`) === 1,
	},
	{
		name: 'the advisor accepts the mentor', prepare: () => mentorshipAt('shortlisted'),
		form: (o) => advisor.get(`/fr/advisor/projects/${o.project}`),
		post: (o) => advisor.post(`/fr/advisor/mentorships/${o.m}`, { action: 'accept' }),
		success: (o) => new RegExp(`^/fr/advisor/projects/${o.project}#mentors$`),
		committed: (o) => mentorshipState(o) === 'accepted',
		recorded: (o) => mentorStep(o, 'accept', 'accepted') === 1
			&& count(`SELECT COUNT(*) FROM notifications WHERE user_id = ${mentor.id} AND kind = 'project.mentor_stepped'`) === count(`SELECT COUNT(*) FROM audit_log WHERE actor_id = ${advisor.id} AND action LIKE 'mentorship%' AND action <> 'mentorship_proposed'`),
	},
	{
		name: 'the mentor confirms', prepare: () => mentorshipAt('accepted'),
		form: () => mentor.get('/fr/mentorships'),
		post: (o) => mentor.post(`/fr/mentorships/${o.m}`, { action: 'confirm' }),
		success: () => /^\/fr\/mentorships$/,
		committed: (o) => mentorshipState(o) === 'confirmed',
		recorded: (o) => mentorStep(o, 'confirm', 'confirmed') === 1
			&& told(advisor.id, 'project.mentor_stepped', `/advisor/projects/${o.project}`) === 2,
	},
];

const INSTITUTION_STEPS = [
	{
		name: 'the owner edits the institution’s profile', prepare: async () => ({ before: audited(inst, 'institution_updated') }),
		form: () => officer.get('/fr/institution/profile'),
		post: (o) => {
			o.description = `Direction du numérique, fiche ${++serial}.`;
			return officer.post('/fr/institution/profile', { ...institutionForm('Essai'), kind: 'ministry', region: '', website: 'https://example.ma', description: o.description, sec_0: 'digital' });
		},
		success: () => /^\/fr\/institution\/profile\?saved=1$/,
		committed: (o) => one(`SELECT description FROM institutions WHERE id = ${inst}`) === o.description,
		recorded: (o) => audited(inst, 'institution_updated') === o.before + 1
			&& count(`SELECT COUNT(*) FROM institution_sectors WHERE institution_id = ${inst}`) === 1,
	},
	{
		name: 'the owner invites a member', prepare: async () => ({ email: `membre${++serial}@example.org` }),
		form: () => officer.get('/fr/institution/members'),
		post: (o) => officer.post('/fr/institution/members', { email: o.email, role: 'member', lang: 'fr' }),
		ok: (r, o) => r.status === 200 && r.text.includes('alert-success') && r.text.includes(o.email),
		committed: (o) => count(`SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = ${q(o.email)} AND r.role = 'institution_member' AND r.scope = ${q(inst)}`) === 1,
		recorded: (o) => audited(userId(o.email), 'role_granted') === 1
			&& count(`SELECT COUNT(*) FROM one_time_tokens WHERE user_id = ${userId(o.email)} AND purpose = 'invite'`) === 1
			&& count(`SELECT COUNT(*) FROM outbox WHERE to_addr = ${q(o.email)}`) === 1,
	},
	{
		name: 'the programme team creates an institution', prepare: async () => ({}),
		form: () => admin.get('/fr/admin/institutions'),
		post: (o) => { o.name = `Institution sous faute ${++serial}`; return admin.post('/fr/admin/institutions', { ...institutionForm(''), name_fr: o.name }); },
		success: () => /^\/fr\/admin\/institutions\/\d+\?saved=1$/,
		committed: (o) => count(`SELECT COUNT(*) FROM institutions WHERE name_fr = ${q(o.name)} AND verified_at IS NULL`) === 1,
		recorded: (o) => audited(one(`SELECT id FROM institutions WHERE name_fr = ${q(o.name)}`), 'institution_created') === 1,
	},
	{
		name: 'the programme team verifies an institution', prepare: newInstitution,
		form: (o) => admin.get(`/fr/admin/institutions/${o.inst}`),
		post: (o) => admin.post(`/fr/admin/institutions/${o.inst}/verify`, { set: '1' }),
		success: (o) => new RegExp(`^/fr/admin/institutions/${o.inst}$`),
		committed: (o) => count(`SELECT COUNT(*) FROM institutions WHERE id = ${o.inst} AND verified_at IS NOT NULL AND verified_by = ${admin.id}`) === 1,
		recorded: (o) => audited(o.inst, 'institution_verified') === 1,
	},
	{
		name: 'an officer edits a draft need', prepare: () => draftNeed(officer),
		form: (o) => officer.get(`/fr/institution/needs/${o.need}/edit`),
		post: (o) => { o.title = `Besoin revu ${++serial}`; return officer.post(`/fr/institution/needs/${o.need}/edit`, needForm(o.title, 'save')); },
		success: (o) => new RegExp(`^/fr/institution/needs/${o.need}$`),
		committed: (o) => one(`SELECT title FROM needs WHERE id = ${o.need}`) === o.title,
		recorded: (o) => audited(o.need, 'need_updated') === 1 && one(`SELECT state FROM needs WHERE id = ${o.need}`) === 'draft',
	},
	{
		name: 'an officer repeats a cancelled need', prepare: cancelledNeed,
		form: (o) => officer.get(`/fr/institution/needs/${o.need}`),
		post: (o) => officer.post(`/fr/institution/needs/${o.need}/repeat`, {}),
		success: () => /^\/fr\/institution\/needs\/\d+\/edit$/,
		committed: (o) => count(`SELECT COUNT(*) FROM needs WHERE parent_id = ${o.need} AND state = 'draft'`) === 1,
		recorded: (o) => audited(one(`SELECT id FROM needs WHERE parent_id = ${o.need}`), 'need_repeated') === 1,
	},
];

// The expert's own profile actions: not audited (docs/PROFILE.md,
// "Freshness"), but each tells the search index in its transaction.
const PROFILE_STEPS = [
	{
		name: 'an expert pauses the profile', maxN: PROFILE_MAX_N,
		prepare: async () => {
			if (paused()) await profileAction('resume');
			return { until: isoDay(20 + (++serial % 300)) };
		},
		form: async (o) => { await expert.get('/fr/profile'); o.touches = touches(expert.id); },
		post: (o) => expert.post('/fr/profile/pause', { until: o.until }),
		success: () => /^\/fr\/profile\?done=paused$/,
		committed: (o) => paused() === o.until,
		recorded: (o) => touches(expert.id) === o.touches + 1,
	},
	{
		name: 'an expert resumes the profile', maxN: PROFILE_MAX_N,
		prepare: async () => {
			if (!paused()) await profileAction('pause', { until: isoDay(30) });
			return {};
		},
		form: async (o) => { await expert.get('/fr/profile'); o.touches = touches(expert.id); },
		post: () => expert.post('/fr/profile/resume', {}),
		success: () => /^\/fr\/profile\?done=resumed$/,
		committed: () => paused() === '',
		recorded: (o) => touches(expert.id) === o.touches + 1,
	},
	{
		name: 'an expert declares a conflict of interest', prepare: async () => ({}), maxN: PROFILE_MAX_N,
		form: async (o) => { await expert.get('/fr/profile'); o.touches = touches(expert.id); },
		post: (o) => { o.statement = `Administratrice d’une société de conseil, déclaration ${++serial}.`; return expert.post('/fr/profile/coi', { attest: 'yes', statement: o.statement }); },
		success: () => /^\/fr\/profile\?done=attested$/,
		committed: (o) => one(`SELECT coi_statement FROM profiles WHERE user_id = ${expert.id}`) === o.statement,
		recorded: (o) => touches(expert.id) === o.touches + 1,
	},
	{
		// the date of the last confirmation is set back first, so that a new one shows
		name: 'an expert confirms the profile is current', maxN: PROFILE_MAX_N,
		prepare: async () => {
			sql(site.db, `UPDATE profiles SET confirmed_at = '2026-01-01T00:00:00Z' WHERE user_id = ${expert.id}`);
			return {};
		},
		form: async (o) => { await expert.get('/fr/profile'); o.touches = touches(expert.id); },
		post: () => expert.post('/fr/profile/confirm', {}),
		success: () => /^\/fr\/profile\?done=confirmed$/,
		committed: () => one(`SELECT confirmed_at FROM profiles WHERE user_id = ${expert.id}`) !== '2026-01-01T00:00:00Z',
		recorded: (o) => touches(expert.id) === o.touches + 1,
	},
];

const API_STEPS = [
	{
		// with an Idempotency-Key: the answer is kept in the need's transaction
		name: 'an institution’s token writes a draft need (API)', prepare: async () => ({}),
		form: async (o) => { o.title = `Besoin par l’API ${++serial}`; o.key = `cle-${serial}`; },
		post: (o) => api('/api/v1/needs', needToken, needBody(o.title), 'application/json', { 'Idempotency-Key': o.key }),
		ok: (r, o) => r.status === 201 && json(r).state === 'draft' && String(json(r).id) === one(`SELECT id FROM needs WHERE title = ${q(o.title)}`),
		committed: (o) => count(`SELECT COUNT(*) FROM needs WHERE title = ${q(o.title)} AND state = 'draft' AND institution_id = ${inst}`) === 1,
		recorded: (o) => {
			const id = one(`SELECT id FROM needs WHERE title = ${q(o.title)}`);
			return count(`SELECT COUNT(*) FROM audit_log WHERE action = 'need_created' AND target_id = ${q(id)} AND details LIKE '{"via":"api",%'`) === 1
				&& count(`SELECT COUNT(*) FROM api_idempotency WHERE idem_key = ${q(o.key)} AND status = 201 AND body LIKE ${q(`{"id":${id},%`)}`) === 1;
		},
	},
	{
		name: 'a coordinator’s token imports a roster (API)', prepare: async () => ({}),
		form: async (o) => { o.email = `roster${++serial}@example.org`; },
		post: (o) => api('/api/v1/rosters', rosterToken, `${JSON.stringify({ email: o.email, lang: 'fr', name: 'Amal Roster', country: 'CA' })}\n`, 'application/jsonl'),
		ok: (r) => r.status === 200 && json(r).counts?.created === 1,
		committed: (o) => count(`SELECT COUNT(*) FROM users u JOIN profiles p ON p.user_id = u.id WHERE u.email = ${q(o.email)} AND u.status = 'invited' AND p.invited = 1`) === 1,
		recorded: (o) => count(`SELECT COUNT(*) FROM one_time_tokens WHERE user_id = ${userId(o.email)} AND purpose = 'invite'`) === 1
			&& count(`SELECT COUNT(*) FROM outbox WHERE to_addr = ${q(o.email)}`) === 1,
	},
	{
		name: 'the programme team revokes a token',
		prepare: async () => {
			const name = `Jeton à révoquer ${++serial}`;
			await newToken(officer, 'write_needs', name);
			return { id: one(`SELECT id FROM api_tokens WHERE name = ${q(name)}`) };
		},
		form: () => admin.get('/fr/admin/tokens'),
		post: (o) => admin.post(`/fr/admin/tokens/${o.id}/revoke`, {}),
		success: () => /^\/fr\/admin\/tokens\?done=revoked$/,
		committed: (o) => count(`SELECT COUNT(*) FROM api_tokens WHERE id = ${o.id} AND revoked_at IS NOT NULL`) === 1,
		recorded: (o) => count(`SELECT COUNT(*) FROM audit_log WHERE action = 'api_token_revoked' AND target_id = ${q(o.id)} AND details LIKE '{"by":"admin",%'`) === 1
			&& count(`SELECT COUNT(*) FROM notifications WHERE user_id = ${userId('officer@example.org')} AND kind = 'api_token_revoked'`) === count(`SELECT COUNT(*) FROM api_tokens WHERE user_id = ${userId('officer@example.org')} AND revoked_at IS NOT NULL`),
	},
];

const STEPS = [...PROJECT_STEPS, ...INSTITUTION_STEPS, ...PROFILE_STEPS, ...API_STEPS];

before(async () => {
	const srv = await loop.start();
	const at = { url: srv.url, db: site.db, env: site.env };
	admin = await makeAdmin(at);
	admin.id = userId('admin@example.org');
	({ id: inst, officer } = await makeInstitution(at, admin));
	// the officer also owns the institution (its profile, its members)
	sql(site.db, `INSERT INTO user_roles (user_id, role, scope, granted_at) SELECT id, 'institution_owner', '${inst}', '2026-11-01T00:00:00Z' FROM users WHERE email = 'officer@example.org'`);
	holder = await makeExpert(at, 'holder@example.org');
	expert = await makeExpert(at, 'expert@example.org');
	// the mentor: seen by the programme team (consent to the programme)
	mentor = await makeExpert(at, 'mentor@example.org');
	await mentor.get('/fr/profile/consent');
	assert.equal((await mentor.post('/fr/profile/consent', { set: 'programme:1' })).status, 303);
	advisor = await staff(at, 'advisor@example.org', 'advisor');
	// a network and its coordinator
	await admin.get('/en/admin/networks');
	const net = await admin.post('/en/admin/networks', {
		slug: 'europe', kind: 'geographic', membership: 'open', name_ar: 'أوروبا', name_fr: 'Europe', name_en: 'Europe',
		summary_ar: 'كفاءات مغربية في أوروبا.', summary_fr: 'Compétences marocaines en Europe.', summary_en: 'Moroccan professionals in Europe.',
	});
	assert.equal(net.status, 303, `network: ${net.status}`);
	coordinator = await staff(at, 'coordinator@example.org', 'coordinator', 'europe');
	needToken = await newToken(officer, 'write_needs');
	rosterToken = await newToken(coordinator, 'import_rosters');
	loop.assertFiles('before the steps');
});

after(async () => {
	const { srv } = loop;
	if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.stderr().slice(-1500));
	const audit = kafaat(['audit', 'verify', '--db', site.db]);
	assert.equal(audit.status, 0, audit.stderr);
	console.log(`faults on dossiers, institutions, profiles and the API, the Nth ${faultWhat} failing (${path.basename(sanitizedBin)}, ${isPg(site.db) ? 'PostgreSQL' : 'SQLite'}):\n${figures.join('\n')}`);
	site.remove();
});

loopTests(STEPS, site.db, loop, figures, (step) => (step.maxN ?? MAX_N) * faultScale);
