//! A service's database, with the transactional outbox and the idempotent inbox built in.
//!
//! A service names its own trees when it opens the store; every write goes through
//! [`Store::transact`], whose [`Tx`] spans all of them plus the outbox and the inbox. So "change my
//! state, emit these events, remember I handled that event" is one transaction: either all of it
//! is on disk or none of it is.
//!
//! # Engine and threads
//!
//! The engine is [redb](https://docs.rs/redb): ACID, one writer at a time, and MVCC readers that
//! read a committed snapshot and never wait for the writer. It is named in this module only.
//!
//! Every write runs on the store's own **writer thread**, never on an async worker: callers send a
//! closure and await its answer. Reads are point lookups on a snapshot ([`Store::get`]) or scans
//! that callers run on a blocking thread ([`Store::read`]). So a slow disk delays writes, and
//! never the runtime that answers `/healthz`.
//!
//! # Group commit
//!
//! The writer takes every transaction waiting for it (up to [`StoreOptions::group_commit_max`]),
//! runs them one after another inside **one** engine transaction, and commits that once, durably
//! (one `fsync`). Each closure still sees the writes of the closures before it and commits or
//! aborts on its own: its writes are staged in an overlay and applied to the group only when it
//! returns `Ok`. Only after the group's commit is durable does any of its callers get an answer,
//! so a 2xx or an ack never precedes durability, and the relay, which reads committed snapshots,
//! only ever publishes what is durable. While one group commits, the next one gathers: under load
//! the cost of a `fsync` is shared by everyone who arrived meanwhile.

use rrm_contracts::Envelope;
use serde::{Serialize, de::DeserializeOwned};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Instant;
use tokio::sync::{Notify, oneshot};
use uuid::Uuid;

use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata};

const OUTBOX: &str = "_outbox";
const INBOX: &str = "_inbox";
/// The file inside the service's data directory.
pub const FILE_NAME: &str = "store.redb";

type Bytes = &'static [u8];
type TableDef<'a> = redb::TableDefinition<'a, Bytes, Bytes>;
/// A transaction's staged writes, by (tree index, key); `None` is a removal.
type Writes = BTreeMap<(usize, Vec<u8>), Option<Vec<u8>>>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage error: {0}")]
    Engine(String),
    #[error("stored record in {tree} is corrupt: {source}")]
    Corrupt {
        tree: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("no tree named {0} was opened")]
    UnknownTree(String),
    #[error(
        "{path} holds a store written by an earlier version of rrm (a different storage engine), \
         which this version cannot read; no data migration exists. Move it aside or delete it \
         (locally: ./deploy/local/run.sh --reset) and start again"
    )]
    OldFormat { path: PathBuf },
    /// The writer dropped the transaction unanswered: it could not begin an engine transaction
    /// (the log says why) or it has stopped.
    #[error("the store could not run the transaction (see the service's log)")]
    WriterStopped,
    #[error("a transaction panicked: {0}")]
    Panicked(String),
}

fn engine(e: impl std::fmt::Display) -> StoreError {
    StoreError::Engine(e.to_string())
}

/// Why a transaction did not commit: the closure aborted with the caller's error, or storage failed.
#[derive(Debug, thiserror::Error)]
pub enum TxError<E> {
    #[error("{0}")]
    Abort(E),
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// What a transaction closure returns: `Err(abort(e))` rolls it back with the caller's error `e`;
/// `?` on a [`StoreError`] rolls it back as a storage failure.
pub type TxResult<T, E> = Result<T, TxError<E>>;

/// Rolls the transaction back with `e`.
pub fn abort<E>(e: E) -> TxError<E> {
    TxError::Abort(e)
}

/// How the store uses memory and commits.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The engine's page cache, in bytes.
    pub cache_bytes: usize,
    /// The most transactions one durable commit takes. Larger groups share a `fsync` among more
    /// callers; each caller still waits for the whole group.
    pub group_commit_max: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            cache_bytes: 4 << 20,
            group_commit_max: 512,
        }
    }
}

