//! The command line as clap reads it: every command, its arguments and
//! their defaults. No behaviour here; `commands` runs what is parsed.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use jiff::civil::Date;

mod blockers;
mod facts;
mod gate;
mod repository;
mod trains;

pub use blockers::{BlockerCommand, OverrideCommand, OverrideDecisionArgs};
pub use facts::{
    CanIReleaseArgs, ExpectArgs, PublishArgs, RecordDeploymentArgs, RecordReleaseArgs,
    RecordSupportEndedArgs, RecordUndeploymentArgs, VerifyArgs,
};
pub use gate::{DigestArgs, GateArgs, GateCommand, GateFormat, ReviewArgs};
pub use repository::{
    DecideArgs, ProposalCommand, ProposeArgs, ShowArgs, TransitionArgs, WaiveArgs,
};
pub use trains::{EvidenceCommand, EvidencePushArgs, ReleaseCommand, ReleasePublishArgs};

/// Treaty: the agreements between teams that ship software together, as
/// code that machines check.
#[derive(Debug, Parser)]
#[command(name = "treaty", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every contract file of a workspace and every reference between them.
    Validate(ValidateArgs),
    /// Create a commented workspace that validates, to start from.
    Init(InitArgs),
    /// Compare two versions of a schema: every change with its rule id and
    /// level, and whether the policy allows it.
    Diff(DiffArgs),
    /// Pact files as consumer expectations: `treaty pact check PACT OPENAPI`.
    Pact {
        #[command(subcommand)]
        command: crate::commands::pact::PactCommand,
    },
    /// Read another tool's records into the workspace (`import backstage`).
    Import {
        #[command(subcommand)]
        command: crate::backstage::ImportCommand,
    },
    /// Write the workspace for another tool (`export backstage`).
    Export {
        #[command(subcommand)]
        command: crate::backstage::ExportCommand,
    },
    /// Compare every interface's schema at a git revision with the working
    /// tree, and tell which consumer teams each breaking change affects.
    Check(CheckArgs),
    /// Write a change proposal for an interface whose check fails
    /// (repository-only mode): `proposals/cp-N.yaml` with the change set's
    /// hash, the changes and who must approve, for review like any file.
    Propose(ProposeArgs),
    /// Record a team's approval in a proposal or waiver file
    /// (repository-only mode; the file is then reviewed and merged like any
    /// change).
    Approve(DecideArgs),
    /// Record a team's rejection in a proposal or waiver file
    /// (repository-only mode).
    Reject(DecideArgs),
    /// Write a waiver (repository-only mode): `waivers/w-N.yaml` lets the
    /// named rules of an interface through `treaty check` until a day, once
    /// governance's approvers approve it.
    Waive(WaiveArgs),
    /// Move a proposal (or a waiver) through its life cycle, recording who
    /// and why in the file (repository-only mode).
    Proposal {
        #[command(subcommand)]
        command: ProposalCommand,
    },
    /// Go or no-go for a release train: every scope item's criteria judged
    /// from evidence, with approvals, waivers, freezes and debt; exit 0 go,
    /// 1 no-go, 2 error.
    Gate(GateCommand),
    /// Where a release train stands: milestones, and each scope item's
    /// state and risk (low to critical) with the reason in words.
    Status(GateArgs),
    /// The escalations a release's trouble calls for by now (overdue
    /// blockers, missed milestones, risky dependencies, a failing gate),
    /// each step with whom it goes to; with `--broker`, the steps the
    /// broker sent.
    Escalations(GateCommand),
    /// A team's status digest over the open releases: what changed, risks,
    /// blockers, decisions waiting on it, milestones, reviews, liaison
    /// turns and commitments.
    Digest(DigestArgs),
    /// The post-release review of a release train, in Markdown: timeline,
    /// lead times, the unplanned coordination index against the previous
    /// release, commitments kept, lessons with the amendments they suggest.
    Review(ReviewArgs),
    /// The evolution of an interface's schema through the git history,
    /// grouped by version.
    Changelog(ChangelogArgs),
    /// Write the JSON Schemas of the contract files (for editors) to a directory.
    Schema(SchemaArgs),
    /// Run the broker: the HTTP JSON API on SQLite (one file, no set-up) or
    /// PostgreSQL (several brokers on one database).
    Serve(ServeArgs),
    /// Publish a version of an interface to the broker: its schema and every
    /// file the schema reaches. Registers the producer component and the
    /// interface the first time.
    Publish(PublishArgs),
    /// Record what a consumer component version was built against; what it
    /// uses, its examples and Pact files come from the workspace.
    Expect(ExpectArgs),
    /// Record the result of verifying a consumer version against a
    /// producer version. A failure blocks the pair in can-i-release.
    Verify(VerifyArgs),
    /// Record that a component version now runs in an environment.
    RecordDeployment(RecordDeploymentArgs),
    /// Record that a component no longer runs in an environment.
    RecordUndeployment(RecordUndeploymentArgs),
    /// Record that a component version is released to an environment and
    /// supported there, beside the versions released before (a mobile
    /// app, a library); it counts in can-i-release until its support ends.
    RecordRelease(RecordReleaseArgs),
    /// Record that a released component version is no longer supported in
    /// an environment; the other released versions stay supported.
    RecordSupportEnded(RecordSupportEndedArgs),
    /// May this component version go to this environment? Exit 0 yes, 1 no
    /// (with every reason), 2 on errors.
    CanIRelease(CanIReleaseArgs),
    /// Release trains on the broker: `treaty release publish RELEASE`.
    Release {
        #[command(subcommand)]
        command: ReleaseCommand,
    },
    /// Evidence for a release train on the broker: `treaty evidence push`.
    Evidence {
        #[command(subcommand)]
        command: EvidenceCommand,
    },
    /// The blockers of a release train on the broker: raise, list,
    /// assign, triage (change the severity), resolve, reopen.
    Blocker {
        #[command(subcommand)]
        command: BlockerCommand,
    },
    /// Overrides of a release train's failing gate on the broker: request,
    /// approve, reject, list.
    Override {
        #[command(subcommand)]
        command: OverrideCommand,
    },
    /// Issue or revoke broker tokens (admin).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Create a team on the broker (admin).
    Team {
        #[command(subcommand)]
        command: TeamCommand,
    },
    /// Create an environment on the broker (admin).
    Environment {
        #[command(subcommand)]
        command: EnvironmentCommand,
    },
    /// The notifications queued for teams' webhooks and every delivery
    /// attempt (a team sees its own; an admin every team's).
    Notifications {
        #[command(subcommand)]
        command: NotificationsCommand,
    },
    /// The broker's tamper-evident decision log: export it, verify an
    /// export offline, or check that the log only grew since a checkpoint.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Write the log's entries and its signed checkpoint: JSON lines (one
    /// decision per line, then the checkpoint) or one MADR record per
    /// decision.
    Export {
        /// jsonl (one file, verifiable offline) or madr (a directory of
        /// Markdown records, for people).
        #[arg(long, value_enum, default_value_t = LogExportFormat::Jsonl)]
        format: LogExportFormat,
        /// The file (jsonl; stdout if absent) or directory (madr;
        /// `decisions` if absent) to write.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// The broker's verifier key (text or a file holding it); the
        /// checkpoint must be signed by it. Fetched from the broker if
        /// absent.
        #[arg(long, env = "TREATY_LOG_KEY")]
        key: Option<String>,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Verify an export offline against the log's verifier key, or (with
    /// --since) ask the broker to prove that its log extends a checkpoint
    /// saved earlier. Exit 0 verified, 1 verification failed, 2 bad input.
    Verify {
        /// An export written by `treaty log export`.
        #[arg(required_unless_present = "since", conflicts_with = "since")]
        export: Option<PathBuf>,
        /// The log's verifier key (`origin+keyid+base64`, as `treaty serve`
        /// prints it), or a file holding it. Required for an export; with
        /// --since, fetched from the broker if absent.
        #[arg(long, env = "TREATY_LOG_KEY")]
        key: Option<String>,
        /// A signed checkpoint saved earlier (a file): the broker must
        /// prove its current log extends it.
        #[arg(long, value_name = "CHECKPOINT_FILE")]
        since: Option<PathBuf>,
        #[command(flatten)]
        broker: BrokerArgs,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogExportFormat {
    // JSON lines: each decision's canonical JSON, then `{"checkpoint": ...}`.
    Jsonl,
    // One MADR (Markdown Architectural Decision Record) file per decision.
    Madr,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The workspace directory (the one holding `treaty.yaml`).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    #[arg(long, value_enum, default_value_t = ValidateFormat::Human)]
    pub format: ValidateFormat,
    /// The date deadlines are judged against (YYYY-MM-DD); defaults to today.
    #[arg(long)]
    pub today: Option<Date>,
    /// Exit with 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Where to create it; must not hold a `treaty.yaml` yet.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The organization's name (defaults to the directory's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Propose the workspace from the repository in DIR instead of an
    /// example: one interface per schema file found by its content
    /// (OpenAPI, AsyncAPI, JSON Schema, Avro, each .proto package), its
    /// producer from CODEOWNERS; what is left to decide is written as
    /// comments.
    #[arg(long)]
    pub discover: bool,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old version: OpenAPI 3.0/3.1, JSON Schema, Avro or AsyncAPI (YAML or JSON), or a .proto file or a directory of them.
    pub old: PathBuf,
    /// The new version.
    pub new: PathBuf,
    /// backward (the new version serves old clients), forward, full or none.
    #[arg(long, default_value = "backward")]
    pub policy: treaty_compat::Policy,
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// The format of the schemas (openapi, jsonschema, avro, asyncapi);
    /// detected from their content by default.
    #[arg(long, value_parser = document_format)]
    pub kind: Option<treaty_compat::Format>,
    /// Protobuf: how strict the check is (wire, wire_json, package, file).
    #[arg(long, default_value = "wire_json")]
    pub proto_category: treaty_compat::proto::Category,
    /// Protobuf: a further directory imports are resolved against (repeatable).
    #[arg(long = "include", short = 'I')]
    pub includes: Vec<PathBuf>,
    /// JSON Schema: properties an open model does not declare, strict
    /// (documents may carry them) or lenient (producers never send them).
    #[arg(long, default_value = "strict")]
    pub undeclared_properties: treaty_compat::UndeclaredProperties,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The workspace directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The revision to compare with: a branch, tag or commit.
    #[arg(long, default_value = "HEAD")]
    pub base: String,
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Compare with every earlier version in the base's history, as if
    /// every interface's policy were transitive.
    #[arg(long)]
    pub transitive: bool,
    /// Under a transitive policy, compare with at most N earlier versions
    /// per interface (the report says where it stopped).
    #[arg(long, value_name = "N", default_value_t = crate::check::DEFAULT_MAX_HISTORY)]
    pub max_history: usize,
    /// The day governance (freezes) and waivers (expiry) are judged on
    /// (YYYY-MM-DD); defaults to today.
    #[arg(long)]
    pub today: Option<Date>,
    /// List the interfaces that were not compared because their schema
    /// and every file it reaches are unchanged since the base (text).
    #[arg(long, short)]
    pub verbose: bool,
    #[command(flatten)]
    pub proposals: ProposalBroker,
}

/// Where change proposals live: in the broker given here, or (without
/// one) in the workspace's `proposals/` directory.
#[derive(Debug, Clone, clap::Args)]
pub struct ProposalBroker {
    /// The broker keeping the proposals and decisions (the broker mode:
    /// each team decides with its own token). Without it, `proposals/`.
    #[arg(long = "broker", env = "TREATY_BROKER", value_name = "URL")]
    pub url: Option<String>,
    /// A token the broker issued (its team is the one that proposes or
    /// decides).
    #[arg(long, env = "TREATY_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ChangelogArgs {
    /// The interface id.
    pub interface: String,
    /// The workspace directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Start after this revision (its version is the baseline).
    #[arg(long)]
    pub from: Option<String>,
    /// End at this revision.
    #[arg(long, default_value = "HEAD")]
    pub to: String,
    #[arg(long, value_enum, default_value_t = ChangelogFormat::Markdown)]
    pub format: ChangelogFormat,
}

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Output directory.
    #[arg(long, default_value = "schemas")]
    pub out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The address and port to listen on.
    #[arg(long, env = "TREATY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(
        long,
        env = "TREATY_DATABASE_URL",
        default_value = "sqlite://treaty.db"
    )]
    pub database_url: String,
    /// Largest request body accepted.
    #[arg(long, default_value_t = 32 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Largest report accepted as evidence (`treaty evidence push`): read
    /// as it arrives, so it may exceed --max-body-bytes.
    #[arg(long, default_value_t = 256 * 1024 * 1024)]
    pub max_evidence_bytes: u64,
    /// Seconds a request may take before it is answered 408.
    #[arg(long, default_value_t = 30)]
    pub request_timeout: u64,
    /// Let requests without a token read (writes always need one).
    #[arg(long)]
    pub anonymous_read: bool,
    /// Connections open at once; at the limit a new one closes the oldest
    /// idle one. Keep it under the file-descriptor limit (ulimit -n).
    #[arg(long, default_value_t = 512)]
    pub max_connections: usize,
    /// Seconds a connection may take to send a request's headers, and may
    /// stay idle between requests.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds a response may wait for the client to read any of it before
    /// the connection is closed.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub send_timeout: u64,
    /// Nodes (values, keys and items, over all its files) one published
    /// bundle may hold: what bounds the memory a publish costs.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_bundle_nodes: u64,
    /// Bytes of bundles being sent back at once (64 MiB by default): what
    /// bounds the memory downloads cost; past it a download answers 503.
    #[arg(long, default_value_t = 64 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_download_bytes: u64,
    /// Logs as text for people or JSON lines for a log collector.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// An address range webhooks may be delivered to although it is not
    /// public (loopback, private, link-local...), as CIDR: 10.1.2.0/24,
    /// 127.0.0.1/32 (repeatable). Everything else non-public is refused.
    #[arg(long = "webhook-allow", value_name = "CIDR")]
    pub webhook_allow: Vec<ipnet::IpNet>,
    /// For tests only: multiplies every delay of the webhook retry
    /// schedule (0.001 turns hours into seconds).
    #[arg(
        long,
        hide = true,
        default_value_t = 1.0,
        env = "TREATY_WEBHOOK_BACKOFF_SCALE"
    )]
    pub webhook_backoff_scale: f64,
    /// For tests only: milliseconds a claimed notification stays this
    /// broker's before another may deliver it.
    #[arg(long, hide = true, default_value_t = 60_000, value_parser = clap::value_parser!(u64).range(100..))]
    pub webhook_lease_ms: u64,
    /// For tests only: milliseconds between looks at an empty outbox.
    #[arg(long, hide = true, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(10..))]
    pub webhook_poll_ms: u64,
    /// The decision log's signing key file, created (mode 0600) at the
    /// first start. Keep it away from the database and back it up; brokers
    /// sharing one database must share it. Default: beside an SQLite
    /// database (`treaty.db.log-key`), else `treaty-log.key`.
    #[arg(long, env = "TREATY_LOG_KEY_FILE")]
    pub log_key: Option<PathBuf>,
    /// The decision log's name (its checkpoints' origin line), e.g.
    /// `treaty.example.com/decisions`; set once, when the key is created
    /// (default: `treaty-decisions-` and random hex).
    #[arg(long, env = "TREATY_LOG_ORIGIN")]
    pub log_origin: Option<String>,
    /// Hours a dashboard session lasts after sign-in, 1 to 720 (it also
    /// ends at sign-out and when its token is revoked).
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u64).range(1..=720))]
    pub ui_session_hours: u64,
    /// Mark the dashboard's cookies `Secure`: set it when browsers reach
    /// the broker over https (directly or through a proxy that ends TLS).
    #[arg(long)]
    pub ui_secure_cookies: bool,
    /// The SMTP server escalation e-mails are sent through:
    /// `smtp://host:port` (plain), `smtp://host:port?tls=required`
    /// (STARTTLS), `smtps://user:password@host:port`. Without it no e-mail
    /// is sent (webhooks still are).
    #[arg(
        long,
        env = "TREATY_SMTP_URL",
        requires = "smtp_from",
        hide_env_values = true
    )]
    pub smtp_url: Option<String>,
    /// The sender of escalation e-mails: `Treaty <treaty@example.com>`.
    #[arg(long, env = "TREATY_SMTP_FROM", requires = "smtp_url")]
    pub smtp_from: Option<String>,
    /// For tests only: the escalation timers, their notifications and the
    /// gate read the time from this file (an RFC 3339 moment, advancing
    /// in real time from the file's last change) instead of the system.
    #[arg(long, hide = true, value_name = "FILE")]
    pub test_clock: Option<PathBuf>,
    /// For tests only: milliseconds between looks at the escalation timers.
    #[arg(long, hide = true, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(10..))]
    pub escalation_poll_ms: u64,
    /// For tests only: milliseconds between looks whether a status digest
    /// is due.
    #[arg(long, hide = true, default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(10..))]
    pub digest_poll_ms: u64,
}

