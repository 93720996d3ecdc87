//! Group commit: writes that arrive while another is being written queue,
//! and whichever request finds the queue's turn free writes every write
//! waiting at that moment in one transaction, with one commit and so one
//! disk flush. While one group is written the next one gathers, so under
//! load groups grow by themselves, and alone a write is written at once.
//!
//! The queue itself ([`GroupQueue`]) serves two kinds of group: proposal
//! updates (`proposal_batch`, which decides a group's updates together) and
//! independent writes ([`Store::grouped_write`], described as statements:
//! `grouped_statements`), each run under a savepoint of its own so that
//! one that fails is undone alone.
//!
//! A group is written by a task of its own, so a request that goes away
//! (its client hung up) never cancels the others' writes. A write is
//! acknowledged only once its group's `COMMIT` has returned: SQLite runs
//! with `synchronous = FULL`, so that is once it is on disk. A failed
//! commit is answered to every write of the group.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

use crate::grouped_statements::{SAVEPOINT, Statement, query_of, savepointed};
use crate::{Store, StoreError};

/// Most writes in one group; the rest wait for the next.
const MAX_GROUP: usize = 256;

/// Requests waiting for their group, and the turns to write one.
pub(crate) struct GroupQueue<Q> {
    waiting: Mutex<Vec<Q>>,
    turns: Arc<tokio::sync::Semaphore>,
}

impl<Q> GroupQueue<Q> {
    /// A queue whose groups are written `turns` at a time. SQLite writes
    /// one transaction at a time, so one turn; on PostgreSQL a second group
    /// is read, decided and written up to what it must wait for (the rows
    /// the first one locked, the decision log's turn) while the first one
    /// commits, as two brokers on one database do, so the cores are not
    /// idle during a commit's flush.
    pub(crate) fn with_turns(turns: usize) -> GroupQueue<Q> {
        GroupQueue {
            waiting: Mutex::new(Vec::new()),
            turns: Arc::new(tokio::sync::Semaphore::new(turns.max(1))),
        }
    }
}

impl<Q> Default for GroupQueue<Q> {
    fn default() -> Self {
        GroupQueue::with_turns(1)
    }
}

impl<Q> std::fmt::Debug for GroupQueue<Q> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupQueue").finish_non_exhaustive()
    }
}

impl<Q: Send + 'static> GroupQueue<Q> {
    fn waiting(&self) -> MutexGuard<'_, Vec<Q>> {
        // Nothing panics while the lock is held (a push, a drain).
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `request`; its answer comes through the channel given to
    /// [`GroupQueue::wait`].
    pub(crate) fn push(&self, request: Q) {
        self.waiting().push(request);
    }

    /// How many requests wait for a group.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.waiting().len()
    }

    /// Waits for the answer; when the turn comes first, takes the group
    /// waiting then (this request is in it, or was in one just written)
    /// and has `write` write it, in a task of its own. `lost` is the answer
    /// when the writing task ended without answering (it panicked).
    pub(crate) async fn wait<A, W, F>(
        &self,
        mut answered: oneshot::Receiver<A>,
        write: W,
        lost: impl FnOnce() -> A,
    ) -> A
    where
        W: Fn(Vec<Q>) -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        loop {
            tokio::select! {
                biased;
                answer = &mut answered => return answer.unwrap_or_else(|_| lost()),
                turn = Arc::clone(&self.turns).acquire_owned() => {
                    // The semaphore is never closed.
                    let Ok(turn) = turn else { return lost() };
                    let group: Vec<Q> = {
                        let mut waiting = self.waiting();
                        let n = waiting.len().min(MAX_GROUP);
                        waiting.drain(..n).collect()
                    };
                    if group.is_empty() {
                        continue;
                    }
                    let writing = write(group);
                    let task = tokio::spawn(async move {
                        writing.await;
                        drop(turn);
                    });
                    // A panic drops the group's senders: answered above.
                    let _ = task.await;
                }
            }
        }
    }
}

