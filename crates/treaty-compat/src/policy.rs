//! Compatibility policies as schema registries name them, and their
//! spellings in Treaty (`compatibility:` in interface files and
//! `treaty.yaml`, the broker API, `treaty diff --policy`).

use std::fmt;
use std::str::FromStr;

use crate::format::or_list;

/// What a new version must keep working, judged between two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// The new version serves clients of the old one.
    Backward,
    /// Clients of the new version work with the old provider.
    Forward,
    /// Both.
    Full,
    /// Anything goes: changes are reported, nothing fails.
    None,
}

impl Policy {
    /// Every policy, in the order messages list them.
    pub const ALL: [Policy; 4] = [
        Policy::Backward,
        Policy::Forward,
        Policy::Full,
        Policy::None,
    ];

    /// The policy's name: `backward`, `forward`, `full` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Backward => "backward",
            Policy::Forward => "forward",
            Policy::Full => "full",
            Policy::None => "none",
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Policy {
    type Err = String;

    /// Parses a policy, ignoring a `_transitive` (or `-transitive`) suffix:
    /// between two versions a transitive policy is the plain one. Use
    /// [`Compatibility`] to keep the suffix.
    fn from_str(s: &str) -> Result<Policy, String> {
        let base = s
            .trim_end_matches("_transitive")
            .trim_end_matches("-transitive");
        Policy::ALL
            .into_iter()
            .find(|p| p.as_str() == base)
            .ok_or_else(|| {
                format!(
                    "unknown policy `{s}`: expected {}",
                    or_list(&Policy::ALL.map(Policy::as_str))
                )
            })
    }
}

/// The policy an interface promises: a [`Policy`] and whether it holds
/// against every earlier version (`backward_transitive`) or only the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Compatibility {
    /// What each comparison checks.
    pub policy: Policy,
    /// Whether every earlier version is compared, not just the last.
    /// Never set for [`Policy::None`], which checks nothing.
    pub transitive: bool,
}

impl Compatibility {
    /// Every compatibility Treaty accepts, in the order messages list them.
    pub const ALL: [Compatibility; 7] = [
        Compatibility::plain(Policy::Backward),
        Compatibility::transitive(Policy::Backward),
        Compatibility::plain(Policy::Forward),
        Compatibility::transitive(Policy::Forward),
        Compatibility::plain(Policy::Full),
        Compatibility::transitive(Policy::Full),
        Compatibility::plain(Policy::None),
    ];

    /// `policy` against the last version only.
    pub const fn plain(policy: Policy) -> Compatibility {
        Compatibility {
            policy,
            transitive: false,
        }
    }

    /// `policy` against every earlier version (`none` stays plain: it
    /// checks nothing, so there is nothing to repeat).
    pub const fn transitive(policy: Policy) -> Compatibility {
        Compatibility {
            policy,
            transitive: !matches!(policy, Policy::None),
        }
    }

    /// `policy`, transitive or not (`none` is never transitive).
    pub const fn new(policy: Policy, transitive: bool) -> Compatibility {
        if transitive {
            Compatibility::transitive(policy)
        } else {
            Compatibility::plain(policy)
        }
    }

    /// The name: `backward`, `backward_transitive`, ..., `none`.
    pub fn as_str(self) -> &'static str {
        match (self.policy, self.transitive) {
            (Policy::Backward, false) => "backward",
            (Policy::Backward, true) => "backward_transitive",
            (Policy::Forward, false) => "forward",
            (Policy::Forward, true) => "forward_transitive",
            (Policy::Full, false) => "full",
            (Policy::Full, true) => "full_transitive",
            (Policy::None, _) => "none",
        }
    }

    /// Every accepted name, for messages and validation.
    pub fn names() -> [&'static str; 7] {
        Compatibility::ALL.map(Compatibility::as_str)
    }
}

impl Default for Compatibility {
    /// `backward`: what an interface promises when it says nothing.
    fn default() -> Compatibility {
        Compatibility::plain(Policy::Backward)
    }
}

impl From<Policy> for Compatibility {
    fn from(policy: Policy) -> Compatibility {
        Compatibility::plain(policy)
    }
}

impl fmt::Display for Compatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Compatibility {
    type Err = String;

    /// Parses exactly one of [`Compatibility::names`] (as the broker API
    /// and the contract files spell them).
    fn from_str(s: &str) -> Result<Compatibility, String> {
        Compatibility::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown compatibility `{s}`: expected one of {}",
                    Compatibility::names().join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_parses_from_its_name() {
        for p in Policy::ALL {
            assert_eq!(p.to_string().parse::<Policy>(), Ok(p));
            assert_eq!(p.as_str(), p.to_string());
        }
    }

    #[test]
    fn a_policy_ignores_the_transitive_suffix() {
        assert_eq!(
            "backward_transitive".parse::<Policy>(),
            Ok(Policy::Backward)
        );
        assert_eq!("full-transitive".parse::<Policy>(), Ok(Policy::Full));
        assert_eq!(
            "sideways".parse::<Policy>(),
            Err("unknown policy `sideways`: expected backward, forward, full or none".to_owned())
        );
    }

    #[test]
    fn every_compatibility_parses_from_its_name() {
        for c in Compatibility::ALL {
            assert_eq!(c.to_string().parse::<Compatibility>(), Ok(c));
        }
        assert_eq!(
            Compatibility::names(),
            [
                "backward",
                "backward_transitive",
                "forward",
                "forward_transitive",
                "full",
                "full_transitive",
                "none"
            ]
        );
    }

    #[test]
    fn compatibility_names_are_exact_and_none_is_never_transitive() {
        assert_eq!(
            "none_transitive".parse::<Compatibility>(),
            Err("unknown compatibility `none_transitive`: expected one of backward, backward_transitive, forward, forward_transitive, full, full_transitive, none".to_owned())
        );
        assert!("Backward".parse::<Compatibility>().is_err());
        assert_eq!(Compatibility::new(Policy::None, true).to_string(), "none");
        assert!(!Compatibility::new(Policy::None, true).transitive);
        assert_eq!(
            Compatibility::new(Policy::Full, true).to_string(),
            "full_transitive"
        );
        assert_eq!(Compatibility::default().to_string(), "backward");
    }
}
