//! SQLite writes with group commit.
//!
//! SQLite has one writer at a time. Letting every request open its own write transaction on a
//! pooled connection makes them queue inside SQLite's busy handler, which sleeps (up to 100 ms a
//! time), and pays one `fsync` per request under `synchronous=FULL`. Instead every write
//! transaction goes through one connection, handed over by an async lock in arrival order. Each
//! request's work is a savepoint inside a shared transaction; when a request finishes and
//! another is already waiting, the commit is left to the next one, so a burst of requests shares
//! one `COMMIT` (one `fsync`). No request is answered before the commit that holds its work: a
//! request whose savepoint was released waits for that commit's outcome. A request that fails
//! rolls back to its savepoint and leaves the others' work alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::{Executor, SqliteConnection};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use crate::db::{Result, StoreError};

/// Most requests one commit holds; later ones start the next.
const MOST_PER_COMMIT: usize = 128;
/// How long the oldest work of a group may wait for its commit while requests keep coming.
const LONGEST_GROUP: Duration = Duration::from_millis(20);
/// How long a request that left its commit to the next one waits before checking that the
/// next one did come (it may have been cancelled while waiting).
const HANDOVER_CHECK: Duration = Duration::from_millis(50);

/// The outcome of one group's commit, as its waiting members learn it.
type Outcome = Option<std::result::Result<(), String>>;

/// The one writing connection and the group transaction open on it.
pub(crate) struct Writer {
    gate: Arc<Mutex<WriterState>>,
    /// Requests waiting for the gate; the holder leaves the commit to them when there are any.
    waiting: AtomicUsize,
}

struct WriterState {
    conn: SqliteConnection,
    group: Option<Group>,
    groups_begun: u64,
    /// A request's savepoint is open: true between its begin and its commit or rollback (still
    /// true at the next begin only if the request vanished without either).
    in_request: bool,
}

struct Group {
    id: u64,
    /// Requests whose work the group holds (released savepoints).
    members: usize,
    opened: Instant,
    outcome: watch::Sender<Outcome>,
}

/// Counts a request as waiting for the gate while it exists (also when its future is dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Writer {
    pub(crate) fn new(conn: SqliteConnection) -> Arc<Writer> {
        Arc::new(Writer {
            gate: Arc::new(Mutex::new(WriterState {
                conn,
                group: None,
                groups_begun: 0,
                in_request: false,
            })),
            waiting: AtomicUsize::new(0),
        })
    }

    /// Closes the writing connection once the work in hand is committed.
    pub(crate) async fn close(&self) {
        let mut state = self.gate.lock().await;
        if state.in_request {
            rollback_request(&mut state).await;
        }
        let _ = finish_group(&mut state).await;
    }
}

/// One request's write transaction: a savepoint in the group transaction.
pub struct WriteTx {
    state: Option<OwnedMutexGuard<WriterState>>,
    writer: Arc<Writer>,
}

impl std::fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteTx")
    }
}

impl WriteTx {
    pub(crate) async fn begin(writer: &Arc<Writer>) -> Result<WriteTx> {
        let mut state = {
            let _waiting = Waiting::new(&writer.waiting);
            writer.gate.clone().lock_owned().await
        };
        if state.in_request {
            // The last request vanished without ending (its runtime was shutting down).
            rollback_request(&mut state).await;
        }
        if state.group.is_none() {
            state.conn.execute("BEGIN IMMEDIATE").await?;
            state.groups_begun += 1;
            state.group = Some(Group {
                id: state.groups_begun,
                members: 0,
                opened: Instant::now(),
                outcome: watch::channel(None).0,
            });
        }
        if let Err(e) = state.conn.execute("SAVEPOINT request").await {
            let _ = finish_group(&mut state).await;
            return Err(e.into());
        }
        state.in_request = true;
        Ok(WriteTx {
            state: Some(state),
            writer: writer.clone(),
        })
    }

    pub(crate) fn connection(&mut self) -> &mut SqliteConnection {
        &mut self
            .state
            .as_mut()
            .expect("a write transaction holds the writer until it ends")
            .conn
    }

