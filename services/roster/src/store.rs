//! Roster's trees and typed reads and writes; the only file naming a tree.

use crate::domain::{self, Member};
use rrm_bus::Store;
use rrm_contracts::EmailAddress;
use uuid::Uuid;

pub(crate) const MEMBERS: &str = "members";
pub(crate) const BY_EMAIL: &str = "members_by_email";
pub(crate) const PANELS: &str = "panels";
pub(crate) const INVITATIONS: &str = "invitations";
/// Every tree roster opens.
pub(crate) const TREES: &[&str] = &[MEMBERS, BY_EMAIL, PANELS, INVITATIONS];

/// Upserts the members of a CSV file by e-mail, in one transaction.
pub async fn import_members(store: &Store, path: &str) -> anyhow::Result<usize> {
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("members CSV {path}: {e}"))?;
    let rows = domain::parse_members(file)?;
    let count = rows.len();
    store
        .transact::<_, std::convert::Infallible, _>(move |tx| {
            for (email, row) in &rows {
                let existing: Option<Uuid> = tx.get(BY_EMAIL, email.as_str())?;
                let member = Member {
                    member_id: existing.unwrap_or_else(Uuid::now_v7),
                    name: row.name.trim().to_owned(),
                    email: email.clone(),
                    line: row.line.trim().to_owned(),
                    regions: domain::list(&row.regions),
                    topics: domain::list(&row.topics),
                    languages: domain::list(&row.languages),
                    available: true,
                };
                tx.put(MEMBERS, member.member_id.as_bytes(), &member)?;
                tx.put(BY_EMAIL, email.as_str(), &member.member_id)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(count)
}

/// Every member on the roster.
pub(crate) fn all_members(store: &Store) -> Result<Vec<Member>, rrm_bus::StoreError> {
    store
        .scan::<Member>(MEMBERS, b"")?
        .map(|r| r.map(|(_, m)| m))
        .collect()
}

/// The e-mail address of a member, for tools and tests.
pub fn member_by_email(
    store: &Store,
    email: &EmailAddress,
) -> Result<Option<Member>, rrm_bus::StoreError> {
    match store.get::<Uuid>(BY_EMAIL, email.as_str())? {
        Some(id) => store.get(MEMBERS, id.as_bytes()),
        None => Ok(None),
    }
}
