//! `proposals/*.yaml`: the interface, teams and release a proposal names
//! exist, its rollback plan is written and its change-set hash is one.

use treaty_syntax::{Diagnostic, did_you_mean};

use super::Validator;
use crate::codes;
use crate::model::Proposal;

impl Validator {
    pub(super) fn check_proposal(
        &mut self,
        proposal: &Proposal,
        interface_ids: &[&str],
        release_ids: &[&str],
    ) {
        self.interface_ref(&proposal.interface, interface_ids);
        self.team_ref(&proposal.proposer, "the proposer");
        for decision in &proposal.decisions {
            self.team_ref(&decision.team, "a deciding team");
        }
        if let Some(release) = &proposal.target_release
            && !release_ids.contains(&release.value.as_str())
        {
            let mut d = Diagnostic::error(
                codes::UNKNOWN_RELEASE,
                format!("unknown release `{}`", release.value),
            )
            .at(release.span);
            if let Some(m) = did_you_mean(&release.value, release_ids) {
                d = d.with_hint(format!("did you mean `{m}`?"));
            }
            self.push(d);
        }
        if proposal.rollback.value.trim().is_empty() {
            self.push(
                Diagnostic::error(codes::EMPTY_ROLLBACK, "the rollback plan is empty")
                    .at(proposal.rollback.span)
                    .with_hint("say how the change is undone if it goes wrong"),
            );
        }
        let hash = &proposal.change_set.value;
        let valid = hash.strip_prefix("sha256:").is_some_and(|hex| {
            hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        if !valid {
            self.push(
                Diagnostic::error(
                    codes::INVALID_CHANGE_SET,
                    format!("`{hash}` is not a change-set hash"),
                )
                .at(proposal.change_set.span)
                .with_hint(
                    "keep the value `treaty propose` wrote: `sha256:` and 64 lower-case hex digits",
                ),
            );
        }
    }
}
