//! What a loaded workspace says about one interface: finding it by id
//! (with a suggestion when the id is mistyped) and the settings it gets
//! from `treaty.yaml`'s `defaults` when it does not name its own.
//!
//! The one home of these rules: every command asks here rather than
//! reading `defaults` itself.

use treaty_syntax::did_you_mean;

use crate::load::Workspace;
use crate::model::{Compatibility, Defaults, Duration, Governance, Interface, ProtoCategory};

/// No interface has the id asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no interface `{id}` in the workspace{}", suggestion.as_ref().map(|s| format!(": did you mean `{s}`?")).unwrap_or_default())]
pub struct UnknownInterface {
    /// The id asked for.
    pub id: String,
    /// The closest defined id, when one is close enough to be a typo.
    pub suggestion: Option<String>,
    /// Every defined interface id, in file order.
    pub known: Vec<String>,
}

/// The defaults of a workspace without `treaty.yaml` or without a
/// `defaults` section.
const NO_DEFAULTS: Defaults = Defaults {
    compatibility: None,
    deprecation_notice: None,
};

impl Defaults {
    /// The policy `interface` promises: its own, else this default, else
    /// [`Compatibility::DEFAULT`].
    pub fn compatibility_for(&self, interface: &Interface) -> Compatibility {
        interface
            .compatibility
            .as_ref()
            .map(|c| c.value)
            .or(self.compatibility)
            .unwrap_or(Compatibility::DEFAULT)
    }

    /// How long a deprecated part of `interface` stays: its own notice,
    /// else this default; `None` when neither says.
    pub fn deprecation_notice_for(&self, interface: &Interface) -> Option<Duration> {
        interface
            .deprecation_notice
            .as_ref()
            .or(self.deprecation_notice.as_ref())
            .map(|d| d.value)
    }
}

impl Interface {
    /// The Protobuf category the interface is checked under: its own,
    /// else [`ProtoCategory::DEFAULT`].
    pub fn effective_proto_category(&self) -> ProtoCategory {
        self.proto_category.unwrap_or(ProtoCategory::DEFAULT)
    }

    /// Protobuf only: the directories imports are resolved against, as
    /// written (empty: the schema's own directory).
    pub fn include_paths(&self) -> Vec<String> {
        self.include_paths.iter().map(|p| p.value.clone()).collect()
    }
}

impl Workspace {
    /// The governance of `treaty.yaml` (none written: the defaults).
    pub fn governance(&self) -> Governance {
        self.workspace
            .as_ref()
            .map(|w| w.governance.clone())
            .unwrap_or_default()
    }

    /// `treaty.yaml`'s `defaults`, empty when the file or the section is
    /// absent.
    pub fn defaults(&self) -> &Defaults {
        self.workspace
            .as_ref()
            .map_or(&NO_DEFAULTS, |file| &file.defaults)
    }

    /// The interface with this id, or why there is none (with the closest
    /// id when the asked one looks like a typo of it).
    pub fn interface(&self, id: &str) -> Result<&Interface, UnknownInterface> {
        if let Some(found) = self.interfaces.iter().find(|i| i.id.value == id) {
            return Ok(found);
        }
        let known: Vec<&str> = self
            .interfaces
            .iter()
            .map(|i| i.id.value.as_str())
            .collect();
        Err(UnknownInterface {
            id: id.to_owned(),
            suggestion: did_you_mean(id, &known).map(str::to_owned),
            known: known.into_iter().map(str::to_owned).collect(),
        })
    }

    /// The compatibility policy `interface` promises, its transitive part
    /// included: its own, else the workspace default, else `backward`.
    pub fn effective_compatibility(&self, interface: &Interface) -> Compatibility {
        self.defaults().compatibility_for(interface)
    }

    /// The engine policy `interface` is checked under (see
    /// [`Workspace::effective_compatibility`] for the transitive part).
    pub fn effective_policy(&self, interface: &Interface) -> treaty_compat::Policy {
        self.effective_compatibility(interface).policy()
    }

    /// The Protobuf category `interface` is checked under.
    pub fn effective_proto_category(
        &self,
        interface: &Interface,
    ) -> treaty_compat::proto::Category {
        interface.effective_proto_category().into()
    }