    /// Keeps the request's work and returns once a commit holding it is durable.
    pub(crate) async fn commit(mut self) -> Result<()> {
        let mut state = self
            .state
            .take()
            .expect("a write transaction holds the writer until it ends");
        if let Err(e) = state.conn.execute("RELEASE request").await {
            rollback_request(&mut state).await;
            return Err(e.into());
        }
        state.in_request = false;
        let Some(group) = state.group.as_mut() else {
            return Err(StoreError::Corrupt("the group transaction is gone".into()));
        };
        group.members += 1;
        let leave_to_next = self.writer.waiting.load(Ordering::SeqCst) > 0
            && group.members < MOST_PER_COMMIT
            && group.opened.elapsed() < LONGEST_GROUP;
        if !leave_to_next {
            return finish_group(&mut state).await;
        }
        let id = group.id;
        let mut outcome = group.outcome.subscribe();
        drop(state);
        loop {
            // The watch's guard is not `Send`: copy the outcome out before anything awaits.
            let waited = tokio::time::timeout(HANDOVER_CHECK, outcome.wait_for(Option::is_some))
                .await
                .map(|seen| seen.map(|outcome| outcome.clone()));
            match waited {
                Ok(Ok(result)) => return result.unwrap_or(Ok(())).map_err(StoreError::GroupCommit),
                Ok(Err(_)) => return Err(StoreError::GroupCommit("the group commit was abandoned".into())),
                Err(_) => {
                    // Nobody finished the group yet: finish it ourselves if it is still open
                    // and no request is inside it (we hold the gate, so none is).
                    let mut state = self.writer.gate.clone().lock_owned().await;
                    if state.group.as_ref().is_some_and(|g| g.id == id) {
                        return finish_group(&mut state).await;
                    }
                }
            }
        }
    }

    /// Commits everything so far (with the group) and goes on in a fresh savepoint, keeping the
    /// writer: for bulk loads written in batches.
    pub(crate) async fn checkpoint(&mut self) -> Result<()> {
        let state = self
            .state
            .as_mut()
            .expect("a write transaction holds the writer until it ends");
        state.conn.execute("RELEASE request").await?;
        state.in_request = false;
        if let Some(group) = state.group.as_mut() {
            group.members += 1;
        }
        finish_group(state).await?;
        state.conn.execute("BEGIN IMMEDIATE").await?;
        state.groups_begun += 1;
        state.group = Some(Group {
            id: state.groups_begun,
            members: 0,
            opened: Instant::now(),
            outcome: watch::channel(None).0,
        });
        state.conn.execute("SAVEPOINT request").await?;
        state.in_request = true;
        Ok(())
    }
}

impl Drop for WriteTx {
    /// A request that ends without committing (an error, a refusal, a dropped future) takes its
    /// work back; the group goes on.
    fn drop(&mut self) {
        let Some(mut state) = self.state.take() else {
            return;
        };
        // Without a runtime the guard just goes; the next request finds `in_request` and
        // rolls the savepoint back first.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                rollback_request(&mut state).await;
            });
        }
    }
}

/// Undoes the request's savepoint; commits the group when nobody else is coming to do it.
async fn rollback_request(state: &mut WriterState) {
    state.in_request = false;
    let undone =
        state.conn.execute("ROLLBACK TO request").await.is_ok() && state.conn.execute("RELEASE request").await.is_ok();
    if !undone {
        // SQLite rolled the whole transaction back (an I/O error, say): the group failed.
        let _ = state.conn.execute("ROLLBACK").await;
        if let Some(group) = state.group.take() {
            let _ = group
                .outcome
                .send(Some(Err("the transaction was rolled back by the database".into())));
        }
        return;
    }
    let _ = finish_group(state).await;
}

/// Commits the open group (or rolls it back when it holds no work) and tells its members.
async fn finish_group(state: &mut WriterState) -> Result<()> {
    let Some(group) = state.group.take() else {
        return Ok(());
    };
    if group.members == 0 {
        state.conn.execute("ROLLBACK").await?;
        return Ok(());
    }
    let committed = state.conn.execute("COMMIT").await;
    let outcome = match &committed {
        Ok(_) => Ok(()),
        Err(e) => {
            let _ = state.conn.execute("ROLLBACK").await;
            Err(e.to_string())
        }
    };
    let _ = group.outcome.send(Some(outcome));
    committed?;
    Ok(())
}