/// A service's database. Cheap to clone; all clones share one engine and one writer thread.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: Arc<redb::Database>,
    /// Service trees first, then the outbox, then the inbox.
    names: Arc<Vec<String>>,
    /// Transactions on their way to the writer thread. Dropping the last store closes it, and the
    /// writer finishes what it has and exits.
    writer: mpsc::Sender<Job>,
    /// The writer thread, joined when the last store is dropped (see `Drop for Inner`).
    thread: Option<std::thread::JoinHandle<()>>,
    /// Cleared when the writer thread exits (or a commit fails): `/readyz` reports it.
    writer_alive: Arc<AtomicBool>,
    /// Woken after a commit that emitted events, so the relay publishes without polling delay.
    relay_wake: Arc<Notify>,
    /// Durable commits so far (each one group of transactions).
    commits: Arc<AtomicU64>,
}

impl Drop for Inner {
    /// The last store is gone: close the queue, and wait for the writer to finish the
    /// transactions it has and exit, so the database file is closed when this returns (a
    /// restart in the same process can open it again at once). Not when the last store is
    /// dropped by the writer itself, inside a transaction's closure: it exits right after.
    fn drop(&mut self) {
        let (closed, _) = mpsc::channel();
        drop(std::mem::replace(&mut self.writer, closed));
        if let Some(thread) = self.thread.take()
            && thread.thread().id() != std::thread::current().id()
        {
            let _ = thread.join();
        }
    }
}

