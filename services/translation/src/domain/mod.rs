//! Translation's rules, without I/O: how each language is translated ([`Policy`]), the life of
//! one language's job ([`job`]), translators and their CSV ([`translator`], [`csv`]), and how
//! names, glossary terms and Markdown survive a machine ([`protect`]).

pub mod csv;
pub mod job;
pub mod protect;
pub mod translator;

pub use job::{Completion, Failure, Job, Next, Refusal, Stage, Texts};
pub use translator::{LanguagePair, Translator, TranslatorInput, TranslatorStatus};

use serde::{Deserialize, Serialize};

/// How a language is translated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Policy {
    /// A machine translation goes out as it is.
    #[default]
    #[serde(rename = "machine")]
    Machine,
    /// A human translator translates, from a machine pre-draft when there is one.
    #[serde(rename = "human")]
    Human,
    /// A machine translation goes out once a human translator has reviewed it; should no
    /// translator act in time, a coordinator can accept the machine's.
    #[serde(rename = "machine+review")]
    MachineReview,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Machine => "machine",
            Policy::Human => "human",
            Policy::MachineReview => "machine+review",
        }
    }

    /// Whether a human translator is asked.
    pub fn needs_translator(self) -> bool {
        !matches!(self, Policy::Machine)
    }
}
