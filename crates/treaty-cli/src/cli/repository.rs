//! The repository-only mode's commands: change proposals and waivers
//! written as files, decided and moved through their life cycle.

use std::path::PathBuf;

use jiff::civil::Date;

use super::ProposalBroker;

#[derive(Debug, clap::Args)]
pub struct ProposeArgs {
    /// The interface whose breaking changes are proposed.
    pub interface: String,
    /// The workspace directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// The revision the change is made against, as for `treaty check`.
    #[arg(long, default_value = "HEAD")]
    pub base: String,
    /// What the change is, in a line.
    #[arg(long)]
    pub title: String,
    /// How to undo the change if it goes wrong.
    #[arg(long)]
    pub rollback: String,
    /// Why it cannot be made compatible.
    #[arg(long)]
    pub reason: Option<String>,
    /// The release it is meant for.
    #[arg(long)]
    pub target_release: Option<String>,
    /// The release needs it (otherwise it may be deferred).
    #[arg(long)]
    pub essential: bool,
    /// Write it as a draft, which asks nobody yet (`treaty proposal open`
    /// opens it; repository-only mode).
    #[arg(long)]
    pub draft: bool,
    #[command(flatten)]
    pub proposals: ProposalBroker,
}

#[derive(Debug, clap::Args)]
pub struct DecideArgs {
    /// The proposal's id (`cp-1`): a file under `proposals/` or a proposal
    /// in the broker; or a waiver's (`w-1`), a file under `waivers/`.
    pub proposal: String,
    /// The team deciding (required for a file; the token's team in the
    /// broker, which decides only for itself).
    #[arg(long)]
    pub team: Option<String>,
    /// Who in the team decides (required for a file; the broker records
    /// the token).
    #[arg(long)]
    pub by: Option<String>,
    /// Broker mode: the change set hash reviewed (as the notification or
    /// `treaty check` showed it); refused if the proposal's has changed
    /// since. Without it, the proposal's current one.
    #[arg(long, value_name = "HASH")]
    pub change_set: Option<String>,
    /// Why.
    #[arg(long)]
    pub reason: String,
    /// The workspace directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub proposals: ProposalBroker,
}

#[derive(Debug, clap::Args)]
pub struct WaiveArgs {
    /// The interface whose check the waiver relaxes.
    pub interface: String,
    /// A rule id to let through on it (repeatable; as `treaty check`
    /// reports them).
    #[arg(long = "rule", required = true)]
    pub rules: Vec<String>,
    /// The last day the waiver applies (YYYY-MM-DD, inclusive).
    #[arg(long)]
    pub until: Date,
    /// Why the check may be relaxed until then.
    #[arg(long)]
    pub reason: String,
    /// The day the waiver is asked for (YYYY-MM-DD), which `--until` may
    /// not precede and the file records; defaults to today.
    #[arg(long)]
    pub today: Option<Date>,
    /// The team asking for it (required for a file; in the broker, the
    /// interface's owner asks, with its token).
    #[arg(long)]
    pub team: Option<String>,
    /// The workspace directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub proposals: ProposalBroker,
}

#[derive(Debug, clap::Subcommand)]
pub enum ProposalCommand {
    /// Open a draft: it asks for its approvals from now on.
    Open(TransitionArgs),
    /// Take a proposal or waiver back (before a proposal ships).
    Withdraw(TransitionArgs),
    /// Record that an approved proposal shipped.
    Ship(TransitionArgs),
    /// Record that a shipped proposal was rolled back.
    RollBack(TransitionArgs),
    /// Show a proposal or waiver: its changes, who must still approve,
    /// its decisions and moves (the file, or the broker's with --broker).
    Show(ShowArgs),
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The proposal's id (`cp-1`) or a waiver's (`w-1`).
    pub id: String,
    /// `text`, or `json` (the broker's answer as it is).
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    pub format: String,
    /// The workspace directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub proposals: ProposalBroker,
}

#[derive(Debug, clap::Args)]
pub struct TransitionArgs {
    /// The proposal's id (`cp-1`) or, to open or withdraw it, a waiver's
    /// (`w-1`).
    pub id: String,
    /// Who asks for the change of state (required for a file; the
    /// broker records the token).
    #[arg(long)]
    pub by: Option<String>,
    /// Why.
    #[arg(long)]
    pub reason: String,
    /// The workspace directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub proposals: ProposalBroker,
}
