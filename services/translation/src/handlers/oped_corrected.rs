//! `oped.corrected`: the corrected source replaces the old one; every translated language
//! starts again, its translator told what changed and offered the corrected text first.

use crate::Translation;
use rrm_bus::{HandleError, Tx, TxResult};
use rrm_contracts::{Envelope, OpedCorrected};

pub(super) fn handle(
    translation: &Translation,
    tx: &Tx<'_>,
    envelope: &Envelope,
    oped: &OpedCorrected,
) -> TxResult<(), HandleError> {
    translation.correct(tx, envelope, oped)
}
