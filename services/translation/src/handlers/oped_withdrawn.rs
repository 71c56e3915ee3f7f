//! `oped.withdrawn`: every open job is cancelled, and translators holding one are told.

use crate::Translation;
use rrm_bus::{HandleError, Tx, TxResult};
use rrm_contracts::OpedWithdrawn;

pub(super) fn handle(
    translation: &Translation,
    tx: &Tx<'_>,
    oped: &OpedWithdrawn,
) -> TxResult<(), HandleError> {
    translation.withdraw(tx, oped)
}
