//! Everything that can stop a command, split by what the coordinator has to do about it — which
//! is also the exit code.

use crate::client::Service;
use crate::display::one_line;
use serde::Deserialize;
use std::fmt::Write as _;

/// An RFC 9457 problem as intake and roster answer it (`shared/platform/src/http.rs`). Every
/// field is optional here: a proxy or an older service may answer less.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Problem {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub errors: Vec<FieldProblem>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FieldProblem {
    /// The CSV data row at fault, as roster numbers it, for an import's errors.
    #[serde(default)]
    pub row: Option<u64>,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub message: String,
}

impl FieldProblem {
    /// `email: must be an e-mail address`, or `row 3, email: …` for an import's row.
    fn describe(&self) -> String {
        let at = match (self.row, self.field.is_empty()) {
            (Some(row), true) => format!("row {row}"),
            (Some(row), false) => format!("row {row}, {}", self.field),
            (None, _) => self.field.clone(),
        };
        format!("{at}: {}", self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The command line cannot be run as given (exit 2, like clap's own usage errors).
    #[error("{0}")]
    Usage(String),
    /// The service answered with an error status: 4xx is the request's fault (exit 1), 5xx the
    /// server's (exit 3).
    #[error("{} answered {status}", service.name())]
    Answered {
        service: Service,
        status: u16,
        reason: String,
        problem: Option<Problem>,
        /// The start of a body that was not a problem (a proxy's page, say), on one line.
        body: String,
    },
    /// No answer at all: refused, unresolvable, timed out (exit 3).
    #[error("{0}")]
    Connection(String),
    /// An answer that is not what the service sends: not JSON, a redirect, a shape we cannot
    /// read (exit 3).
    #[error("{0}")]
    Unexpected(String),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Answered { status, .. } if (400..500).contains(status) => 1,
            Failure::Answered { .. } | Failure::Connection(_) | Failure::Unexpected(_) => 3,
        }
    }

    /// The message for stderr, ending in a newline. Server text is cleaned of control
    /// characters so an answer cannot drive the terminal.
    pub fn render(&self) -> String {
        let mut out = String::new();
        match self {
            Failure::Usage(m) => {
                let _ = writeln!(out, "error: {m}");
                let _ = writeln!(out, "\nFor more information, try '--help'.");
            }
            Failure::Connection(m) | Failure::Unexpected(m) => {
                let _ = writeln!(out, "error: {m}");
            }
            Failure::Answered {
                service,
                status,
                reason,
                problem,
                body,
            } => {
                let problem = problem.clone().unwrap_or_default();
                let title = problem
                    .title
                    .as_deref()
                    .map(one_line)
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| reason.clone());
                let _ = writeln!(out, "error: {title} ({status})");
                let joined = problem
                    .errors
                    .iter()
                    .map(FieldProblem::describe)
                    .collect::<Vec<_>>()
                    .join("; ");
                // A 422 detail that repeats the field errors on one line (intake's) is left out:
                // listing them below is enough.
                if let Some(detail) = problem.detail.as_deref().map(one_line)
                    && !detail.is_empty()
                    && detail != one_line(&joined)
                {
                    let _ = writeln!(out, "  {detail}");
                }
                for e in &problem.errors {
                    let _ = writeln!(out, "  - {}", one_line(&e.describe()));
                }
                if problem.title.is_none() && !body.is_empty() {
                    let _ = writeln!(out, "  {body}");
                }
                // A 403 already names the missing scope; a 401 does not say why.
                if *status == 401 {
                    let _ = writeln!(
                        out,
                        "hint: {} does not accept this token (unknown, revoked or expired); \
                         check --token-file, RRM_TOKEN or --token",
                        service.name()
                    );
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16, problem: serde_json::Value) -> Failure {
        Failure::Answered {
            service: Service::Intake,
            status,
            reason: "Reason".into(),
            problem: serde_json::from_value(problem).ok(),
            body: String::new(),
        }
    }

    #[test]
    fn field_errors_are_listed_once_each() {
        let f = answered(
            422,
            serde_json::json!({"type":"about:blank","title":"Invalid fields","status":422,
                "detail":"title: must be 1 to 200 characters; deadline: must be in the future",
                "errors":[{"field":"title","message":"must be 1 to 200 characters"},
                          {"field":"deadline","message":"must be in the future"}]}),
        );
        assert_eq!(
            f.render(),
            "error: Invalid fields (422)\n  - title: must be 1 to 200 characters\n  - deadline: must be in the future\n"
        );
        assert_eq!(f.exit_code(), 1);
    }

    #[test]
    fn an_imports_row_errors_name_their_row() {
        let f = answered(
            422,
            serde_json::json!({"title":"Invalid rows","status":422,
                "detail":"2 rows are invalid; nothing was imported",
                "errors":[{"row":3,"field":"email","message":"not an e-mail address"},
                          {"row":7,"field":"","message":"too many columns"}]}),
        );
        assert_eq!(
            f.render(),
            "error: Invalid rows (422)\n  2 rows are invalid; nothing was imported\n  - row 3, email: not an e-mail address\n  - row 7: too many columns\n"
        );
    }

    #[test]
    fn server_errors_exit_with_three() {
        let f = answered(
            503,
            serde_json::json!({"title":"Unavailable","detail":"later"}),
        );
        assert_eq!(f.exit_code(), 3);
        assert!(f.render().contains("error: Unavailable (503)\n  later\n"));
    }

    #[test]
    fn control_characters_in_an_answer_never_reach_the_terminal() {
        let f = answered(
            400,
            serde_json::json!({"title":"Bad\u{1b}[2J","detail":"x\ny"}),
        );
        let out = f.render();
        assert!(!out.contains('\u{1b}'), "{out:?}");
        assert!(out.contains("  x y\n"), "{out:?}");
    }
}
