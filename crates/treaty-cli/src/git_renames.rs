//! Following a file through renames, as git does: a file that appears
//! where another disappeared is that file renamed when it has the same
//! content, else when it is the most similar at 50% or more (git's
//! default), judged by the lines they share.

use gix::ObjectId;

/// Similarity (percent) at or above which a file is a rename of another.
const RENAME_SIMILARITY: u64 = 50;
/// Files compared by content at most per rename looked for (git's
/// `diff.renameLimit` is of the same order).
const MAX_CANDIDATES: usize = 1_000;
/// Files larger than this are not compared by content.
const MAX_COMPARED_BYTES: usize = treaty_syntax::Limits::SCHEMA_FILE.max_bytes;

/// A file that may be the source of a rename.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Its path from the repository root, `/`-separated.
    pub path: String,
    pub oid: ObjectId,
}

/// How similar two files are, in percent: the bytes of the lines they
/// share over the size of the larger.
pub fn similarity(a: &[u8], b: &[u8]) -> u64 {
    let larger = a.len().max(b.len());
    if larger == 0 {
        return 100;
    }
    let mut lines: std::collections::HashMap<&[u8], usize> = std::collections::HashMap::new();
    for line in a.split_inclusive(|&c| c == b'\n') {
        *lines.entry(line).or_default() += 1;
    }
    let mut shared = 0;
    for line in b.split_inclusive(|&c| c == b'\n') {
        if let Some(n) = lines.get_mut(line)
            && *n > 0
        {
            *n -= 1;
            shared += line.len();
        }
    }
    (shared as u64 * 100) / larger as u64
}

fn entries(
    repo: &gix::Repository,
    tree: ObjectId,
) -> Result<Vec<(String, bool, ObjectId)>, String> {
    let tree = repo.find_tree(tree).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for entry in tree.iter() {
        let entry = entry.map_err(|e| e.to_string())?;
        let mode = entry.mode();
        if mode.is_tree() || mode.is_blob() {
            out.push((
                entry.filename().to_string(),
                mode.is_tree(),
                entry.oid().to_owned(),
            ));
        }
    }
    Ok(out)
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// The files of tree `old` that tree `new` does not have (by path), not
/// looking into subtrees the two share.
pub fn removed_between(
    repo: &gix::Repository,
    old: ObjectId,
    new: Option<ObjectId>,
) -> Result<Vec<Candidate>, String> {
    let mut out = Vec::new();
    let mut todo = vec![(String::new(), old, new)];
    while let Some((dir, old, new)) = todo.pop() {
        let now = match new {
            Some(n) => entries(repo, n)?,
            None => Vec::new(),
        };
        for (name, is_tree, oid) in entries(repo, old)? {
            let same = now.iter().find(|(n, t, _)| *n == name && *t == is_tree);
            if same.is_some_and(|(_, _, o)| *o == oid) {
                continue;
            }
            if is_tree {
                todo.push((join(&dir, &name), oid, same.map(|s| s.2)));
            } else if same.is_none() {
                out.push(Candidate {
                    path: join(&dir, &name),
                    oid,
                });
            }
        }
    }
    Ok(out)
}

/// The files of `tree` for which `gone` holds (given their path).
pub fn files_where(
    repo: &gix::Repository,
    tree: ObjectId,
    gone: &dyn Fn(&str) -> bool,
) -> Result<Vec<Candidate>, String> {
    let mut out = Vec::new();
    let mut todo = vec![(String::new(), tree)];
    while let Some((dir, tree)) = todo.pop() {
        for (name, is_tree, oid) in entries(repo, tree)? {
            let path = join(&dir, &name);
            if is_tree {
                todo.push((path, oid));
            } else if gone(&path) {
                out.push(Candidate { path, oid });
            }
        }
    }
    Ok(out)
}

/// Which of `candidates` a file with `content` was renamed from: one with
/// the same content, else the most similar at [`RENAME_SIMILARITY`]% or
/// more (ties: the first by path).
pub fn rename_source(
    repo: &gix::Repository,
    content: &[u8],
    candidates: &[Candidate],
) -> Option<String> {
    let oid = gix::objs::compute_hash(repo.object_hash(), gix::objs::Kind::Blob, content).ok()?;
    let mut sorted: Vec<&Candidate> = candidates.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(same) = sorted.iter().find(|c| c.oid == oid) {
        return Some(same.path.clone());
    }
    if content.len() > MAX_COMPARED_BYTES {
        return None;
    }
    let mut best: Option<(u64, &str)> = None;
    for c in sorted.into_iter().take(MAX_CANDIDATES) {
        let Ok(object) = repo.find_object(c.oid) else {
            continue;
        };
        let data = &object.data;
        // Files of very different sizes cannot be 50% alike.
        let (small, large) = (data.len().min(content.len()), data.len().max(content.len()));
        if data.len() > MAX_COMPARED_BYTES
            || (small as u64) * 100 < (large as u64) * RENAME_SIMILARITY
        {
            continue;
        }
        let score = similarity(data, content);
        if score >= RENAME_SIMILARITY && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, &c.path));
        }
    }
    best.map(|(_, p)| p.to_owned())
}

#[cfg(test)]
mod tests {
    use super::similarity;

    #[test]
    fn similarity_counts_the_bytes_of_shared_lines() {
        assert_eq!(similarity(b"", b""), 100);
        assert_eq!(similarity(b"a\nb\n", b"a\nb\n"), 100);
        assert_eq!(similarity(b"a\nb\n", b"a\nc\n"), 50);
        assert_eq!(similarity(b"a\n", b"a\nb\nc\nd\n"), 25);
        // Repeated lines count as often as both files have them.
        assert_eq!(similarity(b"x\nx\n", b"x\ny\n"), 50);
        assert_eq!(similarity(b"abc", b"xyz"), 0);
    }
}
