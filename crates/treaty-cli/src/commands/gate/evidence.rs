//! The repository-only mode's evidence: reports given on the command line
//! and the files each criterion's `source` glob matches under the
//! workspace, read with `treaty-evidence` into the gate's records.
//!
//! A criterion given reports explicitly reads only those; the others read
//! every file their glob matches, as the shards of one run. The time of a
//! record is its newest file's modification time.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use treaty_core::gate::{EvidenceRecord, EvidenceSubject};
use treaty_core::model::{EvidenceKind, Interface, Release};
use treaty_evidence::{Limits, Report, ReportFormat};

/// Most files a criterion's glob may match, and most entries walked to
/// find them: a glob matching a whole disk is a mistake.
const MAX_MATCHES: usize = 10_000;
const MAX_WALKED: usize = 200_000;

/// A criterion of the release: `item/criterion`.
type CriterionKey = (String, String);

/// Reads the evidence of `release` for the gate.
pub fn gather(
    root: &Path,
    release: &Release,
    interfaces: &[Interface],
    given: &[String],
) -> Result<Vec<EvidenceRecord>, String> {
    let criteria: BTreeMap<CriterionKey, (EvidenceKind, String)> = release
        .scope
        .iter()
        .flat_map(|item| {
            item.done.iter().filter_map(move |c| {
                let e = c.evidence.as_ref()?;
                Some((
                    (item.id.value.clone(), c.id.value.clone()),
                    (e.kind, e.source.clone()),
                ))
            })
        })
        .collect();
    // Reports per criterion (and per SLO), gathered before reading so
    // that the shards of one criterion are combined.
    let mut files: BTreeMap<CriterionKey, Vec<(PathBuf, ReportFormat)>> = BTreeMap::new();
    let mut records = Vec::new();
    for arg in given {
        match targeted(arg, &criteria) {
            Some((key, path)) => {
                let kind = criteria.get(&key).map(|(k, _)| *k);
                let format = format_for(kind, &path);
                files.entry(key).or_default().push((path, format));
            }
            None => {
                let path = PathBuf::from(arg);
                let format = format_for(None, &path);
                match format {
                    ReportFormat::Junit | ReportFormat::Sarif => {
                        let keys = by_glob(root, &path, format, &criteria)?;
                        if keys.is_empty() {
                            return Err(format!(
                                "{arg}: matches the `source` of no {} criterion of release {}; name one with ITEM/CRITERION={arg}",
                                format.name(),
                                release.id.value
                            ));
                        }
                        for key in keys {
                            files.entry(key).or_default().push((path.clone(), format));
                        }
                    }
                    ReportFormat::Metrics | ReportFormat::CriterionEstimates => {
                        let (report, at) = read(&path, format)?;
                        let before = records.len();
                        named(&report, &path, at, &criteria, interfaces, &mut records);
                        if records.len() == before {
                            return Err(format!(
                                "{arg}: none of its entries ({}) is the `source` of a criterion of release {} or an interface's `INTERFACE/SLO`",
                                report
                                    .entries
                                    .iter()
                                    .map(|e| e.name.as_deref().unwrap_or("unnamed"))
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                release.id.value
                            ));
                        }
                    }
                }
            }
        }
    }
    for (key, (kind, source)) in &criteria {
        if files.contains_key(key)
            || records.iter().any(|r: &EvidenceRecord| is_for(r, key))
            || !matches!(kind, EvidenceKind::Junit | EvidenceKind::Sarif)
        {
            continue;
        }
        let format = format_for(Some(*kind), Path::new(source));
        let found = glob(root, source)?;
        if !found.is_empty() {
            files.insert(
                key.clone(),
                found.into_iter().map(|p| (p, format)).collect(),
            );
        }
    }
    for ((item, criterion), paths) in files {
        let mut reports = Vec::new();
        let mut newest = jiff::Timestamp::UNIX_EPOCH;
        for (path, format) in &paths {
            let (report, at) = read(path, *format)?;
            newest = newest.max(at);
            reports.push(report);
        }
        let report = Report::combine(&reports).map_err(|e| format!("{item}/{criterion}: {e}"))?;
        let shown = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
        let origin = match paths.as_slice() {
            [(one, _)] => shown(one),
            many => format!("{} files ({} …)", many.len(), shown(&many[0].0)),
        };
        records.push(EvidenceRecord {
            subject: EvidenceSubject::Criterion { item, criterion },
            component: None,
            version: None,
            recorded_at: newest,
            origin,
            report,
        });
    }
    Ok(records)
}

fn is_for(r: &EvidenceRecord, (item, criterion): &CriterionKey) -> bool {
    matches!(&r.subject, EvidenceSubject::Criterion { item: i, criterion: c } if i == item && c == criterion)
}

/// `ITEM/CRITERION=PATH` naming a criterion of the release.
fn targeted(
    arg: &str,
    criteria: &BTreeMap<CriterionKey, (EvidenceKind, String)>,
) -> Option<(CriterionKey, PathBuf)> {
    let (target, path) = arg.split_once('=')?;
    let (item, criterion) = target.split_once('/')?;
    let key = (item.to_owned(), criterion.to_owned());
    criteria
        .contains_key(&key)
        .then(|| (key, PathBuf::from(path)))
}

