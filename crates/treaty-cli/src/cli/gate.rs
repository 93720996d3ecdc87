//! `treaty gate`: go or no-go for a release train, from the evidence in
//! the repository (or given on the command line).

use std::path::PathBuf;

use clap::ValueEnum;

/// `treaty gate`: the release gate's arguments, and the broker to ask
/// instead of reading the repository.
#[derive(Debug, clap::Args)]
pub struct GateCommand {
    #[command(flatten)]
    pub gate: GateArgs,
    /// Ask this broker (`GET /api/v1/trains/RELEASE/gate`, after `treaty
    /// release publish` and `treaty evidence push`) instead of judging the
    /// repository's files.
    #[arg(long = "broker", env = "TREATY_BROKER", value_name = "URL")]
    pub broker: Option<String>,
    /// A token the broker issued.
    #[arg(long, env = "TREATY_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct GateArgs {
    /// The release train's id (`releases/ID.yaml`).
    pub release: String,
    /// The workspace directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// The environment the release would ship to.
    #[arg(long, visible_alias = "env", default_value = "production")]
    pub environment: String,
    /// A report to count as evidence: `ITEM/CRITERION=PATH` for one
    /// criterion, or a bare `PATH`: a metrics file's entries go to the
    /// criteria and SLOs they are named after, a JUnit or SARIF file to
    /// the criteria whose `source` glob matches its path. Criteria not
    /// given here read the files their `source` glob matches under the
    /// workspace. Repeatable.
    #[arg(long, value_name = "[ITEM/CRITERION=]PATH")]
    pub evidence: Vec<String>,
    /// The version of a component being shipped, `COMPONENT=VERSION`:
    /// evidence for another version of it does not count. Repeatable.
    #[arg(long, value_name = "COMPONENT=VERSION")]
    pub ship: Vec<String>,
    /// Decide as of this moment (RFC 3339, such as `2027-01-20T12:00:00Z`)
    /// instead of now.
    #[arg(long)]
    pub now: Option<jiff::Timestamp>,
    /// How to print the verdict.
    #[arg(long, value_enum, default_value_t = GateFormat::Text)]
    pub format: GateFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GateFormat {
    /// For people at a terminal.
    Text,
    /// The whole verdict as JSON.
    Json,
    /// For a pull request comment or a CI job summary.
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct DigestArgs {
    /// The team the digest is for.
    #[arg(long)]
    pub team: String,
    /// The workspace directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// The environment the releases' gates are asked about.
    #[arg(long, visible_alias = "env", default_value = "production")]
    pub environment: String,
    /// The version of a component being shipped, `COMPONENT=VERSION`.
    /// Repeatable.
    #[arg(long, value_name = "COMPONENT=VERSION")]
    pub ship: Vec<String>,
    /// The previous digest (as `--format json` wrote it): the new one says
    /// what changed since.
    #[arg(long)]
    pub previous: Option<PathBuf>,
    /// Make it as of this moment (RFC 3339) instead of now.
    #[arg(long)]
    pub now: Option<jiff::Timestamp>,
    /// How to print it (`json` to keep it for `--previous`).
    #[arg(long, value_enum, default_value_t = GateFormat::Text)]
    pub format: GateFormat,
    /// Print the newest digest this broker sent the team (`GET
    /// /api/v1/teams/TEAM/digests`) instead of making one from the files.
    #[arg(long = "broker", env = "TREATY_BROKER", value_name = "URL")]
    pub broker: Option<String>,
    /// A token the broker issued.
    #[arg(long, env = "TREATY_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    /// The release train's id (`releases/ID.yaml`, whose git history is
    /// read).
    pub release: String,
    /// The workspace directory (inside a git repository).
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Review as of this moment (RFC 3339) instead of now.
    #[arg(long)]
    pub now: Option<jiff::Timestamp>,
    /// Count the escalation steps this broker sent and the gate overrides
    /// it approved for the release and the previous one (`GET
    /// /api/v1/trains/ID/escalations` and `.../overrides`); without it they
    /// are not read.
    #[arg(long = "broker", env = "TREATY_BROKER", value_name = "URL")]
    pub broker: Option<String>,
    /// A token the broker issued.
    #[arg(long, env = "TREATY_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// `markdown` (also for `text`) or `json`.
    #[arg(long, value_enum, default_value_t = GateFormat::Markdown)]
    pub format: GateFormat,
}
