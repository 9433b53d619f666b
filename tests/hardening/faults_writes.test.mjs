// Database failure injection on the write paths of needs, engagements,
// evaluations, the profile editor, consent, sectoral plans, consultations,
// proposals, network discussions and the admin export (issue #11; the
// sign-up has its own loop in faults.test.mjs; the mechanism is the same,
// docs/HARDENING.md).
//
// One server runs with FAULT_INJECT_DB=<file>. The people and the objects
// each step starts from are made without a fault (an admin with a second
// factor, a verified institution and its officer, an expert with consent).
// Then, for every step, for N = 1, 2, … until the fault is not reached: the
// form is fetched (no fault), the fault is armed at the Nth database call,
// the form is posted, the fault is disarmed. For every N:
//   - the server is still running, and the ASan+UBSan build reports nothing;
//   - the answer is never 500, and it is the step's success redirect if and
//     only if the change is in the database (read with sqlite3 or psql afterwards);
//   - a change that was not committed left every table as it was (a
//     checksum of the whole database, less the columns that reads and the
//     mail sender may write: sessions, sign-in failures, sending status);
//   - a committed change came with its audit row and its event, and the
//     whole database keeps its invariants (every need or engagement event
//     has its audit row, every engagement its need and its expert, every
//     queued mail its notification's reader…).
// A step whose attempt succeeded starts over from a fresh object (a new
// need, a new engagement), so every N meets the same state.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before } from 'node:test';
import { kafaat } from '../kafaat.mjs';
import { draftNeed, faultScale, faultWhat, freshSite, isPg, loopTests, makeAdmin, makeExpert, makeInstitution, needForm, sanitizedBin, sql, sqlReaders, sqlText, VOLATILE_BASE, writeLoop } from './lib.mjs';

// The steps that touch the search index have long tails of N (149 database
// calls for a publication in a run of 2026-11-29), growing with the needs
// made; allocations are more (faultScale).
const MAX_N = 300 * faultScale;
const site = freshSite('faultw');
// No hourly job (testing.jobs): a server restarted after an abort would run
// them at once, and their writes would pass for the aborted request's.
site.env.KAFAAT_TESTING_JOBS = '0';
const armFile = path.join(site.dir, 'fault');
let admin, officer, expert;
const figures = [];

const { one, count } = sqlReaders(site.db);
const q = sqlText;

