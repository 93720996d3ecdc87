//! Every check of `treaty validate` beyond the file format: identifiers,
//! cross-references, cycles, dates, owners, evidence.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use treaty_syntax::{Diagnostic, Limits, Node, SourceId, Span, Spanned, did_you_mean};

use crate::codes;
use crate::impact::same_operation;
use crate::load::{ItemKind, Workspace, WorkspaceSource};
use crate::model::{
    Approver, CalendarDate, FORMAT_VERSION, Interface, InterfaceKind, Release, ReleaseStatus, Team,
    Threshold, VersioningScheme,
};

/// Checks a loaded workspace. `today` decides which deadlines have passed.
/// Schema files are read through `source` (and added to `ws.sources` so
/// that diagnostics in them can be shown).
pub fn validate(ws: &mut Workspace, source: &dyn WorkspaceSource, today: Date) -> Vec<Diagnostic> {
    let mut v = Validator {
        diags: Vec::new(),
        team_ids: Vec::new(),
        members: HashMap::new(),
    };
    let mut teams: Vec<&Team> = Vec::new();
    if let Some(file) = &ws.workspace {
        teams.extend(file.teams.iter());
    }
    teams.extend(ws.teams.iter());
    let broken = |kind: ItemKind| {
        ws.broken_ids
            .iter()
            .filter(move |(k, _)| *k == kind)
            .map(|(_, id)| id.as_str())
    };
    v.team_ids = teams.iter().map(|t| t.id.value.clone()).collect();
    v.team_ids.extend(broken(ItemKind::Team).map(str::to_owned));
    for t in &teams {
        v.members
            .entry(t.id.value.clone())
            .or_default()
            .extend(t.members.iter().map(|m| m.id.value.clone()));
    }

    v.check_workspace_file(ws);
    v.unique_ids("team", teams.iter().map(|t| &t.id));
    for team in &teams {
        v.check_team(team);
    }

    v.unique_ids("interface", ws.interfaces.iter().map(|i| &i.id));
    let mut schema_sources = Vec::new();
    for interface in &ws.interfaces {
        v.check_interface(interface, source, &mut schema_sources);
    }

    let mut release_ids: Vec<&str> = ws.releases.iter().map(|r| r.id.value.as_str()).collect();
    release_ids.extend(broken(ItemKind::Release));
    let mut interface_ids: Vec<&str> = ws.interfaces.iter().map(|i| i.id.value.as_str()).collect();
    interface_ids.extend(broken(ItemKind::Interface));
    v.unique_ids("release", ws.releases.iter().map(|r| &r.id));
    for release in &ws.releases {
        v.check_release(release, &interface_ids, &release_ids, today);
    }

    // Schema files that failed to parse: register their text so that the
    // diagnostics can show the offending line.
    for (path, text, diag) in schema_sources {
        let id = ws.sources.add(path, text);
        let mut d = diag;
        if let Some(span) = d.span.as_mut() {
            span.file = id;
        }
        v.diags.push(d);
    }
    v.diags
}

struct Validator {
    diags: Vec<Diagnostic>,
    team_ids: Vec<String>,
    members: HashMap<String, Vec<String>>,
}

fn is_valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_' | b'.')
        })
}

