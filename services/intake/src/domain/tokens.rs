//! Coordinator credentials: what a new token may say, and how it is kept (never the secret).

use chrono::{DateTime, Utc};
use rrm_platform::FieldProblem;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Every scope a coordinator token can carry. `admin` implies all others.
pub const SCOPES: [&str; 6] = [
    "alerts:read",
    "alerts:write",
    "roster:write",
    "translators:write",
    "editors:write",
    "admin",
];

/// A scope of a coordinator token, one of [`SCOPES`]: the schema is the list itself.
pub struct Scope;

impl utoipa::PartialSchema for Scope {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "What a token may do; `admin` implies all others and is what manages tokens.",
            ))
            .enum_values(Some(SCOPES))
            .into()
    }
}

impl ToSchema for Scope {}

/// What an admin sends to issue a token. Fields not listed are refused.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Amsterdam desk",
    "scopes": ["alerts:read", "alerts:write"],
    "expires_at": "2027-01-01T00:00:00Z"
}))]
pub struct NewToken {
    /// Who holds the token: one line, trimmed; alerts name it as `raised_by`.
    #[schema(min_length = 1, max_length = 100, example = "Amsterdam desk")]
    pub name: String,
    /// Duplicates are dropped.
    #[schema(value_type = Vec<Scope>, min_items = 1)]
    pub scopes: Vec<String>,
    /// When the token stops working, in the future; never when absent or null.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A token as intake keeps it for listing and revoking: no secret, no hash (those live in the
/// platform's credentials tree, as every service keeps them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub token_id: Uuid,
    pub name: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked: bool,
    pub created_at: DateTime<Utc>,
    /// Announced from `RRM_INTAKE__BOOTSTRAP_TOKEN`, not created through the API.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bootstrap: bool,
}

impl TokenRecord {
    pub fn is_admin(&self) -> bool {
        self.scopes.iter().any(|s| s == "admin")
    }
}

/// A new token's fields, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidToken {
    pub name: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Checks a new token's fields; every problem is reported at once. Scopes are deduplicated.
pub fn validate_token(
    input: NewToken,
    now: DateTime<Utc>,
) -> Result<ValidToken, Vec<FieldProblem>> {
    let mut errors = Vec::new();
    let mut problem = |field: &str, message: String| {
        errors.push(FieldProblem {
            field: field.into(),
            message,
        })
    };
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        problem("name", "must be one line of 1 to 100 characters".into());
    }
    if input.scopes.is_empty() {
        problem(
            "scopes",
            format!("name at least one of {}", SCOPES.join(", ")),
        );
    }
    let mut scopes: Vec<String> = Vec::new();
    for scope in &input.scopes {
        if !SCOPES.contains(&scope.as_str()) {
            problem(
                "scopes",
                format!("{scope:?} is not a scope; scopes are {}", SCOPES.join(", ")),
            );
        } else if !scopes.contains(scope) {
            scopes.push(scope.clone());
        }
    }
    if input.expires_at.is_some_and(|e| e <= now) {
        problem("expires_at", "must be in the future".into());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidToken {
        name,
        scopes,
        expires_at: input.expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn input(scopes: &[&str]) -> NewToken {
        NewToken {
            name: " Night desk ".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expires_at: None,
        }
    }

    #[test]
    fn a_token_names_known_scopes_once() {
        let valid =
            validate_token(input(&["alerts:read", "alerts:read", "admin"]), Utc::now()).unwrap();
        assert_eq!(valid.name, "Night desk");
        assert_eq!(valid.scopes, ["alerts:read", "admin"]);
    }

    #[test]
    fn unknown_scopes_no_scopes_and_past_expiry_are_each_reported() {
        let mut bad = input(&["alerts:delete"]);
        bad.name = String::new();
        bad.expires_at = Some(Utc::now() - Duration::minutes(1));
        let fields: Vec<String> = validate_token(bad, Utc::now())
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name", "scopes", "expires_at"]);
        assert_eq!(
            validate_token(input(&[]), Utc::now()).unwrap_err()[0].field,
            "scopes"
        );
    }
}
