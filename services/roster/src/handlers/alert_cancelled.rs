//! `alert.cancelled`: pending invitations are withdrawn, members who accepted are stood down.

use crate::Roster;
use rrm_bus::{HandleError, Tx, TxResult};
use rrm_contracts::AlertCancelled;

pub(super) fn handle(
    roster: &Roster,
    tx: &Tx<'_>,
    cancelled: &AlertCancelled,
) -> TxResult<(), HandleError> {
    roster.stand_down(tx, cancelled.alert_id, (roster.now)())
}
