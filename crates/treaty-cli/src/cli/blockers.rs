//! `treaty blocker` and `treaty override`: the blockers of a release train
//! on the broker, and overrides of its gate.

use clap::{Subcommand, ValueEnum};

use super::BrokerArgs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Low,
    Medium,
    High,
    Critical,
}

impl SeverityArg {
    /// The name the broker's API takes.
    pub fn name(self) -> &'static str {
        match self {
            SeverityArg::Low => "low",
            SeverityArg::Medium => "medium",
            SeverityArg::High => "high",
            SeverityArg::Critical => "critical",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum BlockerCommand {
    /// Raise a blocker against a release train or one of its scope items;
    /// its deadline is the SLA governance sets for its severity.
    Raise {
        /// The release train's id.
        release: String,
        /// What blocks, in a line.
        #[arg(long)]
        title: String,
        #[arg(long, value_enum)]
        severity: SeverityArg,
        /// The scope item it blocks (the whole release when absent).
        #[arg(long)]
        item: Option<String>,
        /// The team that owns it (the item's owner, else yours).
        #[arg(long)]
        team: Option<String>,
        /// A link to its issue in the team's tracker.
        #[arg(long)]
        tracker: Option<String>,
        /// Why it blocks, in more words.
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// The blockers of a release train: open ones, or all with --all.
    List {
        /// The release train's id.
        release: String,
        /// Resolved blockers too.
        #[arg(long)]
        all: bool,
        /// Print the broker's JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Assign a blocker to a team, or one of its members.
    Assign {
        /// The release train's id.
        release: String,
        /// The blocker (`b-N`).
        blocker: String,
        /// The team taking it.
        #[arg(long)]
        team: String,
        /// A member of that team, by handle.
        #[arg(long)]
        handle: Option<String>,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Change a blocker's severity (the teams governance lets triage); its
    /// deadline follows.
    Triage {
        /// The release train's id.
        release: String,
        /// The blocker (`b-N`).
        blocker: String,
        #[arg(long, value_enum)]
        severity: SeverityArg,
        /// A link to its issue in the team's tracker.
        #[arg(long)]
        tracker: Option<String>,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Resolve a blocker (its owning team or its assignee's), with the
    /// criterion whose newest run shows the fix where governance asks.
    Resolve {
        /// The release train's id.
        release: String,
        /// The blocker (`b-N`).
        blocker: String,
        /// `ITEM/CRITERION`: the criterion whose newest pushed run shows
        /// the fix.
        #[arg(long)]
        fix: Option<String>,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Open a resolved blocker again.
    Reopen {
        /// The release train's id.
        release: String,
        /// The blocker (`b-N`).
        blocker: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum OverrideCommand {
    /// Ask for an override of a train's failing gate in one environment
    /// (a team of the train); governance's `gate_override` approvers decide.
    Request {
        /// The release train's id.
        release: String,
        #[arg(long, visible_alias = "env", default_value = "production")]
        environment: String,
        /// Why the release should ship anyway.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Approve an override, for your token's team.
    Approve(OverrideDecisionArgs),
    /// Reject an override, for your token's team.
    Reject(OverrideDecisionArgs),
    /// The overrides asked for a train, with their decisions.
    List {
        /// The release train's id.
        release: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
}

#[derive(Debug, clap::Args)]
pub struct OverrideDecisionArgs {
    /// The release train's id.
    pub release: String,
    /// The override (`o-N`).
    pub id: String,
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub broker: BrokerArgs,
}
