/* fault: failure injection for the database layer. FOR TESTS ONLY.
 *
 * The environment variable FAULT_INJECT_DB, read once when the first
 * connection opens, makes one database call fail. Counted calls are
 * db_prepare, db_step, db_exec, db_begin and db_commit (one each), across
 * every thread but those exempted (fault_db_exempt_thread); db_rollback
 * is never counted, and fails only under the +rollback forms below;
 * db_bind_* and column reads never fail. The forms:
 *
 *   FAULT_INJECT_DB=N      (N >= 1) the Nth call since the first
 *                          connection opened fails (start-up included).
 *   FAULT_INJECT_DB=N+rollback
 *                          the same, and the first db_rollback after that
 *                          failure fails too (once).
 *   FAULT_INJECT_DB=N+rollback-always
 *                          the same, and every db_rollback after that
 *                          failure fails (until re-armed).
 *   FAULT_INJECT_DB=N+alloc
 *                          no database call fails: the Nth allocation by
 *                          Kafaat (core/xalloc.h) does, and so the process
 *                          aborts ("fatal: out of memory"), as it would
 *                          out of memory. Allocations before the first
 *                          connection opened are not counted.
 *   FAULT_INJECT_DB=N+engine-alloc
 *                          the Nth allocation by SQLite's allocator fails
 *                          (SQLITE_NOMEM: the engine recovers, the call
 *                          fails); no effect on PostgreSQL, whose libpq
 *                          allocates with malloc directly.
 *   FAULT_INJECT_DB=/path  nothing fails until the process receives
 *                          SIGUSR1; then the file is read (one of the
 *                          forms above, or 0 to disarm), the count
 *                          restarts, and the Nth call after the signal
 *                          fails. The handler writes "fault injection:
 *                          re-armed" to stderr once done, so a test can
 *                          wait for it.
 *
 * Allocations count on the same threads as calls. A failing allocation
 * logs "fault injection: allocation N (kafaat|engine, S bytes) fails".
 *
 * The failing call never reaches the engine: it returns DB_ERROR
 * (db_prepare: NULL) with a reason starting "injected fault" in
 * db_errmsg, and logs "fault injection: database call N (step) fails" so a
 * test can tell whether the fault was reached. Every other call runs
 * normally: the fault is one-shot, like SQLite's non-persistent mode. On
 * PostgreSQL a fault inside a transaction also aborts that transaction on
 * the server (backend.h, fail_transaction), as a real failed statement
 * does there: every later call in it fails until db_rollback, and
 * db_commit fails. On SQLite the transaction stays usable, as it does
 * after most real errors.
 *
 * A failing db_rollback is not sent either: the engine's transaction stays
 * open (SQLite) or open and aborted (PostgreSQL), as after a rollback that
 * failed for real; it returns DB_ERROR with "injected fault: the rollback
 * after database call N" in db_errmsg and logs "fault injection: the
 * rollback after database call N fails".
 *
 * Named outside the KAFAAT_* prefix on purpose: those variables are
 * configuration (an unknown one is an error) and this is not. Never set it
 * in production. Unset, each database call (db_rollback included) pays one
 * relaxed atomic load and a branch; no signal handler is installed.
 */
#ifndef KAFAAT_DB_FAULT_H
#define KAFAAT_DB_FAULT_H

#include <stddef.h>

/* Reads FAULT_INJECT_DB, once per process (later calls return at once);
 * when it is set, installs the xalloc failure hook. */
void fault_db_init(void);
/* 1 when FAULT_INJECT_DB is set (fault_db_init is called first): the
 * SQLite backend then counts its engine's allocations (fault_alloc). */
int fault_db_enabled(void);
/* Calls from the calling thread are never counted nor failed: for the
 * background threads (the mail sender and its jobs, the search index's
 * poller), whose steady trickle of reads would otherwise take the Nth
 * call from the request a test aims at. */
void fault_db_exempt_thread(void);
/* Arms as the re-arm file does, from spec ("N", "N+rollback",
 * "N+rollback-always", "N+alloc", "N+engine-alloc"; "0" disarms): the
 * count restarts. For unit tests, which call it instead of signalling. 0,
 * or -1 (nothing changed) when spec is none of these forms. */
int fault_db_arm(const char *spec);
/* Counts one database call named `call`. Returns 1 when this call is the
 * one to fail, with the reason written into err; 0 otherwise. */
int fault_db_call(const char *call, char *err, size_t errlen);
enum fault_alloc_kind { FAULT_ALLOC_KAFAAT, FAULT_ALLOC_ENGINE };
/* Counts one allocation of `size` bytes by Kafaat or by the engine.
 * Returns 1 when this allocation is the one to fail (the caller then
 * fails it), 0 otherwise. */
int fault_alloc(enum fault_alloc_kind kind, size_t size);
/* Asked by db_rollback, not counted. Returns 1 when this rollback is to
 * fail (a +rollback form, after the Nth call failed), with the reason
 * written into err; 0 otherwise. */
int fault_db_rollback(char *err, size_t errlen);

#endif