/// Answers a write once its group's `COMMIT` returned: `Ok` if that
/// succeeded, the commit's failure otherwise; or its own failure, when its
/// statements failed and were undone.
type Acknowledge = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// A queued write: its statements and how to answer it.
pub(crate) struct QueuedWrite {
    statements: Vec<Statement>,
    acknowledge: Acknowledge,
}

/// The queue of independent writes (see [`Store::grouped_write`]).
pub(crate) type WriteQueue = GroupQueue<QueuedWrite>;

impl Store {
    /// Runs `statements` in order as one logical transaction and answers
    /// `value` once that is committed, or the first statement's failure
    /// (the others undone). On SQLite the write joins the writes waiting
    /// at the same moment: one transaction, each write under a savepoint
    /// of its own sent with its statements as one text (a write that fails
    /// is rolled back to it and answered its error; the others go on), one
    /// commit. On PostgreSQL, where writes run in parallel, it is a
    /// transaction of its own.
    pub(crate) async fn grouped_write<T: Send + 'static>(
        &self,
        statements: Vec<Statement>,
        value: T,
    ) -> Result<T, StoreError> {
        if !self.sqlite {
            let (_turn, mut tx) = self.write_tx().await?;
            for statement in &statements {
                statement.query().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            return Ok(value);
        }
        let (answer, answered) = oneshot::channel();
        self.write_queue.push(QueuedWrite {
            statements,
            acknowledge: Box::new(move |result| {
                let _ = answer.send(result.map(|()| value));
            }),
        });
        let store = self.clone();
        let write = move |group| {
            let store = store.clone();
            async move { store.commit_group(group).await }
        };
        let lost = || Err(StoreError::Busy("the group of writes".into()));
        self.write_queue.wait(answered, write, lost).await
    }

    /// Writes `group` in one transaction and acknowledges each write that
    /// succeeded, once the commit has returned.
    async fn commit_group(&self, group: Vec<QueuedWrite>) {
        let mut written = Vec::with_capacity(group.len());
        let committed = self.write_savepoints(group, &mut written).await;
        for acknowledge in written {
            acknowledge(match &committed {
                Ok(()) => Ok(()),
                Err(e) => Err(echo(e, "the group of writes")),
            });
        }
    }

    /// Runs the whole group in one transaction, every write under its
    /// savepoint, sent as one text: one round trip to the connection's
    /// thread, not one per statement. When a write fails, the transaction
    /// is rolled back and the group run again write by write, so that
    /// the failing one is known and undone alone; what succeeded waits in
    /// `written` for the commit. Writes not yet run when the group fails as
    /// a whole are dropped, and so answered busy.
    async fn write_savepoints(
        &self,
        group: Vec<QueuedWrite>,
        written: &mut Vec<Acknowledge>,
    ) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        let (sql, args) = savepointed(group.iter().map(|w| &w.statements[..]));
        let whole = query_of(&sql, &args).execute(&mut *tx).await;
        drop(args);
        if whole.is_ok() {
            tx.commit().await?;
            written.extend(group.into_iter().map(|w| w.acknowledge));
            return Ok(());
        }
        tx.rollback().await?;
        let mut tx = self.write_pool.begin_with("BEGIN IMMEDIATE").await?;
        for write in group {
            let (sql, args) = savepointed([&write.statements[..]]);
            let result = query_of(&sql, &args).execute(&mut *tx).await;
            drop(args);
            match result {
                Ok(_) => written.push(write.acknowledge),
                Err(e) => {
                    // Fails (and fails the group) when the savepoint was
                    // never taken or SQLite rolled the whole transaction
                    // back (a full disk, an I/O error).
                    sqlx::query(&format!(
                        "ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT}"
                    ))
                    .execute(&mut *tx)
                    .await?;
                    (write.acknowledge)(Err(e.into()));
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The same failure, for each request of a group that failed together:
/// retryable stays retryable (busy on `what`).
pub(crate) fn echo(e: &StoreError, what: &str) -> StoreError {
    if e.is_retryable() {
        StoreError::Busy(what.into())
    } else {
        StoreError::Database(sqlx::Error::Protocol(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::time::Duration;

    use crate::grouped_statements::Statement;
    use crate::{InterfaceRecord, Store, StoreError, Table, Verification};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// A store with the team, components and interface verifications name.
    async fn seeded() -> Result<(tempfile::TempDir, Store), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display())).await?;
        store.create_team("payments", "Payments", 1).await?;
        store
            .create_component("payments-svc", "payments", 1)
            .await?;
        store
            .create_component("checkout-web", "payments", 1)
            .await?;
        let interface = InterfaceRecord {
            id: "payments-api".into(),
            component: "payments-svc".into(),
            kind: "openapi".into(),
            compatibility: "backward".into(),
            proto_category: None,
        };
        store.create_interface(&interface, 1).await?;
        Ok((dir, store))
    }

    /// Verification `n`; of an interface that does not exist when `bad`
    /// (refused by its foreign key).
    fn verification(n: usize, bad: bool) -> Verification {
        Verification {
            interface: if bad { "no-such-api" } else { "payments-api" }.into(),
            provider_version: format!("1.0.{}", n % 7),
            consumer: "checkout-web".into(),
            consumer_version: "7".into(),
            success: !n.is_multiple_of(3),
            details: None,
        }
    }

    /// Starts `writers` concurrent verifications while the queue's turn is
    /// held, so that they all queue, then lets them go: one group.
    async fn one_group(
        store: &Store,
        writers: usize,
        bad: impl Fn(usize) -> bool,
    ) -> Result<Vec<Result<String, StoreError>>, Box<dyn std::error::Error>> {
        let turn = std::sync::Arc::clone(&store.write_queue.turns)
            .acquire_owned()
            .await?;
        let mut tasks = Vec::new();
        for n in 0..writers {
            let store = store.clone();
            let v = verification(n, bad(n));
            tasks.push(tokio::spawn(async move {
                store.record_verification(&v, "payments", 10).await
            }));
        }
        let queued = tokio::time::timeout(Duration::from_secs(20), async {
            while store.write_queue.len() < writers {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
        queued.await?;
        drop(turn);
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await?);
        }
        Ok(answers)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writers_are_each_stored_and_acknowledged_once() -> TestResult {
        let (_dir, store) = seeded().await?;
        // A first group of 200 queued at once, then 300 writers as they
        // come (groups form by themselves, at most MAX_GROUP each).
        let mut ids = Vec::new();
        for answer in one_group(&store, 200, |_| false).await? {
            ids.push(answer?);
        }
        let mut tasks = Vec::new();
        for n in 0..300 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .record_verification(&verification(n, false), "payments", 20)
                    .await
            }));
        }
        for task in tasks {
            ids.push(task.await??);
        }
        let distinct: HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), 500, "every writer got an id of its own");
        assert_eq!(store.count(Table::Verifications).await?, 500);
        let stored = store
            .verifications("payments-api", None, None, 1000)
            .await?;
        let stored: HashSet<&String> = stored.iter().map(|r| &r.id).collect();
        assert_eq!(stored, distinct, "every acknowledged id is stored");
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_failing_writer_gets_its_error_and_the_others_commit() -> TestResult {
        let (_dir, store) = seeded().await?;
        let bad = |n: usize| n % 5 == 2;
        let answers = one_group(&store, 40, bad).await?;
        let mut kept = HashSet::new();
        for (n, answer) in answers.into_iter().enumerate() {
            match answer {
                Ok(id) => {
                    assert!(
                        !bad(n),
                        "writer {n} of an unknown interface was acknowledged"
                    );
                    kept.insert(id);
                }
                Err(e) => {
                    assert!(bad(n), "writer {n} failed: {e}");
                    assert!(matches!(e, StoreError::Database(_)), "writer {n}: {e:?}");
                }
            }
        }
        assert_eq!(kept.len(), 32);
        assert_eq!(store.count(Table::Verifications).await?, 32);
        let stored = store.verifications("payments-api", None, None, 100).await?;
        let stored: HashSet<String> = stored.into_iter().map(|r| r.id).collect();
        assert_eq!(stored, kept);
        Ok(())
    }

    /// A writer that fails after writing is undone alone, back to its
    /// savepoint: its row is gone, the rows before and after it stay.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_writer_failing_after_a_write_is_rolled_back_alone() -> TestResult {
        let (_dir, store) = seeded().await?;
        let turn = std::sync::Arc::clone(&store.write_queue.turns)
            .acquire_owned()
            .await?;
        let mut tasks = Vec::new();
        for n in 0i64..3 {
            let writer = store.clone();
            let mut statements = vec![
                Statement::new("INSERT INTO verifications (id, interface_id, provider_version, consumer_id, consumer_version, success, recorded_by, recorded_at, seq) VALUES ($1, 'payments-api', '1', 'checkout-web', '7', 1, 'payments', 1, $2)")
                    .text(format!("ver_{n}"))
                    .int(n),
            ];
            if n == 1 {
                // Its second statement names an interface that does not
                // exist: refused by the foreign key, after the first wrote.
                statements.push(
                    Statement::new("INSERT INTO verifications (id, interface_id, provider_version, consumer_id, consumer_version, success, recorded_by, recorded_at, seq) VALUES ($1, 'no-such-api', '1', 'checkout-web', '7', 1, 'payments', 1, 1)")
                        .text("ver_bad"),
                );
            }
            tasks.push(tokio::spawn(async move {
                writer.grouped_write(statements, n).await
            }));
        }
        while store.write_queue.len() < 3 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        drop(turn);
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await?);
        }
        assert!(matches!(answers[0], Ok(0)));
        assert!(
            matches!(answers[1], Err(StoreError::Database(_))),
            "{:?}",
            answers[1]
        );
        assert!(matches!(answers[2], Ok(2)));
        let stored = store.verifications("payments-api", None, None, 10).await?;
        let mut ids: Vec<String> = stored.into_iter().map(|r| r.id).collect();
        ids.sort();
        assert_eq!(ids, ["ver_0", "ver_2"]);
        Ok(())
    }

    /// With two turns, a request that comes while a group is being written
    /// is written at once in a second group; with one, it waits for the
    /// first to end.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_turn_writes_a_second_group_while_the_first_is_written() -> TestResult {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

        use tokio::sync::{Notify, oneshot};

        use super::GroupQueue;

        for (turns, at_once) in [(1, 1), (2, 2)] {
            let queue = Arc::new(GroupQueue::<oneshot::Sender<()>>::with_turns(turns));
            let writing = Arc::new(AtomicUsize::new(0));
            let most = Arc::new(AtomicUsize::new(0));
            let second_started = Arc::new(Notify::new());
            let mut tasks = Vec::new();
            for n in 0..2 {
                let (answer, answered) = oneshot::channel();
                queue.push(answer);
                let (queue, in_task, most, second_started) = (
                    queue.clone(),
                    writing.clone(),
                    most.clone(),
                    second_started.clone(),
                );
                tasks.push(tokio::spawn(async move {
                    let write = move |group: Vec<oneshot::Sender<()>>| {
                        let (writing, most, second_started) =
                            (in_task.clone(), most.clone(), second_started.clone());
                        async move {
                            let now = writing.fetch_add(1, SeqCst) + 1;
                            most.fetch_max(now, SeqCst);
                            if now == 2 {
                                second_started.notify_one();
                            } else if n == 0 {
                                // The first group waits for a second one to
                                // start beside it, for a while (with one
                                // turn none will).
                                let started = second_started.notified();
                                let _ = tokio::time::timeout(Duration::from_secs(2), started).await;
                            }
                            writing.fetch_sub(1, SeqCst);
                            for answer in group {
                                let _ = answer.send(());
                            }
                        }
                    };
                    queue.wait(answered, write, || ()).await
                }));
                // The second request comes once the first group is written.
                while n == 0 && writing.load(SeqCst) == 0 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            for task in tasks {
                task.await?;
            }
            assert_eq!(most.load(SeqCst), at_once, "{turns} turns");
        }
        Ok(())
    }
}
