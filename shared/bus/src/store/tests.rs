use super::*;
use rrm_contracts::{AlertCancelled, Event};
use std::convert::Infallible;
use std::time::Duration;

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

fn open(dir: &Path, trees: &[&str]) -> Store {
    Store::open(dir, &StoreOptions::default(), trees).unwrap()
}

#[tokio::test]
async fn a_state_change_and_its_event_commit_together() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &["things"]);

    store
        .transact(|tx| {
            tx.put("things", b"a", &"value".to_string())?;
            tx.emit(&envelope())?;
            Ok::<_, TxError<Infallible>>(())
        })
        .await
        .unwrap();

    assert_eq!(
        store.get::<String>("things", b"a").unwrap().as_deref(),
        Some("value")
    );
    assert_eq!(store.outbox_len(), 1);
}

#[tokio::test]
async fn an_aborted_transaction_leaves_neither_state_nor_event() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &["things"]);

    let result = store
        .transact(|tx| {
            tx.put("things", b"a", &1u32)?;
            tx.emit(&envelope())?;
            Err::<(), _>(abort("refused"))
        })
        .await;

    assert!(matches!(result, Err(TxError::Abort("refused"))));
    assert_eq!(store.get::<u32>("things", b"a").unwrap(), None);
    assert_eq!(store.outbox_len(), 0);
}

#[tokio::test]
async fn an_event_is_handled_only_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &[]);
    let id = Uuid::now_v7();

    let first = store
        .transact(move |tx| Ok::<_, TxError<Infallible>>(tx.mark_handled(id)?))
        .await
        .unwrap();
    let second = store
        .transact(move |tx| Ok::<_, TxError<Infallible>>(tx.mark_handled(id)?))
        .await
        .unwrap();

    assert!(first);
    assert!(!second);
    assert!(store.was_handled(id).unwrap());
}

#[test]
fn pending_events_survive_a_reopen_in_emission_order() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path(), &[]);
        store
            .transact_blocking(|tx| {
                tx.emit(&envelope())?;
                tx.emit(&envelope())?;
                Ok::<_, TxError<Infallible>>(())
            })
            .unwrap();
    }
    // The writer thread of the first store may still be closing the file: wait for the lock.
    let store = reopen(dir.path(), &[]);
    store
        .transact_blocking(|tx| {
            tx.emit(&envelope())?;
            Ok::<_, TxError<Infallible>>(())
        })
        .unwrap();

    let batch = store.outbox_batch(10).unwrap();
    assert_eq!(batch.len(), 3);
    assert!(batch[0].0 < batch[1].0 && batch[1].0 < batch[2].0);
}

fn reopen(dir: &Path, trees: &[&str]) -> Store {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match Store::open(dir, &StoreOptions::default(), trees) {
            Ok(store) => return store,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("reopening the store: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transactions_share_durable_commits() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &["things"]);
    let commits_before = store.commits();

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..400u32 {
        let store = store.clone();
        tasks.spawn(async move {
            store
                .transact(move |tx| {
                    tx.put("things", i.to_be_bytes(), &i)?;
                    Ok::<_, TxError<Infallible>>(())
                })
                .await
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }

    assert_eq!(store.count("things").unwrap(), 400);
    let commits = store.commits() - commits_before;
    assert!(
        commits < 400,
        "400 concurrent transactions took {commits} commits: none was shared"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_of_one_group_see_each_other_and_commit_or_abort_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &["claims"]);

    // 64 callers race to claim one key; the rest of each one's work must vanish when it loses.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..64u32 {
        let store = store.clone();
        tasks.spawn(async move {
            store
                .transact(move |tx| {
                    tx.put("claims", format!("attempt-{i}"), &i)?;
                    if tx.get::<u32>("claims", "winner")?.is_some() {
                        return Err(abort("taken"));
                    }
                    tx.put("claims", "winner", &i)?;
                    Ok(i)
                })
                .await
        });
    }
    let mut winners = Vec::new();
    while let Some(result) = tasks.join_next().await {
        match result.unwrap() {
            Ok(i) => winners.push(i),
            Err(TxError::Abort("taken")) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }

    assert_eq!(winners.len(), 1, "exactly one caller claims the key");
    let winner = winners[0];
    assert_eq!(store.get::<u32>("claims", "winner").unwrap(), Some(winner));
    assert_eq!(
        store.count("claims").unwrap(),
        2,
        "only the winner's attempt and the claim are stored"
    );
}

#[tokio::test]
async fn a_panicking_transaction_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &["things"]);

    let panicked = store
        .transact(|tx| -> TxResult<(), Infallible> {
            tx.put("things", b"half", &1u32)?;
            panic!("a bug in a handler");
        })
        .await;
    let next = store
        .transact(|tx| {
            tx.put("things", b"whole", &2u32)?;
            Ok::<_, TxError<Infallible>>(())
        })
        .await;

    assert!(matches!(
        panicked,
        Err(TxError::Storage(StoreError::Panicked(_)))
    ));
    assert!(next.is_ok());
    assert_eq!(store.get::<u32>("things", b"half").unwrap(), None);
    assert_eq!(store.get::<u32>("things", b"whole").unwrap(), Some(2));
    assert!(store.is_healthy());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_never_wait_for_a_busy_writer() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &["things"]);
    store
        .transact(|tx| {
            tx.put("things", b"k", &1u32)?;
            Ok::<_, TxError<Infallible>>(())
        })
        .await
        .unwrap();

    // A transaction that holds the writer for a long time (as a huge one would).
    let busy = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .transact(|tx| {
                    std::thread::sleep(Duration::from_millis(800));
                    tx.put("things", b"k", &2u32)?;
                    Ok::<_, TxError<Infallible>>(())
                })
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;

    let started = Instant::now();
    let during = store.get::<u32>("things", b"k").unwrap();
    let scanned = store
        .read(|s| Ok(s.scan::<u32>("things", b"")?.count()))
        .await
        .unwrap();
    let read_time = started.elapsed();
    busy.await.unwrap().unwrap();

    assert_eq!(during, Some(1), "readers see the last committed state");
    assert_eq!(scanned, 1);
    assert!(
        read_time < Duration::from_millis(400),
        "reading took {read_time:?} while the writer was busy"
    );
    assert_eq!(store.get::<u32>("things", b"k").unwrap(), Some(2));
}

#[tokio::test]
async fn scans_return_only_the_prefix_in_key_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &["things"]);
    store
        .transact(|tx| {
            for key in ["b/2", "a/1", "b/1", "c/1", "b"] {
                tx.put("things", key, &key.to_string())?;
            }
            Ok::<_, TxError<Infallible>>(())
        })
        .await
        .unwrap();

    let keys: Vec<String> = store
        .scan::<String>("things", b"b/")
        .unwrap()
        .map(|item| item.unwrap().1)
        .collect();

    assert_eq!(keys, ["b/1", "b/2"]);
}