// Invariants of the whole database, true after any attempt.
const INVARIANTS = {
	'need event without its audit row': "SELECT COUNT(*) FROM need_events e WHERE e.from_state <> e.to_state AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.target_type = 'need' AND a.target_id = CAST(e.need_id AS TEXT) AND a.action LIKE 'need_%')",
	'need without its creation audit row': "SELECT COUNT(*) FROM needs n WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.target_type = 'need' AND a.target_id = CAST(n.id AS TEXT) AND a.action IN ('need_created', 'need_repeated'))",
	'need past draft without its submission event': "SELECT COUNT(*) FROM needs n WHERE n.state NOT IN ('draft') AND NOT EXISTS (SELECT 1 FROM need_events e WHERE e.need_id = n.id AND e.to_state = 'submitted')",
	'published need without its event': "SELECT COUNT(*) FROM needs n WHERE n.state = 'published' AND NOT EXISTS (SELECT 1 FROM need_events e WHERE e.need_id = n.id AND e.to_state = 'published')",
	'need state not that of its last event': "SELECT COUNT(*) FROM needs n WHERE EXISTS (SELECT 1 FROM need_events e WHERE e.need_id = n.id) AND n.state <> (SELECT e.to_state FROM need_events e WHERE e.need_id = n.id ORDER BY e.at DESC, e.id DESC LIMIT 1)",
	'engagement event without its audit row': "SELECT COUNT(*) FROM engagement_events e WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.target_type = 'engagement' AND a.target_id = CAST(e.engagement_id AS TEXT) AND a.action LIKE 'engagement_%' AND a.details LIKE '%\"to\":\"' || e.to_state || '\"%')",
	'engagement without an event': 'SELECT COUNT(*) FROM engagements g WHERE NOT EXISTS (SELECT 1 FROM engagement_events e WHERE e.engagement_id = g.id)',
	'engagement state not that of its last event': 'SELECT COUNT(*) FROM engagements g WHERE g.state <> (SELECT e.to_state FROM engagement_events e WHERE e.engagement_id = g.id ORDER BY e.at DESC, e.id DESC LIMIT 1)',
	'engagement on a need never published': 'SELECT COUNT(*) FROM engagements g JOIN needs n ON n.id = g.need_id WHERE n.published_at IS NULL',
	'delivered engagement without a certificate': "SELECT COUNT(*) FROM engagements WHERE state IN ('delivered', 'evaluated') AND certificate_code IS NULL",
	'answered evaluation without its audit row': "SELECT COUNT(*) FROM evaluations v WHERE v.answered_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'evaluation_given' AND a.target_id = CAST(v.engagement_id AS TEXT) AND a.details LIKE '%\"side\":\"' || v.side || '\"%')",
	'evaluated engagement without both evaluations': "SELECT COUNT(*) FROM engagements g WHERE g.state = 'evaluated' AND (SELECT COUNT(*) FROM evaluations v WHERE v.engagement_id = g.id AND v.round = 'delivery' AND v.answered_at IS NOT NULL) < 2",
	'both evaluations but not evaluated': "SELECT COUNT(*) FROM engagements g WHERE g.state = 'delivered' AND (SELECT COUNT(*) FROM evaluations v WHERE v.engagement_id = g.id AND v.round = 'delivery' AND v.answered_at IS NOT NULL) = 2",
	'consent without its event': 'SELECT COUNT(*) FROM consents c WHERE NOT EXISTS (SELECT 1 FROM consent_events e WHERE e.user_id = c.user_id AND e.audience = c.audience AND e.granted = c.granted)',
	'consent not that of its last event': 'SELECT COUNT(*) FROM consents c WHERE c.granted <> (SELECT e.granted FROM consent_events e WHERE e.user_id = c.user_id AND e.audience = c.audience ORDER BY e.at DESC, e.id DESC LIMIT 1)',
	'notification for no one': 'SELECT COUNT(*) FROM notifications n WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = n.user_id)',
	// sectoral plans: created with its audit row, each save one more
	'plan without its creation audit row': "SELECT COUNT(*) FROM plans p WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'plan_created' AND a.target_type = 'plan' AND a.target_id = CAST(p.id AS TEXT))",
	'plan version not its number of saves': "SELECT COUNT(*) FROM plans p WHERE p.version <> (SELECT COUNT(*) FROM audit_log a WHERE a.action IN ('plan_created', 'plan_updated') AND a.target_type = 'plan' AND a.target_id = CAST(p.id AS TEXT))",
	// consultations: one response per participant, each answer audited
	'consultation past draft without its opening audit row': "SELECT COUNT(*) FROM consultations c WHERE c.state <> 'draft' AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'consultation_open' AND a.target_id = CAST(c.id AS TEXT))",
	'consultation responses not one per participant': 'SELECT COUNT(*) FROM consultations c WHERE (SELECT COUNT(*) FROM consultation_responses r WHERE r.consultation_id = c.id) <> (SELECT COUNT(*) FROM consultation_participants p WHERE p.consultation_id = c.id)',
	'named response without its participant row': 'SELECT COUNT(*) FROM consultation_responses r WHERE r.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM consultation_participants p WHERE p.consultation_id = r.consultation_id AND p.user_id = r.user_id)',
	'participant without its audit row': "SELECT COUNT(*) FROM consultations c WHERE (SELECT COUNT(*) FROM consultation_participants p WHERE p.consultation_id = c.id) <> (SELECT COUNT(*) FROM audit_log a WHERE a.action = 'consultation_answered' AND a.target_id = CAST(c.id AS TEXT))",
	// proposals: each submission, support, comment and answer audited
	'proposal without its submission audit row': "SELECT COUNT(*) FROM proposals p WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'proposal_submitted' AND a.target_id = CAST(p.id AS TEXT))",
	'support without its audit row': "SELECT COUNT(*) FROM proposal_supports s WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'proposal_supported' AND a.target_id = CAST(s.proposal_id AS TEXT) AND a.actor_id = s.user_id)",
	'comments not as many as their audit rows': "SELECT COUNT(*) FROM proposals p WHERE (SELECT COUNT(*) FROM proposal_comments c WHERE c.proposal_id = p.id) <> (SELECT COUNT(*) FROM audit_log a WHERE a.action = 'proposal_commented' AND a.target_id = CAST(p.id AS TEXT))",
	'answers not as many as their audit rows': "SELECT COUNT(*) FROM proposals p WHERE (SELECT COUNT(*) FROM proposal_answers x WHERE x.proposal_id = p.id) <> (SELECT COUNT(*) FROM audit_log a WHERE a.action = 'proposal_answered' AND a.target_id = CAST(p.id AS TEXT))",
	'proposal status not that of its last answer': 'SELECT COUNT(*) FROM proposals p WHERE EXISTS (SELECT 1 FROM proposal_answers x WHERE x.proposal_id = p.id) AND p.status <> (SELECT x.to_status FROM proposal_answers x WHERE x.proposal_id = p.id ORDER BY x.at DESC, x.id DESC LIMIT 1)',
	// discussions: a thread has its first post and counts its posts; a hidden post its audit row
	'thread without its first post': 'SELECT COUNT(*) FROM discussion_threads t WHERE NOT EXISTS (SELECT 1 FROM discussion_posts p WHERE p.thread_id = t.id)',
	'thread post count not its posts': 'SELECT COUNT(*) FROM discussion_threads t WHERE t.post_count <> (SELECT COUNT(*) FROM discussion_posts p WHERE p.thread_id = t.id)',
	'hidden post without its audit row': "SELECT COUNT(*) FROM discussion_posts p WHERE p.hidden = 1 AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'discussion_post_hidden' AND a.target_type = 'discussion_post' AND a.target_id = CAST(p.id AS TEXT))",
	// the steps added later: a draft's edits, supports withdrawn, hidden comments, locks, reports
	'draft consultation sequence not its audited edits': "SELECT COUNT(*) FROM consultations c WHERE c.state = 'draft' AND c.sequence <> (SELECT COUNT(*) FROM audit_log a WHERE a.action IN ('consultation_edited', 'consultation_question_added', 'consultation_question_removed') AND a.target_id = CAST(c.id AS TEXT))",
	'consultation questions not numbered 1 to n': 'SELECT COUNT(*) FROM consultations c WHERE (SELECT COUNT(*) FROM consultation_questions q WHERE q.consultation_id = c.id) <> (SELECT COALESCE(MAX(q.position), 0) FROM consultation_questions q WHERE q.consultation_id = c.id)',
	'supports not their audited supports less withdrawals': "SELECT COUNT(*) FROM proposals p WHERE (SELECT COUNT(*) FROM proposal_supports s WHERE s.proposal_id = p.id) <> (SELECT COUNT(*) FROM audit_log a WHERE a.action = 'proposal_supported' AND a.target_id = CAST(p.id AS TEXT)) - (SELECT COUNT(*) FROM audit_log a WHERE a.action = 'proposal_support_withdrawn' AND a.target_id = CAST(p.id AS TEXT))",
	'hidden comment without its audit row': "SELECT COUNT(*) FROM proposal_comments c WHERE c.hidden_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'proposal_comment_hidden' AND a.target_id = CAST(c.proposal_id AS TEXT) AND a.details = '{\"comment\":' || CAST(c.id AS TEXT) || '}')",
	'locked thread without its audit row': "SELECT COUNT(*) FROM discussion_threads t WHERE t.locked = 1 AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'discussion_thread_locked' AND a.target_type = 'discussion_thread' AND a.target_id = CAST(t.id AS TEXT))",
	'resolved report without its audit row': "SELECT COUNT(*) FROM discussion_reports r WHERE r.state <> 'open' AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'discussion_report_resolved' AND a.target_type = 'discussion_post' AND a.target_id = CAST(r.post_id AS TEXT))",
	'report hiding a post still shown': "SELECT COUNT(*) FROM discussion_reports r JOIN discussion_posts p ON p.id = r.post_id WHERE r.state = 'hidden' AND p.hidden = 0",
	// unlocking, showing a hidden comment again, dismissing a report: the state is that of the last audited step
	'thread lock not that of its last audited lock or unlock': "SELECT COUNT(*) FROM discussion_threads t WHERE t.locked <> COALESCE((SELECT CASE a.action WHEN 'discussion_thread_locked' THEN 1 ELSE 0 END FROM audit_log a WHERE a.target_type = 'discussion_thread' AND a.target_id = CAST(t.id AS TEXT) AND a.action IN ('discussion_thread_locked', 'discussion_thread_unlocked') ORDER BY a.seq DESC LIMIT 1), 0)",
	'post shown or hidden not as its last audited step': "SELECT COUNT(*) FROM discussion_posts p WHERE p.hidden <> COALESCE((SELECT CASE a.action WHEN 'discussion_post_hidden' THEN 1 ELSE 0 END FROM audit_log a WHERE a.target_type = 'discussion_post' AND a.target_id = CAST(p.id AS TEXT) AND a.action IN ('discussion_post_hidden', 'discussion_post_unhidden') ORDER BY a.seq DESC LIMIT 1), 0)",
	'comment shown or hidden not as its last audited step': "SELECT COUNT(*) FROM proposal_comments c WHERE (CASE WHEN c.hidden_at IS NULL THEN 0 ELSE 1 END) <> COALESCE((SELECT CASE a.action WHEN 'proposal_comment_hidden' THEN 1 ELSE 0 END FROM audit_log a WHERE a.target_id = CAST(c.proposal_id AS TEXT) AND a.action IN ('proposal_comment_hidden', 'proposal_comment_shown') AND a.details = '{\"comment\":' || CAST(c.id AS TEXT) || '}' ORDER BY a.seq DESC LIMIT 1), 0)",
	'dismissed report without its dismissal audit row': "SELECT COUNT(*) FROM discussion_reports r WHERE r.state = 'dismissed' AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'discussion_report_resolved' AND a.target_id = CAST(r.post_id AS TEXT) AND a.details LIKE '%\"decision\":\"dismiss\"%')",
};