/// One transaction on its way to the writer: runs the caller's closure against the group and
/// returns what to tell the caller once the group's commit succeeded or failed.
type Job = Box<dyn FnOnce(&mut Group<'_>) -> Reply + Send>;
type Reply = Box<dyn FnOnce(Result<(), &str>) + Send>;

impl Store {
    /// Opens (or creates) the database in directory `dir` with the service's own `trees`.
    pub fn open(dir: &Path, options: &StoreOptions, trees: &[&str]) -> Result<Self, StoreError> {
        refuse_old_format(dir)?;
        std::fs::create_dir_all(dir).map_err(engine)?;
        let db = redb::Database::builder()
            .set_cache_size(options.cache_bytes)
            .create(dir.join(FILE_NAME))
            .map_err(engine)?;
        let mut names: Vec<String> = trees.iter().map(|s| s.to_string()).collect();
        names.push(OUTBOX.into());
        names.push(INBOX.into());

        // Every table exists from the start, so readers never meet a missing one.
        let wtx = db.begin_write().map_err(engine)?;
        let mut next_seq = 0u64;
        for name in &names {
            let table = wtx.open_table(TableDef::new(name)).map_err(engine)?;
            if name == OUTBOX
                && let Some((last, _)) = table.last().map_err(engine)?
            {
                next_seq = seq_of(last.value()) + 1;
            }
        }
        wtx.commit().map_err(engine)?;

        let db = Arc::new(db);
        let names = Arc::new(names);
        let (writer, jobs) = mpsc::channel::<Job>();
        let writer_alive = Arc::new(AtomicBool::new(true));
        let relay_wake = Arc::new(Notify::new());
        let commits = Arc::new(AtomicU64::new(0));
        let thread = Writer {
            commits: commits.clone(),
            db: db.clone(),
            names: names.clone(),
            jobs,
            max_group: options.group_commit_max.max(1),
            next_seq,
            alive: writer_alive.clone(),
            relay_wake: relay_wake.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || thread.run())
            .map_err(engine)?;
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                names,
                writer,
                thread: Some(thread),
                writer_alive,
                relay_wake,
                commits,
            }),
        })
    }

    /// Whether the store accepts writes (its writer thread runs and its last commit succeeded).
    pub fn is_healthy(&self) -> bool {
        self.inner.writer_alive.load(Ordering::Relaxed)
    }

    /// Durable commits made so far: fewer than transactions when groups shared them.
    pub fn commits(&self) -> u64 {
        self.inner.commits.load(Ordering::Relaxed)
    }

    /// Runs `f` as one atomic transaction over every tree, the outbox and the inbox, on the
    /// writer thread, and answers once it is **durable** (its group's commit is on disk).
    ///
    /// `f` runs exactly once. It must not block or have side effects outside `tx`: every other
    /// transaction of its group waits for it.
    pub async fn transact<T, E, F>(&self, f: F) -> Result<T, TxError<E>>
    where
        F: FnOnce(&Tx<'_>) -> TxResult<T, E> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        self.queue(f).await
    }

    /// Hands `f` to the writer **now** — transactions run in the order they were queued — and
    /// returns its answer to await later, so a caller can queue several that share a commit.
    pub fn queue<T, E, F>(
        &self,
        f: F,
    ) -> impl std::future::Future<Output = Result<T, TxError<E>>> + Send + 'static
    where
        F: FnOnce(&Tx<'_>) -> TxResult<T, E> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        let submitted = self.submit(f);
        async move {
            match submitted {
                Ok(answer) => answer
                    .await
                    .unwrap_or(Err(TxError::Storage(StoreError::WriterStopped))),
                Err(e) => Err(TxError::Storage(e)),
            }
        }
    }

    /// [`Store::transact`] for code already on a blocking thread (or outside any runtime).
    pub fn transact_blocking<T, E, F>(&self, f: F) -> Result<T, TxError<E>>
    where
        F: FnOnce(&Tx<'_>) -> TxResult<T, E> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        let answer = self.submit(f)?;
        answer
            .blocking_recv()
            .unwrap_or(Err(TxError::Storage(StoreError::WriterStopped)))
    }

    fn submit<T, E, F>(&self, f: F) -> Result<oneshot::Receiver<Result<T, TxError<E>>>, StoreError>
    where
        F: FnOnce(&Tx<'_>) -> TxResult<T, E> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        let (answer, receive) = oneshot::channel();
        let job: Job = Box::new(move |group: &mut Group<'_>| group.run(f, answer));
        self.inner
            .writer
            .send(job)
            .map_err(|_| StoreError::WriterStopped)?;
        Ok(receive)
    }

    /// Runs `f` with this store on a blocking thread: for scans and anything else that may read
    /// many records, so it never holds an async worker.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| StoreError::Panicked(e.to_string()))?
    }

    fn definition(&self, name: &str) -> Result<TableDef<'_>, StoreError> {
        self.inner
            .names
            .iter()
            .find(|n| *n == name)
            .map(|n| TableDef::new(n))
            .ok_or_else(|| StoreError::UnknownTree(name.to_owned()))
    }

    fn snapshot_table(&self, name: &str) -> Result<redb::ReadOnlyTable<Bytes, Bytes>, StoreError> {
        let definition = self.definition(name)?;
        let rtx = self.inner.db.begin_read().map_err(engine)?;
        rtx.open_table(definition).map_err(engine)
    }

    /// Reads one committed record. A point lookup on a snapshot: it never waits for the writer.
    pub fn get<T: DeserializeOwned>(
        &self,
        tree: &str,
        key: impl AsRef<[u8]>,
    ) -> Result<Option<T>, StoreError> {
        let table = self.snapshot_table(tree)?;
        match table.get(key.as_ref()).map_err(engine)? {
            None => Ok(None),
            Some(bytes) => decode(tree, bytes.value()).map(Some),
        }
    }

    /// Several committed records by key, from one snapshot, in the order of `keys`: for reading
    /// what an index scan found without a snapshot per record. Call it from a blocking thread.
    pub fn get_many<T: DeserializeOwned, K: AsRef<[u8]>>(
        &self,
        tree: &str,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<Option<T>>, StoreError> {
        let table = self.snapshot_table(tree)?;
        keys.into_iter()
            .map(|key| match table.get(key.as_ref()).map_err(engine)? {
                None => Ok(None),
                Some(bytes) => decode(tree, bytes.value()).map(Some),
            })
            .collect()
    }

    /// Every committed record of `tree` whose key starts with `prefix`, in key order, decoded
    /// lazily from one snapshot. It may read many pages: call it from a blocking thread
    /// ([`Store::read`], a handler's `prepare`).
    pub fn scan<T: DeserializeOwned>(
        &self,
        tree: &str,
        prefix: impl AsRef<[u8]>,
    ) -> Result<impl Iterator<Item = Result<(Vec<u8>, T), StoreError>> + 'static, StoreError> {
        let table = self.snapshot_table(tree)?;
        let prefix = prefix.as_ref().to_vec();
        let range = table.range::<&[u8]>(prefix.as_slice()..).map_err(engine)?;
        let name = tree.to_owned();
        Ok(range
            .map(move |item| -> Result<(Vec<u8>, Vec<u8>), StoreError> {
                let (k, v) = item.map_err(engine)?;
                Ok((k.value().to_vec(), v.value().to_vec()))
            })
            .take_while(move |item| match item {
                Ok((k, _)) => k.starts_with(&prefix),
                Err(_) => true,
            })
            .map(move |item| {
                let (k, v) = item?;
                Ok((k, decode(&name, &v)?))
            }))
    }

    /// The keys of every committed record of `tree` that start with `prefix`, in key order,
    /// values left unread: for indexes whose key is the whole entry. From one snapshot; call it
    /// from a blocking thread, as [`Store::scan`].
    pub fn scan_keys(
        &self,
        tree: &str,
        prefix: impl AsRef<[u8]>,
    ) -> Result<impl Iterator<Item = Result<Vec<u8>, StoreError>> + 'static, StoreError> {
        let table = self.snapshot_table(tree)?;
        let prefix = prefix.as_ref().to_vec();
        let range = table.range::<&[u8]>(prefix.as_slice()..).map_err(engine)?;
        Ok(range
            .map(|item| item.map(|(k, _)| k.value().to_vec()).map_err(engine))
            .take_while(move |item| match item {
                Ok(k) => k.starts_with(&prefix),
                Err(_) => true,
            }))
    }

    /// Committed records of `tree` with keys above `after` (every record when `None`), lowest
    /// key first, decoded lazily from one snapshot: for listing a page at a time by a cursor.
    /// Call it from a blocking thread, as [`Store::scan`].
    pub fn scan_after<T: DeserializeOwned>(
        &self,
        tree: &str,
        after: Option<&[u8]>,
    ) -> Result<impl Iterator<Item = Result<(Vec<u8>, T), StoreError>> + 'static, StoreError> {
        use std::ops::Bound;
        let table = self.snapshot_table(tree)?;
        let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
        let range = table
            .range::<&[u8]>((lower, Bound::Unbounded))
            .map_err(engine)?;
        let name = tree.to_owned();
        Ok(range.map(move |item| {
            let (k, v) = item.map_err(engine)?;
            Ok((k.value().to_vec(), decode(&name, v.value())?))
        }))
    }

    /// Committed records of `tree` with keys below `before` (every record when `None`), highest
    /// key first, decoded lazily from one snapshot: for listing newest first, a page at a time,
    /// by time-ordered keys. Call it from a blocking thread, as [`Store::scan`].
    pub fn scan_back<T: DeserializeOwned>(
        &self,
        tree: &str,
        before: Option<&[u8]>,
    ) -> Result<impl Iterator<Item = Result<(Vec<u8>, T), StoreError>> + 'static, StoreError> {
        use std::ops::Bound;
        let table = self.snapshot_table(tree)?;
        let upper = before.map_or(Bound::Unbounded, Bound::Excluded);
        let range = table
            .range::<&[u8]>((Bound::Unbounded, upper))
            .map_err(engine)?;
        let name = tree.to_owned();
        Ok(range.rev().map(move |item| {
            let (k, v) = item.map_err(engine)?;
            Ok((k.value().to_vec(), decode(&name, v.value())?))
        }))
    }

    /// Number of committed records in `tree` (kept by the engine: no scan).
    pub fn count(&self, tree: &str) -> Result<u64, StoreError> {
        self.snapshot_table(tree)?.len().map_err(engine)
    }

    /// Oldest events committed (so durable) but not yet confirmed by the broker, at most `limit`.
    pub fn outbox_batch(&self, limit: usize) -> Result<Vec<(Vec<u8>, Envelope)>, StoreError> {
        self.outbox_after(None, limit)?
            .into_iter()
            .map(|entry| Ok((entry.key, decode(OUTBOX, &entry.bytes)?)))
            .collect()
    }

    /// Events committed after the one with key `after` (the relay's cursor, so events already on
    /// their way are not read again), at most `limit`, as the relay publishes them: the stored
    /// bytes as they are, and only the envelope fields that become message properties.
    pub(crate) fn outbox_after(
        &self,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        use std::ops::Bound;
        let table = self.snapshot_table(OUTBOX)?;
        let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
        let mut batch = Vec::new();
        for item in table
            .range::<&[u8]>((lower, Bound::Unbounded))
            .map_err(engine)?
            .take(limit)
        {
            let (key, value) = item.map_err(engine)?;
            let bytes = value.value().to_vec();
            batch.push(OutboxEntry {
                key: key.value().to_vec(),
                header: decode(OUTBOX, &bytes)?,
                bytes,
            });
        }
        Ok(batch)
    }

    /// Number of events written but not yet confirmed by the broker.
    pub fn outbox_len(&self) -> u64 {
        self.count(OUTBOX).unwrap_or(0)
    }

    /// Removes confirmed events from the outbox, in one transaction.
    pub(crate) async fn outbox_remove(&self, keys: Vec<Vec<u8>>) -> Result<(), StoreError> {
        self.transact::<_, std::convert::Infallible, _>(move |tx| {
            for key in &keys {
                tx.remove(OUTBOX, key)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| match e {
            TxError::Storage(e) => e,
            TxError::Abort(never) => match never {},
        })
    }

    pub(crate) async fn relay_woken(&self) {
        self.inner.relay_wake.notified().await
    }

    /// Whether the event with this id was already handled by this service (committed).
    pub fn was_handled(&self, event_id: Uuid) -> Result<bool, StoreError> {
        let table = self.snapshot_table(INBOX)?;
        Ok(table
            .get(event_id.as_bytes().as_slice())
            .map_err(engine)?
            .is_some())
    }
}

/// A store from before redb (sled's files: `conf`, `db`, `snap.*`) cannot be read: say so,
/// rather than open a second, empty database beside it.
fn refuse_old_format(dir: &Path) -> Result<(), StoreError> {
    let old = ["conf", "db"].iter().all(|f| dir.join(f).is_file())
        || std::fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("snap."))
        });
    if old {
        return Err(StoreError::OldFormat {
            path: dir.to_owned(),
        });
    }
    Ok(())
}