/// The format of a report: by the criterion's kind when it has one, else
/// by the file's name.
fn format_for(kind: Option<EvidenceKind>, path: &Path) -> ReportFormat {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let estimates = name == "estimates.json";
    match kind {
        Some(EvidenceKind::Junit) => ReportFormat::Junit,
        Some(EvidenceKind::Sarif) => ReportFormat::Sarif,
        Some(_) if estimates => ReportFormat::CriterionEstimates,
        Some(_) => ReportFormat::Metrics,
        None if name.ends_with(".xml") => ReportFormat::Junit,
        None if name.ends_with(".sarif") || name.ends_with(".sarif.json") => ReportFormat::Sarif,
        None if estimates => ReportFormat::CriterionEstimates,
        None => ReportFormat::Metrics,
    }
}

/// Reads one report, refusing it with its path and line when malformed.
fn read(path: &Path, format: ReportFormat) -> Result<(Report, jiff::Timestamp), String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let at = file
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| jiff::Timestamp::try_from(t).ok())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let mut report = treaty_evidence::read(format, BufReader::new(file), &Limits::default())
        .map_err(|e| {
            format!(
                "{}:{}: {} (read as {})",
                path.display(),
                e.line,
                e.message,
                format.name()
            )
        })?;
    if format == ReportFormat::CriterionEstimates {
        let components: Vec<String> = path
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let name = treaty_evidence::criterion_name(components.iter().map(String::as_str));
        for e in &mut report.entries {
            e.name = e.name.take().or_else(|| name.clone());
        }
    }
    Ok((report, at))
}

/// The records a file of named entries gives: one per criterion whose
/// `source` names an entry (benchmarks, SLOs, verifications) and one per
/// interface SLO named `INTERFACE/SLO`.
fn named(
    report: &Report,
    path: &Path,
    at: jiff::Timestamp,
    criteria: &BTreeMap<CriterionKey, (EvidenceKind, String)>,
    interfaces: &[Interface],
    records: &mut Vec<EvidenceRecord>,
) {
    let record = |subject| EvidenceRecord {
        subject,
        component: None,
        version: None,
        recorded_at: at,
        origin: path.display().to_string(),
        report: report.clone(),
    };
    for entry in &report.entries {
        let Some(name) = entry.name.as_deref() else {
            continue;
        };
        for ((item, criterion), (kind, source)) in criteria {
            if source == name && !matches!(kind, EvidenceKind::Junit | EvidenceKind::Sarif) {
                records.push(record(EvidenceSubject::Criterion {
                    item: item.clone(),
                    criterion: criterion.clone(),
                }));
            }
        }
        if let Some((iface, slo)) = name.split_once('/')
            && interfaces
                .iter()
                .any(|i| i.id.value == iface && i.slos.iter().any(|s| s.name == slo))
        {
            records.push(record(EvidenceSubject::Slo {
                interface: iface.to_owned(),
                slo: slo.to_owned(),
            }));
        }
    }
}

/// The criteria of `format`'s kind whose `source` glob matches `path`
/// (relative to the workspace when it is inside it).
fn by_glob(
    root: &Path,
    path: &Path,
    format: ReportFormat,
    criteria: &BTreeMap<CriterionKey, (EvidenceKind, String)>,
) -> Result<Vec<CriterionKey>, String> {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let mut out = Vec::new();
    for (key, (kind, source)) in criteria {
        let wanted = match format {
            ReportFormat::Junit => EvidenceKind::Junit,
            _ => EvidenceKind::Sarif,
        };
        if *kind == wanted && matcher(source)?.is_match(relative) {
            out.push(key.clone());
        }
    }
    Ok(out)
}

fn matcher(source: &str) -> Result<GlobMatcher, String> {
    // `*` stays within a directory and `**` crosses them, as in .gitignore.
    GlobBuilder::new(source)
        .literal_separator(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| format!("the evidence source `{source}` is not a glob: {e}"))
}

/// Every file under `root` that `source` matches, sorted. The walk starts
/// at the glob's literal prefix and reads ignored files too: reports are
/// usually build output that `.gitignore` hides.
fn glob(root: &Path, source: &str) -> Result<Vec<PathBuf>, String> {
    let m = matcher(source)?;
    let literal: Vec<&str> = source
        .split('/')
        .take_while(|c| !c.contains(['*', '?', '[', '{']))
        .collect();
    let start = root.join(literal.join("/"));
    if !start.exists() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    let walk = ignore::WalkBuilder::new(&start)
        .standard_filters(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for (walked, entry) in walk.enumerate() {
        if walked > MAX_WALKED {
            return Err(format!(
                "the evidence source `{source}` walks more than {MAX_WALKED} entries: narrow it"
            ));
        }
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let relative = path.strip_prefix(root).unwrap_or(path);
        if m.is_match(relative) {
            found.push(path.to_path_buf());
            if found.len() > MAX_MATCHES {
                return Err(format!(
                    "the evidence source `{source}` matches more than {MAX_MATCHES} files: narrow it"
                ));
            }
        }
    }
    found.sort();
    Ok(found)
}
