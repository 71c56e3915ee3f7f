//! CSV imports, the same for every directory (members, translators): reading the file by its
//! header ([`read_rows`]: columns in any order, unknown and missing ones refused, every row with
//! its line, spreadsheet formulas undefused), and the refusal — every bad value of the file
//! with its line, and nothing imported. APIs answer it as 422 `application/problem+json`
//! ([`ImportProblem`], [`refused`]); console pages list the rows.

use crate::http::FieldProblem;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::BTreeMap;

/// One bad value of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The line in the file (the header is line 1).
    pub row: u64,
    pub field: String,
    pub message: String,
}

impl RowError {
    pub fn new(row: u64, error: FieldProblem) -> Self {
        Self {
            row,
            field: error.field,
            message: error.message,
        }
    }

    /// A problem of the whole file (its header, or no rows at all).
    pub fn whole(message: String) -> Vec<Self> {
        vec![Self {
            row: 1,
            field: String::new(),
            message,
        }]
    }
}

/// A CSV import's refusal: 422 with one entry per bad value, its line in the file first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportProblem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub errors: Vec<RowProblem>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowProblem {
    /// The line in the file (the header is line 1).
    pub row: u64,
    /// The column (empty when the whole line or file is at fault).
    pub field: String,
    pub message: String,
}

/// The 422 answer for `rows` (at least one): nothing was imported.
pub fn refused(rows: Vec<RowError>) -> Response {
    let detail = match rows.first() {
        Some(first) => format!(
            "nothing was imported: {} problem(s), the first on line {}: {}",
            rows.len(),
            first.row,
            first.message
        ),
        None => "nothing was imported".to_owned(),
    };
    let body = ImportProblem {
        kind: "about:blank".into(),
        title: "Invalid rows".into(),
        status: 422,
        detail,
        errors: rows
            .into_iter()
            .map(|r| RowProblem {
                row: r.row,
                field: r.field,
                message: r.message,
            })
            .collect(),
    };
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(header::CONTENT_TYPE, "application/problem+json")],
        serde_json::to_vec(&body).unwrap_or_default(),
    )
        .into_response()
}

/// One data row of a CSV file: its line and its cells by column.
#[derive(Debug, Clone)]
pub struct Row {
    /// The line the row starts on (the header is line 1; a quoted cell may span lines).
    pub line: u64,
    cells: BTreeMap<String, String>,
}

impl Row {
    /// The cell of `column`, as written before export defused it; `None` when the file has no
    /// such column.
    pub fn cell(&self, column: &str) -> Option<String> {
        self.cells.get(column).cloned()
    }
}

/// The rows of a CSV file whose header names some of `columns` (any order, any case) and
/// every one of `required`; with the rows that cannot be read (each with its line). A header
/// that cannot be used, or a file without rows, is refused whole.
pub fn read_rows(
    bytes: &[u8],
    columns: &[&str],
    required: &[&str],
) -> Result<(Vec<Row>, Vec<RowError>), Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(e) => return Err(RowError::whole(format!("the header cannot be read: {e}"))),
    };
    if let Some(unknown) = header.iter().find(|c| !columns.contains(&c.as_str())) {
        return Err(RowError::whole(format!(
            "unknown column {unknown:?}; the columns are {}",
            columns.join(",")
        )));
    }
    for column in required {
        if !header.iter().any(|c| c == column) {
            return Err(RowError::whole(format!("the column {column:?} is missing")));
        }
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = match &record {
            Ok(r) => r.position().map_or(i as u64 + 2, |p| p.line()),
            Err(_) => i as u64 + 2,
        };
        match record {
            Ok(record) => rows.push(Row {
                line,
                cells: header
                    .iter()
                    .zip(record.iter())
                    .map(|(c, v)| (c.clone(), crate::spreadsheet::undefuse(v).to_owned()))
                    .collect(),
            }),
            Err(e) => errors.push(RowError {
                row: e.position().map_or(line, |p| p.line()),
                field: String::new(),
                message: format!("cannot be read: {e}"),
            }),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        return Err(RowError::whole("the file has no rows".into()));
    }
    Ok((rows, errors))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rows_are_read_by_column_with_their_lines() {
        let file = "Email,name\na@x.org,\"Amina\nHaddad\"\n'=b@x.org,'@David\n";
        let (rows, errors) = read_rows(file.as_bytes(), &["name", "email"], &["email"]).unwrap();
        assert!(errors.is_empty());
        assert_eq!(
            (rows[0].line, rows[1].line),
            (2, 4),
            "a quoted cell spans two lines"
        );
        assert_eq!(rows[0].cell("name").as_deref(), Some("Amina\nHaddad"));
        assert_eq!(rows[1].cell("name").as_deref(), Some("@David"), "undefused");
        assert_eq!(rows[1].cell("title"), None);
    }

    #[test]
    fn an_unusable_file_is_refused_whole_and_a_bad_row_named() {
        let refuse = |file: &str| {
            read_rows(file.as_bytes(), &["name", "email"], &["email"]).unwrap_err()[0]
                .message
                .clone()
        };
        assert!(refuse("name,colour\nA,red\n").starts_with("unknown column \"colour\""));
        assert_eq!(refuse("name\nA\n"), "the column \"email\" is missing");
        assert_eq!(refuse("name,email\n"), "the file has no rows");
        let (_, errors) =
            read_rows(b"name,email\nA,a@x.org\nB\n", &["name", "email"], &[]).unwrap();
        assert_eq!(errors[0].row, 3);
    }
}