// Left out of the checksums: what a read or the mail sender may write.
const loop = writeLoop(site, armFile, VOLATILE_BASE, INVARIANTS);

// ---- the forms and the objects each step starts from ---------------------------

let serial = 0;
async function needAction(who, base, id, action) {
	await who.get(`/fr/${base}/${id}`);
	return who.post(`/fr/${base}/${id}/action`, { action });
}

async function submittedNeed() {
	const o = await draftNeed(officer);
	assert.equal((await needAction(officer, 'institution/needs', o.need, 'submit')).status, 303);
	return o;
}

async function publishedNeed() {
	const o = await submittedNeed();
	assert.equal((await needAction(admin, 'admin/needs', o.need, 'publish')).status, 303);
	return o;
}

async function applyTo(need) {
	await expert.get(`/fr/needs/${need}/apply`);
	return expert.post(`/fr/needs/${need}/apply`, { motivation: 'Dix ans de sécurité des systèmes d’information.' });
}

async function institutionStep(o, action) {
	await officer.get(`/fr/institution/needs/${o.need}/engagements`);
	return officer.post(`/fr/institution/engagements/${o.eng}`, { action });
}

async function expertStep(o, action) {
	await expert.get('/fr/engagements');
	return expert.post(`/fr/engagements/${o.eng}`, { action });
}

const engState = (o) => one(`SELECT state FROM engagements WHERE id = ${o.eng}`);

// An engagement brought to `state` along the main path.
const PATH = [
	['shortlisted', (o) => institutionStep(o, 'shortlist')],
	['accepted', (o) => institutionStep(o, 'accept')],
	['confirmed', (o) => expertStep(o, 'confirm')],
	['in_mission', (o) => institutionStep(o, 'start')],
	['delivered', (o) => institutionStep(o, 'deliver')],
];
async function engagementAt(state) {
	const o = await publishedNeed();
	const r = await applyTo(o.need);
	assert.equal(r.status, 303, `apply: ${r.status}`);
	o.eng = /#e-(\d+)/.exec(r.location)[1];
	for (const [to, go] of PATH) {
		if (engState(o) === state) break;
		assert.equal((await go(o)).status, 303, `to ${to}`);
		assert.equal(engState(o), to);
	}
	assert.equal(engState(o), state);
	return o;
}

const evaluation = (o, side) => count(`SELECT COUNT(*) FROM evaluations WHERE engagement_id = ${o.eng} AND side = '${side}' AND round = 'delivery' AND answered_at IS NOT NULL`);
const audited = (target, action) => count(`SELECT COUNT(*) FROM audit_log WHERE target_id = ${q(target)} AND action = ${q(action)}`);

// Each write path: prepare() gives a fresh starting point; form(o) fetches
// the form without a fault; post(o) is the request under test; committed(o)
// reads the database; success is the redirect of a done change.
const ENG_PAGE = (o) => new RegExp(`^/fr/institution/needs/${o.need}/engagements\\?done=step#e-${o.eng}$`);
function engagementStep(name, from, to, side, action) {
	return {
		name, prepare: () => engagementAt(from),
		form: (o) => (side === 'institution' ? officer.get(`/fr/institution/needs/${o.need}/engagements`) : expert.get('/fr/engagements')),
		post: (o) => (side === 'institution'
			? officer.post(`/fr/institution/engagements/${o.eng}`, { action })
			: expert.post(`/fr/engagements/${o.eng}`, { action })),
		success: (o) => (side === 'institution' ? ENG_PAGE(o) : new RegExp(`^/fr/engagements\\?done=step#e-${o.eng}$`)),
		committed: (o) => engState(o) === to,
		recorded: (o) => audited(o.eng, `engagement_${action}`) === 1 && count(`SELECT COUNT(*) FROM engagement_events WHERE engagement_id = ${o.eng} AND to_state = '${to}'`) === 1,
	};
}

function evaluationStep(name, side) {
	const who = () => (side === 'expert' ? expert : officer);
	const form = { rating: '4', objectives: 'yes', again: 'yes', comment: 'Travail soigné.' };
	return {
		name, prepare: () => engagementAt('delivered'),
		form: (o) => who().get(`/fr/engagements/${o.eng}/evaluate`),
		post: (o) => who().post(`/fr/engagements/${o.eng}/evaluate?round=delivery`, form),
		success: (o) => (side === 'expert'
			? new RegExp(`^/fr/engagements\\?done=evaluated#e-${o.eng}$`)
			: new RegExp(`^/fr/institution/needs/${o.need}/engagements\\?done=evaluated#e-${o.eng}$`)),
		committed: (o) => evaluation(o, side) === 1,
		recorded: (o) => audited(o.eng, 'evaluation_given') === 1,
	};
}

// ---- plans, consultations, proposals, discussions, exports (issue #11) ------

const YEAR = new Date().getUTCFullYear();
let expert2, inst;
const NET = 'europe';
const DISC = `/fr/networks/${NET}/discussions`;
const planForm = (year, target, version) => ({
	year: String(year), needs_target: String(target), experts_target: '2', focal_name: 'Khadija Ouazzani',
	focal_title: 'Cheffe de la division de la coopération', focal_email: 'k.ouazzani@example.ma',
	sec_3: 'digital', skill_0: 'Cybersécurité', ...(version ? { version } : {}),
});
const planOf = (year) => one(`SELECT id FROM plans WHERE institution_id = ${inst} AND year = ${year}`);
const versionIn = (html) => /name="version" value="(\d+)"/.exec(html)[1];

// The plan of next year, made once without a fault: {plan}.
async function existingPlan() {
	if (!planOf(YEAR + 1)) {
		await officer.get('/fr/institution/plans/new');
		const r = await officer.post('/fr/institution/plans/new', planForm(YEAR + 1, 1));
		assert.equal(r.status, 303, `plan: ${r.status}`);
	}
	return { plan: planOf(YEAR + 1) };
}

// No plan for this year (removed directly, so that each save starts alike).
async function noPlanThisYear() {
	const id = planOf(YEAR);
	if (id) sql(site.db, `DELETE FROM plan_sectors WHERE plan_id = ${id}; DELETE FROM plan_skills WHERE plan_id = ${id}; DELETE FROM plans WHERE id = ${id};`);
	return { target: ++serial };
}

const isoDay = (days) => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
const sequenceOf = async (id) => /name="sequence" value="(\d+)"/.exec((await admin.get(`/fr/manage/consultations/${id}`)).text)[1];

