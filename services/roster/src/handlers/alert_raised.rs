//! `alert.raised`: score the roster for the alert (before the transaction, from the selection
//! index) and invite the first members, with why.

use crate::Roster;
use crate::domain::Scored;
use chrono::{DateTime, Utc};
use rrm_bus::{HandleError, Prepared, Tx, TxResult};
use rrm_contracts::{AlertRaised, Envelope};
use std::collections::BTreeSet;

/// What selection found, scored at one moment.
struct Ranked {
    ranked: Vec<Scored>,
    how: String,
    at: DateTime<Utc>,
}

pub(super) fn prepare(roster: &Roster, alert: &AlertRaised) -> Result<Prepared, HandleError> {
    let at = (roster.now)();
    let (ranked, how) = roster
        .ranked(alert, &BTreeSet::new(), at)
        .map_err(|e| HandleError::Transient(e.to_string()))?;
    Ok(Some(Box::new(Ranked { ranked, how, at })))
}

pub(super) fn handle(
    roster: &Roster,
    tx: &Tx<'_>,
    envelope: &Envelope,
    alert: &AlertRaised,
    prepared: &Prepared,
) -> TxResult<(), HandleError> {
    let Some(ranked) = prepared.as_ref().and_then(|p| p.downcast_ref::<Ranked>()) else {
        return Err(rrm_bus::abort(HandleError::Transient(
            "the candidates were not prepared".into(),
        )));
    };
    roster.mobilise(tx, envelope, alert, &ranked.ranked, &ranked.how, ranked.at)
}
