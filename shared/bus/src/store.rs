//! A service's sled database, with the transactional outbox and the idempotent inbox built in.
//!
//! A service names its own trees when it opens the store; every write goes through
//! [`Store::transact`], whose [`Tx`] spans all of them plus the outbox and the inbox. So "change my
//! state, emit these events, remember I handled that event" is one sled transaction: either all of
//! it is on disk or none of it is. sled stays inside this module (and the service store modules that
//! call it), so the engine could be swapped without touching domain code.

use rrm_contracts::Envelope;
use serde::{Serialize, de::DeserializeOwned};
use sled::transaction::{
    ConflictableTransactionError, TransactionError, TransactionalTree, UnabortableTransactionError,
};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::Notify;
use uuid::Uuid;

const OUTBOX: &str = "_outbox";
const INBOX: &str = "_inbox";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage error: {0}")]
    Sled(#[from] sled::Error),
    #[error("stored record in {tree} is corrupt: {source}")]
    Corrupt {
        tree: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("no tree named {0} was opened")]
    UnknownTree(String),
}

/// Why a transaction did not commit: the closure aborted with the caller's error, or storage failed.
#[derive(Debug, thiserror::Error)]
pub enum TransactError<E> {
    #[error("{0}")]
    Abort(E),
    #[error(transparent)]
    Storage(#[from] sled::Error),
}

impl<E> From<TransactionError<E>> for TransactError<E> {
    fn from(e: TransactionError<E>) -> Self {
        match e {
            TransactionError::Abort(e) => TransactError::Abort(e),
            TransactionError::Storage(e) => TransactError::Storage(e),
        }
    }
}

/// What a transaction closure returns: `Err(abort(e))` rolls back with the caller's error `e`.
pub type TxResult<T, E> = Result<T, ConflictableTransactionError<E>>;

/// Rolls the transaction back with `e`.
pub fn abort<E>(e: E) -> ConflictableTransactionError<E> {
    ConflictableTransactionError::Abort(e)
}

/// A service's database. Cheap to clone; all clones share one sled instance.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: sled::Db,
    /// Service trees first, then the outbox, then the inbox; `names` is parallel to it.
    trees: Vec<sled::Tree>,
    names: Vec<String>,
    /// Woken after a commit that emitted events, so the relay publishes without polling delay.
    relay_wake: Notify,
}

