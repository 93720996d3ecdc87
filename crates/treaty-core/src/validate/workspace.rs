//! `treaty.yaml`: the format version, the organization and governance.

use std::collections::HashMap;

use treaty_syntax::{Diagnostic, Span, Spanned};

use super::{Validator, is_valid_id};
use crate::codes;
use crate::load::Workspace;
use crate::model::{Approver, FORMAT_VERSION};

impl Validator {
    pub(super) fn check_workspace_file(&mut self, ws: &Workspace) {
        let Some(file) = &ws.workspace else { return };
        if file.version.value != FORMAT_VERSION {
            self.push(
                Diagnostic::error(
                    codes::UNSUPPORTED_VERSION,
                    format!("format version {} is not supported", file.version.value),
                )
                .at(file.version.span)
                .with_hint(format!(
                    "this build of Treaty reads format version {FORMAT_VERSION}"
                )),
            );
        }
        if !is_valid_id(&file.organization.id.value) {
            self.push(
                Diagnostic::error(
                    codes::INVALID_ID,
                    format!(
                        "`{}` is not a valid organization id",
                        file.organization.id.value
                    ),
                )
                .at(file.organization.id.span),
            );
        }
        let g = &file.governance;
        let mut members: HashMap<&str, Span> = HashMap::new();
        for team in &g.steering_group {
            self.team_ref(team, "a steering-group member");
            if let Some(first) = members.get(team.value.as_str()) {
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_ENTRY,
                        format!(
                            "team `{}` is listed twice in the steering group",
                            team.value
                        ),
                    )
                    .at(team.span)
                    .with_related(*first, "first listed here")
                    .with_hint("a team has one voice in the steering group: remove the repeat"),
                );
            } else {
                members.insert(&team.value, team.span);
            }
        }
        if let Some(q) = &g.quorum {
            let size = members.len();
            if q.value == 0 {
                self.push(
                    Diagnostic::error(codes::INVALID_QUORUM, "quorum must be at least 1")
                        .at(q.span),
                );
            } else if q.value as usize > size {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_QUORUM,
                        format!(
                            "quorum {} is larger than the steering group ({size} teams)",
                            q.value
                        ),
                    )
                    .at(q.span)
                    .with_hint(
                        "a quorum that can never be reached blocks every decision that needs it",
                    ),
                );
            }
        }
        for rule in &g.approvals {
            if rule.require.is_empty() {
                self.push(
                    Diagnostic::error(codes::EMPTY_APPROVAL_RULE, "approval rule requires nobody")
                        .at(rule.change.span)
                        .with_hint("list who must approve under `require`, or remove the rule"),
                );
            }
            for approver in &rule.require {
                if let Approver::Team(team) = approver {
                    self.team_ref(team, "an approver");
                }
            }
        }
        let mut triagers: HashMap<&str, Span> = HashMap::new();
        for team in &g.triage.severity_by {
            self.team_ref(team, "a team that may change a blocker's severity");
            if let Some(first) = triagers.insert(&team.value, team.span) {
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_ENTRY,
                        format!("team `{}` is listed twice in `severity_by`", team.value),
                    )
                    .at(team.span)
                    .with_related(first, "first listed here"),
                );
            }
        }
        let c = &g.communication;
        for review in &c.reviews {
            self.whole_days(&review.every, &format!("review `{}`", review.name));
            for team in &review.teams {
                self.team_ref(team, "a team taking part in a review");
            }
        }
        for liaison in &c.liaisons {
            self.whole_days(&liaison.every, &format!("liaison role `{}`", liaison.role));
            if liaison.rotation.is_empty() {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_PERIOD,
                        format!("liaison role `{}` rotates between no team", liaison.role),
                    )
                    .at(liaison.from.span)
                    .with_hint("list the teams that hold the role in turn under `rotation`"),
                );
            }
            for team in &liaison.rotation {
                self.team_ref(team, "a team in a liaison rotation");
            }
        }
        for freeze in &g.freezes {
            if g.steering_group.is_empty() {
                self.push(
                    Diagnostic::error(
                        codes::FREEZE_WITHOUT_STEERING_GROUP,
                        format!(
                            "freeze `{}` has nobody to grant its exceptions: the steering group is empty",
                            freeze.name
                        ),
                    )
                    .at(freeze.from.span)
                    .with_hint("list the teams that decide during a freeze under `governance.steering_group`"),
                );
            }
            if freeze.from.value > freeze.to.value {
                self.push(
                    Diagnostic::error(
                        codes::DATE_ORDER,
                        format!("freeze `{}` ends before it starts", freeze.name),
                    )
                    .at(freeze.to.span)
                    .with_related(freeze.from.span, "starts here"),
                );
            }
        }
    }

    /// Reports a period of a recurring meeting or role that is not a whole
    /// number of days: they fall on days.
    fn whole_days(&mut self, every: &Spanned<crate::model::Duration>, what: &str) {
        let minutes = every.value.minutes();
        if minutes == 0 || !minutes.is_multiple_of(60 * 24) {
            self.push(
                Diagnostic::error(
                    codes::INVALID_PERIOD,
                    format!(
                        "{what} recurs every {}, not a whole number of days",
                        every.value
                    ),
                )
                .at(every.span)
                .with_hint("write the period in days or weeks, such as `1w` or `14d`"),
            );
        }
    }
}