/// An event waiting in the outbox, as the relay publishes it.
pub(crate) struct OutboxEntry {
    pub key: Vec<u8>,
    /// The envelope exactly as emitted: published as it is, never encoded again.
    pub bytes: Vec<u8>,
    pub header: EnvelopeHeader,
}

/// The envelope fields that become AMQP message properties; the payload is skipped unparsed.
#[derive(serde::Deserialize)]
pub(crate) struct EnvelopeHeader {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub event_type: String,
    pub producer: String,
    #[serde(default)]
    pub correlation_id: Option<Uuid>,
}

fn seq_of(key: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    let n = key.len().min(8);
    bytes[..n].copy_from_slice(&key[..n]);
    u64::from_be_bytes(bytes)
}

fn decode<T: DeserializeOwned>(tree: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|source| StoreError::Corrupt {
        tree: tree.to_owned(),
        source,
    })
}

/// The writer thread: gathers waiting transactions into groups and commits each group once.
struct Writer {
    db: Arc<redb::Database>,
    names: Arc<Vec<String>>,
    jobs: mpsc::Receiver<Job>,
    max_group: usize,
    /// The next outbox key: emission order across every group.
    next_seq: u64,
    alive: Arc<AtomicBool>,
    relay_wake: Arc<Notify>,
    commits: Arc<AtomicU64>,
}