impl Store {
    /// Opens (or creates) the database at `path` with the service's own `trees`.
    ///
    /// `cache_capacity` is set explicitly: sled's default is 1 GiB per process.
    pub fn open(path: &Path, cache_capacity: u64, trees: &[&str]) -> Result<Self, StoreError> {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(cache_capacity)
            .mode(sled::Mode::LowSpace)
            .open()?;
        let mut names: Vec<String> = trees.iter().map(|s| s.to_string()).collect();
        names.push(OUTBOX.into());
        names.push(INBOX.into());
        let trees = names
            .iter()
            .map(|n| db.open_tree(n))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                trees,
                names,
                relay_wake: Notify::new(),
            }),
        })
    }

    /// Runs `f` as one atomic transaction over every tree, the outbox and the inbox.
    ///
    /// `f` may run more than once (on conflict), so it must not have side effects outside `tx`.
    /// Durability needs [`Store::flush`] afterwards, before acking a delivery or answering 2xx.
    pub fn transact<T, E>(
        &self,
        f: impl Fn(&Tx<'_>) -> TxResult<T, E>,
    ) -> Result<T, TransactError<E>> {
        let tree_refs: Vec<&sled::Tree> = self.inner.trees.iter().collect();
        let emitted = std::cell::Cell::new(false);
        let result = sled::Transactional::transaction(
            tree_refs.as_slice(),
            |trees: &Vec<TransactionalTree>| {
                emitted.set(false);
                let tx = Tx {
                    trees,
                    names: &self.inner.names,
                    emitted: &emitted,
                };
                f(&tx)
            },
        )?;
        if emitted.get() {
            self.inner.relay_wake.notify_one();
        }
        Ok(result)
    }

    /// Makes every committed transaction durable.
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.inner.db.flush_async().await?;
        Ok(())
    }

    fn tree(&self, name: &str) -> Result<&sled::Tree, StoreError> {
        self.inner
            .names
            .iter()
            .position(|n| n == name)
            .map(|i| &self.inner.trees[i])
            .ok_or_else(|| StoreError::UnknownTree(name.to_owned()))
    }

    /// Reads one record outside any transaction.
    pub fn get<T: DeserializeOwned>(
        &self,
        tree: &str,
        key: impl AsRef<[u8]>,
    ) -> Result<Option<T>, StoreError> {
        match self.tree(tree)?.get(key)? {
            None => Ok(None),
            Some(bytes) => decode(tree, &bytes).map(Some),
        }
    }

    /// Every record of `tree` whose key starts with `prefix`, in key order, decoded lazily.
    pub fn scan<T: DeserializeOwned>(
        &self,
        tree: &str,
        prefix: impl AsRef<[u8]>,
    ) -> Result<impl Iterator<Item = Result<(Vec<u8>, T), StoreError>> + '_, StoreError> {
        let name = tree.to_owned();
        Ok(self.tree(tree)?.scan_prefix(prefix).map(move |item| {
            let (k, v) = item?;
            Ok((k.to_vec(), decode(&name, &v)?))
        }))
    }

    /// Number of records in `tree`.
    pub fn count(&self, tree: &str) -> Result<usize, StoreError> {
        Ok(self.tree(tree)?.len())
    }

    /// Oldest events written but not yet confirmed by the broker, at most `limit`.
    pub fn outbox_batch(&self, limit: usize) -> Result<Vec<(sled::IVec, Envelope)>, StoreError> {
        let outbox = self.tree(OUTBOX)?;
        let mut batch = Vec::new();
        for item in outbox.iter().take(limit) {
            let (key, value) = item?;
            batch.push((key, decode(OUTBOX, &value)?));
        }
        Ok(batch)
    }

    /// Number of events written but not yet confirmed by the broker.
    pub fn outbox_len(&self) -> usize {
        self.tree(OUTBOX).map(|t| t.len()).unwrap_or(0)
    }

    pub(crate) fn outbox_remove(&self, key: &[u8]) -> Result<(), StoreError> {
        self.tree(OUTBOX)?.remove(key)?;
        Ok(())
    }

    pub(crate) async fn relay_woken(&self) {
        self.inner.relay_wake.notified().await
    }

    /// Whether the event with this id was already handled by this service.
    pub fn was_handled(&self, event_id: Uuid) -> Result<bool, StoreError> {
        Ok(self.tree(INBOX)?.contains_key(event_id.as_bytes())?)
    }
}

fn decode<T: DeserializeOwned>(tree: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|source| StoreError::Corrupt {
        tree: tree.to_owned(),
        source,
    })
}

fn corrupt(tree: &str, e: serde_json::Error) -> UnabortableTransactionError {
    UnabortableTransactionError::Storage(sled::Error::Unsupported(format!(
        "corrupt record in {tree}: {e}"
    )))
}

/// One transaction's view of the service's trees, its outbox and its inbox.
pub struct Tx<'a> {
    trees: &'a [TransactionalTree],
    names: &'a [String],
    emitted: &'a std::cell::Cell<bool>,
}

