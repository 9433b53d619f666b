// Database failure injection on the write paths of networks and events
// (issue #11; needs, engagements, plans, consultations, proposals and
// discussions have theirs in faults_writes.test.mjs, the accounts in
// faults_accounts.test.mjs; the mechanism is docs/HARDENING.md, "Failure
// injection"). The paths: joining an open network, leaving it, asking to
// join a network on approval and the coordinator accepting or refusing the
// request; an announcement; an introduction asked, forwarded, accepted or
// declined; the programme team appointing and removing a coordinator and
// editing a network; an event created, edited (the waiting promoted, the
// registered told), cancelled; a seat taken, a place on the waiting list,
// a seat given up (the first waiting promoted); attendance.
//
// One server runs with FAULT_INJECT_DB=<file>. The people each step starts
// from are made without a fault, through the pages: an admin with a second
// factor, a coordinator of two networks (one open, one on approval) with a
// second factor, two members of the open network (the second on its roster),
// a person who joins and leaves, a person the programme team appoints.
// Then, for every step, for N = 1, 2, … until the fault is not reached: the
// form is fetched (no fault), the fault is armed at the Nth database call,
// the form is posted, the fault is disarmed. For every N (lib.mjs,
// writeLoop):
//   - the server is still running, and the ASan+UBSan build reports nothing;
//   - the answer is never 500, and it is the step's success redirect if and
//     only if the change is in the database (read with sqlite3 or psql);
//   - a change that was not committed left every table as it was (a
//     checksum of the whole database, less what reads and the mail sender
//     may write);
//   - a committed change came with its audit rows, its notifications and
//     its search-index change, and the whole database keeps the invariants
//     below (a membership, a coordinator, an introduction, a registration is
//     in the state of its last audited step; an event's sequence counts its
//     audited changes, its seats the seats held, never above capacity…).
// A step whose attempt succeeded starts over from a fresh state (a new
// event, the person out of the network again…), so every N meets the same
// state.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before } from 'node:test';
import { enrolTotp } from '../client.mjs';
import { kafaat } from '../kafaat.mjs';
import { PASSWORD, faultScale, faultWhat, freshSite, isPg, loopTests, makeAdmin, makeExpert, sanitizedBin, sql, sqlReaders, sqlText, VOLATILE_BASE, writeLoop } from './lib.mjs';

// The longest step (an event edited: a promotion and two people told) made
// 60 database calls in a run of 2026-11-30; allocations are more
// (faultScale).
const MAX_N = 200 * faultScale;
// After a membership step (joining, asking, leaving, a decision) the
// request brings the search index up to date (search_changed, after the
// commit: a failure there is only logged), reading again the last ten
// seconds of the change log (SEARCH_OVERLAP_MS), one call per row. Every
// attempt that commits adds a row or two (its own, the leaving in the next
// prepare), so the tail of N grows with the attempts made in ten seconds
// (up to 294 in a SQLite run of 2026-11-30, fewer under load or on
// PostgreSQL): such a step lasts 15 to 40 seconds however fast the attempts
// are, and its N is bounded only by the pace of the attempts.
const MAX_N_INDEXED = 2000 * faultScale;
const site = freshSite('faultn');
// No hourly job (testing.jobs): a server restarted after an abort would run
// them at once, and their writes would pass for the aborted request's. The
// coordinator and the admin are staff: their sessions outlast a long run
// (under valgrind, or FAULT_TARGET=alloc) without a request.
site.env = { ...site.env, KAFAAT_TESTING_JOBS: '0', KAFAAT_AUTH_STAFF_IDLE_MINUTES: '1440' };
const armFile = path.join(site.dir, 'fault');
const figures = [];

const NET = 'europe'; // open
const APP = 'sante'; // on approval
// Events start next year; those not begun when the test started are the
// ones where nobody may wait beside a free seat (the attendance events are
// moved into the past).
const YEAR = new Date().getUTCFullYear() + 1;
const STARTED = `${new Date().toISOString().slice(0, 19)}Z`;

let admin, coordinator, expert, expert2, joiner, candidate, at;

const { one, count } = sqlReaders(site.db);
const q = sqlText;

// The invariants read the audit log through a few derived tables, each
// joined on its keys (not a subquery per row and audit row): on PostgreSQL
// a plan above jit_above_cost is compiled first, a second or two per check.
//
// The audit rows that say where a person stands in a network, as (seq,
// action, network, person): their own (joined, asked, left: target the
// network) and a coordinator's decision (target the person, the details
// {"network":"SLUG"}).
const MEMBERSHIP_STEPS = `SELECT a.seq, a.action,
	CASE WHEN a.target_type = 'network' THEN a.target_id ELSE SUBSTR(a.details, 13, LENGTH(a.details) - 14) END AS network,
	CASE WHEN a.target_type = 'network' THEN CAST(a.actor_id AS TEXT) ELSE a.target_id END AS person
	FROM audit_log a WHERE (a.action IN ('network_joined', 'network_join_requested', 'network_left') AND a.target_type = 'network')
	OR (a.action IN ('network_request_accepted', 'network_request_refused') AND a.target_type = 'user')`;
