//! `rrm translators …`, against translation's API: `GET/POST /api/v1/translators`,
//! `GET/PUT/DELETE /api/v1/translators/{id}`, `POST /api/v1/translators/import` and
//! `GET /api/v1/translators/export`.

use super::{emit, export_csv, id, import_csv, not_blank, note, print_json, read_from};
use crate::client::Service;
use crate::display::{one_line, table};
use crate::{Context, Failure};
use clap::{Subcommand, ValueEnum};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::path::PathBuf;
use uuid::Uuid;

#[derive(Debug, Subcommand)]
pub enum TranslatorsCommand {
    /// List translators, with the jobs each holds now.
    List {
        /// Only translators working into this language (BCP 47, e.g. ar).
        #[arg(long, value_name = "CODE")]
        language: Option<String>,
    },
    /// Show a translator.
    Show {
        #[arg(value_name = "ID", value_parser = id)]
        id: Uuid,
    },
    /// Add a translator.
    Add {
        #[arg(long, value_parser = not_blank)]
        name: String,
        #[arg(long, value_parser = not_blank)]
        email: String,
        /// A direction they translate in, from>to (e.g. en>ar); repeat or separate with commas.
        #[arg(
            long = "pair",
            value_name = "FROM>TO",
            value_delimiter = ',',
            required = true
        )]
        pairs: Vec<String>,
        /// Jobs they take at once (1 to 50; translation's default 1).
        #[arg(long, value_name = "N")]
        capacity: Option<u32>,
    },
    /// Change a translator: only the options given change; --pair replaces the whole list.
    Edit {
        #[arg(value_name = "ID", value_parser = id)]
        id: Uuid,
        #[arg(long, value_parser = not_blank)]
        name: Option<String>,
        #[arg(long, value_parser = not_blank)]
        email: Option<String>,
        #[arg(long = "pair", value_name = "FROM>TO", value_delimiter = ',')]
        pairs: Option<Vec<String>>,
        #[arg(long, value_name = "N")]
        capacity: Option<u32>,
        #[arg(long, value_enum)]
        status: Option<Status>,
    },
    /// Offer a translator nothing more (the jobs they hold stay theirs); `activate` undoes it.
    Pause {
        #[arg(value_name = "ID", value_parser = id)]
        id: Uuid,
    },
    /// Offer a paused translator jobs again.
    Activate {
        #[arg(value_name = "ID", value_parser = id)]
        id: Uuid,
    },
    /// Remove a translator (refused while they hold a job: pause them first).
    Remove {
        #[arg(value_name = "ID", value_parser = id)]
        id: Uuid,
    },
    /// Import translators from a CSV file (columns name,email,pairs,capacity,status): new
    /// e-mails are added, known ones updated. One invalid row and nothing is imported.
    Import {
        #[arg(value_name = "FILE.csv")]
        file: PathBuf,
    },
    /// Export every translator as CSV (the columns `import` reads).
    Export {
        /// Write the CSV to this file instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Status {
    Active,
    Paused,
}

impl Status {
    fn wire(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Paused => "paused",
        }
    }
}

/// A translator as translation's API shows one.
#[derive(Debug, Deserialize)]
struct Translator {
    id: String,
    name: String,
    email: String,
    pairs: Vec<String>,
    capacity: u32,
    status: String,
    load: u32,
}

#[derive(Debug, Deserialize)]
struct Listing {
    translators: Vec<Translator>,
}

fn read<T: serde::de::DeserializeOwned>(body: Value, what: &str) -> Result<T, Failure> {
    read_from(Service::Translation, body, what)
}

