//! A CSV import's refusal, the same for every directory (members, translators): every bad value
//! of the file with its line, and nothing imported. APIs answer it as 422
//! `application/problem+json` ([`ImportProblem`], [`refused`]); console pages list the rows.

use crate::http::FieldProblem;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

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