// A draft consultation of the network with one required free-text question: {cons}.
async function draftConsultation() {
	await admin.get('/fr/manage/consultations/new');
	let r = await admin.post('/fr/manage/consultations/new', {
		title_ar: '', title_fr: `Consultation ${++serial}`, title_en: '', intro_ar: '',
		intro_fr: 'Dites-nous où le réseau doit porter ses efforts.', intro_en: '', audience: 'network',
		sector: '', network: NET, country: '', opens_on: isoDay(0), closes_on: isoDay(30), public_results: '',
	});
	assert.equal(r.status, 303, `consultation: ${r.status}`);
	const cons = /\/manage\/consultations\/(\d+)\?done=created$/.exec(r.location)[1];
	r = await admin.post(`/fr/manage/consultations/${cons}/questions`, {
		sequence: await sequenceOf(cons), kind: 'text', prompt: 'Une idée pour le réseau ?', required: '1',
		options: '', scale_low: '', scale_high: '',
	});
	assert.equal(r.status, 303, `question: ${r.status}`);
	return { cons };
}

async function openConsultation() {
	const o = await draftConsultation();
	const r = await admin.post(`/fr/manage/consultations/${o.cons}/step`, { sequence: await sequenceOf(o.cons), action: 'open' });
	assert.equal(r.status, 303, `open: ${r.status}`);
	return o;
}

// An open consultation answered by both experts, the first anonymously: {cons}.
async function answeredConsultation() {
	const o = await openConsultation();
	for (const [who, anonymous] of [[expert, '1'], [expert2, '']]) {
		await who.get(`/fr/consultations/${o.cons}`);
		const r = await who.post(`/fr/consultations/${o.cons}/answer`, { q1: 'Des missions courtes.', anonymous });
		assert.equal(r.status, 303, `answer: ${r.status}`);
	}
	return o;
}

async function closedConsultation() {
	const o = await answeredConsultation();
	const r = await admin.post(`/fr/manage/consultations/${o.cons}/step`, { sequence: await sequenceOf(o.cons), action: 'close' });
	assert.equal(r.status, 303, `close: ${r.status}`);
	return o;
}

// A step of the consultation's author; closing and publishing draw the
// anonymous responses' ids again (consultations.c, mix): all or nothing.
function consultationStep(name, prepare, action, state) {
	return {
		name, prepare,
		form: async (o) => { o.sequence = await sequenceOf(o.cons); },
		post: (o) => admin.post(`/fr/manage/consultations/${o.cons}/step`, { sequence: o.sequence, action }),
		success: (o) => new RegExp(`^/fr/manage/consultations/${o.cons}\\?done=\\w+$`),
		committed: (o) => one(`SELECT state FROM consultations WHERE id = ${o.cons}`) === state,
		recorded: (o) => audited(o.cons, `consultation_${action}`) === 1
			&& count(`SELECT COUNT(*) FROM consultation_responses WHERE consultation_id = ${o.cons} AND user_id IS NULL`) === 1
			&& count(`SELECT COUNT(*) FROM consultation_responses WHERE consultation_id = ${o.cons} AND user_id = ${expert2.id}`) === 1
			&& count(`SELECT COUNT(*) FROM consultation_answers x JOIN consultation_responses r ON r.id = x.response_id WHERE r.consultation_id = ${o.cons}`) === 2,
	};
}

function answerStep(name, anonymous) {
	return {
		name, prepare: openConsultation,
		form: (o) => expert.get(`/fr/consultations/${o.cons}`),
		post: (o) => expert.post(`/fr/consultations/${o.cons}/answer`, { q1: 'Des missions courtes.', ...(anonymous ? { anonymous: '1' } : {}) }),
		success: (o) => new RegExp(`^/fr/consultations/${o.cons}\\?done=answered$`),
		committed: (o) => count(`SELECT COUNT(*) FROM consultation_participants WHERE consultation_id = ${o.cons} AND user_id = ${expert.id}`) === 1,
		recorded: (o) => audited(o.cons, 'consultation_answered') === 1
			&& count(`SELECT COUNT(*) FROM consultation_responses WHERE consultation_id = ${o.cons} AND user_id ${anonymous ? 'IS NULL' : `= ${expert.id}`}`) === 1
			&& count(`SELECT COUNT(*) FROM consultation_responses WHERE consultation_id = ${o.cons}`) === 1
			&& count(`SELECT COUNT(*) FROM consultation_answers x JOIN consultation_responses r ON r.id = x.response_id WHERE r.consultation_id = ${o.cons}`) === 1,
	};
}

const proposalForm = (title) => ({
	title, kind: 'initiative', sector: 'health',
	body: 'Un seul point d’entrée au ministère pour les missions courtes.\nDes formalités allégées.',
});

// A proposal of the second expert, answered by no one yet: {prop}.
async function proposal() {
	await expert2.get('/fr/proposals/new');
	const r = await expert2.post('/fr/proposals/new', proposalForm(`Proposition préparée ${++serial}`));
	assert.equal(r.status, 303, `proposal: ${r.status}`);
	return { prop: /\/proposals\/(\d+)\?done=submitted$/.exec(r.location)[1] };
}

// A thread started by the second expert: {thread, post} (its first post).
async function thread() {
	await expert2.get(`${DISC}/new`);
	const r = await expert2.post(`${DISC}/new`, { title: `Fil préparé ${++serial}`, body: 'Qui part au printemps ?' });
	assert.equal(r.status, 303, `thread: ${r.status}`);
	const id = /discussions\/(\d+)\?done=posted$/.exec(r.location)[1];
	return { thread: id, post: one(`SELECT id FROM discussion_posts WHERE thread_id = ${id}`) };
}

// experts.csv: the experts with the programme consent, the second expert
// alone (the needs grow with every step, and so would the export's N)
const exportRows = () => count("SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND target_id = 'experts'");

// ---- the steps not looped before: a draft's texts and questions, a support
// withdrawn, a comment hidden, a thread locked, followed, watched, a report resolved

const consultationForm = (title) => ({
	title_ar: '', title_fr: title, title_en: '', intro_ar: '',
	intro_fr: 'Dites-nous où le réseau doit porter ses efforts.', intro_en: '', audience: 'network',
	sector: '', network: NET, country: '', opens_on: isoDay(0), closes_on: isoDay(30), public_results: '',
});
const questionsOf = (o) => sql(site.db, `SELECT position, prompt FROM consultation_questions WHERE consultation_id = ${o.cons} ORDER BY position`);

// A draft consultation with two questions: {cons}.
async function draftWithTwoQuestions() {
	const o = await draftConsultation();
	const r = await admin.post(`/fr/manage/consultations/${o.cons}/questions`, {
		sequence: await sequenceOf(o.cons), kind: 'text', prompt: 'Un pays à privilégier ?', required: '',
		options: '', scale_low: '', scale_high: '',
	});
	assert.equal(r.status, 303, `second question: ${r.status}`);
	return o;
}

// A proposal the first expert supports: {prop}.
async function supportedProposal() {
	const o = await proposal();
	await expert.get(`/fr/proposals/${o.prop}`);
	assert.equal((await expert.post(`/fr/proposals/${o.prop}/support`, {})).status, 303, 'support');
	return o;
}