/// Marks the store unhealthy when the writer thread ends, however it ends (a panic included).
struct Stopped(Arc<AtomicBool>);

impl Drop for Stopped {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Relaxed);
    }
}

impl Writer {
    fn run(mut self) {
        let _stopped = Stopped(self.alive.clone());
        // Ends when every `Store` clone is gone and the queue is drained.
        while let Ok(first) = self.jobs.recv() {
            let mut jobs = vec![first];
            while jobs.len() < self.max_group {
                match self.jobs.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            self.commit_group(jobs);
        }
    }

    fn commit_group(&mut self, jobs: Vec<Job>) {
        let started = Instant::now();
        let size = jobs.len();
        let mut replies = Vec::with_capacity(size);
        let mut emitted = false;
        let outcome = (|| -> Result<(), String> {
            let wtx = self.db.begin_write().map_err(|e| e.to_string())?;
            {
                let tables = self
                    .names
                    .iter()
                    .map(|n| wtx.open_table(TableDef::new(n)))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| e.to_string())?;
                let mut group = Group {
                    tables,
                    names: &self.names,
                    next_seq: Cell::new(self.next_seq),
                    emitted: false,
                    failed: None,
                };
                for job in jobs {
                    replies.push(job(&mut group));
                }
                self.next_seq = group.next_seq.get();
                emitted = group.emitted;
                if let Some(e) = group.failed {
                    // The engine transaction may hold part of a closure's writes: drop it whole.
                    return Err(e);
                }
            }
            wtx.commit().map_err(|e| e.to_string())
        })();
        metrics::histogram!("rrm_store_group_size").record(size as f64);
        metrics::histogram!("rrm_store_commit_seconds").record(started.elapsed().as_secs_f64());
        match &outcome {
            Ok(()) => {
                self.alive.store(true, Ordering::Relaxed);
                self.commits.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("rrm_store_commits_total").increment(1);
                if emitted {
                    self.relay_wake.notify_one();
                }
            }
            Err(e) => {
                self.alive.store(false, Ordering::Relaxed);
                metrics::counter!("rrm_store_commit_failures_total").increment(1);
                tracing::error!(error = %e, transactions = size, "a group commit failed; none of its transactions is stored");
            }
        }
        for reply in replies {
            reply(outcome.as_ref().map(|_| ()).map_err(String::as_str));
        }
    }
}