pub async fn run(command: TranslatorsCommand, context: &Context) -> Result<(), Failure> {
    match command {
        TranslatorsCommand::List { language } => {
            let query: Vec<(&str, String)> =
                language.map(|l| vec![("language", l)]).unwrap_or_default();
            let answer = context.client.get("/api/v1/translators", &query).await?;
            if context.json {
                return print_json(&answer.body);
            }
            let listing: Listing = read(answer.body, "a list of translators")?;
            if listing.translators.is_empty() {
                note("no translator");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = listing
                .translators
                .iter()
                .map(|t| {
                    vec![
                        one_line(&t.id),
                        one_line(&t.name),
                        one_line(&t.email),
                        one_line(&t.pairs.join(", ")),
                        format!("{}/{}", t.load, t.capacity),
                        one_line(&t.status),
                    ]
                })
                .collect();
            emit(&table(
                &["ID", "NAME", "E-MAIL", "PAIRS", "HOLDS", "STATUS"],
                &rows,
            ))
        }
        TranslatorsCommand::Show { id } => {
            let answer = context
                .client
                .get(&format!("/api/v1/translators/{id}"), &[])
                .await?;
            show(context, answer.body, "translator")
        }
        TranslatorsCommand::Add {
            name,
            email,
            pairs,
            capacity,
        } => {
            let mut body = json!({"name": name, "email": email, "pairs": pairs});
            if let Some(capacity) = capacity {
                body["capacity"] = capacity.into();
            }
            let answer = context.client.post("/api/v1/translators", &body).await?;
            show(context, answer.body, "added")
        }
        TranslatorsCommand::Edit {
            id,
            name,
            email,
            pairs,
            capacity,
            status,
        } => {
            let mut body = Map::new();
            if let Some(v) = name {
                body.insert("name".into(), v.into());
            }
            if let Some(v) = email {
                body.insert("email".into(), v.into());
            }
            if let Some(v) = pairs {
                body.insert("pairs".into(), v.into());
            }
            if let Some(v) = capacity {
                body.insert("capacity".into(), v.into());
            }
            if let Some(v) = status {
                body.insert("status".into(), v.wire().into());
            }
            if body.is_empty() {
                return Err(Failure::Usage(
                    "nothing to change: give --name, --email, --pair, --capacity or --status"
                        .into(),
                ));
            }
            edit(context, id, Value::Object(body), "updated").await
        }
        TranslatorsCommand::Pause { id } => {
            edit(context, id, json!({"status": "paused"}), "paused").await
        }
        TranslatorsCommand::Activate { id } => {
            edit(context, id, json!({"status": "active"}), "activated").await
        }
        TranslatorsCommand::Remove { id } => {
            context
                .client
                .delete(&format!("/api/v1/translators/{id}"))
                .await?;
            if context.json {
                return print_json(&json!({"id": id, "removed": true}));
            }
            emit(&format!("removed: {id}\n"))
        }
        TranslatorsCommand::Import { file } => {
            import_csv(context, "/api/v1/translators/import", &file).await
        }
        TranslatorsCommand::Export { output } => {
            export_csv(
                context,
                "/api/v1/translators/export",
                output.as_deref(),
                "the translators",
            )
            .await
        }
    }
}

async fn edit(context: &Context, id: Uuid, body: Value, heading: &str) -> Result<(), Failure> {
    let answer = context
        .client
        .put(&format!("/api/v1/translators/{id}"), &body)
        .await?;
    show(context, answer.body, heading)
}

/// Prints a translator answer: as it came for --json, else `heading: ID` and the details.
fn show(context: &Context, body: Value, heading: &str) -> Result<(), Failure> {
    if context.json {
        return print_json(&body);
    }
    let t: Translator = read(body, "a translator")?;
    let separator = if heading == "translator" { " " } else { ": " };
    emit(&format!(
        "{heading}{separator}{}\n  name      {}\n  e-mail    {}\n  pairs     {}\n  capacity  {} (holds {} now)\n  status    {}\n",
        one_line(&t.id),
        one_line(&t.name),
        one_line(&t.email),
        one_line(&t.pairs.join(", ")),
        t.capacity,
        t.load,
        one_line(&t.status),
    ))
}
