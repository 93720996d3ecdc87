//! `waivers/*.yaml`: a waiver in the repository-only mode. It lets named
//! rules of one interface through `treaty check` until a day, once the
//! teams governance names for a waiver approved it; after that day it
//! waives nothing. Like a proposal, its decisions are trusted as the code
//! review that merged them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use treaty_syntax::Spanned;

use super::{CalendarDate, FileDecision, ProposalState, Transition};

/// A time-limited exception to an interface's compatibility check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Treaty waiver (waivers/*.yaml)")]
pub struct Waiver {
    /// `w-` and a number (`w-2`), the file's name.
    pub id: Spanned<String>,
    /// The interface whose check it relaxes.
    pub interface: Spanned<String>,
    /// The rule ids (`enum-value-removed`, ...) it lets through on that
    /// interface. At least one.
    pub rules: Spanned<Vec<Spanned<String>>>,
    /// The last day it applies (inclusive).
    pub expires: Spanned<CalendarDate>,
    /// Why the check may be relaxed until then. Required.
    pub reason: Spanned<String>,
    /// The team asking for it.
    pub requested_by: Spanned<String>,
    /// Where it stands; `open` unless said. A waiver is never shipped.
    #[serde(default)]
    pub state: ProposalState,
    /// Every change of state asked for, with who and why, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitions: Vec<Transition>,
    /// Approvals and rejections, in the order taken; a team's latest
    /// counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<FileDecision>,
}

impl Waiver {
    /// Whether `id` is a waiver's id: `w-` and a number without a
    /// leading zero.
    pub fn is_valid_id(id: &str) -> bool {
        id.strip_prefix("w-").is_some_and(|n| {
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0')
        })
    }
}
