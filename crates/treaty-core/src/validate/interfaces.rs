//! Interfaces: producer, consumers, expectations, versions, and whether
//! what consumers say they use exists in the schema.

use std::collections::HashMap;

use treaty_syntax::{Diagnostic, Node, Span};

use super::Validator;
use super::uses::unresolved_uses;
use crate::codes;
use crate::load::WorkspaceSource;
use crate::model::{Interface, VersioningScheme};

impl Validator {
    pub(super) fn check_interface(
        &mut self,
        interface: &Interface,
        source: &dyn WorkspaceSource,
        schema_sources: &mut Vec<(String, String, Diagnostic)>,
    ) {
        match &interface.producer {
            None => self.push(
                Diagnostic::error(
                    codes::MISSING_OWNER,
                    format!("interface `{}` has no producer", interface.id.value),
                )
                .at(interface.id.span)
                .with_hint("every interface has exactly one owner: add `producer: <team>`"),
            ),
            Some(p) => self.team_ref(p, "the producer"),
        }
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for consumer in &interface.consumers {
            self.team_ref(&consumer.team, "a consumer");
            if let Some(p) = &interface.producer
                && p.value == consumer.team.value
            {
                self.push(
                    Diagnostic::warning(
                        codes::PRODUCER_CONSUMES,
                        format!(
                            "`{}` is both producer and consumer of `{}`",
                            p.value, interface.id.value
                        ),
                    )
                    .at(consumer.team.span)
                    .with_hint(
                        "a producer is never broken by its own change: remove it from `consumers`",
                    ),
                );
            }
            if let Some(first) = seen.get(consumer.team.value.as_str()) {
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_CONSUMER,
                        format!(
                            "team `{}` is listed twice as a consumer",
                            consumer.team.value
                        ),
                    )
                    .at(consumer.team.span)
                    .with_related(*first, "first listed here")
                    .with_hint("merge the two entries and their `uses`"),
                );
            } else {
                seen.insert(&consumer.team.value, consumer.team.span);
            }
            for exp in &consumer.expectations {
                if self.path_in_workspace(&exp.file) && !source.exists(&exp.file.value) {
                    self.push(
                        Diagnostic::error(
                            codes::EXPECTATION_NOT_FOUND,
                            format!("expectation file `{}` does not exist", exp.file.value),
                        )
                        .at(exp.file.span),
                    );
                }
            }
        }
        for fm in &interface.failure_modes {
            self.team_ref(&fm.rollback, "the rollback owner");
            for flag in &fm.flags {
                self.team_ref(&flag.owner, "a flag owner");
            }
        }
        for slo in &interface.slos {
            self.threshold(&slo.objective);
        }
        if let Some(versioning) = &interface.versioning
            && versioning.scheme == VersioningScheme::Semver
            && let Some(current) = &versioning.current
            && let Err(e) = semver::Version::parse(&current.value)
        {
            self.push(
                Diagnostic::error(
                    codes::INVALID_VERSION,
                    format!("`{}` is not a semantic version: {e}", current.value),
                )
                .at(current.span)
                .with_hint("write MAJOR.MINOR.PATCH, such as `2.3.0`"),
            );
        }
        for include in &interface.include_paths {
            self.path_in_workspace(include);
        }
        if self.path_in_workspace(&interface.schema) {
            self.check_schema_file(interface, source, schema_sources);
        }
    }

    /// Checks that what consumers say they use exists in the schema: a typo
    /// in `uses` would make every change look like it touches nobody.
    pub(super) fn check_uses(&mut self, interface: &Interface, schema: &Node) {
        for u in unresolved_uses(interface, schema) {
            let mut d = Diagnostic::warning(
                u.kind.code(),
                format!(
                    "`{}` has no {} `{}`",
                    interface.id.value,
                    u.kind.what(),
                    u.name
                ),
            )
            .at(u.span)
            .with_label("changes to it would never be attributed to this consumer");
            if let Some(m) = &u.suggestion {
                d = d.with_hint(format!("did you mean `{m}`?"));
            }
            self.push(d);
        }
    }
}