/// One engine transaction shared by a group of callers' transactions.
struct Group<'w> {
    tables: Vec<redb::Table<'w, Bytes, Bytes>>,
    names: &'w [String],
    next_seq: Cell<u64>,
    emitted: bool,
    /// Set when applying a closure's writes failed part way: the whole group is then abandoned.
    failed: Option<String>,
}

impl Group<'_> {
    /// Runs one caller's closure; applies its writes if it succeeded; says what to answer.
    fn run<T, E, F>(&mut self, f: F, answer: oneshot::Sender<Result<T, TxError<E>>>) -> Reply
    where
        F: FnOnce(&Tx<'_>) -> TxResult<T, E>,
        T: Send + 'static,
        E: Send + 'static,
    {
        if let Some(e) = &self.failed {
            let e = e.clone();
            return Box::new(move |_| {
                let _ = answer.send(Err(TxError::Storage(StoreError::Engine(e))));
            });
        }
        let tx = Tx {
            group: self,
            writes: RefCell::new(BTreeMap::new()),
            seq: Cell::new(self.next_seq.get()),
            emitted: Cell::new(false),
        };
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| f(&tx)));
        let result = match result {
            Ok(result) => result,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                Err(TxError::Storage(StoreError::Panicked(message)))
            }
        };
        let writes = tx.writes.into_inner();
        let (seq, emitted) = (tx.seq.get(), tx.emitted.get());
        match result {
            Ok(value) => {
                if let Err(e) = self.apply(writes) {
                    self.failed = Some(e.to_string());
                }
                self.next_seq.set(seq);
                self.emitted |= emitted;
                Box::new(move |committed| {
                    let _ = answer.send(match committed {
                        Ok(()) => Ok(value),
                        Err(e) => Err(TxError::Storage(StoreError::Engine(e.to_owned()))),
                    });
                })
            }
            // Rolled back: its writes never reach the engine, whatever becomes of the group.
            Err(e) => {
                let _ = answer.send(Err(e));
                Box::new(|_| {})
            }
        }
    }

    fn apply(&mut self, writes: Writes) -> Result<(), StoreError> {
        for ((table, key), value) in writes {
            let table = &mut self.tables[table];
            match value {
                Some(value) => {
                    table
                        .insert(key.as_slice(), value.as_slice())
                        .map_err(engine)?;
                }
                None => {
                    table.remove(key.as_slice()).map_err(engine)?;
                }
            }
        }
        Ok(())
    }
}

