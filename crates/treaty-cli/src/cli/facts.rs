//! The commands that record facts in the broker (a published interface
//! version, what a consumer version expects, a verification, deployments
//! and releases) and ask can-i-release.

use std::path::PathBuf;

use super::BrokerArgs;

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The interface id, as in the workspace.
    pub interface: String,
    /// The producer component's version that provides it.
    #[arg(long)]
    pub version: String,
    /// The producer component (defaults to the producer team's id).
    #[arg(long)]
    pub component: Option<String>,
    /// The workspace directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub broker: BrokerArgs,
}

#[derive(Debug, clap::Args)]
pub struct ExpectArgs {
    /// The interface id.
    pub interface: String,
    /// The consumer component.
    #[arg(long)]
    pub component: String,
    /// The consumer component's version.
    #[arg(long)]
    pub version: String,
    /// The interface version it was built against.
    #[arg(long)]
    pub built_against: String,
    /// The consumer team (defaults to the token's team).
    #[arg(long)]
    pub team: Option<String>,
    /// The workspace directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub broker: BrokerArgs,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("result").required(true).args(["success", "failure"])))]
pub struct VerifyArgs {
    /// The interface verified.
    #[arg(long)]
    pub interface: String,
    /// The producer component's version that was verified.
    #[arg(long)]
    pub provider_version: String,
    /// The consumer component.
    #[arg(long)]
    pub consumer: String,
    /// The consumer component's version whose expectations were checked.
    #[arg(long)]
    pub consumer_version: String,
    /// The verification passed (this or --failure).
    #[arg(long)]
    pub success: bool,
    /// The verification failed (this or --success).
    #[arg(long)]
    pub failure: bool,
    /// What was run, a link to the build.
    #[arg(long)]
    pub details: Option<String>,
    #[command(flatten)]
    pub broker: BrokerArgs,
}

#[derive(Debug, clap::Args)]
pub struct RecordDeploymentArgs {
    /// The component deployed.
    #[arg(long)]
    pub component: String,
    /// Its version now running (the one before is undeployed).
    #[arg(long)]
    pub version: String,
    /// Where it runs.
    #[arg(long)]
    pub environment: String,
    #[command(flatten)]
    pub broker: BrokerArgs,
}

#[derive(Debug, clap::Args)]
pub struct RecordUndeploymentArgs {
    /// The component that no longer runs there.
    #[arg(long)]
    pub component: String,
    /// Where it stopped running.
    #[arg(long)]
    pub environment: String,
    #[command(flatten)]
    pub broker: BrokerArgs,
}

#[derive(Debug, clap::Args)]
pub struct RecordReleaseArgs {
    /// The component released.
    #[arg(long)]
    pub component: String,
    /// Its version released (the ones released before stay supported).
    #[arg(long)]
    pub version: String,
    /// Where it is released.
    #[arg(long)]
    pub environment: String,
    #[command(flatten)]
    pub broker: BrokerArgs,
}

#[derive(Debug, clap::Args)]
pub struct RecordSupportEndedArgs {
    /// The component.
    #[arg(long)]
    pub component: String,
    /// The released version no longer supported.
    #[arg(long)]
    pub version: String,
    /// Where its support ended.
    #[arg(long)]
    pub environment: String,
    #[command(flatten)]
    pub broker: BrokerArgs,
}

#[derive(Debug, clap::Args)]
pub struct CanIReleaseArgs {
    /// The component to release.
    #[arg(long)]
    pub component: String,
    /// The version of it to release.
    #[arg(long)]
    pub version: String,
    /// Where it would go.
    #[arg(long)]
    pub environment: String,
    /// The answer as text for people or JSON for machines.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    pub format: String,
    #[command(flatten)]
    pub broker: BrokerArgs,
}