impl Tx<'_> {
    fn tree(&self, name: &str) -> Result<&TransactionalTree, UnabortableTransactionError> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| &self.trees[i])
            .ok_or_else(|| {
                UnabortableTransactionError::Storage(sled::Error::Unsupported(format!(
                    "no tree named {name}"
                )))
            })
    }

    pub fn get<T: DeserializeOwned>(
        &self,
        tree: &str,
        key: impl AsRef<[u8]>,
    ) -> Result<Option<T>, UnabortableTransactionError> {
        match self.tree(tree)?.get(key)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| corrupt(tree, e)),
        }
    }

    pub fn put<T: Serialize>(
        &self,
        tree: &str,
        key: impl AsRef<[u8]>,
        value: &T,
    ) -> Result<(), UnabortableTransactionError> {
        let bytes = serde_json::to_vec(value).map_err(|e| corrupt(tree, e))?;
        self.tree(tree)?.insert(key.as_ref(), bytes)?;
        Ok(())
    }

    pub fn remove(
        &self,
        tree: &str,
        key: impl AsRef<[u8]>,
    ) -> Result<(), UnabortableTransactionError> {
        self.tree(tree)?.remove(key.as_ref())?;
        Ok(())
    }

    /// Stages `envelope` in the outbox; the relay publishes it once this transaction commits.
    pub fn emit(&self, envelope: &Envelope) -> Result<(), UnabortableTransactionError> {
        let outbox = self.tree(OUTBOX)?;
        let seq = outbox.generate_id()?;
        outbox.insert(&seq.to_be_bytes(), envelope.to_bytes())?;
        self.emitted.set(true);
        Ok(())
    }

    /// Records that the event `event_id` is handled. Returns `false` when it already was: the
    /// caller must then change nothing (a redelivery).
    pub fn mark_handled(&self, event_id: Uuid) -> Result<bool, UnabortableTransactionError> {
        let inbox = self.tree(INBOX)?;
        Ok(inbox.insert(event_id.as_bytes(), &[1u8])?.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rrm_contracts::{AlertCancelled, Event};

    fn envelope() -> Envelope {
        Envelope::new(
            &Event::AlertCancelled(AlertCancelled {
                alert_id: Uuid::now_v7(),
                reason: "test".into(),
            }),
            "test",
            None,
            None,
        )
    }

    #[test]
    fn a_state_change_and_its_event_commit_together() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 1 << 20, &["things"]).unwrap();

        store
            .transact(|tx| {
                tx.put("things", b"a", &"value".to_string())?;
                tx.emit(&envelope())?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .unwrap();

        assert_eq!(
            store.get::<String>("things", b"a").unwrap().as_deref(),
            Some("value")
        );
        assert_eq!(store.outbox_len(), 1);
    }

    #[test]
    fn an_aborted_transaction_leaves_neither_state_nor_event() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 1 << 20, &["things"]).unwrap();

        let result = store.transact(|tx| {
            tx.put("things", b"a", &1u32)?;
            tx.emit(&envelope())?;
            Err::<(), _>(abort("refused"))
        });

        assert!(matches!(result, Err(TransactError::Abort("refused"))));
        assert_eq!(store.get::<u32>("things", b"a").unwrap(), None);
        assert_eq!(store.outbox_len(), 0);
    }

    #[test]
    fn an_event_is_handled_only_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 1 << 20, &[]).unwrap();
        let id = Uuid::now_v7();

        let first = store
            .transact(|tx| Ok::<_, ConflictableTransactionError<()>>(tx.mark_handled(id)?))
            .unwrap();
        let second = store
            .transact(|tx| Ok::<_, ConflictableTransactionError<()>>(tx.mark_handled(id)?))
            .unwrap();

        assert!(first);
        assert!(!second);
        assert!(store.was_handled(id).unwrap());
    }

    #[tokio::test]
    async fn pending_events_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path(), 1 << 20, &[]).unwrap();
            store
                .transact(|tx| {
                    tx.emit(&envelope())?;
                    tx.emit(&envelope())?;
                    Ok::<_, ConflictableTransactionError<()>>(())
                })
                .unwrap();
            store.flush().await.unwrap();
        }
        let store = Store::open(dir.path(), 1 << 20, &[]).unwrap();
        let batch = store.outbox_batch(10).unwrap();
        assert_eq!(batch.len(), 2);
        assert!(batch[0].0 < batch[1].0, "outbox keeps emission order");
    }
}
