//! The repository-only mode of waivers: the files under `waivers/` as
//! `treaty_core::check::waivers` reads them, and the verdict's changes
//! they let through. Core decides; this gathers.

use std::collections::BTreeSet;

use treaty_core::Workspace;
use treaty_core::check::waivers::{self, Applied, Context, KnownWaiver};
use treaty_core::check::{Facts, InterfaceCheck};
use treaty_core::governance;
use treaty_core::model::{CalendarDate, Interface, Waiver};

/// The workspace's waivers about `interface`, as the check sees them, in
/// the order of their numbers (the first approved one covering a rule is
/// named).
pub fn from_files(ws: &Workspace, interface: &str) -> Vec<KnownWaiver> {
    let mut about: Vec<&Waiver> = ws
        .waivers
        .iter()
        .filter(|w| w.interface.value == interface)
        .collect();
    about.sort_by_key(|w| number(&w.id.value));
    about.into_iter().map(KnownWaiver::from_file).collect()
}

/// `w-12` → 12 (ids that are not `w-N` last, by name).
fn number(id: &str) -> (u64, String) {
    let n = id
        .strip_prefix("w-")
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX);
    (n, id.to_owned())
}

/// Applies the waivers `about` `interface` to its verdict, judged from
/// `facts` on `today` by the workspace's governance.
pub fn apply(
    ws: &Workspace,
    interface: &Interface,
    about: &[KnownWaiver],
    verdict: &mut InterfaceCheck,
    facts: &Facts<'_>,
    today: jiff::civil::Date,
) -> Applied {
    if about.is_empty() {
        return Applied {
            waivers: Vec::new(),
            waived_by: vec![None; verdict.changes.len()],
        };
    }
    let governance = ws.governance();
    let subject = governance::Subject::of(interface, BTreeSet::new());
    let context = Context {
        interface: &interface.id.value,
        governance: &governance,
        producer: &subject.producer,
        consumers: &subject.consumers,
        today: CalendarDate(today),
    };
    waivers::apply(verdict, facts, about, &context)
}