// The programme team's appointments and removals of coordinators (its page:
// the details {"role":"coordinator","scope":"SLUG"}), and the console's
// (`kafaat admin grant`: no scope recorded).
const APPOINTMENTS = `SELECT a.seq, a.action, a.target_id AS person, SUBSTR(a.details, 32, LENGTH(a.details) - 33) AS network
	FROM audit_log a WHERE a.action IN ('role_granted', 'role_revoked') AND a.target_type = 'user' AND a.details LIKE '{"role":"coordinator","scope":"%'`;
const CONSOLE_APPOINTMENTS = `SELECT a.seq, a.target_id AS person FROM audit_log a
	WHERE a.action = 'role_granted' AND a.target_type = 'user' AND a.details = '{"role":"coordinator","by":"console"}'`;
// A person's steps at an event, as (seq, action, event, person): their own,
// and their promotion (by whoever freed the seat or raised the capacity,
// the details {"user":ID}).
const PLACE_STEPS = `SELECT a.seq, a.action, a.target_id AS event,
	CASE WHEN a.action = 'event_promoted' THEN SUBSTR(a.details, 9, LENGTH(a.details) - 9) ELSE CAST(a.actor_id AS TEXT) END AS person
	FROM audit_log a WHERE a.target_type = 'event' AND a.action IN ('event_registered', 'event_waiting', 'event_unregistered', 'event_promoted')`;
// The last of the steps of each pair (audit seqs are unique), with the
// state it leaves (`state`: a CASE on x.action).
const lastOf = (steps, key, state) => `SELECT x.${key}, x.person, ${state} AS state FROM (${steps}) x
	JOIN (SELECT s.${key}, s.person, MAX(s.seq) AS last FROM (${steps}) s GROUP BY s.${key}, s.person) p ON p.last = x.seq`;
const LAST_MEMBERSHIP = lastOf(MEMBERSHIP_STEPS, 'network', "CASE x.action WHEN 'network_joined' THEN 'member' WHEN 'network_request_accepted' THEN 'member' WHEN 'network_join_requested' THEN 'pending' ELSE 'none' END");
const LAST_APPOINTMENT = lastOf(APPOINTMENTS, 'network', 'x.action');
const LAST_PLACE = lastOf(PLACE_STEPS, 'event', "CASE x.action WHEN 'event_waiting' THEN 'waiting' WHEN 'event_unregistered' THEN 'cancelled' ELSE 'registered' END");
// How many audit rows of `actions` each event has: (event, n).
const eventAudits = (actions) => `SELECT a.target_id AS event, COUNT(*) AS n FROM audit_log a WHERE a.target_type = 'event' AND a.action IN (${actions}) GROUP BY a.target_id`;
const PERSON_EXISTS = (p) => `EXISTS (SELECT 1 FROM users u WHERE CAST(u.id AS TEXT) = ${p})`; // not erased