impl Validator {
    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn unique_ids<'a>(&mut self, what: &str, ids: impl Iterator<Item = &'a Spanned<String>>) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for id in ids {
            if !is_valid_id(&id.value) {
                self.push(
                    Diagnostic::error(codes::INVALID_ID, format!("`{}` is not a valid {what} id", id.value))
                        .at(id.span)
                        .with_hint("ids are 1 to 64 lowercase letters, digits, `-`, `_` or `.`, starting with a letter or digit"),
                );
            }
            if let Some(first) = seen.get(id.value.as_str()) {
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_ID,
                        format!("{what} `{}` is defined twice", id.value),
                    )
                    .at(id.span)
                    .with_related(*first, "first defined here"),
                );
            } else {
                seen.insert(&id.value, id.span);
            }
        }
    }

    /// Reports a reference to a team that does not exist.
    fn team_ref(&mut self, team: &Spanned<String>, role: &str) {
        if self.team_ids.contains(&team.value) {
            return;
        }
        let ids: Vec<&str> = self.team_ids.iter().map(String::as_str).collect();
        let mut d = Diagnostic::error(
            codes::UNKNOWN_TEAM,
            format!("unknown team `{}`", team.value),
        )
        .at(team.span)
        .with_label(format!("{role} must be a defined team"));
        d = match did_you_mean(&team.value, &ids) {
            Some(m) => d.with_hint(format!("did you mean `{m}`?")),
            None if ids.is_empty() => {
                d.with_hint("no teams are defined: add them to `teams/` or `treaty.yaml`")
            }
            None => d.with_hint(format!("defined teams: {}", ids.join(", "))),
        };
        self.push(d);
    }

    fn check_workspace_file(&mut self, ws: &Workspace) {
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
        for freeze in &g.freezes {
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

    fn check_team(&mut self, team: &Team) {
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

    fn email(&mut self, email: &Spanned<String>) {
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

    fn path_in_workspace(&mut self, path: &Spanned<String>) -> bool {
        let p = &path.value;
        let mut depth = 0i32;
        let absolute = p.starts_with('/') || p.starts_with('\\') || p.get(1..2) == Some(":");
        for part in p.split(['/', '\\']) {
            match part {
                "" | "." => {}
                ".." => depth -= 1,
                _ => depth += 1,
            }
            if depth < 0 {
                break;
            }
        }
        if absolute || depth < 0 {
            self.push(
                Diagnostic::error(
                    codes::PATH_OUTSIDE_WORKSPACE,
                    format!("`{p}` is outside the workspace"),
                )
                .at(path.span)
                .with_hint(
                    "paths are relative to the directory of `treaty.yaml` and stay inside it",
                ),
            );
            return false;
        }
        true
    }

    fn threshold(&mut self, t: &Spanned<Threshold>) {
        let problem = match (t.value.min, t.value.max) {
            (None, None) => Some("threshold sets neither `min` nor `max`".to_owned()),
            (Some(a), _) if !a.is_finite() => Some("`min` must be a finite number".to_owned()),
            (_, Some(b)) if !b.is_finite() => Some("`max` must be a finite number".to_owned()),
            (Some(a), Some(b)) if a > b => Some(format!(
                "threshold can never be met: `min` {a} is above `max` {b}"
            )),
            _ => None,
        };
        if let Some(message) = problem {
            self.push(Diagnostic::error(codes::INVALID_THRESHOLD, message).at(t.span));
        }
    }

    fn check_interface(
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

    fn check_schema_file(
        &mut self,
        interface: &Interface,
        source: &dyn WorkspaceSource,
        schema_sources: &mut Vec<(String, String, Diagnostic)>,
    ) {
        let path = &interface.schema;
        let declared = interface.kind.value;
        let limits = Limits::SCHEMA_FILE;
        let bytes = match source.read(&path.value, limits.max_bytes) {
            Ok(b) => b,
            Err(crate::ReadError::NotFound) => {
                self.push(
                    Diagnostic::error(
                        codes::SCHEMA_NOT_FOUND,
                        format!("schema file `{}` does not exist", path.value),
                    )
                    .at(path.span)
                    .with_hint("paths are relative to the directory of `treaty.yaml`"),
                );
                return;
            }
            Err(e) => {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_SCHEMA_FILE,
                        format!("cannot read schema file `{}`: {e}", path.value),
                    )
                    .at(path.span),
                );
                return;
            }
        };
        let is_proto = path.value.ends_with(".proto");
        if declared == InterfaceKind::Protobuf || is_proto {
            if declared != InterfaceKind::Protobuf || !is_proto {
                self.kind_mismatch(
                    interface,
                    if is_proto {
                        Some(InterfaceKind::Protobuf)
                    } else {
                        None
                    },
                    None,
                );
            }
            return;
        }
        let text = match treaty_syntax::decode(&bytes, SourceId(0), &limits) {
            Ok(t) => t,
            Err(e) => {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_SCHEMA_FILE,
                        format!("schema file `{}`: {}", path.value, e.message),
                    )
                    .at(path.span),
                );
                return;
            }
        };
        match treaty_syntax::parse(text, SourceId(0), &limits) {
            Err(e) => {
                let mut d = e.to_diagnostic();
                d.code = codes::INVALID_SCHEMA_FILE;
                d.unreadable = false;
                d.message = format!(
                    "schema file of `{}` is not valid YAML or JSON: {}",
                    interface.id.value, e.message
                );
                d.related.clear();
                schema_sources.push((path.value.clone(), text.to_owned(), d));
            }
            Ok(node) => {
                let (detected, note) = detect_kind(&path.value, &node);
                if detected != Some(declared) || note.is_some() {
                    self.kind_mismatch(interface, detected, note);
                } else {
                    self.check_uses(interface, &node);
                }
            }
        }
    }

    /// Checks that what consumers say they use exists in the schema: a typo
    /// in `uses` would make every change look like it touches nobody.
    fn check_uses(&mut self, interface: &Interface, schema: &Node) {
        let names = SchemaNames::of(interface.kind.value, schema);
        for consumer in &interface.consumers {
            let Some(uses) = &consumer.uses else { continue };
            if let Some(ops) = &names.operations {
                for op in &uses.operations {
                    let known = ops
                        .iter()
                        .any(|o| o == &op.value || same_operation(o, &op.value));
                    if !known {
                        self.unknown_use(
                            codes::UNKNOWN_OPERATION,
                            "operation",
                            &op.value,
                            op.span,
                            ops,
                            &interface.id.value,
                        );
                    }
                }
            }
            if let Some(channels) = &names.channels {
                for ch in &uses.channels {
                    if !channels.contains(&ch.value) {
                        self.unknown_use(
                            codes::UNKNOWN_CHANNEL,
                            "channel",
                            &ch.value,
                            ch.span,
                            channels,
                            &interface.id.value,
                        );
                    }
                }
            }
            if let Some(types) = &names.types {
                for f in uses.fields.iter().chain(&uses.messages) {
                    let head = f.value.split(['.', '[']).next().unwrap_or("");
                    if !types.iter().any(|t| t == head) {
                        self.unknown_use(
                            codes::UNKNOWN_FIELD_PATH,
                            "schema or message",
                            head,
                            f.span,
                            types,
                            &interface.id.value,
                        );
                    }
                }
            }
        }
    }

    fn unknown_use(
        &mut self,
        code: &'static str,
        what: &str,
        name: &str,
        span: Span,
        known: &[String],
        interface: &str,
    ) {
        let candidates: Vec<&str> = known.iter().map(String::as_str).collect();
        let mut d = Diagnostic::warning(code, format!("`{interface}` has no {what} `{name}`"))
            .at(span)
            .with_label("changes to it would never be attributed to this consumer");
        if let Some(m) = did_you_mean(name, &candidates) {
            d = d.with_hint(format!("did you mean `{m}`?"));
        }
        self.push(d);
    }

    fn kind_mismatch(
        &mut self,
        interface: &Interface,
        detected: Option<InterfaceKind>,
        note: Option<String>,
    ) {
        let declared = interface.kind.value.as_str();
        let message = match (detected, &note) {
            (_, Some(note)) => format!(
                "schema of `{}` is not {declared}: {note}",
                interface.id.value
            ),
            (Some(found), None) => format!(
                "interface `{}` is declared `{declared}` but its schema file is {}",
                interface.id.value,
                found.as_str()
            ),
            (None, None) => format!(
                "interface `{}` is declared `{declared}` but its schema file is not",
                interface.id.value
            ),
        };
        self.push(
            Diagnostic::error(codes::KIND_MISMATCH, message)
                .at(interface.kind.span)
                .with_related(interface.schema.span, "schema file named here"),
        );
    }

    fn check_release(
        &mut self,
        release: &Release,
        interface_ids: &[&str],
        release_ids: &[&str],
        today: Date,
    ) {
        let m = &release.milestones;
        let ordered = [
            ("feature freeze", m.feature_freeze.as_ref()),
            ("code freeze", m.code_freeze.as_ref()),
            ("ship", Some(&m.ship)),
        ];
        let present: Vec<(&str, &Spanned<CalendarDate>)> = ordered
            .iter()
            .filter_map(|(n, d)| d.map(|d| (*n, d)))
            .collect();
        for pair in present.windows(2) {
            let ((a_name, a), (b_name, b)) = (pair[0], pair[1]);
            if a.value > b.value {
                self.push(
                    Diagnostic::error(
                        codes::MILESTONE_ORDER,
                        format!("{b_name} ({}) comes before {a_name} ({})", b.value, a.value),
                    )
                    .at(b.span)
                    .with_related(a.span, format!("{a_name} is here"))
                    .with_hint("milestones come in the order feature freeze, code freeze, ship"),
                );
            }
        }
        let open = matches!(
            release.status,
            ReleaseStatus::Planned | ReleaseStatus::Active
        );
        if open && m.ship.value.0 < today {
            self.push(
                Diagnostic::warning(
                    codes::PAST_DEADLINE,
                    format!(
                        "release `{}` was due to ship on {} and is not marked shipped",
                        release.id.value, m.ship.value
                    ),
                )
                .at(m.ship.span)
                .with_hint("set `status: shipped` or `cancelled`, or move the ship date"),
            );
        } else if release.status == ReleaseStatus::Planned
            && let Some(ff) = &m.feature_freeze
            && ff.value.0 < today
        {
            self.push(
                Diagnostic::warning(
                    codes::PAST_DEADLINE,
                    format!(
                        "release `{}` is still planned but its feature freeze ({}) has passed",
                        release.id.value, ff.value
                    ),
                )
                .at(ff.span)
                .with_hint("set `status: active`, or move the milestones"),
            );
        }

        self.unique_ids("scope item", release.scope.iter().map(|i| &i.id));
        self.unique_ids("debt", release.debt.iter().map(|d| &d.id));
        let item_ids: Vec<&str> = release.scope.iter().map(|i| i.id.value.as_str()).collect();
        for item in &release.scope {
            self.owner(
                item.owner.as_ref(),
                &item.id,
                "scope item",
                "work nobody owns does not get done",
            );
            for i in &item.interfaces {
                if !interface_ids.contains(&i.value.as_str()) {
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_INTERFACE,
                        format!("unknown interface `{}`", i.value),
                    )
                    .at(i.span);
                    if let Some(m) = did_you_mean(&i.value, interface_ids) {
                        d = d.with_hint(format!("did you mean `{m}`?"));
                    }
                    self.push(d);
                }
            }
            self.unique_ids("criterion", item.done.iter().map(|c| &c.id));
            for c in &item.done {
                if c.evidence.is_none() {
                    self.push(
                        Diagnostic::error(codes::CRITERION_WITHOUT_EVIDENCE, format!("criterion `{}` names no evidence", c.id.value))
                            .at(c.id.span)
                            .with_hint("add `evidence: {kind: junit, source: <report path>}` (or benchmark, sarif, verification, slo)"),
                    );
                }
                match &c.threshold {
                    None => self.push(
                        Diagnostic::error(codes::CRITERION_WITHOUT_THRESHOLD, format!("criterion `{}` has no threshold", c.id.value))
                            .at(c.id.span)
                            .with_hint("add `threshold: {metric: <name>, min: <n>}` or `max:` so that the evidence decides it"),
                    ),
                    Some(t) => self.threshold(t),
                }
            }
            for dep in &item.depends_on {
                if !item_ids.contains(&dep.item.value.as_str()) {
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_SCOPE_ITEM,
                        format!(
                            "`{}` depends on `{}`, which is not in the scope of release `{}`",
                            item.id.value, dep.item.value, release.id.value
                        ),
                    )
                    .at(dep.item.span);
                    if let Some(m) = did_you_mean(&dep.item.value, &item_ids) {
                        d = d.with_hint(format!("did you mean `{m}`?"));
                    }
                    self.push(d);
                }
            }
            for mitigation in &item.mitigations {
                for team in &mitigation.flippable_by {
                    self.team_ref(team, "a team that flips the flag");
                }
            }
        }
        self.cycles(release);
        for debt in &release.debt {
            self.owner(
                debt.owner.as_ref(),
                &debt.id,
                "debt",
                "the team that repays it",
            );
            if !release_ids.contains(&debt.repay_by.value.as_str()) {
                self.push(
                    Diagnostic::warning(codes::UNKNOWN_RELEASE, format!("debt `{}` is to be repaid by `{}`, which is not a defined release", debt.id.value, debt.repay_by.value))
                        .at(debt.repay_by.span)
                        .with_hint("define that release under `releases/` so that its gate can check the repayment"),
                );
            }
        }
    }

    /// Reports a missing `owner:` or one that is not a team.
    fn owner(
        &mut self,
        owner: Option<&Spanned<String>>,
        id: &Spanned<String>,
        what: &str,
        why: &str,
    ) {
        match owner {
            None => self.push(
                Diagnostic::error(
                    codes::MISSING_OWNER,
                    format!("{what} `{}` is owned by nobody", id.value),
                )
                .at(id.span)
                .with_hint(format!("add `owner: <team>`: {why}")),
            ),
            Some(owner) => self.team_ref(owner, "the owner"),
        }
    }

    /// Reports each dependency cycle among a release's scope items once.
    fn cycles(&mut self, release: &Release) {
        let index: HashMap<&str, usize> = release
            .scope
            .iter()
            .enumerate()
            .map(|(i, item)| (item.id.value.as_str(), i))
            .collect();
        let edges: Vec<Vec<(usize, Span)>> = release
            .scope
            .iter()
            .map(|item| {
                item.depends_on
                    .iter()
                    .filter_map(|d| index.get(d.item.value.as_str()).map(|&j| (j, d.item.span)))
                    .collect()
            })
            .collect();
        // Iterative depth-first search; 0 = unvisited, 1 = on the path, 2 = done.
        let mut state = vec![0u8; edges.len()];
        let mut reported: HashSet<Vec<usize>> = HashSet::new();
        for root in 0..edges.len() {
            if state[root] != 0 {
                continue;
            }
            let mut path: Vec<(usize, usize)> = vec![(root, 0)];
            state[root] = 1;
            while let Some(&mut (node, ref mut next)) = path.last_mut() {
                if let Some(&(to, span)) = edges[node].get(*next) {
                    *next += 1;
                    match state[to] {
                        0 => {
                            state[to] = 1;
                            path.push((to, 0));
                        }
                        1 => {
                            let start = path.iter().position(|(n, _)| *n == to).unwrap_or(0);
                            let cycle: Vec<usize> = path[start..].iter().map(|(n, _)| *n).collect();
                            let mut key = cycle.clone();
                            key.sort_unstable();
                            if reported.insert(key) {
                                let mut names: Vec<&str> = cycle
                                    .iter()
                                    .map(|&n| release.scope[n].id.value.as_str())
                                    .collect();
                                names.push(release.scope[to].id.value.as_str());
                                self.push(
                                    Diagnostic::error(
                                        codes::DEPENDENCY_CYCLE,
                                        format!("scope items depend on each other in a cycle: {}", names.join(" → ")),
                                    )
                                    .at(span)
                                    .with_label("this dependency closes the cycle")
                                    .with_hint("none of these items can ever be done first: remove one dependency"),
                                );
                            }
                        }
                        _ => {}
                    }
                } else {
                    state[node] = 2;
                    path.pop();
                }
            }
        }
    }
}

