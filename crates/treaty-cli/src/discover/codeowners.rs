//! CODEOWNERS, as GitHub and GitLab read it: who owns a path. Patterns are
//! gitignore-style (matched by the `ignore` crate's gitignore matcher);
//! the last matching rule wins. GitLab's sections (`[Section]`,
//! `^[Optional]`, `[Section][2]`, default owners on the section line) are
//! read too: each section has its own last matching rule, and the first
//! section (in the file's order) with a match names the owner.
//!
//! Pure: it takes the file's text, never opens one.

use std::path::Path;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// Where GitHub and GitLab look for the file, in the order the first
/// found is used (GitHub's three, then GitLab's own).
pub const LOCATIONS: [&str; 4] = [
    ".github/CODEOWNERS",
    "CODEOWNERS",
    "docs/CODEOWNERS",
    ".gitlab/CODEOWNERS",
];

/// Rules read at most: a CODEOWNERS file is written by people.
pub const MAX_RULES: usize = 10_000;

/// One rule: a pattern and its owners, with its line.
#[derive(Debug)]
struct Rule {
    line: usize,
    pattern: String,
    owners: Vec<String>,
    matcher: Gitignore,
    /// `dir/*`: the files directly in `dir`, not deeper (GitHub and GitLab
    /// both say so, unlike gitignore).
    direct_only: bool,
}

#[derive(Debug)]
struct Section {
    rules: Vec<Rule>,
}

/// A parsed CODEOWNERS file.
#[derive(Debug)]
pub struct CodeOwners {
    /// Where it was found, relative to the repository.
    pub file: String,
    sections: Vec<Section>,
}

/// The owners of a path and the rule that named them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ownership {
    /// The owners as written (`@org/team`, `@user`, `a@b.example`).
    pub owners: Vec<String>,
    /// The rule's line in the file (1-based) and its pattern.
    pub line: usize,
    pub pattern: String,
}

/// Splits a line at unescaped whitespace (`\ ` keeps a space in a
/// pattern), dropping a trailing comment.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(&next) = chars.peek() {
                    // `\#` and `\ ` are literal; other escapes stay for
                    // the gitignore matcher.
                    if next != '#' && next != ' ' {
                        word.push('\\');
                    }
                    word.push(next);
                    chars.next();
                }
            }
            '#' if word.is_empty() => break,
            c if c.is_whitespace() => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// A GitLab section header: `[Name]`, `^[Name]`, `[Name][2]`, each
/// optionally followed by default owners. `None` for any other line.
fn section_header(line: &str) -> Option<Vec<String>> {
    let rest = line.strip_prefix('^').unwrap_or(line);
    let rest = rest.strip_prefix('[')?;
    let close = rest.find(']')?;
    let mut rest = &rest[close + 1..];
    // `[2]`: approvals required, not an owner.
    if let Some(count) = rest.strip_prefix('[')
        && let Some(end) = count.find(']')
        && count[..end].chars().all(|c| c.is_ascii_digit())
    {
        rest = &count[end + 1..];
    }
    Some(words(rest))
}

impl CodeOwners {
    /// Reads a CODEOWNERS file found at `file` (relative to the
    /// repository root `root`). Lines that are not rules (negations, which
    /// neither tool supports, bad patterns) are skipped.
    pub fn parse(root: &Path, file: &str, text: &str) -> CodeOwners {
        let mut sections = vec![Section { rules: Vec::new() }];
        let mut defaults: Vec<String> = Vec::new();
        let mut count = 0;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                continue;
            }
            if let Some(owners) = section_header(line) {
                defaults = owners;
                sections.push(Section { rules: Vec::new() });
                continue;
            }
            let mut parts = words(line).into_iter();
            let Some(pattern) = parts.next() else {
                continue;
            };
            let mut owners: Vec<String> = parts.collect();
            if owners.is_empty() {
                owners = defaults.clone();
            }
            let mut builder = GitignoreBuilder::new(root);
            if builder.add_line(None, &pattern).is_err() {
                continue;
            }
            let Ok(matcher) = builder.build() else {
                continue;
            };
            count += 1;
            if count > MAX_RULES {
                break;
            }
            let direct_only = pattern.ends_with("/*");
            if let Some(section) = sections.last_mut() {
                section.rules.push(Rule {
                    line: i + 1,
                    pattern,
                    owners,
                    matcher,
                    direct_only,
                });
            }
        }
        CodeOwners {
            file: file.to_owned(),
            sections,
        }
    }

    /// Who owns `path` (relative to the repository, `/`-separated): the
    /// last matching rule of the first section that has one. A matching
    /// rule without owners (GitHub's way to unset owners) owns nothing.
    pub fn owner_of(&self, path: &str) -> Option<Ownership> {
        let file = Path::new(path);
        self.sections.iter().find_map(|section| {
            let rule = section.rules.iter().rev().find(|r| r.matches(file))?;
            (!rule.owners.is_empty()).then(|| Ownership {
                owners: rule.owners.clone(),
                line: rule.line,
                pattern: rule.pattern.clone(),
            })
        })
    }
}