// Invariants of the whole database, true after any attempt (for what the
// pages, the console and an erasure write; not the demo data).
const INVARIANTS = {
	// networks: leaving, or a refused request, deletes the row; the audit log keeps the history
	'membership not as its last audited step': `SELECT COUNT(*) FROM network_members m LEFT JOIN (${LAST_MEMBERSHIP}) l
		ON l.network = m.network AND l.person = CAST(m.user_id AS TEXT) WHERE m.state <> COALESCE(l.state, 'none')`,
	'audited membership without its row': `SELECT COUNT(*) FROM (${LAST_MEMBERSHIP}) l WHERE l.state <> 'none' AND ${PERSON_EXISTS('l.person')}
		AND NOT EXISTS (SELECT 1 FROM network_members m WHERE m.network = l.network AND CAST(m.user_id AS TEXT) = l.person)`,
	'member without a joining date, or pending with one': "SELECT COUNT(*) FROM network_members WHERE (state = 'member') <> (joined_at IS NOT NULL)",
	'coordinator without an audited appointment': `SELECT COUNT(*) FROM user_roles r WHERE r.role = 'coordinator'
		AND NOT EXISTS (SELECT 1 FROM (${APPOINTMENTS}) x WHERE x.action = 'role_granted' AND x.person = CAST(r.user_id AS TEXT) AND x.network = r.scope)
		AND NOT EXISTS (SELECT 1 FROM (${CONSOLE_APPOINTMENTS}) c WHERE c.person = CAST(r.user_id AS TEXT))`,
	'appointed by the programme team, yet not a coordinator': `SELECT COUNT(*) FROM (${LAST_APPOINTMENT}) l WHERE l.state = 'role_granted' AND ${PERSON_EXISTS('l.person')}
		AND NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.role = 'coordinator' AND r.scope = l.network AND CAST(r.user_id AS TEXT) = l.person)`,
	// unless the console appointed them again since
	'removed by the programme team, yet a coordinator': `SELECT COUNT(*) FROM user_roles r JOIN (${LAST_APPOINTMENT}) l ON l.network = r.scope AND l.person = CAST(r.user_id AS TEXT)
		WHERE r.role = 'coordinator' AND l.state = 'role_revoked'
		AND NOT EXISTS (SELECT 1 FROM (${CONSOLE_APPOINTMENTS}) c WHERE c.person = l.person AND c.seq > (SELECT MAX(x.seq) FROM (${APPOINTMENTS}) x WHERE x.person = l.person AND x.network = l.network))`,
	'edited network without its audit row': "SELECT COUNT(*) FROM networks n WHERE n.updated_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'network_updated' AND a.target_type = 'network' AND a.target_id = n.slug)",
	'announcement without its audit row': "SELECT COUNT(*) FROM network_announcements x WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'network_announced' AND a.target_type = 'network' AND a.target_id = x.network AND a.details = '{\"announcement\":' || CAST(x.id AS TEXT) || '}')",
	'audited announcement missing': "SELECT COUNT(*) FROM audit_log a WHERE a.action = 'network_announced' AND NOT EXISTS (SELECT 1 FROM network_announcements x WHERE a.details = '{\"announcement\":' || CAST(x.id AS TEXT) || '}')",
	// introductions: requested, then one step of the coordinator and one of the person asked to meet
	'introduction without its request audit row': "SELECT COUNT(*) FROM introductions i WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'introduction_requested' AND a.target_type = 'introduction' AND a.target_id = CAST(i.id AS TEXT) AND a.actor_id = i.requester_id)",
	'introduction not in the state of its last audited step': `SELECT COUNT(*) FROM introductions i WHERE i.state <> COALESCE((SELECT CASE a.action WHEN 'introduction_forward' THEN 'forwarded' WHEN 'introduction_refuse' THEN 'refused' WHEN 'introduction_accept' THEN 'accepted' ELSE 'declined' END
		FROM audit_log a WHERE a.action IN ('introduction_forward', 'introduction_refuse', 'introduction_accept', 'introduction_decline') AND a.target_type = 'introduction' AND a.target_id = CAST(i.id AS TEXT) ORDER BY a.seq DESC LIMIT 1), 'requested')`,
	'two open introductions of one pair': `SELECT COUNT(*) FROM introductions x JOIN introductions y ON y.network = x.network AND y.id > x.id
		AND ((y.requester_id = x.requester_id AND y.target_id = x.target_id) OR (y.requester_id = x.target_id AND y.target_id = x.requester_id))
		WHERE x.state IN ('requested', 'forwarded') AND y.state IN ('requested', 'forwarded')`,
	// events: created, then each edit and the cancellation bump the sequence
	'event without its creation audit row': `SELECT COUNT(*) FROM events e LEFT JOIN (${eventAudits("'event_created'")}) c ON c.event = CAST(e.id AS TEXT) WHERE COALESCE(c.n, 0) <> 1`,
	'event sequence not its audited changes': `SELECT COUNT(*) FROM events e LEFT JOIN (${eventAudits("'event_updated', 'event_cancelled'")}) c ON c.event = CAST(e.id AS TEXT) WHERE e.sequence <> COALESCE(c.n, 0)`,
	'cancelled event without its audit row, or audited and scheduled': `SELECT COUNT(*) FROM events e LEFT JOIN (${eventAudits("'event_cancelled'")}) c ON c.event = CAST(e.id AS TEXT)
		WHERE (e.state = 'cancelled') <> (COALESCE(c.n, 0) = 1)`,
	'seats taken not the seats held': "SELECT COUNT(*) FROM events e WHERE e.seats_taken <> (SELECT COUNT(*) FROM event_registrations r WHERE r.event_id = e.id AND r.state = 'registered')",
	'seats taken above capacity': 'SELECT COUNT(*) FROM events WHERE seats_taken > capacity',
	'someone waiting beside a free seat': `SELECT COUNT(*) FROM events e WHERE e.state = 'scheduled' AND e.starts_at > '${STARTED}' AND e.seats_taken < e.capacity
		AND EXISTS (SELECT 1 FROM event_registrations r WHERE r.event_id = e.id AND r.state = 'waiting')`,
	'place not as its last audited step': `SELECT COUNT(*) FROM event_registrations r LEFT JOIN (${LAST_PLACE}) l
		ON l.event = CAST(r.event_id AS TEXT) AND l.person = CAST(r.user_id AS TEXT) WHERE r.state <> COALESCE(l.state, 'none')`,
	'audited place without its row': `SELECT COUNT(*) FROM (${LAST_PLACE}) l WHERE ${PERSON_EXISTS('l.person')}
		AND NOT EXISTS (SELECT 1 FROM event_registrations r WHERE CAST(r.event_id AS TEXT) = l.event AND CAST(r.user_id AS TEXT) = l.person)`,
	'attendance not as its last audited mark': `SELECT COUNT(*) FROM event_registrations r WHERE r.attended IS NOT NULL AND r.attended <> COALESCE((SELECT CASE WHEN a.details LIKE '%"present":1}' THEN 1 ELSE 0 END
		FROM audit_log a WHERE a.action = 'event_attendance' AND a.target_type = 'event' AND a.target_id = CAST(r.event_id AS TEXT) AND a.details LIKE '{"user":' || CAST(r.user_id AS TEXT) || ',%' ORDER BY a.seq DESC LIMIT 1), -1)`,
	'notification for no one': 'SELECT COUNT(*) FROM notifications n WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = n.user_id)',
};