// A proposal the first expert commented on: {prop, comment}.
async function commentedProposal() {
	const o = await proposal();
	await expert.get(`/fr/proposals/${o.prop}`);
	assert.equal((await expert.post(`/fr/proposals/${o.prop}/comments`, { body: 'Un commentaire à masquer.' })).status, 303, 'comment');
	o.comment = one(`SELECT id FROM proposal_comments WHERE proposal_id = ${o.prop}`);
	return o;
}

// A thread whose first post the first expert reported: {thread, post, report}.
async function reportedThread() {
	const o = await thread();
	await expert.get(`${DISC}/${o.thread}`);
	const r = await expert.post(`${DISC}/posts/${o.post}/report`, { reason: 'spam', note: 'Publicité.' });
	assert.equal(r.status, 303, `report: ${r.status}`);
	o.report = one(`SELECT id FROM discussion_reports WHERE post_id = ${o.post}`);
	return o;
}

// A thread the programme team locked: {thread, post}.
async function lockedThread() {
	const o = await thread();
	await admin.get(`${DISC}/${o.thread}`);
	assert.equal((await admin.post(`${DISC}/${o.thread}/lock`, { action: 'lock' })).status, 303, 'lock');
	return o;
}

// A thread whose first post the programme team hid: {thread, post}.
async function hiddenPost() {
	const o = await thread();
	await admin.get(`${DISC}/${o.thread}`);
	assert.equal((await admin.post(`${DISC}/posts/${o.post}/moderate`, { action: 'hide', reason: 'Propos hors sujet.' })).status, 303, 'hide');
	return o;
}

// A comment of the first expert the programme team hid: {prop, comment}.
async function hiddenComment() {
	const o = await commentedProposal();
	await admin.get(`/fr/admin/proposals/${o.prop}`);
	assert.equal((await admin.post(`/fr/admin/proposal-comments/${o.comment}`, { action: 'hide' })).status, 303, 'hide');
	return o;
}

const following = (o, who) => one(`SELECT following FROM discussion_follows WHERE thread_id = ${o.thread} AND user_id = ${who.id}`);
let watching = false;

