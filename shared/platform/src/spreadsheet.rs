//! CSV cells that spreadsheets open safely. A cell starting with `=`, `+`, `-` or `@` would be
//! run as a formula by a spreadsheet (CSV injection): exports prefix it with `'`
//! ([`defuse`]), and imports take that `'` off again ([`undefuse`]), so an export imports back
//! unchanged.

use std::borrow::Cow;

/// `cell` as exported: `'` before a leading `=`, `+`, `-` or `@`.
pub fn defuse(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// `cell` as imported: the `'` [`defuse`] added taken off again.
pub fn undefuse(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_come_back_unchanged() {
        for cell in [
            "=HYPERLINK(\"x\")",
            "+1",
            "-2",
            "@SUM(A1)",
            "plain",
            "'quoted",
            "",
        ] {
            assert_eq!(undefuse(&defuse(cell)), cell);
        }
        assert_eq!(defuse("=1+1"), "'=1+1");
        assert_eq!(defuse("Amina"), "Amina");
    }
}
