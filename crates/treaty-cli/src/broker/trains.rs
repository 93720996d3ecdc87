//! `treaty release publish` and `treaty evidence push`: a release train
//! uploaded from the workspace (validated first), and reports streamed to
//! the broker as evidence for it.

use std::path::Path;

use treaty_server::api;

use super::http::{Broker, Failure, Result, enc};
use crate::cli::{EvidencePushArgs, ReleasePublishArgs};
use crate::fs_source::FsSource;

/// What the broker keeps of `release` from the workspace at `dir`, which
/// must validate without errors.
pub fn train_content(dir: &Path, release: &str) -> Result<api::TrainContent> {
    if !dir.is_dir() {
        return Err(Failure(format!("`{}` is not a directory", dir.display())));
    }
    let source = FsSource::new(dir);
    let (mut ws, mut diags) = treaty_core::load(&source);
    diags.extend(treaty_core::validate(
        &mut ws,
        &source,
        crate::commands::today(),
    ));
    if let Some(d) = diags
        .iter()
        .find(|d| d.unreadable || d.severity == treaty_syntax::Severity::Error)
    {
        let at = d
            .span
            .and_then(|s| ws.sources.locate(s))
            .map(|(f, p)| format!("{}/{f}:{}: ", dir.display(), p.line))
            .or_else(|| d.file.as_ref().map(|f| format!("{}/{f}: ", dir.display())))
            .unwrap_or_default();
        return Err(Failure(format!(
            "{at}{} ({}); the workspace must validate before a release is published: run `treaty validate`",
            d.message, d.code
        )));
    }
    api::TrainContent::from_workspace(&ws, release).ok_or_else(|| {
        let known: Vec<&str> = ws.releases.iter().map(|r| r.id.value.as_str()).collect();
        Failure(format!(
            "no release `{release}` in {}/releases (known: {})",
            dir.display(),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ))
    })
}

/// `treaty release publish`.
pub fn publish(args: &ReleasePublishArgs) -> Result<String> {
    let content = train_content(&args.dir, &args.release)?;
    let (status, train) = Broker::from(&args.broker).call::<api::Train>(
        "PUT",
        &format!("/api/v1/trains/{}", enc(&args.release)),
        Some(&content),
    )?;
    Ok(if status == 201 {
        format!(
            "published: release {} revision {} ({} scope items)",
            train.id,
            train.revision,
            train.content["release"]["scope"]
                .as_array()
                .map_or(0, Vec::len)
        )
    } else {
        format!(
            "release {} unchanged: revision {} holds this content already",
            train.id, train.revision
        )
    })
}

/// `treaty evidence push`: the file is streamed, never read whole.
pub fn push(args: &EvidencePushArgs) -> Result<String> {
    let mut query = vec![("format", args.format.name().to_owned())];
    for (key, value) in [
        ("item", &args.item),
        ("criterion", &args.criterion),
        ("slo", &args.slo),
        ("component", &args.component),
        ("version", &args.version),
        ("run", &args.run),
    ] {
        if let Some(v) = value {
            query.push((key, v.clone()));
        }
    }
    let query: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
    let path = format!(
        "/api/v1/trains/{}/evidence?{}",
        enc(&args.release),
        query.join("&")
    );
    let file = std::fs::File::open(&args.file)
        .map_err(|e| Failure(format!("cannot read {}: {e}", args.file.display())))?;
    let recorded: api::RecordedEvidence =
        Broker::from(&args.broker).post_stream(&path, file, &args.file.display().to_string())?;
    let measured: Vec<String> = recorded
        .report
        .entries
        .iter()
        .flat_map(|e| {
            e.metrics.iter().map(move |(k, m)| {
                let name = e.name.as_ref().map_or(String::new(), |n| format!("{n}: "));
                format!("{name}{k} = {}", m.value)
            })
        })
        .take(6)
        .collect();
    Ok(format!(
        "recorded: {} for {} of release {} ({}){}",
        recorded.id,
        recorded.subject,
        recorded.train,
        measured.join(", "),
        recorded
            .version
            .as_ref()
            .map_or(String::new(), |v| format!(", version {v}"))
    ))
}
