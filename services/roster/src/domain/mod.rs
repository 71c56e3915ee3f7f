//! Roster rules, without I/O: members and how their values are parsed ([`member`]), the members
//! CSV ([`csv`]), who is invited and why, and when a panel is balanced ([`selection`]),
//! invitations and answers ([`panel`]).

pub mod csv;
pub mod member;
pub mod panel;
pub mod selection;

pub use member::{Member, MemberInput, Profile, Vocabulary};
pub use panel::{Answer, Invitation, NotRecorded, Panel, Role};
pub use selection::{Ask, Balance, History, Scored};
