//! Roster's handlebars pages, one module per page (templates in `src/templates/`).

pub mod invitation;