const loop = writeLoop(site, armFile, VOLATILE_BASE, INVARIANTS);

// ---- what a step left: rows newer than its starting point ----------------------

// The starting point of a step: o with the last audit row, notification
// and index change (an attempt that is not committed adds none of them).
function mark(o = {}) {
	const [seq, note, idx] = one('SELECT (SELECT COALESCE(MAX(seq), 0) FROM audit_log), (SELECT COALESCE(MAX(id), 0) FROM notifications), (SELECT COALESCE(MAX(seq), 0) FROM index_changes)').split('|');
	return { ...o, seq, note, idx };
}
// Audit rows `action` since o's starting point, with more conditions.
const auditedSince = (o, action, where = '') => count(`SELECT COUNT(*) FROM audit_log WHERE seq > ${o.seq} AND action = ${q(action)}${where}`);
// Notifications `kind` to `who` since o's starting point, about `link`.
const toldSince = (o, who, kind, link) => count(`SELECT COUNT(*) FROM notifications WHERE id > ${o.note} AND user_id = ${who.id} AND kind = ${q(kind)} AND link = ${q(link)}`);
const indexedSince = (o, who) => count(`SELECT COUNT(*) FROM index_changes WHERE seq > ${o.idx} AND kind = 'expert' AND ref_id = ${who.id}`);

// ---- memberships ---------------------------------------------------------------

const placeIn = (net, who = joiner) => one(`SELECT state FROM network_members WHERE network = ${q(net)} AND user_id = ${who.id}`) ?? '';
const JOIN_MESSAGE = 'Médecin urgentiste à Lyon, je voudrais contribuer.';

async function join(who, net) {
	await who.get(`/fr/networks/${net}`);
	const r = await who.post(`/fr/networks/${net}/join`, { message: net === APP ? JOIN_MESSAGE : '' });
	assert.equal(r.status, 303, `join ${net}: ${r.status}`);
}

async function leave(who, net) {
	await who.get(`/fr/networks/${net}`);
	const r = await who.post(`/fr/networks/${net}/leave`, {});
	assert.equal(r.status, 303, `leave ${net}: ${r.status}`);
}

// The joiner brought, through the pages, to `want` in net: '' (out),
// 'member', or 'pending' (asked, in the network on approval).
async function joinerAt(net, want) {
	if (placeIn(net) !== want) {
		if (placeIn(net)) await leave(joiner, net);
		if (want) await join(joiner, net);
	}
	assert.equal(placeIn(net), want);
	return mark();
}

const isCoordinator = () => count(`SELECT COUNT(*) FROM user_roles WHERE user_id = ${candidate.id} AND role = 'coordinator' AND scope = ${q(NET)}`) === 1;

// The candidate made a coordinator of NET (or not), through the programme team's page.
async function appointed(want) {
	if (isCoordinator() !== want) {
		await admin.get(`/en/admin/networks/${NET}`);
		const r = await admin.post(`/en/admin/networks/${NET}/coordinators`, { email: 'candidate@example.org', action: want ? 'add' : 'remove' });
		assert.equal(r.status, 303, `appointment: ${r.status}`);
	}
	assert.equal(isCoordinator(), want);
	return mark();
}

let serial = 0;
const networkTexts = (summary) => ({
	slug: NET, kind: 'geographic', membership: 'open', name_ar: 'أوروبا', name_fr: 'Europe', name_en: 'Europe',
	summary_ar: 'كفاءات مغربية في أوروبا.', summary_fr: summary, summary_en: 'Moroccan professionals in Europe.',
	charter_ar: '', charter_fr: 'Nous nous réunissons chaque trimestre.', charter_en: '',
});

// ---- introductions ---------------------------------------------------------------

// The open introductions between the two members closed through the pages
// (refused by the coordinator, or declined by the person asked to meet), so
// that a new one may be asked.
async function noOpenIntroduction() {
	for (const row of sql(site.db, `SELECT id, state FROM introductions WHERE network = ${q(NET)} AND state IN ('requested', 'forwarded')`)) {
		const [id, state] = row.split('|');
		const [who, action] = state === 'requested' ? [coordinator, 'refuse'] : [expert2, 'decline'];
		await who.get('/fr/introductions');
		const r = await who.post(`/fr/introductions/${id}`, { action, note: '' });
		assert.equal(r.status, 303, `${action} introduction ${id}: ${r.status}`);
	}
	return mark();
}

const INTRO_MESSAGE = 'Nous travaillons tous deux sur la cybersécurité des hôpitaux.';
const introState = (o) => one(`SELECT state FROM introductions WHERE id = ${o.intro}`);

// An introduction the first member asked for, to the second: {intro}.
async function askedIntroduction() {
	await noOpenIntroduction();
	await expert.get(`/fr/networks/${NET}/members`);
	const r = await expert.post(`/fr/networks/${NET}/introductions`, { target: String(expert2.id), message: INTRO_MESSAGE });
	assert.equal(r.status, 303, `introduction: ${r.status}`);
	return mark({ intro: one(`SELECT id FROM introductions WHERE network = ${q(NET)} AND state = 'requested'`) });
}