#[tokio::test]
async fn a_backward_scan_starts_below_its_cursor_and_runs_down() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &["things"]);
    store
        .transact(|tx| {
            for key in ["a", "c", "b", "d"] {
                tx.put("things", key, &key.to_string())?;
            }
            Ok::<_, TxError<Infallible>>(())
        })
        .await
        .unwrap();
    let back = |before: Option<&[u8]>| -> Vec<String> {
        store
            .scan_back::<String>("things", before)
            .unwrap()
            .map(|item| item.unwrap().1)
            .collect()
    };

    assert_eq!(back(None), ["d", "c", "b", "a"]);
    assert_eq!(back(Some(b"c")), ["b", "a"]);
    assert_eq!(back(Some(b"a")), Vec::<String>::new());
}

#[test]
fn a_store_from_the_earlier_engine_is_refused_with_a_way_out() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("conf"), b"segment_size: 524288").unwrap();
    std::fs::write(dir.path().join("db"), b"").unwrap();

    let error = Store::open(dir.path(), &StoreOptions::default(), &[])
        .err()
        .expect("an old store must be refused");

    let message = error.to_string();
    assert!(matches!(error, StoreError::OldFormat { .. }));
    assert!(message.contains("--reset"), "{message}");
}

#[test]
fn an_unknown_tree_is_an_error_not_a_silent_miss() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &["things"]);

    let result = store.transact_blocking(|tx| {
        tx.put("nothings", b"k", &1u32)?;
        Ok::<_, TxError<Infallible>>(())
    });

    assert!(matches!(
        result,
        Err(TxError::Storage(StoreError::UnknownTree(_)))
    ));
    assert!(store.get::<u32>("nothings", b"k").is_err());
}

#[tokio::test]
async fn a_store_reopens_at_once_after_its_last_clone_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &["things"]);
    let clone = store.clone();
    store
        .transact(|tx| Ok::<_, TxError<Infallible>>(tx.put("things", b"a", &1u32)?))
        .await
        .unwrap();
    drop(store);
    // One clone left: the database is still open.
    assert!(Store::open(dir.path(), &StoreOptions::default(), &["things"]).is_err());
    drop(clone);

    let again = open(dir.path(), &["things"]);
    assert_eq!(again.get::<u32>("things", b"a").unwrap(), Some(1));
}

#[tokio::test]
async fn listing_after_a_key_and_keys_alone_read_what_they_say() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &["things"]);
    store
        .transact(|tx| {
            for key in ["a1", "a2", "b1", "b2"] {
                tx.put("things", key, &key.to_owned())?;
            }
            Ok::<_, TxError<Infallible>>(())
        })
        .await
        .unwrap();
    let after = |cursor: Option<&[u8]>| -> Vec<String> {
        store
            .scan_after::<String>("things", cursor)
            .unwrap()
            .map(|r| r.unwrap().1)
            .collect()
    };
    assert_eq!(after(None), ["a1", "a2", "b1", "b2"]);
    assert_eq!(
        after(Some(b"a2")),
        ["b1", "b2"],
        "strictly after the cursor"
    );
    assert_eq!(after(Some(b"a")), ["a1", "a2", "b1", "b2"]);
    assert!(after(Some(b"b2")).is_empty());
    let keys: Vec<Vec<u8>> = store
        .scan_keys("things", b"b")
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(keys, [b"b1".to_vec(), b"b2".to_vec()]);
}
