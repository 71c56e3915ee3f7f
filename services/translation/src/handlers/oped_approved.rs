//! `oped.approved`: keep the signed source, announce its own language, open one job per other
//! target language under that language's policy.

use crate::Translation;
use rrm_bus::{HandleError, Tx, TxResult};
use rrm_contracts::{Envelope, OpedApproved};

pub(super) fn handle(
    translation: &Translation,
    tx: &Tx<'_>,
    envelope: &Envelope,
    oped: &OpedApproved,
) -> TxResult<(), HandleError> {
    translation.open(tx, envelope, oped)
}
