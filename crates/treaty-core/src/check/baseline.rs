//! Which earlier versions `treaty check` holds an interface against, and
//! when a break is accepted.
//!
//! A transitive policy holds against every earlier version of the schema,
//! so a break, once committed, would fail every later check. A major
//! version bump is how a producer says it breaks on purpose: with
//! `versioning: {scheme: semver, current: X.Y.Z}`,
//!
//! - a working tree whose major version is above the base's accepts the
//!   breaking changes found against the base: they are reported, with the
//!   consumers they break, and do not fail the check; no earlier version
//!   is compared (they all belong to the old major version);
//! - otherwise an earlier version is compared when the interface declared
//!   the working tree's major version while that version was its schema.
//!   The first one (going back) that declared another major version ends
//!   the comparisons: it and everything older came before the bump.
//!
//! Without a semantic `versioning.current` (none declared, `calver`, or
//! not a semantic version) every version is compared and nothing is
//! accepted. A version that declared none is compared: only a declared
//! major version bump resets the baseline, not adding `versioning`.
//!
//! Major version zero is a major version like the others: `0.3.0` to
//! `0.4.0` is no bump. The specification says anything may change in
//! `0.y.z` but only defines incompatible changes by the major version;
//! Cargo's reading (the leftmost non-zero number) is not followed.

use serde::Serialize;

use crate::model::{Interface, VersioningScheme};

/// A major version bump of the working tree over the base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bump {
    /// `versioning.current` at the base.
    pub from: String,
    /// `versioning.current` in the working tree.
    pub to: String,
}

/// The baseline of one interface's check: see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Baseline {
    /// The working tree's `versioning.current`, when it is semantic.
    current: Option<String>,
    /// Set when the working tree bumps the major version over the base.
    pub bump: Option<Bump>,
}

/// `interface`'s `versioning.current` when its scheme is `semver`.
pub fn semver_current(interface: &Interface) -> Option<&str> {
    let versioning = interface.versioning.as_ref()?;
    if versioning.scheme != VersioningScheme::Semver {
        return None;
    }
    versioning.current.as_ref().map(|c| c.value.as_str())
}

fn major(version: Option<&str>) -> Option<u64> {
    semver::Version::parse(version?.trim())
        .ok()
        .map(|v| v.major)
}

impl Baseline {
    /// The baseline of a working tree declaring `current` over a base
    /// declaring `base` (each a semver `versioning.current`, see
    /// [`semver_current`]).
    pub fn new(current: Option<&str>, base: Option<&str>) -> Baseline {
        let bump = match (major(current), major(base), current, base) {
            (Some(now), Some(then), Some(to), Some(from)) if now > then => Some(Bump {
                from: from.to_owned(),
                to: to.to_owned(),
            }),
            _ => None,
        };
        Baseline {
            current: major(current).and(current.map(str::to_owned)),
            bump,
        }
    }

    /// Why the breaking changes found against the base do not fail the
    /// check, when they do not.
    pub fn accepts(&self) -> Option<String> {
        self.bump
            .as_ref()
            .map(|b| format!("major version bump from {} to {}", b.from, b.to))
    }

    /// Why an earlier version (older than the base), whose interface
    /// declared `declared` while it was the schema, is not compared: it
    /// and every older version. `None`: it is compared.
    pub fn excludes(&self, declared: Option<&str>) -> Option<String> {
        if let Some(b) = &self.bump {
            return Some(format!(
                "the working tree bumps the major version from {} to {}",
                b.from, b.to
            ));
        }
        let current = self.current.as_deref()?;
        let (now, then) = (major(Some(current))?, major(declared)?);
        (now != then).then(|| {
            format!(
                "it was {}, of another major version than the working tree's {current}",
                declared.unwrap_or_default()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_major_bump_over_the_base_accepts_its_breaks_and_compares_nothing_older() {
        let b = Baseline::new(Some("2.0.0"), Some("1.4.0"));
        assert_eq!(
            b.accepts().as_deref(),
            Some("major version bump from 1.4.0 to 2.0.0")
        );
        assert!(b.excludes(Some("2.0.0")).is_some());
        assert!(b.excludes(None).is_some());
    }

    #[test]
    fn earlier_versions_of_the_same_major_are_compared_until_another_major() {
        let b = Baseline::new(Some("2.3.0"), Some("2.2.0"));
        assert_eq!(b.accepts(), None);
        assert_eq!(b.excludes(Some("2.0.0")), None);
        assert_eq!(b.excludes(None), None, "no version declared: compared");
        assert_eq!(b.excludes(Some("not a version")), None);
        // No version at the base: its breaks are not accepted, but an
        // older version that declared another major is still before it.
        let b = Baseline::new(Some("2.0.0"), None);
        assert_eq!(b.accepts(), None);
        assert!(b.excludes(Some("1.0.0")).is_some());
        let b = Baseline::new(Some("2.3.0"), Some("2.2.0"));
        let why = b.excludes(Some("1.9.0"));
        assert_eq!(
            why.as_deref(),
            Some("it was 1.9.0, of another major version than the working tree's 2.3.0")
        );
    }

    #[test]
    fn without_semantic_versions_everything_is_compared_and_nothing_accepted() {
        for (now, then) in [
            (None, None),
            (None, Some("1.0.0")),
            (Some("2026.11"), Some("2025.01")),
        ] {
            let b = Baseline::new(now, then);
            assert_eq!(b.accepts(), None, "{now:?} {then:?}");
            assert_eq!(b.excludes(Some("1.0.0")), None, "{now:?} {then:?}");
        }
    }

    #[test]
    fn a_minor_bump_or_a_downgrade_accepts_nothing() {
        assert_eq!(Baseline::new(Some("0.4.0"), Some("0.3.0")).accepts(), None);
        assert_eq!(Baseline::new(Some("1.9.0"), Some("1.4.0")).accepts(), None);
        let down = Baseline::new(Some("1.0.0"), Some("2.0.0"));
        assert_eq!(down.accepts(), None);
        assert!(down.excludes(Some("2.0.0")).is_some());
        assert_eq!(down.excludes(Some("1.2.0")), None);
    }
}