const MORE_STEPS = [
	{
		name: 'the programme team edits a draft consultation', prepare: draftConsultation,
		form: async (o) => { o.sequence = await sequenceOf(o.cons); },
		post: (o) => { o.title = `Consultation revue ${++serial}`; return admin.post(`/fr/manage/consultations/${o.cons}`, { sequence: o.sequence, ...consultationForm(o.title) }); },
		success: (o) => new RegExp(`^/fr/manage/consultations/${o.cons}\\?done=saved$`),
		committed: (o) => one(`SELECT title_fr FROM consultations WHERE id = ${o.cons}`) === o.title,
		recorded: (o) => audited(o.cons, 'consultation_edited') === 1 && count(`SELECT sequence FROM consultations WHERE id = ${o.cons}`) === 2,
	},
	{
		name: 'the programme team adds a question to a draft', prepare: draftConsultation,
		form: async (o) => { o.sequence = await sequenceOf(o.cons); },
		post: (o) => admin.post(`/fr/manage/consultations/${o.cons}/questions`, {
			sequence: o.sequence, kind: 'choice', prompt: 'Quel format ?', required: '1',
			options: 'Atelier\nMission courte\nMentorat', scale_low: '', scale_high: '',
		}),
		success: (o) => new RegExp(`^/fr/manage/consultations/${o.cons}\\?done=question_added#questions$`),
		committed: (o) => questionsOf(o).length === 2,
		recorded: (o) => audited(o.cons, 'consultation_question_added') === 2
			&& questionsOf(o)[1] === '2|Quel format ?'
			&& count(`SELECT COUNT(*) FROM consultation_questions WHERE consultation_id = ${o.cons} AND position = 2 AND options = ${q('Atelier\nMission courte\nMentorat')}`) === 1,
	},
	{
		name: 'the programme team removes a question of a draft', prepare: draftWithTwoQuestions,
		form: async (o) => { o.sequence = await sequenceOf(o.cons); },
		post: (o) => admin.post(`/fr/manage/consultations/${o.cons}/questions`, { sequence: o.sequence, remove: '1' }),
		success: (o) => new RegExp(`^/fr/manage/consultations/${o.cons}\\?done=question_removed#questions$`),
		committed: (o) => questionsOf(o).length === 1,
		recorded: (o) => audited(o.cons, 'consultation_question_removed') === 1
			&& questionsOf(o)[0] === '1|Un pays à privilégier ?',
	},
	{
		name: 'an expert withdraws a support', prepare: supportedProposal,
		form: (o) => expert.get(`/fr/proposals/${o.prop}`),
		post: (o) => expert.post(`/fr/proposals/${o.prop}/withdraw`, {}),
		success: (o) => new RegExp(`^/fr/proposals/${o.prop}\\?done=withdrawn#supports$`),
		committed: (o) => count(`SELECT COUNT(*) FROM proposal_supports WHERE proposal_id = ${o.prop}`) === 0,
		recorded: (o) => audited(o.prop, 'proposal_support_withdrawn') === 1,
	},
	{
		name: 'the programme team hides a proposal comment', prepare: commentedProposal,
		form: (o) => admin.get(`/fr/admin/proposals/${o.prop}`),
		post: (o) => admin.post(`/fr/admin/proposal-comments/${o.comment}`, { action: 'hide' }),
		success: (o) => new RegExp(`^/fr/admin/proposals/${o.prop}\\?done=hidden#comments$`),
		committed: (o) => count(`SELECT COUNT(*) FROM proposal_comments WHERE id = ${o.comment} AND hidden_at IS NOT NULL AND hidden_by IS NOT NULL`) === 1,
		recorded: (o) => audited(o.prop, 'proposal_comment_hidden') === 1,
	},
	{
		name: 'the programme team locks a thread', prepare: thread,
		form: (o) => admin.get(`${DISC}/${o.thread}`),
		post: (o) => admin.post(`${DISC}/${o.thread}/lock`, { action: 'lock' }),
		success: (o) => new RegExp(`^${DISC}/${o.thread}\\?done=locked$`),
		committed: (o) => count(`SELECT locked FROM discussion_threads WHERE id = ${o.thread}`) === 1,
		recorded: (o) => audited(o.thread, 'discussion_thread_locked') === 1,
	},
	{
		name: 'a member follows a thread', prepare: thread,
		form: (o) => expert.get(`${DISC}/${o.thread}`),
		post: (o) => expert.post(`${DISC}/${o.thread}/follow`, { action: 'follow' }),
		success: (o) => new RegExp(`^${DISC}/${o.thread}\\?done=followed$`),
		committed: (o) => following(o, expert) === '1',
		recorded: () => true, // following is not audited: the row is the record
	},
	{
		name: 'a member unfollows a thread', prepare: thread, // its author follows it
		form: (o) => expert2.get(`${DISC}/${o.thread}`),
		post: (o) => expert2.post(`${DISC}/${o.thread}/follow`, { action: 'unfollow' }),
		success: (o) => new RegExp(`^${DISC}/${o.thread}\\?done=unfollowed$`),
		committed: (o) => following(o, expert2) === '0',
		recorded: () => true,
	},
	{
		name: 'a member asks (or stops asking) to be told of new threads', prepare: async () => ({ on: (watching = !watching) }),
		form: () => expert.get(DISC),
		post: (o) => expert.post(`${DISC}/watch`, { action: o.on ? 'on' : 'off' }),
		success: (o) => new RegExp(`^${DISC}\\?done=${o.on ? 'watching' : 'unwatched'}$`),
		committed: (o) => count(`SELECT COUNT(*) FROM discussion_watchers WHERE network = '${NET}' AND user_id = ${expert.id}`) === (o.on ? 1 : 0),
		recorded: () => true,
	},
	{
		name: 'the programme team resolves a report by hiding the post', prepare: reportedThread,
		form: () => admin.get(`${DISC}/reports`),
		post: (o) => admin.post(`${DISC}/reports/${o.report}`, { decision: 'hide', reason: 'Publicité déguisée.' }),
		success: () => new RegExp(`^${DISC}/reports\\?done=resolved$`),
		committed: (o) => one(`SELECT state FROM discussion_reports WHERE id = ${o.report}`) === 'hidden',
		recorded: (o) => count(`SELECT hidden FROM discussion_posts WHERE id = ${o.post}`) === 1
			&& audited(o.post, 'discussion_report_resolved') === 1 && audited(o.post, 'discussion_post_hidden') === 1
			&& count(`SELECT COUNT(*) FROM notifications WHERE user_id = ${expert2.id} AND kind = 'discussion.post_hidden' AND link LIKE '%/discussions/${o.thread}'`) === 1,
	},
	{
		name: 'the programme team unlocks a thread', prepare: lockedThread,
		form: (o) => admin.get(`${DISC}/${o.thread}`),
		post: (o) => admin.post(`${DISC}/${o.thread}/lock`, { action: 'unlock' }),
		success: (o) => new RegExp(`^${DISC}/${o.thread}\\?done=unlocked$`),
		committed: (o) => count(`SELECT locked FROM discussion_threads WHERE id = ${o.thread}`) === 0,
		recorded: (o) => audited(o.thread, 'discussion_thread_unlocked') === 1 && audited(o.thread, 'discussion_thread_locked') === 1,
	},
	{
		name: 'the programme team shows a hidden post again', prepare: hiddenPost,
		form: (o) => admin.get(`${DISC}/${o.thread}`),
		post: (o) => admin.post(`${DISC}/posts/${o.post}/moderate`, { action: 'unhide' }),
		success: (o) => new RegExp(`^${DISC}/${o.thread}\\?done=unhidden$`),
		committed: (o) => count(`SELECT hidden FROM discussion_posts WHERE id = ${o.post}`) === 0,
		recorded: (o) => audited(o.post, 'discussion_post_unhidden') === 1 && audited(o.post, 'discussion_post_hidden') === 1,
	},
	{
		name: 'the programme team shows a hidden proposal comment again', prepare: hiddenComment,
		form: (o) => admin.get(`/fr/admin/proposals/${o.prop}`),
		post: (o) => admin.post(`/fr/admin/proposal-comments/${o.comment}`, { action: 'show' }),
		success: (o) => new RegExp(`^/fr/admin/proposals/${o.prop}\\?done=shown#comments$`),
		committed: (o) => count(`SELECT COUNT(*) FROM proposal_comments WHERE id = ${o.comment} AND hidden_at IS NULL AND hidden_by IS NULL`) === 1,
		recorded: (o) => audited(o.prop, 'proposal_comment_shown') === 1 && audited(o.prop, 'proposal_comment_hidden') === 1,
	},
	{
		name: 'the programme team dismisses a report', prepare: reportedThread,
		form: () => admin.get(`${DISC}/reports`),
		post: (o) => admin.post(`${DISC}/reports/${o.report}`, { decision: 'dismiss', reason: '' }),
		success: () => new RegExp(`^${DISC}/reports\\?done=resolved$`),
		committed: (o) => one(`SELECT state FROM discussion_reports WHERE id = ${o.report}`) === 'dismissed',
		// the post stays shown, its author is not told
		recorded: (o) => count(`SELECT hidden FROM discussion_posts WHERE id = ${o.post}`) === 0
			&& audited(o.post, 'discussion_report_resolved') === 1 && audited(o.post, 'discussion_post_hidden') === 0
			&& count(`SELECT COUNT(*) FROM notifications WHERE user_id = ${expert2.id} AND kind = 'discussion.post_hidden' AND link LIKE '%/discussions/${o.thread}'`) === 0,
	},
];

