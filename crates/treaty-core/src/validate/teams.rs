//! Teams: members, contacts and escalation paths.

use treaty_syntax::{Diagnostic, Spanned, did_you_mean};

use super::Validator;
use crate::codes;
use crate::model::Team;

impl Validator {
    pub(super) fn check_team(&mut self, team: &Team) {
        self.unique_ids("member", team.members.iter().map(|m| &m.id));
        for m in &team.members {
            if let Some(email) = &m.email {
                self.email(email);
            }
        }
        if let Some(email) = &team.contacts.email {
            self.email(email);
        }
        if let Some(url) = &team.contacts.webhook {
            let rest = url
                .value
                .strip_prefix("https://")
                .or_else(|| url.value.strip_prefix("http://"));
            let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
            if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_CONTACT,
                        format!("`{}` is not a webhook URL", url.value),
                    )
                    .at(url.span)
                    .with_hint("write an absolute `https://` URL"),
                );
            }
        }
        if team.escalation.is_empty() {
            self.push(
                Diagnostic::warning(
                    codes::NO_ESCALATION,
                    format!("team `{}` has no escalation path", team.id.value),
                )
                .at(team.id.span)
                .with_hint("add `escalation:` steps so that overdue blockers reach someone"),
            );
        }
        let members = self
            .members
            .get(&team.id.value)
            .cloned()
            .unwrap_or_default();
        for step in &team.escalation {
            let to = &step.to.value;
            if !members.contains(to) && !self.team_ids.contains(to) {
                let mut candidates: Vec<&str> = members.iter().map(String::as_str).collect();
                candidates.extend(self.team_ids.iter().map(String::as_str));
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_ESCALATION_TARGET,
                    format!("escalation step names `{to}`, which is neither a member of `{}` nor a team", team.id.value),
                )
                .at(step.to.span);
                if let Some(m) = did_you_mean(to, &candidates) {
                    d = d.with_hint(format!("did you mean `{m}`?"));
                }
                self.push(d);
            }
        }
    }

    pub(super) fn email(&mut self, email: &Spanned<String>) {
        let ok = email.value.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !email.value.contains(char::is_whitespace)
        });
        if !ok {
            self.push(
                Diagnostic::error(
                    codes::INVALID_CONTACT,
                    format!("`{}` is not an email address", email.value),
                )
                .at(email.span),
            );
        }
    }
}