/// Names a consumer's `uses` can refer to in one schema; `None` where the
/// kind has no such names (or they are not read from the schema here).
#[derive(Default)]
struct SchemaNames {
    operations: Option<Vec<String>>,
    channels: Option<Vec<String>>,
    types: Option<Vec<String>>,
}

impl SchemaNames {
    fn of(kind: InterfaceKind, schema: &Node) -> SchemaNames {
        let keys = |n: Option<&Node>| -> Vec<String> {
            n.and_then(Node::as_map)
                .unwrap_or_default()
                .iter()
                .filter_map(|(k, _)| k.as_scalar().map(|k| k.text.clone()))
                .collect()
        };
        match kind {
            InterfaceKind::Openapi => {
                let mut ops = Vec::new();
                for (path, item) in schema
                    .get("paths")
                    .and_then(Node::as_map)
                    .unwrap_or_default()
                {
                    let Some(path) = path.as_scalar() else {
                        continue;
                    };
                    for method in [
                        "get", "put", "post", "delete", "options", "head", "patch", "trace",
                    ] {
                        if let Some(op) = item.get(method) {
                            ops.push(format!("{} {}", method.to_uppercase(), path.text));
                            if let Some(id) = op.get("operationId").and_then(Node::as_str) {
                                ops.push(id.to_owned());
                            }
                        }
                    }
                }
                SchemaNames {
                    operations: Some(ops),
                    channels: None,
                    types: Some(keys(
                        schema.get("components").and_then(|c| c.get("schemas")),
                    )),
                }
            }
            InterfaceKind::Asyncapi => {
                let channels = schema
                    .get("channels")
                    .and_then(Node::as_map)
                    .unwrap_or_default();
                let mut names: Vec<String> = keys(schema.get("channels"));
                names.extend(channels.iter().filter_map(|(_, c)| {
                    c.get("address").and_then(Node::as_str).map(str::to_owned)
                }));
                let mut types = keys(schema.get("components").and_then(|c| c.get("messages")));
                types.extend(keys(
                    schema.get("components").and_then(|c| c.get("schemas")),
                ));
                for (_, c) in channels {
                    types.extend(keys(c.get("messages")));
                }
                let mut stack = vec![schema];
                // Message `name`s, wherever the messages are written.
                while let Some(n) = stack.pop() {
                    if let Some(map) = n.as_map() {
                        if n.get("payload").is_some()
                            && let Some(name) = n.get("name").and_then(Node::as_str)
                        {
                            types.push(name.to_owned());
                        }
                        stack.extend(map.iter().map(|(_, v)| v));
                    } else if let Some(items) = n.as_seq() {
                        stack.extend(items.iter());
                    }
                }
                SchemaNames {
                    operations: None,
                    channels: Some(names),
                    types: Some(types),
                }
            }
            InterfaceKind::Jsonschema => {
                let mut types = keys(schema.get("$defs"));
                types.extend(keys(schema.get("definitions")));
                types.extend(
                    schema
                        .get("title")
                        .and_then(Node::as_str)
                        .map(str::to_owned),
                );
                SchemaNames {
                    operations: None,
                    channels: None,
                    types: Some(types),
                }
            }
            // Protobuf and Avro names need the compiled schema: not checked here.
            InterfaceKind::Protobuf | InterfaceKind::Avro => SchemaNames::default(),
        }
    }
}

/// The kind of schema a parsed file is, and a note when it is a format or
/// version Treaty does not read (see `treaty_compat::sniff`).
pub fn detect_kind(path: &str, node: &Node) -> (Option<InterfaceKind>, Option<String>) {
    use treaty_compat::Format;
    let (format, note) = treaty_compat::sniff(path, node);
    let kind = format.map(|f| match f {
        Format::OpenApi => InterfaceKind::Openapi,
        Format::JsonSchema => InterfaceKind::Jsonschema,
        Format::Avro => InterfaceKind::Avro,
        Format::AsyncApi => InterfaceKind::Asyncapi,
        Format::Protobuf => InterfaceKind::Protobuf,
    });
    (kind, note)
}