    /// How two versions of `interface` are compared: its kind's format, its
    /// Protobuf category and how a JSON Schema contract judges undeclared
    /// properties. With [`Interface::include_paths`] and the
    /// schema path, all [`treaty_compat::diff_interface`] needs.
    pub fn diff_spec(&self, interface: &Interface) -> treaty_compat::DiffSpec {
        treaty_compat::DiffSpec {
            format: Some(interface.kind.value.format()),
            proto_category: self.effective_proto_category(interface),
            undeclared_properties: interface
                .undeclared_properties
                .map(Into::into)
                .unwrap_or_default(),
        }
    }

    /// How long a deprecated part of `interface` stays before it may be
    /// removed, when the interface or the workspace says.
    pub fn effective_deprecation_notice(&self, interface: &Interface) -> Option<Duration> {
        self.defaults().deprecation_notice_for(interface)
    }
}

#[cfg(test)]
mod tests {
    use treaty_syntax::{Span, Spanned};

    use super::*;
    use crate::MemorySource;

    fn workspace(defaults: &str, interface_policy: Option<&str>) -> Workspace {
        let mut files = MemorySource::new();
        files.insert(
            "treaty.yaml",
            format!("version: 1\norganization: {{id: acme, name: Acme}}\n{defaults}"),
        );
        let own = interface_policy
            .map(|p| format!("compatibility: {p}\n"))
            .unwrap_or_default();
        files.insert(
            "interfaces/payments-api.yaml",
            format!("id: payments-api\nkind: openapi\nschema: api.yaml\nproducer: payments\n{own}"),
        );
        crate::load(&files).0
    }

    #[test]
    fn the_interface_wins_then_the_workspace_then_backward() {
        let ws = workspace("", None);
        let i = &ws.interfaces[0];
        assert_eq!(ws.effective_compatibility(i), Compatibility::Backward);
        let ws = workspace("defaults: {compatibility: full_transitive}\n", None);
        let i = &ws.interfaces[0];
        assert_eq!(ws.effective_compatibility(i), Compatibility::FullTransitive);
        assert_eq!(ws.effective_policy(i), treaty_compat::Policy::Full);
        let ws = workspace("defaults: {compatibility: full}\n", Some("none"));
        let i = &ws.interfaces[0];
        assert_eq!(ws.effective_policy(i), treaty_compat::Policy::None);
        assert_eq!(
            ws.effective_proto_category(i),
            treaty_compat::proto::Category::WireJson
        );
    }

    #[test]
    fn undeclared_properties_flow_into_the_diff_spec() {
        let ws = workspace("", Some("backward"));
        let i = &ws.interfaces[0];
        assert_eq!(
            ws.diff_spec(i).undeclared_properties,
            treaty_compat::UndeclaredProperties::Strict
        );
        let mut lenient = i.clone();
        lenient.undeclared_properties = Some(crate::model::UndeclaredProperties::Lenient);
        assert_eq!(
            ws.diff_spec(&lenient).undeclared_properties,
            treaty_compat::UndeclaredProperties::Lenient
        );
    }

    #[test]
    fn deprecation_notice_falls_back_to_the_workspace() {
        let ws = workspace("defaults: {deprecation_notice: 30d}\n", None);
        let i = &ws.interfaces[0];
        assert_eq!(
            ws.effective_deprecation_notice(i).map(|d| d.to_string()),
            Some("30d".to_owned())
        );
        let mut own = i.clone();
        own.deprecation_notice = Some(Spanned::new(Duration::from_minutes(60), Span::default()));
        assert_eq!(
            ws.effective_deprecation_notice(&own).map(|d| d.to_string()),
            Some("1h".to_owned())
        );
    }

    #[test]
    fn a_mistyped_id_gets_a_suggestion() {
        let ws = workspace("", None);
        assert!(ws.interface("payments-api").is_ok());
        let err = ws.interface("payment-api").err();
        assert_eq!(
            err.as_ref().and_then(|e| e.suggestion.as_deref()),
            Some("payments-api")
        );
        assert_eq!(
            err.map(|e| e.to_string()),
            Some(
                "no interface `payment-api` in the workspace: did you mean `payments-api`?"
                    .to_owned()
            )
        );
        let far = ws.interface("ledger").err();
        assert_eq!(
            far.map(|e| e.to_string()),
            Some("no interface `ledger` in the workspace".to_owned())
        );
    }
}