// The same, forwarded by the coordinator to the second member.
async function forwardedIntroduction() {
	const o = await askedIntroduction();
	await coordinator.get('/fr/introductions');
	const r = await coordinator.post(`/fr/introductions/${o.intro}`, { action: 'forward', note: 'Je vous présente l’un à l’autre.' });
	assert.equal(r.status, 303, `forward: ${r.status}`);
	return mark({ intro: o.intro });
}

function introductionStep(name, prepare, who, action, state) {
	return {
		name, prepare,
		form: () => who().get('/fr/introductions'),
		post: (o) => who().post(`/fr/introductions/${o.intro}`, { action, note: action === 'forward' ? 'Vous avez beaucoup en commun.' : '' }),
		success: () => new RegExp(`^/fr/introductions\\?done=${action}$`),
		committed: (o) => introState(o) === state,
		recorded: (o) => auditedSince(o, `introduction_${action}`, ` AND target_id = ${q(o.intro)} AND actor_id = ${who().id}`) === 1
			&& toldSince(o, expert, `network.intro_${action === 'forward' ? 'forwarded' : state}`, '/introductions') === 1
			&& toldSince(o, expert2, 'network.intro_received', '/introductions') === (action === 'forward' ? 1 : 0),
	};
}

// ---- events ---------------------------------------------------------------------

const eventForm = (title, over = {}) => ({
	title, description: 'Présentations et échanges.\nOuvert aux membres.', mode: 'in_person', open_to: 'members',
	online_url: '', city: 'Paris', address: '10 rue de la Paix', tz: 'Europe/Paris', start_date: `${YEAR}-06-10`,
	start_time: '18:30', end_date: `${YEAR}-06-10`, end_time: '21:00', closes_date: '', closes_time: '', capacity: '1', ...over,
});
const sequenceIn = (html) => /name="sequence" value="(\d+)"/.exec(html)[1];
const placeAt = (o, who) => one(`SELECT state FROM event_registrations WHERE event_id = ${o.event} AND user_id = ${who.id}`) ?? '';
const eventLink = (o) => `/events/${o.event}`;

async function register(who, event) {
	await who.get(`/fr/events/${event}`);
	const r = await who.post(`/fr/events/${event}/register`, {});
	assert.equal(r.status, 303, `register: ${r.status}`);
}

// A new event of NET with one seat; each of `people` registers in turn (the
// first takes the seat, the next wait): {event}.
async function eventWith(...people) {
	await coordinator.get(`/fr/networks/${NET}/events/new`);
	const r = await coordinator.post(`/fr/networks/${NET}/events/new`, eventForm(`Rencontre préparée ${++serial}`));
	assert.equal(r.status, 303, `event: ${r.status}`);
	const event = /\/events\/(\d+)\?done=created$/.exec(r.location)[1];
	for (const who of people) await register(who, event);
	return mark({ event });
}

// An event the first member holds a seat at, moved into the past directly
// (an event is made in the future, and a seat is taken before the start):
// attendance is marked from the start on.
async function startedEvent() {
	const o = await eventWith(expert);
	sql(site.db, `UPDATE events SET starts_at = '2020-06-10T16:30:00Z', ends_at = '2020-06-10T19:00:00Z', registration_closes_at = '2020-06-10T16:30:00Z' WHERE id = ${o.event}`);
	return o;
}

// ---- the steps --------------------------------------------------------------------

