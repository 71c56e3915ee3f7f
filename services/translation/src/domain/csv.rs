//! The translators CSV, read and written. Columns (header required, any order):
//!
//! `name,email,pairs,capacity,status`
//!
//! `name`, `email` and `pairs` are required; `pairs` are separated by `;` or spaces
//! (`en>ar; fr>ar`); `capacity` is a whole number (empty: 1); `status` is `active` or `paused`
//! (empty: active). Reading checks the file's shape and cells; each bad row is reported with its
//! line in the file (the header is line 1). The values themselves are judged by
//! [`super::translator::apply`], as for the API.

use super::translator::{Translator, TranslatorInput};
use rrm_platform::spreadsheet::defuse;

/// The columns, in the order export writes them.
pub const COLUMNS: [&str; 5] = ["name", "email", "pairs", "capacity", "status"];

pub use rrm_platform::import::RowError;

/// Each data row as an input, with its line; or every error of the file's shape and cells.
pub fn read(bytes: &[u8]) -> Result<Vec<(u64, TranslatorInput)>, Vec<RowError>> {
    let (records, mut errors) =
        rrm_platform::import::read_rows(bytes, &COLUMNS, &["name", "email", "pairs"])?;
    let mut rows = Vec::new();
    for record in records {
        let (row, cell) = (record.line, |name: &str| record.cell(name));
        let capacity = match cell("capacity").as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => match v.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(RowError {
                        row,
                        field: "capacity".into(),
                        message: format!("{v:?} is not a whole number"),
                    });
                    None
                }
            },
        };
        rows.push((
            row,
            TranslatorInput {
                name: cell("name"),
                email: cell("email"),
                pairs: cell("pairs").map(|v| {
                    v.split([';', ' ', ','])
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_owned)
                        .collect()
                }),
                capacity,
                status: cell("status").filter(|s| !s.trim().is_empty()),
            },
        ));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(errors)
    }
}

/// The translators as CSV, in [`COLUMNS`] order, formulas defused.
pub fn write<'a>(translators: impl IntoIterator<Item = &'a Translator>) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS)?;
    for t in translators {
        let pairs: Vec<String> = t.pairs.iter().map(ToString::to_string).collect();
        let record = [
            t.name.clone(),
            t.email.as_str().to_owned(),
            pairs.join("; "),
            t.capacity.to_string(),
            t.status.as_str().to_owned(),
        ];
        writer.write_record(record.iter().map(|c| defuse(c).into_owned()))?;
    }
    writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::translator::apply;
    use chrono::Utc;

    #[test]
    fn rows_are_read_by_column_name_with_their_lines() {
        let csv = "email,name,pairs,capacity\n\
                   l@x.org,Layla,en>ar; fr>ar,2\n\
                   k@x.org,Karim,en>ar,\n";
        let rows = read(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].1.pairs.as_ref().unwrap(), &["en>ar", "fr>ar"]);
        assert_eq!(rows[1].1.capacity, None);
    }

    #[test]
    fn a_bad_file_says_where() {
        assert_eq!(
            read(b"name,email\nA,a@x.org\n").unwrap_err()[0].message,
            "the column \"pairs\" is missing"
        );
        assert!(
            read(b"name,email,pairs,colour\n").unwrap_err()[0]
                .message
                .starts_with("unknown column")
        );
        let errors = read(b"name,email,pairs,capacity\nA,a@x.org,en>ar,two\n").unwrap_err();
        assert_eq!((errors[0].row, errors[0].field.as_str()), (2, "capacity"));
        assert!(read(b"name,email,pairs\n").is_err(), "no rows");
    }

    #[test]
    fn an_export_imports_back_unchanged() {
        let rows = read(
            "name,email,pairs,capacity,status\n\"=cmd|' /C calc'!A0\",a@x.org,en>ar,3,paused\n"
                .as_bytes(),
        )
        .unwrap();
        let t = apply(rows[0].1.clone(), None, Utc::now()).unwrap();
        let written = write([&t]).unwrap();
        let text = String::from_utf8(written.clone()).unwrap();
        assert!(text.contains("'=cmd"), "formulas are defused: {text}");
        let back = apply(read(&written).unwrap()[0].1.clone(), None, Utc::now()).unwrap();
        assert_eq!(
            (back.name, back.pairs, back.capacity, back.status),
            (t.name, t.pairs, t.capacity, t.status)
        );
    }
}
