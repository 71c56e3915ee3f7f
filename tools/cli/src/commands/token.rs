//! `rrm token …`: `POST/GET /api/v1/tokens`, `POST /api/v1/tokens/{id}/revoke`.

use super::{emit, id, not_blank, note, print_json, read, rfc3339};
use crate::api::{CreatedToken, Token, TokenList};
use crate::display::{moment, one_line, table};
use crate::{Context, Failure};
use chrono::{DateTime, SecondsFormat, Utc};
use clap::Subcommand;
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a coordinator token. Its secret is printed once, now, and never again.
    Create {
        /// Who or what will use it (a person, a monitoring system).
        #[arg(long, value_parser = not_blank)]
        name: String,
        /// A scope it grants (e.g. alerts:read, alerts:write, admin); repeat or separate with
        /// commas.
        #[arg(
            long = "scope",
            value_name = "SCOPE",
            value_delimiter = ',',
            required = true
        )]
        scopes: Vec<String>,
        /// When it stops working, RFC 3339; never when absent.
        #[arg(long, value_parser = rfc3339, value_name = "RFC3339")]
        expires: Option<DateTime<Utc>>,
    },
    /// List coordinator tokens (never their secrets).
    List,
    /// Revoke a token: every service refuses it from then on.
    Revoke {
        #[arg(value_name = "ID", value_parser = id)]
        id: Uuid,
    },
}

pub async fn run(command: TokenCommand, context: &Context) -> Result<(), Failure> {
    let now = Utc::now();
    match command {
        TokenCommand::Create {
            name,
            scopes,
            expires,
        } => {
            let body = json!({
                "name": name,
                "scopes": scopes,
                "expires_at": expires.map(|at| at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            });
            let answer = context.client.post("/api/v1/tokens", &body).await?;
            if context.json {
                return print_json(&answer.body);
            }
            let created: CreatedToken = read(answer.body, "a new token")?;
            emit(&format!(
                "created: {}\n{}\n{}\n\n",
                one_line(&created.view.token_id),
                details(&created.view, now),
                one_line(&created.token)
            ))?;
            note(
                "This token is shown only now: store it (e.g. in a file for --token-file). \
                 Intake keeps only its hash and cannot show it again.",
            );
            Ok(())
        }
        TokenCommand::List => {
            let answer = context.client.get("/api/v1/tokens", &[]).await?;
            if context.json {
                return print_json(&answer.body);
            }
            let list: TokenList = read(answer.body, "a list of tokens")?;
            emit(&list_table(&list.tokens, now))
        }
        TokenCommand::Revoke { id } => {
            let answer = context
                .client
                .post(&format!("/api/v1/tokens/{id}/revoke"), &json!({}))
                .await?;
            if context.json {
                return print_json(&answer.body);
            }
            let token: Token = read(answer.body, "a token")?;
            emit(&format!(
                "revoked: {}\n{}",
                one_line(&token.token_id),
                details(&token, now)
            ))
        }
    }
}

fn expiry(token: &Token, now: DateTime<Utc>) -> String {
    token
        .expires_at
        .map(|at| moment(at, now))
        .unwrap_or_else(|| "never".into())
}

fn details(token: &Token, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    out.push_str(&format!("  {:<8} {}\n", "name", one_line(&token.name)));
    out.push_str(&format!(
        "  {:<8} {}\n",
        "scopes",
        one_line(&token.scopes.join(", "))
    ));
    out.push_str(&format!("  {:<8} {}\n", "expires", expiry(token, now)));
    out.push_str(&format!("  {:<8} {}\n", "state", token.state(now)));
    out
}

fn list_table(tokens: &[Token], now: DateTime<Utc>) -> String {
    if tokens.is_empty() {
        return "no tokens\n".into();
    }
    let rows: Vec<Vec<String>> = tokens
        .iter()
        .map(|t| {
            vec![
                one_line(&t.token_id),
                one_line(&t.name),
                one_line(&t.scopes.join(",")),
                t.state(now).to_owned(),
                expiry(t, now),
                t.created_at.map(|at| moment(at, now)).unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &["ID", "NAME", "SCOPES", "STATE", "EXPIRES", "CREATED"],
        &rows,
    )
}