/// Where the broker is and the token to call it with.
#[derive(Debug, clap::Args)]
pub struct BrokerArgs {
    /// The broker's URL.
    #[arg(long, env = "TREATY_BROKER", default_value = "http://127.0.0.1:8080")]
    pub broker: String,
    /// A token the broker issued.
    #[arg(long, env = "TREATY_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token (admin); the secret is printed once, on stdout.
    Create {
        /// The team the token acts for.
        #[arg(long)]
        team: String,
        /// read, publish, approve or admin (repeatable).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Revoke a token by its id (its team with `publish`, or admin).
    Revoke {
        /// The token's id (`tok_...`, as `token create` printed it), not its secret.
        id: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Issue a new admin token straight into the broker's database, from
    /// the machine that holds it: for when the token `treaty serve` printed
    /// at its first start was lost. Printed once, on stdout.
    RecoverAdmin {
        /// The broker's database, as given to `treaty serve`.
        #[arg(
            long,
            env = "TREATY_DATABASE_URL",
            default_value = "sqlite://treaty.db"
        )]
        database_url: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Register a team in the broker (admin).
    Create {
        /// The team's id, as in the workspace's `teams/` files.
        id: String,
        /// Its name, for people.
        #[arg(long)]
        name: String,
        /// Where its notifications go (http or https).
        #[arg(long)]
        webhook: Option<String>,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// A team's webhook: where its notifications go and the secret they
    /// are signed with (the team with `publish`, or admin).
    Webhook {
        #[command(subcommand)]
        command: WebhookCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Send the team's notifications to URL (http or https, public host);
    /// the first webhook comes with a signing secret, printed.
    Set {
        /// The team.
        team: String,
        /// The URL.
        url: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Print the team's webhook URL and signing secret.
    Show {
        /// The team.
        team: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Stop the team's notifications (what is queued is still delivered).
    Remove {
        /// The team.
        team: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Replace the signing secret and print the new one.
    RotateSecret {
        /// The team.
        team: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Queue a `ping` event to the team's webhook; `treaty notifications
    /// show ID` tells how its delivery went.
    Ping {
        /// The team.
        team: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum NotificationsCommand {
    /// Notifications, oldest first: id, team, type, state, attempts.
    List {
        /// Only this team's.
        #[arg(long)]
        team: Option<String>,
        /// Start after this id (the last one of the previous page).
        #[arg(long)]
        after: Option<String>,
        /// At most this many (1 to 1000).
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// Text for people or JSON for machines.
        #[arg(long, value_parser = ["text", "json"], default_value = "text")]
        format: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// One notification: its body and every delivery attempt.
    Show {
        /// Its id (`msg_...`, the `webhook-id` header).
        id: String,
        /// Text for people or JSON for machines.
        #[arg(long, value_parser = ["text", "json"], default_value = "text")]
        format: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum EnvironmentCommand {
    /// Register an environment deployments can be recorded in (admin).
    Create {
        /// The environment's id (`staging`, `production`, ...).
        id: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    Markdown,
    Sarif,
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Markdown,
    /// SARIF 2.1.0, for code scanning (GitHub's upload-sarif).
    Sarif,
    /// GitLab's Code Quality report (`artifacts: reports: codequality`).
    Gitlab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChangelogFormat {
    Markdown,
    Json,
}

/// `--kind` of `treaty diff`: a format detected from content, so not
/// protobuf (a `.proto` path or a directory selects it).
fn document_format(name: &str) -> Result<treaty_compat::Format, String> {
    match name.parse()? {
        treaty_compat::Format::Protobuf => {
            Err("protobuf is chosen by the paths: give two .proto files or directories".into())
        }
        format => Ok(format),
    }
}

/// `--format` of `treaty validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    Human,
    Json,
}
