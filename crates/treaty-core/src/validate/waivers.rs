//! `waivers/*.yaml`: a waiver's id is `w-N` and its file's name, the
//! interface and teams it names exist, it lists at least one known rule,
//! says why, and is in a state a waiver can be in.

use treaty_syntax::{Diagnostic, did_you_mean};

use super::Validator;
use crate::codes;
use crate::model::{ProposalState, Waiver};

impl Validator {
    /// `file`: the path the waiver was read from, when known.
    pub(super) fn check_waiver(
        &mut self,
        waiver: &Waiver,
        file: Option<&str>,
        interface_ids: &[&str],
    ) {
        let id = &waiver.id.value;
        let stem = file.and_then(|f| {
            let name = f.rsplit('/').next()?;
            name.strip_suffix(".yaml")
                .or_else(|| name.strip_suffix(".yml"))
        });
        if !Waiver::is_valid_id(id) {
            self.push(
                Diagnostic::error(
                    codes::INVALID_WAIVER_ID,
                    format!("`{id}` is not a waiver id"),
                )
                .at(waiver.id.span)
                .with_hint(
                    "a waiver's id is `w-` and a number (`w-2`), as `treaty waive` writes it",
                ),
            );
        } else if let Some(stem) = stem
            && stem != id
        {
            self.push(
                Diagnostic::error(
                    codes::INVALID_WAIVER_ID,
                    format!("waiver `{id}` is in `{}`", file.unwrap_or(stem)),
                )
                .at(waiver.id.span)
                .with_hint(format!(
                    "name the file `waivers/{id}.yaml`: commands find a waiver by its id"
                )),
            );
        }
        self.interface_ref(&waiver.interface, interface_ids);
        self.team_ref(&waiver.requested_by, "the requesting team");
        for decision in &waiver.decisions {
            self.team_ref(&decision.team, "a deciding team");
        }
        if waiver.rules.value.is_empty() {
            self.push(
                Diagnostic::error(codes::EMPTY_RULES, "the waiver lets no rule through")
                    .at(waiver.rules.span)
                    .with_hint("list the rule ids it waives, as `treaty check` reports them"),
            );
        }
        let known: Vec<&str> = treaty_compat::RULES.iter().map(|(id, _)| *id).collect();
        for rule in &waiver.rules.value {
            if known.contains(&rule.value.as_str()) {
                continue;
            }
            let mut d = Diagnostic::error(
                codes::UNKNOWN_RULE,
                format!("unknown rule `{}`", rule.value),
            )
            .at(rule.span);
            d = match did_you_mean(&rule.value, &known) {
                Some(m) => d.with_hint(format!("did you mean `{m}`?")),
                None => d.with_hint("docs/rules.md lists every rule id"),
            };
            self.push(d);
        }
        if waiver.reason.value.trim().is_empty() {
            self.push(
                Diagnostic::error(codes::EMPTY_REASON, "the waiver's reason is empty")
                    .at(waiver.reason.span)
                    .with_hint("say why the check may be relaxed until it expires"),
            );
        }
        if matches!(
            waiver.state,
            ProposalState::Shipped | ProposalState::RolledBack
        ) {
            self.push(
                Diagnostic::error(
                    codes::INVALID_WAIVER_STATE,
                    format!(
                        "waiver `{id}` is {}: a waiver is never shipped or rolled back",
                        waiver.state
                    ),
                )
                .at(waiver.id.span)
                .with_hint("a waiver is draft, open, approved, rejected or withdrawn"),
            );
        }
    }
}
