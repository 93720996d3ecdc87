//! `treaty release publish` and `treaty evidence push`: a release train
//! and its evidence on the broker, for the broker's release gate.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};

use super::BrokerArgs;

#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    /// Upload what the broker's release gate needs of a release: the
    /// release file, governance, the release's interfaces and every
    /// release's debt. The workspace must validate without errors. A new
    /// revision when anything changed; the same content again changes
    /// nothing.
    Publish(ReleasePublishArgs),
}

#[derive(Debug, clap::Args)]
pub struct ReleasePublishArgs {
    /// The release's id (`releases/ID.yaml`).
    pub release: String,
    /// The workspace's root.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub broker: BrokerArgs,
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Push a report (JUnit XML, SARIF, Treaty's metrics JSON, criterion's
    /// estimates.json) as evidence for a criterion of a scope item or an
    /// interface's SLO. The broker reads it as it arrives and keeps what it
    /// measured; a malformed report is refused with its line.
    Push(EvidencePushArgs),
}

#[derive(Debug, clap::Args)]
pub struct EvidencePushArgs {
    /// The release train's id.
    pub release: String,
    /// The scope item the report is evidence for.
    #[arg(long, requires = "criterion", conflicts_with = "slo")]
    pub item: Option<String>,
    /// The criterion of --item.
    #[arg(long, requires = "item")]
    pub criterion: Option<String>,
    /// Instead of --item/--criterion: an interface's SLO, `INTERFACE/SLO NAME`.
    #[arg(long, required_unless_present = "item")]
    pub slo: Option<String>,
    /// The component the report was produced from.
    #[arg(long)]
    pub component: Option<String>,
    /// The component's version (evidence for another version of a shipped
    /// component does not count).
    #[arg(long)]
    pub version: Option<String>,
    /// The CI run: reports of one run for one criterion are combined.
    #[arg(long)]
    pub run: Option<String>,
    /// The report's format.
    #[arg(long, value_enum, default_value_t = EvidenceFormat::Junit)]
    pub format: EvidenceFormat,
    /// The report.
    pub file: PathBuf,
    #[command(flatten)]
    pub broker: BrokerArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvidenceFormat {
    /// JUnit XML (cargo nextest, pytest, JUnit 5).
    Junit,
    /// SARIF 2.1.0 (clippy-sarif, semgrep, CodeQL).
    Sarif,
    /// Treaty's JSON of named metrics (docs/evidence.md).
    Metrics,
    /// criterion's estimates.json.
    Criterion,
}

impl EvidenceFormat {
    /// The name the broker's API takes.
    pub fn name(self) -> &'static str {
        match self {
            EvidenceFormat::Junit => "junit",
            EvidenceFormat::Sarif => "sarif",
            EvidenceFormat::Metrics => "metrics",
            EvidenceFormat::Criterion => "criterion",
        }
    }
}