const NEW_STEPS = [
	{
		name: 'an institution owner saves a new plan', prepare: noPlanThisYear,
		form: () => officer.get('/fr/institution/plans/new'),
		post: (o) => officer.post('/fr/institution/plans/new', planForm(YEAR, o.target)),
		success: () => /^\/fr\/institution\/plans\?saved=1$/,
		committed: (o) => count(`SELECT COUNT(*) FROM plans WHERE institution_id = ${inst} AND year = ${YEAR} AND needs_target = ${o.target}`) === 1,
		recorded: () => audited(planOf(YEAR), 'plan_created') === 1
			&& count(`SELECT COUNT(*) FROM plan_sectors WHERE plan_id = ${planOf(YEAR)}`) === 1,
	},
	{
		name: 'an institution owner edits a plan', prepare: existingPlan,
		form: async (o) => { o.version = versionIn((await officer.get(`/fr/institution/plans/${o.plan}/edit`)).text); },
		post: (o) => { o.target = ++serial; return officer.post(`/fr/institution/plans/${o.plan}/edit`, planForm(YEAR + 1, o.target, o.version)); },
		success: () => /^\/fr\/institution\/plans\?saved=1$/,
		committed: (o) => count(`SELECT COUNT(*) FROM plans WHERE id = ${o.plan} AND needs_target = ${o.target}`) === 1,
		recorded: (o) => count(`SELECT COUNT(*) FROM audit_log WHERE action = 'plan_updated' AND target_id = ${q(o.plan)} AND details LIKE '%"needs_target":${o.target},%'`) === 1,
	},
	{
		name: 'the programme team opens a consultation', prepare: draftConsultation,
		form: async (o) => { o.sequence = await sequenceOf(o.cons); },
		post: (o) => admin.post(`/fr/manage/consultations/${o.cons}/step`, { sequence: o.sequence, action: 'open' }),
		success: (o) => new RegExp(`^/fr/manage/consultations/${o.cons}\\?done=\\w+$`),
		committed: (o) => one(`SELECT state FROM consultations WHERE id = ${o.cons}`) === 'open',
		recorded: (o) => audited(o.cons, 'consultation_open') === 1
			&& count(`SELECT COUNT(*) FROM notifications WHERE kind = 'consultation.opened' AND link LIKE '%/consultations/${o.cons}' AND user_id IN (${expert.id}, ${expert2.id})`) === 2,
	},
	answerStep('an expert answers a consultation, named', false),
	answerStep('an expert answers a consultation anonymously', true),
	consultationStep('the programme team closes a consultation', answeredConsultation, 'close', 'closed'),
	consultationStep('the programme team publishes a consultation', closedConsultation, 'publish', 'published'),
	{
		name: 'an expert submits a proposal', prepare: async () => ({}),
		form: () => expert2.get('/fr/proposals/new'),
		post: (o) => { o.title = `Proposition sous faute ${++serial}`; return expert2.post('/fr/proposals/new', proposalForm(o.title)); },
		success: () => /^\/fr\/proposals\/\d+\?done=submitted$/,
		committed: (o) => count(`SELECT COUNT(*) FROM proposals WHERE title = ${q(o.title)} AND status = 'received'`) === 1,
		recorded: (o) => count(`SELECT COUNT(*) FROM audit_log a JOIN proposals p ON a.target_id = CAST(p.id AS TEXT) WHERE p.title = ${q(o.title)} AND a.action = 'proposal_submitted'`) === 1,
	},
	{
		name: 'an expert supports a proposal', prepare: proposal,
		form: (o) => expert.get(`/fr/proposals/${o.prop}`),
		post: (o) => expert.post(`/fr/proposals/${o.prop}/support`, {}),
		success: (o) => new RegExp(`^/fr/proposals/${o.prop}\\?done=\\w+#supports$`),
		committed: (o) => count(`SELECT COUNT(*) FROM proposal_supports WHERE proposal_id = ${o.prop} AND user_id = ${expert.id}`) === 1,
		recorded: (o) => audited(o.prop, 'proposal_supported') === 1,
	},
	{
		name: 'an expert comments on a proposal', prepare: proposal,
		form: (o) => expert.get(`/fr/proposals/${o.prop}`),
		post: (o) => { o.body = `Bonne idée, numéro ${++serial}.`; return expert.post(`/fr/proposals/${o.prop}/comments`, { body: o.body }); },
		success: (o) => new RegExp(`^/fr/proposals/${o.prop}\\?done=commented#comments$`),
		committed: (o) => count(`SELECT COUNT(*) FROM proposal_comments WHERE proposal_id = ${o.prop} AND body = ${q(o.body)}`) === 1,
		recorded: (o) => audited(o.prop, 'proposal_commented') === 1,
	},
	{
		name: 'the programme team answers a proposal', prepare: proposal,
		form: (o) => admin.get(`/fr/admin/proposals/${o.prop}`),
		post: (o) => admin.post(`/fr/admin/proposals/${o.prop}`, { status: 'under_study', answer: 'Nous étudions la faisabilité avec le ministère.' }),
		success: (o) => new RegExp(`^/fr/admin/proposals/${o.prop}\\?done=answered$`),
		committed: (o) => one(`SELECT status FROM proposals WHERE id = ${o.prop}`) === 'under_study',
		recorded: (o) => audited(o.prop, 'proposal_answered') === 1
			&& count(`SELECT COUNT(*) FROM proposal_answers WHERE proposal_id = ${o.prop} AND to_status = 'under_study'`) === 1,
	},
	{
		name: 'a member starts a thread', prepare: async () => ({}),
		form: () => expert.get(`${DISC}/new`),
		post: (o) => { o.title = `Fil sous faute ${++serial}`; return expert.post(`${DISC}/new`, { title: o.title, body: 'Qui vient à la rencontre de Lyon ?' }); },
		success: () => new RegExp(`^${DISC}/\\d+\\?done=posted$`),
		committed: (o) => count(`SELECT COUNT(*) FROM discussion_threads WHERE title = ${q(o.title)}`) === 1,
		recorded: (o) => count(`SELECT COUNT(*) FROM discussion_posts p JOIN discussion_threads t ON t.id = p.thread_id WHERE t.title = ${q(o.title)} AND p.author_id = ${expert.id}`) === 1,
	},
	{
		name: 'a member replies in a thread', prepare: thread,
		form: (o) => expert.get(`${DISC}/${o.thread}`),
		post: (o) => { o.body = `Moi aussi, réponse ${++serial}.`; return expert.post(`${DISC}/${o.thread}/reply`, { body: o.body }); },
		success: (o) => new RegExp(`^${DISC}/${o.thread}\\?page=\\d+&done=replied#p-\\d+$`),
		committed: (o) => count(`SELECT COUNT(*) FROM discussion_posts WHERE thread_id = ${o.thread} AND body = ${q(o.body)}`) === 1,
		recorded: (o) => count(`SELECT post_count FROM discussion_threads WHERE id = ${o.thread}`) === 2,
	},
	{
		name: 'the programme team hides a post', prepare: thread,
		form: (o) => admin.get(`${DISC}/${o.thread}`),
		post: (o) => admin.post(`${DISC}/posts/${o.post}/moderate`, { action: 'hide', reason: 'Propos hors sujet.' }),
		success: (o) => new RegExp(`^${DISC}/${o.thread}\\?done=hidden$`),
		committed: (o) => count(`SELECT hidden FROM discussion_posts WHERE id = ${o.post}`) === 1,
		recorded: (o) => audited(o.post, 'discussion_post_hidden') === 1,
	},
	{
		name: 'a member reports a post', prepare: thread,
		form: (o) => expert.get(`${DISC}/${o.thread}`),
		post: (o) => expert.post(`${DISC}/posts/${o.post}/report`, { reason: 'spam', note: 'Publicité.' }),
		success: (o) => new RegExp(`^${DISC}/${o.thread}\\?done=reported$`),
		committed: (o) => count(`SELECT COUNT(*) FROM discussion_reports WHERE post_id = ${o.post} AND reporter_id = ${expert.id} AND state = 'open'`) === 1,
		recorded: () => true, // a report is not audited: it is the record itself
	},
	{
		// a GET, but it writes its audit row: no row, no file
		name: 'the programme team downloads an export', prepare: async () => ({ before: exportRows() }),
		form: () => admin.get('/fr/admin/exports'),
		post: () => admin.get('/fr/admin/exports/experts.csv'),
		ok: (r) => r.status === 200 && /^text\/csv/.test(r.headers.get('content-type') ?? '') && r.text.includes('Salma Benali'),
		committed: (o) => exportRows() === o.before + 1,
		recorded: () => true,
	},
];