impl Rule {
    fn matches(&self, file: &Path) -> bool {
        if self.matcher.matched(file, false).is_ignore() {
            return true;
        }
        // A directory pattern owns everything below it.
        !self.direct_only
            && file
                .ancestors()
                .skip(1)
                .filter(|a| !a.as_os_str().is_empty())
                .any(|a| self.matcher.matched(a, true).is_ignore())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owners(text: &str, path: &str) -> Option<Vec<String>> {
        CodeOwners::parse(Path::new("/repo"), "CODEOWNERS", text)
            .owner_of(path)
            .map(|o| o.owners)
    }

    fn one(o: &str) -> Option<Vec<String>> {
        Some(vec![o.to_owned()])
    }

    #[test]
    fn the_last_matching_rule_wins() {
        let text = "* @org/all\n/services/ @org/services\n*.proto @org/proto\n";
        assert_eq!(owners(text, "README.md"), one("@org/all"));
        assert_eq!(
            owners(text, "services/a/openapi.yaml"),
            one("@org/services")
        );
        assert_eq!(owners(text, "services/a/x.proto"), one("@org/proto"));
    }

    #[test]
    fn patterns_follow_gitignore_and_codeowners_rules() {
        // Unanchored names match at any depth; anchored ones at the root.
        assert_eq!(owners("schemas/ @a\n", "x/schemas/y.json"), one("@a"));
        assert_eq!(owners("/schemas/ @a\n", "x/schemas/y.json"), None);
        assert_eq!(owners("/schemas/ @a\n", "schemas/deep/y.json"), one("@a"));
        // `dir/*` owns the files directly in dir only.
        assert_eq!(owners("docs/* @a\n", "docs/a.md"), one("@a"));
        assert_eq!(owners("docs/* @a\n", "docs/b/a.md"), None);
        // `**` and escapes.
        assert_eq!(
            owners("**/events/*.avsc @a\n", "x/y/events/o.avsc"),
            one("@a")
        );
        assert_eq!(owners("my\\ dir/ @a\n", "my dir/s.yaml"), one("@a"));
        // A rule without owners unsets them; negations are not rules.
        assert_eq!(owners("* @a\n/gen/\n", "gen/s.yaml"), None);
        assert_eq!(owners("* @a\n!gen/ @b\n", "gen/s.yaml"), one("@a"));
        // Comments, at the start and after the owners.
        assert_eq!(owners("# all\n* @a # the team\n", "x"), one("@a"));
    }

    #[test]
    fn gitlab_sections_and_their_default_owners() {
        let text = "\
[Docs] @org/writers
*.md
^[Backend][2] @org/backend
/api/ @org/api
/api/internal/
";
        assert_eq!(owners(text, "README.md"), one("@org/writers"));
        assert_eq!(owners(text, "api/openapi.yaml"), one("@org/api"));
        assert_eq!(owners(text, "api/internal/x.yaml"), one("@org/backend"));
        // The first section with a match names the owner.
        assert_eq!(owners(text, "api/notes.md"), one("@org/writers"));
        let o = CodeOwners::parse(Path::new("/r"), "CODEOWNERS", text).owner_of("api/a.json");
        assert_eq!(
            o.map(|o| (o.line, o.pattern)),
            Some((4, "/api/".to_owned()))
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Any text is a CODEOWNERS file: lines that are no rule are
        // skipped, never a panic; what matches has owners.
        #[test]
        fn any_text_parses_and_matches(text in "(([\\[\\]^#!*/\\\\ a-z@.]{0,20})\n){0,12}", path in "[a-z]{1,3}(/[a-z.*]{1,4}){0,3}") {
            let co = CodeOwners::parse(Path::new("/repo"), "CODEOWNERS", &text);
            if let Some(o) = co.owner_of(&path) {
                prop_assert!(!o.owners.is_empty());
                prop_assert!(o.line >= 1 && o.line <= text.lines().count());
            }
        }
    }
}