const STEPS = [
	{
		name: 'a member joins an open network', maxN: MAX_N_INDEXED, prepare: () => joinerAt(NET, ''),
		form: () => joiner.get(`/fr/networks/${NET}`),
		post: () => joiner.post(`/fr/networks/${NET}/join`, { message: '' }),
		success: () => new RegExp(`^/fr/networks/${NET}\\?done=joined$`),
		committed: () => placeIn(NET) === 'member',
		recorded: (o) => auditedSince(o, 'network_joined', ` AND actor_id = ${joiner.id} AND target_id = ${q(NET)}`) === 1 && indexedSince(o, joiner) === 1,
	},
	{
		name: 'a member leaves a network', maxN: MAX_N_INDEXED, prepare: () => joinerAt(NET, 'member'),
		form: () => joiner.get(`/fr/networks/${NET}`),
		post: () => joiner.post(`/fr/networks/${NET}/leave`, {}),
		success: () => new RegExp(`^/fr/networks/${NET}\\?done=left$`),
		committed: () => placeIn(NET) === '',
		recorded: (o) => auditedSince(o, 'network_left', ` AND actor_id = ${joiner.id} AND target_id = ${q(NET)}`) === 1 && indexedSince(o, joiner) === 1,
	},
	{
		name: 'a person asks to join a network on approval', maxN: MAX_N_INDEXED, prepare: () => joinerAt(APP, ''),
		form: () => joiner.get(`/fr/networks/${APP}`),
		post: () => joiner.post(`/fr/networks/${APP}/join`, { message: JOIN_MESSAGE }),
		success: () => new RegExp(`^/fr/networks/${APP}\\?done=requested$`),
		committed: () => placeIn(APP) === 'pending',
		recorded: (o) => auditedSince(o, 'network_join_requested', ` AND actor_id = ${joiner.id} AND target_id = ${q(APP)}`) === 1
			&& one(`SELECT message FROM network_members WHERE network = ${q(APP)} AND user_id = ${joiner.id}`) === JOIN_MESSAGE
			&& toldSince(o, coordinator, 'network.join_requested', `/networks/${APP}/manage`) === 1,
	},
	...[['accept', 'accepted', 'member'], ['refuse', 'refused', '']].map(([decision, done, place]) => ({
		name: `the coordinator ${decision === 'accept' ? 'accepts' : 'refuses'} a request to join`, maxN: MAX_N_INDEXED, prepare: () => joinerAt(APP, 'pending'),
		form: () => coordinator.get(`/fr/networks/${APP}/manage`),
		post: () => coordinator.post(`/fr/networks/${APP}/requests/${joiner.id}`, { decision }),
		success: () => new RegExp(`^/fr/networks/${APP}/manage\\?done=${done}$`),
		committed: () => placeIn(APP) === place,
		recorded: (o) => auditedSince(o, `network_request_${done}`, ` AND actor_id = ${coordinator.id} AND target_id = '${joiner.id}'`) === 1
			&& toldSince(o, joiner, `network.request_${done}`, `/networks/${APP}`) === 1
			&& indexedSince(o, joiner) === (decision === 'accept' ? 1 : 0),
	})),
	{
		name: 'the coordinator posts an announcement', prepare: async () => mark(),
		form: () => coordinator.get(`/fr/networks/${NET}/announcements`),
		post: (o) => { o.title = `Réunion trimestrielle ${++serial}`; return coordinator.post(`/fr/networks/${NET}/announcements`, { title: o.title, body: 'Samedi 12 juin, à Paris.\nTous bienvenus.' }); },
		success: () => new RegExp(`^/fr/networks/${NET}/announcements\\?done=posted$`),
		committed: (o) => count(`SELECT COUNT(*) FROM network_announcements WHERE network = ${q(NET)} AND title = ${q(o.title)}`) === 1,
		// every member told, the author is not one
		recorded: (o) => auditedSince(o, 'network_announced', ` AND target_id = ${q(NET)} AND details = '{"announcement":' || (SELECT CAST(id AS TEXT) FROM network_announcements WHERE title = ${q(o.title)}) || '}'`) === 1
			&& [expert, expert2].every((who) => toldSince(o, who, 'network.announcement', `/networks/${NET}/announcements`) === 1)
			&& count(`SELECT COUNT(*) FROM notifications WHERE id > ${o.note} AND kind = 'network.announcement'`) === count(`SELECT COUNT(*) FROM network_members WHERE network = ${q(NET)} AND state = 'member'`),
	},
	{
		name: 'a member asks to be introduced to another', prepare: noOpenIntroduction,
		form: () => expert.get(`/fr/networks/${NET}/members`),
		post: () => expert.post(`/fr/networks/${NET}/introductions`, { target: String(expert2.id), message: INTRO_MESSAGE }),
		success: () => /^\/fr\/introductions\?done=asked$/,
		committed: () => count(`SELECT COUNT(*) FROM introductions WHERE network = ${q(NET)} AND requester_id = ${expert.id} AND target_id = ${expert2.id} AND state = 'requested'`) === 1,
		recorded: (o) => auditedSince(o, 'introduction_requested', ` AND actor_id = ${expert.id} AND details = '{"network":"${NET}","target":${expert2.id}}'`) === 1
			&& toldSince(o, coordinator, 'network.intro_requested', '/introductions') === 1,
	},
	introductionStep('the coordinator forwards an introduction', askedIntroduction, () => coordinator, 'forward', 'forwarded'),
	introductionStep('the coordinator refuses an introduction', askedIntroduction, () => coordinator, 'refuse', 'refused'),
	introductionStep('the member asked to meet accepts an introduction', forwardedIntroduction, () => expert2, 'accept', 'accepted'),
	introductionStep('the member asked to meet declines an introduction', forwardedIntroduction, () => expert2, 'decline', 'declined'),
	...[[true, 'appoints', 'added', 'role_granted'], [false, 'removes', 'removed', 'role_revoked']].map(([add, verb, done, action]) => ({
		name: `the programme team ${verb} a coordinator`, prepare: () => appointed(!add),
		form: () => admin.get(`/en/admin/networks/${NET}`),
		post: () => admin.post(`/en/admin/networks/${NET}/coordinators`, { email: 'candidate@example.org', action: add ? 'add' : 'remove' }),
		success: () => new RegExp(`^/en/admin/networks/${NET}\\?done=${done}$`),
		committed: () => isCoordinator() === add,
		recorded: (o) => auditedSince(o, action, ` AND target_id = '${candidate.id}' AND details = '{"role":"coordinator","scope":"${NET}"}'`) === 1
			&& toldSince(o, candidate, `network.coordinator_${done}`, `/networks/${NET}`) === 1,
	})),
	{
		name: 'the programme team edits a network', prepare: async () => mark(),
		form: () => admin.get(`/en/admin/networks/${NET}`),
		post: (o) => { o.summary = `Compétences marocaines en Europe, ${++serial}.`; return admin.post(`/en/admin/networks/${NET}`, networkTexts(o.summary)); },
		success: () => new RegExp(`^/en/admin/networks/${NET}\\?done=saved$`),
		committed: (o) => one(`SELECT summary_fr FROM networks WHERE slug = ${q(NET)}`) === o.summary,
		recorded: (o) => auditedSince(o, 'network_updated', ` AND target_id = ${q(NET)}`) === 1,
	},
	{
		name: 'the coordinator creates an event', prepare: async () => mark(),
		form: () => coordinator.get(`/fr/networks/${NET}/events/new`),
		post: (o) => { o.title = `Rencontre sous faute ${++serial}`; return coordinator.post(`/fr/networks/${NET}/events/new`, eventForm(o.title, { capacity: '20' })); },
		success: () => /^\/fr\/events\/\d+\?done=created$/,
		committed: (o) => count(`SELECT COUNT(*) FROM events WHERE network = ${q(NET)} AND title = ${q(o.title)} AND capacity = 20 AND starts_at = '${YEAR}-06-10T16:30:00Z'`) === 1,
		recorded: (o) => auditedSince(o, 'event_created', ` AND target_id = (SELECT CAST(id AS TEXT) FROM events WHERE title = ${q(o.title)})`) === 1,
	},
	{
		// a seat more and a new time: the waiting member promoted, both told
		name: 'the coordinator edits an event', prepare: () => eventWith(expert, expert2),
		form: async (o) => { o.sequence = sequenceIn((await coordinator.get(`/fr/events/${o.event}/edit`)).text); },
		post: (o) => coordinator.post(`/fr/events/${o.event}/edit`, { ...eventForm(`Rencontre revue ${o.event}`, { start_time: '19:00', capacity: '2' }), sequence: o.sequence }),
		success: (o) => new RegExp(`^/fr/events/${o.event}\\?done=saved$`),
		committed: (o) => one(`SELECT title FROM events WHERE id = ${o.event}`) === `Rencontre revue ${o.event}`,
		recorded: (o) => auditedSince(o, 'event_updated', ` AND target_id = ${q(o.event)} AND details = '{"sequence":1,"capacity":2}'`) === 1
			&& auditedSince(o, 'event_promoted', ` AND target_id = ${q(o.event)} AND details = '{"user":${expert2.id}}'`) === 1
			&& placeAt(o, expert2) === 'registered' && count(`SELECT seats_taken FROM events WHERE id = ${o.event}`) === 2
			&& toldSince(o, expert2, 'event.promoted', eventLink(o)) === 1
			&& [expert, expert2].every((who) => toldSince(o, who, 'event.changed', eventLink(o)) === 1),
	},
	{
		name: 'the coordinator cancels an event', prepare: () => eventWith(expert, expert2),
		form: (o) => coordinator.get(`/fr/events/${o.event}`),
		post: (o) => coordinator.post(`/fr/events/${o.event}/cancel`, { reason: 'La salle n’est plus disponible.' }),
		success: (o) => new RegExp(`^/fr/events/${o.event}\\?done=cancelled$`),
		committed: (o) => one(`SELECT state FROM events WHERE id = ${o.event}`) === 'cancelled',
		recorded: (o) => auditedSince(o, 'event_cancelled', ` AND target_id = ${q(o.event)}`) === 1
			&& one(`SELECT cancel_reason FROM events WHERE id = ${o.event}`) === 'La salle n’est plus disponible.'
			&& [expert, expert2].every((who) => toldSince(o, who, 'event.cancelled', eventLink(o)) === 1),
	},
	{
		name: 'a member takes a seat at an event', prepare: () => eventWith(),
		form: (o) => expert.get(`/fr/events/${o.event}`),
		post: (o) => expert.post(`/fr/events/${o.event}/register`, {}),
		success: (o) => new RegExp(`^/fr/events/${o.event}\\?done=registered$`),
		committed: (o) => placeAt(o, expert) === 'registered',
		recorded: (o) => auditedSince(o, 'event_registered', ` AND target_id = ${q(o.event)} AND actor_id = ${expert.id}`) === 1
			&& toldSince(o, expert, 'event.registered', eventLink(o)) === 1,
	},
	{
		name: 'a member joins the waiting list of a full event', prepare: () => eventWith(expert2),
		form: (o) => expert.get(`/fr/events/${o.event}`),
		post: (o) => expert.post(`/fr/events/${o.event}/register`, {}),
		success: (o) => new RegExp(`^/fr/events/${o.event}\\?done=waiting$`),
		committed: (o) => placeAt(o, expert) === 'waiting',
		recorded: (o) => auditedSince(o, 'event_waiting', ` AND target_id = ${q(o.event)} AND actor_id = ${expert.id}`) === 1
			&& toldSince(o, expert, 'event.waiting', eventLink(o)) === 1,
	},
	{
		name: 'a member gives up a seat, the first waiting is promoted', prepare: () => eventWith(expert, expert2),
		form: (o) => expert.get(`/fr/events/${o.event}`),
		post: (o) => expert.post(`/fr/events/${o.event}/unregister`, {}),
		success: (o) => new RegExp(`^/fr/events/${o.event}\\?done=unregistered$`),
		committed: (o) => placeAt(o, expert) === 'cancelled',
		recorded: (o) => auditedSince(o, 'event_unregistered', ` AND target_id = ${q(o.event)} AND actor_id = ${expert.id}`) === 1
			&& auditedSince(o, 'event_promoted', ` AND target_id = ${q(o.event)} AND details = '{"user":${expert2.id}}'`) === 1
			&& placeAt(o, expert2) === 'registered' && toldSince(o, expert2, 'event.promoted', eventLink(o)) === 1,
	},
	{
		// The erasure gives up the person's seats (events_forget_user): the
		// seat is freed and the first waiting promoted, or nothing happens.
		name: 'a member holding a seat erases the account, the first waiting is promoted',
		maxN: 600, // the erasure's tail: every table naming the person
		prepare: async () => {
			const who = await makeExpert(at, `leaver${++serial}@example.org`);
			await join(who, NET);
			return { who, ...(await eventWith(who, expert2)) };
		},
		form: (o) => o.who.get('/fr/profile/delete'),
		post: (o) => o.who.post('/fr/profile/delete', { password: PASSWORD }),
		ok: (r) => r.status === 200 && r.text.includes('Votre compte a été supprimé'),
		committed: (o) => count(`SELECT COUNT(*) FROM users WHERE id = ${o.who.id}`) === 0,
		recorded: (o) => placeAt(o, expert2) === 'registered'
			&& count(`SELECT seats_taken FROM events WHERE id = ${o.event}`) === 1
			&& auditedSince(o, 'event_promoted', ` AND target_id = ${q(o.event)} AND details = '{"user":${expert2.id}}'`) === 1,
	},
	{
		name: 'the coordinator records attendance', prepare: startedEvent,
		form: (o) => coordinator.get(`/fr/events/${o.event}/attendance`),
		post: (o) => coordinator.post(`/fr/events/${o.event}/attendance`, { user: String(expert.id), attended: '1' }),
		success: (o) => new RegExp(`^/fr/events/${o.event}/attendance#u-${expert.id}$`),
		committed: (o) => one(`SELECT attended FROM event_registrations WHERE event_id = ${o.event} AND user_id = ${expert.id}`) === '1',
		recorded: (o) => auditedSince(o, 'event_attendance', ` AND target_id = ${q(o.event)} AND details = '{"user":${expert.id},"present":1}'`) === 1,
	},
];