let headline = 0, consentOn = true;
const STEPS = [
	{
		name: 'an officer saves a new need', prepare: async () => ({}),
		form: () => officer.get('/fr/institution/needs/new'),
		post: (o) => { o.title = `Besoin sous faute ${++serial}`; return officer.post('/fr/institution/needs/new', needForm(o.title, 'save')); },
		success: () => /^\/fr\/institution\/needs\/\d+$/,
		committed: (o) => count(`SELECT COUNT(*) FROM needs WHERE title = ${q(o.title)} AND state = 'draft'`) === 1,
		recorded: (o) => count(`SELECT COUNT(*) FROM audit_log a JOIN needs n ON a.target_id = CAST(n.id AS TEXT) WHERE n.title = ${q(o.title)} AND a.action = 'need_created'`) === 1,
	},
	{
		name: 'an officer saves and submits a new need', prepare: async () => ({}),
		form: () => officer.get('/fr/institution/needs/new'),
		post: (o) => { o.title = `Besoin soumis sous faute ${++serial}`; return officer.post('/fr/institution/needs/new', needForm(o.title, 'submit')); },
		success: () => /^\/fr\/institution\/needs\/\d+$/,
		committed: (o) => count(`SELECT COUNT(*) FROM needs WHERE title = ${q(o.title)}`) === 1,
		recorded: (o) => count(`SELECT COUNT(*) FROM needs WHERE title = ${q(o.title)} AND state = 'submitted'`) === 1,
	},
	{
		name: 'an officer submits a draft', prepare: () => draftNeed(officer),
		form: (o) => officer.get(`/fr/institution/needs/${o.need}`),
		post: (o) => officer.post(`/fr/institution/needs/${o.need}/action`, { action: 'submit' }),
		success: (o) => new RegExp(`^/fr/institution/needs/${o.need}$`),
		committed: (o) => one(`SELECT state FROM needs WHERE id = ${o.need}`) === 'submitted',
		recorded: (o) => audited(o.need, 'need_submit') === 1,
	},
	{
		name: 'the programme team publishes a need', prepare: submittedNeed,
		form: (o) => admin.get(`/fr/admin/needs/${o.need}`),
		post: (o) => admin.post(`/fr/admin/needs/${o.need}/action`, { action: 'publish' }),
		success: (o) => new RegExp(`^/fr/admin/needs/${o.need}$`),
		committed: (o) => one(`SELECT state FROM needs WHERE id = ${o.need}`) === 'published',
		recorded: (o) => audited(o.need, 'need_publish') === 1,
	},
	{
		name: 'an expert applies', prepare: publishedNeed,
		form: (o) => expert.get(`/fr/needs/${o.need}/apply`),
		post: (o) => expert.post(`/fr/needs/${o.need}/apply`, { motivation: 'Dix ans de sécurité des systèmes d’information.' }),
		success: () => /^\/fr\/engagements\?done=applied#e-\d+$/,
		committed: (o) => count(`SELECT COUNT(*) FROM engagements WHERE need_id = ${o.need} AND expert_id = ${expert.id} AND state = 'applied'`) === 1,
		recorded: (o) => count(`SELECT COUNT(*) FROM audit_log a JOIN engagements g ON a.target_id = CAST(g.id AS TEXT) WHERE g.need_id = ${o.need} AND a.action LIKE 'engagement_%'`) === 1,
	},
	engagementStep('the institution shortlists', 'applied', 'shortlisted', 'institution', 'shortlist'),
	engagementStep('the institution accepts', 'shortlisted', 'accepted', 'institution', 'accept'),
	engagementStep('the expert confirms', 'accepted', 'confirmed', 'expert', 'confirm'),
	engagementStep('the mission starts', 'confirmed', 'in_mission', 'institution', 'start'),
	engagementStep('the institution records the delivery', 'in_mission', 'delivered', 'institution', 'deliver'),
	evaluationStep('the expert evaluates', 'expert'),
	evaluationStep('the institution evaluates', 'institution'),
	{
		name: 'the expert saves a profile step', prepare: async () => ({}),
		form: () => expert.get('/fr/profile/edit/identity'),
		post: (o) => { o.headline = `Architecte sécurité ${++headline}`; return expert.post('/fr/profile/edit/identity', { name: 'Salma Benali', country: 'CA', city: 'Montréal', headline: o.headline }); },
		success: () => /^\/fr\/profile\/edit\/[a-z]+\?saved=1$/,
		committed: (o) => one(`SELECT headline FROM profiles WHERE user_id = ${expert.id}`) === o.headline,
		recorded: () => true,
	},
	{
		name: 'the expert changes a consent', prepare: async () => ({ to: (consentOn = !consentOn) ? 1 : 0 }),
		form: () => expert.get('/fr/profile/consent'),
		post: (o) => expert.post('/fr/profile/consent', { set: `directory:${o.to}` }),
		success: () => /^\/fr\/profile\/consent/,
		committed: (o) => count(`SELECT COUNT(*) FROM consents WHERE user_id = ${expert.id} AND audience = 'directory' AND granted = ${o.to}`) === 1,
		recorded: (o) => count(`SELECT COUNT(*) FROM consent_events WHERE user_id = ${expert.id} AND audience = 'directory' AND granted = ${o.to}`) >= 1,
	},
	...NEW_STEPS,
	...MORE_STEPS,
];

before(async () => {
	const srv = await loop.start();
	const at = { url: srv.url, db: site.db, env: site.env };
	admin = await makeAdmin(at);
	({ officer } = await makeInstitution(at, admin));
	expert = await makeExpert(at, 'expert@example.org');
	expert2 = await makeExpert(at, 'expert2@example.org');
	await expert2.get('/fr/profile/consent');
	assert.equal((await expert2.post('/fr/profile/consent', { set: 'programme:1' })).status, 303);
	// the officer also owns the institution (plans); both experts are members of a network
	await admin.get('/en/admin/networks');
	const net = await admin.post('/en/admin/networks', {
		slug: NET, kind: 'geographic', membership: 'open', name_ar: 'أوروبا', name_fr: 'Europe', name_en: 'Europe',
		summary_ar: 'كفاءات مغربية في أوروبا.', summary_fr: 'Compétences marocaines en Europe.', summary_en: 'Moroccan professionals in Europe.',
	});
	assert.equal(net.status, 303, `network: ${net.status}`);
	inst = one("SELECT scope FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = 'officer@example.org' AND r.role = 'institution_member'");
	sql(site.db, `INSERT INTO user_roles (user_id, role, scope, granted_at) SELECT id, 'institution_owner', '${inst}', '2026-11-01T00:00:00Z' FROM users WHERE email = 'officer@example.org';
		INSERT INTO network_members (network, user_id, state, requested_at, joined_at) VALUES ('${NET}', ${expert.id}, 'member', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'), ('${NET}', ${expert2.id}, 'member', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z');`);
});

after(async () => {
	const { srv } = loop;
	if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.stderr().slice(-1500));
	const audit = kafaat(['audit', 'verify', '--db', site.db]);
	assert.equal(audit.status, 0, audit.stderr);
	console.log(`faults on write paths, the Nth ${faultWhat} failing (${path.basename(sanitizedBin)}, ${isPg(site.db) ? 'PostgreSQL' : 'SQLite'}):\n${figures.join('\n')}`);
	site.remove();
});

loopTests(STEPS, site.db, loop, figures, () => MAX_N);
