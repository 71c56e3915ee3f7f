//! The members CSV, read and written. Columns (header required, any order; lists are
//! `;`-separated):
//!
//! `name,title,affiliation,email,lines,languages_written,languages_read,topics,regions,time_zone,on_leave_until,active`
//!
//! `name`, `email` and `lines` are required; `active` is `true`/`false` (empty: true). Reading
//! checks every row before anything is imported; each bad row is reported with its line in the
//! file (the header is line 1).

use super::member::{Member, MemberInput, list};
use rrm_platform::spreadsheet::defuse;

/// The columns, in the order export writes them.
pub const COLUMNS: [&str; 12] = [
    "name",
    "title",
    "affiliation",
    "email",
    "lines",
    "languages_written",
    "languages_read",
    "topics",
    "regions",
    "time_zone",
    "on_leave_until",
    "active",
];

pub use rrm_platform::import::RowError;

/// Each data row as an input, with its line; or every error of the file's shape and cells that
/// can be judged without the roster (the rest is judged by [`super::member::apply`]).
pub fn read(bytes: &[u8]) -> Result<Vec<(u64, MemberInput)>, Vec<RowError>> {
    let (records, mut errors) =
        rrm_platform::import::read_rows(bytes, &COLUMNS, &["name", "email", "lines"])?;
    let mut rows = Vec::new();
    for record in records {
        let (row, cell) = (record.line, |name: &str| record.cell(name));
        let active = match cell("active").as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) if ["true", "yes", "1"].contains(&v.to_lowercase().as_str()) => Some(true),
            Some(v) if ["false", "no", "0"].contains(&v.to_lowercase().as_str()) => Some(false),
            Some(v) => {
                errors.push(RowError {
                    row,
                    field: "active".into(),
                    message: format!("{v:?} is not true or false"),
                });
                None
            }
        };
        rows.push((
            row,
            MemberInput {
                name: cell("name"),
                title: cell("title"),
                affiliation: cell("affiliation"),
                email: cell("email"),
                lines: cell("lines").map(|v| list(&v)),
                languages_written: cell("languages_written").map(|v| list(&v)),
                languages_read: cell("languages_read").map(|v| list(&v)),
                topics: cell("topics").map(|v| list(&v)),
                regions: cell("regions").map(|v| list(&v)),
                time_zone: cell("time_zone"),
                on_leave_until: cell("on_leave_until").map(Some),
                active,
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

/// The members as CSV, in [`COLUMNS`] order. Cells that a spreadsheet would run as a formula
/// (starting `=`, `+`, `-`, `@`) are prefixed with `'`, which [`read`] takes off again.
pub fn write<'a>(members: impl IntoIterator<Item = &'a Member>) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS)?;
    let join = |v: &[String]| v.join(";");
    for m in members {
        let langs = |v: &[rrm_contracts::LanguageCode]| {
            v.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(";")
        };
        let record = [
            m.name.clone(),
            m.title.clone(),
            m.affiliation.clone(),
            m.email.as_str().to_owned(),
            join(&m.lines),
            langs(&m.languages_written),
            langs(&m.languages_read),
            join(&m.topics),
            join(&m.regions),
            m.time_zone.to_string(),
            m.on_leave_until.map(|d| d.to_string()).unwrap_or_default(),
            m.active.to_string(),
        ];
        writer.write_record(record.iter().map(|c| defuse(c).into_owned()))?;
    }
    writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::member::{apply, tests::vocabulary};
    use chrono::Utc;

    #[test]
    fn rows_are_read_by_column_name_with_their_lines() {
        let csv = "email,name,lines,languages_written,active\n\
                   a@x.org,Amina,muslim;arab-world,ar;en,\n\
                   d@x.org,David,jewish,en,no\n";
        let rows = read(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, 3);
        let david = apply(rows[1].1.clone(), None, &vocabulary(), Utc::now()).unwrap();
        assert!(!david.active);
        assert_eq!(david.lines, ["jewish"]);
    }

    #[test]
    fn a_bad_header_or_cell_is_reported_with_its_line() {
        let err = read(b"name,email,line\nA,a@x.org,muslim\n").unwrap_err();
        assert!(
            err[0].message.contains("unknown column \"line\""),
            "{err:?}"
        );
        let err = read(b"name,email\nA,a@x.org\n").unwrap_err();
        assert!(err[0].message.contains("\"lines\" is missing"));
        let err =
            read(b"name,email,lines,active\nA,a@x.org,muslim,perhaps\nB,b@x.org\n").unwrap_err();
        assert_eq!(err.len(), 2, "{err:?}");
        assert_eq!((err[0].row, err[0].field.as_str()), (2, "active"));
        assert_eq!(err[1].row, 3);
        assert!(read(b"name,email,lines\n").is_err(), "no rows");
    }

    #[test]
    fn export_reads_back_as_the_same_members() {
        let csv = "name,title,email,lines,languages_written,topics,regions,time_zone,on_leave_until\n\
                   \"Haddad, Amina\",=HYPERLINK(1),a@x.org,muslim,ar;en,religion,europe,Asia/Beirut,2026-12-01\n";
        let member = apply(
            read(csv.as_bytes()).unwrap().remove(0).1,
            None,
            &vocabulary(),
            Utc::now(),
        )
        .unwrap();
        let out = String::from_utf8(write([&member]).unwrap()).unwrap();
        assert!(out.contains("'=HYPERLINK(1)"), "{out}");
        let again = apply(
            read(out.as_bytes()).unwrap().remove(0).1,
            None,
            &vocabulary(),
            Utc::now(),
        )
        .unwrap();
        assert_eq!(
            (
                again.name,
                again.lines,
                again.time_zone,
                again.on_leave_until
            ),
            (
                member.name,
                member.lines,
                member.time_zone,
                member.on_leave_until
            )
        );
    }
}