before(async () => {
	const srv = await loop.start();
	at = { url: srv.url, db: site.db, env: site.env };
	admin = await makeAdmin(at);
	// the two networks, made by the programme team
	for (const [slug, kind, membership, name] of [[NET, 'geographic', 'open', 'Europe'], [APP, 'thematic', 'approval', 'Santé']]) {
		await admin.get('/en/admin/networks');
		const r = await admin.post('/en/admin/networks', {
			slug, kind, membership, name_ar: name, name_fr: name, name_en: name,
			summary_ar: 'ملخص.', summary_fr: `Le réseau ${name}.`, summary_en: `The ${name} network.`,
		});
		assert.equal(r.status, 303, `network ${slug}: ${r.status}`);
	}
	// the coordinator of both, appointed on the page, then (staff) a second factor
	coordinator = await makeExpert(at, 'coordinator@example.org');
	for (const slug of [NET, APP]) {
		await admin.get(`/en/admin/networks/${slug}`);
		const r = await admin.post(`/en/admin/networks/${slug}/coordinators`, { email: 'coordinator@example.org', action: 'add' });
		assert.equal(r.status, 303, `coordinator of ${slug}: ${r.status}`);
	}
	await enrolTotp(coordinator, 'fr');
	expert = await makeExpert(at, 'expert@example.org');
	expert2 = await makeExpert(at, 'expert2@example.org');
	joiner = await makeExpert(at, 'joiner@example.org');
	candidate = await makeExpert(at, 'candidate@example.org');
	// the second member consents to network peers: on the roster, introductions may be asked
	await expert2.get('/fr/profile/consent');
	assert.equal((await expert2.post('/fr/profile/consent', { set: 'networks:1' })).status, 303, 'consent to network peers');
	for (const who of [expert, expert2]) await join(who, NET);
	assert.match((await expert.get(`/fr/networks/${NET}/members`)).text, new RegExp(`id="m-${expert2.id}"`), 'the second member is on the roster');
});

after(async () => {
	const { srv } = loop;
	if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.stderr().slice(-1500));
	const audit = kafaat(['audit', 'verify', '--db', site.db]);
	assert.equal(audit.status, 0, audit.stderr);
	console.log(`faults on network and event write paths, the Nth ${faultWhat} failing (${path.basename(sanitizedBin)}, ${isPg(site.db) ? 'PostgreSQL' : 'SQLite'}):\n${figures.join('\n')}`);
	site.remove();
});

loopTests(STEPS, site.db, loop, figures, (step) => step.maxN ?? MAX_N);