/// One transaction's view of the service's trees, its outbox and its inbox: the group's state
/// (every earlier transaction of the group included) under this transaction's own writes.
pub struct Tx<'g> {
    group: &'g Group<'g>,
    /// This transaction's writes, applied to the group only if it returns `Ok`.
    writes: RefCell<Writes>,
    seq: Cell<u64>,
    emitted: Cell<bool>,
}

impl Tx<'_> {
    fn index(&self, name: &str) -> Result<usize, StoreError> {
        self.group
            .names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| StoreError::UnknownTree(name.to_owned()))
    }

    fn raw_get(&self, index: usize, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(staged) = self.writes.borrow().get(&(index, key.to_vec())) {
            return Ok(staged.clone());
        }
        Ok(self.group.tables[index]
            .get(key)
            .map_err(engine)?
            .map(|v| v.value().to_vec()))
    }

    pub fn get<T: DeserializeOwned>(
        &self,
        tree: &str,
        key: impl AsRef<[u8]>,
    ) -> Result<Option<T>, StoreError> {
        match self.raw_get(self.index(tree)?, key.as_ref())? {
            None => Ok(None),
            Some(bytes) => decode(tree, &bytes).map(Some),
        }
    }

    pub fn put<T: Serialize>(
        &self,
        tree: &str,
        key: impl AsRef<[u8]>,
        value: &T,
    ) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value).map_err(|source| StoreError::Corrupt {
            tree: tree.to_owned(),
            source,
        })?;
        let index = self.index(tree)?;
        self.writes
            .borrow_mut()
            .insert((index, key.as_ref().to_vec()), Some(bytes));
        Ok(())
    }

    pub fn remove(&self, tree: &str, key: impl AsRef<[u8]>) -> Result<(), StoreError> {
        let index = self.index(tree)?;
        self.writes
            .borrow_mut()
            .insert((index, key.as_ref().to_vec()), None);
        Ok(())
    }

    /// Stages `envelope` in the outbox; the relay publishes it once this transaction is durable.
    pub fn emit(&self, envelope: &Envelope) -> Result<(), StoreError> {
        let index = self.index(OUTBOX)?;
        let seq = self.seq.get();
        self.seq.set(seq + 1);
        self.writes.borrow_mut().insert(
            (index, seq.to_be_bytes().to_vec()),
            Some(envelope.to_bytes()),
        );
        self.emitted.set(true);
        Ok(())
    }

    /// Records that the event `event_id` is handled. Returns `false` when it already was: the
    /// caller must then change nothing (a redelivery).
    pub fn mark_handled(&self, event_id: Uuid) -> Result<bool, StoreError> {
        let index = self.index(INBOX)?;
        let key = event_id.as_bytes().as_slice();
        if self.raw_get(index, key)?.is_some() {
            return Ok(false);
        }
        self.writes
            .borrow_mut()
            .insert((index, key.to_vec()), Some(vec![1u8]));
        Ok(true)
    }
}

#[cfg(test)]
mod tests;
