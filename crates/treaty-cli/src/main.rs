//! The `treaty` command-line tool: argument parsing (`cli`), one module
//! per command (`commands`, `broker`), reading the working tree and git
//! history, and rendering results. The decisions live in `treaty-core`
//! and `treaty-compat`; exit codes are mapped in `exit`.

mod backstage;
mod big_stack;
mod broker;
mod changelog;
mod check;
mod cli;
mod code_quality;
mod commands;
mod diff;
mod discover;
mod exit;
mod finding;
mod fs_source;
mod git_renames;
mod git_source;
mod init;
mod render;
mod sarif;

use std::process::ExitCode;

/// mimalloc (its v2 allocator) rather than the system's: `treaty diff` of
/// the Stripe pair takes two thirds of the time it takes with glibc's,
/// much of which went to allocating and freeing; the broker's gate answers
/// faster too. Its v3 allocator peaked 14-18 MB higher on that diff and
/// over issue 11's limit on two large publishes. Figures in
/// docs/PERFORMANCE.md ("A faster allocator, once the broker holds less").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

use crate::broker::{client, releases};
use crate::cli::{
    Cli, Command, EnvironmentCommand, EvidenceCommand, LogCommand, NotificationsCommand,
    ReleaseCommand, TeamCommand, TokenCommand,
};
use crate::exit::Exit;

fn main() -> ExitCode {
    run(Cli::parse().command).into()
}

fn run(command: Command) -> Exit {
    match command {
        Command::Validate(args) => commands::validate::run(args),
        Command::Init(args) => commands::scaffold::init(args),
        Command::Schema(args) => commands::scaffold::schema(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::Pact { command } => commands::pact::run(command),
        Command::Import {
            command: backstage::ImportCommand::Backstage(args),
        } => backstage::import(args),
        Command::Export {
            command: backstage::ExportCommand::Backstage(args),
        } => backstage::export(args),
        Command::Check(args) => commands::check::run(args),
        Command::Propose(args) => commands::propose::run(args),
        Command::Approve(args) => commands::decide::run(args, "approve"),
        Command::Reject(args) => commands::decide::run(args, "reject"),
        Command::Waive(args) => commands::waive::run(args),
        Command::Proposal { command } => commands::transition::run(command),
        Command::Gate(args) => commands::gate::run(args),
        Command::Status(args) => commands::gate::status(args),
        Command::Escalations(args) => commands::gate::escalations(args),
        Command::Digest(args) => commands::gate::digest(args),
        Command::Review(args) => commands::gate::review(args),
        Command::Changelog(args) => commands::changelog::run(args),
        Command::Serve(args) => broker::serve::run(args),
        Command::Publish(args) => broker::report(client::publish(&args)),
        Command::Expect(args) => broker::report(client::expect(&args)),
        Command::Verify(args) => broker::report(client::verify(&args)),
        Command::RecordDeployment(args) => broker::report(client::record_deployment(&args)),
        Command::RecordUndeployment(args) => broker::report(client::record_undeployment(&args)),
        Command::RecordRelease(args) => broker::report(releases::record_release(&args)),
        Command::RecordSupportEnded(args) => broker::report(releases::record_support_ended(&args)),
        Command::Release {
            command: ReleaseCommand::Publish(args),
        } => broker::report(broker::trains::publish(&args)),
        Command::Evidence {
            command: EvidenceCommand::Push(args),
        } => broker::report(broker::trains::push(&args)),
        Command::Blocker { command } => broker::report(broker::blockers::run(command)),
        Command::Override { command } => broker::report(broker::blockers::run_override(command)),
        Command::CanIRelease(args) => client::can_i_release(&args).unwrap_or_else(broker::failed),
        Command::Token {
            command:
                TokenCommand::Create {
                    team,
                    scopes,
                    broker: to,
                },
        } => broker::report(client::token_create(&to, &team, &scopes)),
        Command::Token {
            command: TokenCommand::Revoke { id, broker: to },
        } => broker::report(client::token_revoke(&to, &id)),
        Command::Token {
            command: TokenCommand::RecoverAdmin { database_url },
        } => broker::serve::recover_admin(&database_url),
        Command::Team {
            command:
                TeamCommand::Create {
                    id,
                    name,
                    webhook,
                    broker: to,
                },
        } => broker::report(client::team_create(&to, &id, &name, webhook)),
        Command::Team {
            command: TeamCommand::Webhook { command },
        } => broker::report(broker::notifications::webhook(command)),
        Command::Notifications {
            command:
                NotificationsCommand::List {
                    team,
                    after,
                    limit,
                    format,
                    broker: to,
                },
        } => broker::report(broker::notifications::list(
            &to,
            team.as_deref(),
            after.as_deref(),
            limit,
            &format,
        )),
        Command::Notifications {
            command:
                NotificationsCommand::Show {
                    id,
                    format,
                    broker: to,
                },
        } => broker::report(broker::notifications::show(&to, &id, &format)),
        Command::Environment {
            command: EnvironmentCommand::Create { id, broker: to },
        } => broker::report(client::environment_create(&to, &id)),
        Command::Log {
            command:
                LogCommand::Export {
                    format,
                    output,
                    key,
                    broker: to,
                },
        } => broker::log::export(format, output.as_deref(), key.as_deref(), &to),
        Command::Log {
            command:
                LogCommand::Verify {
                    export,
                    key,
                    since,
                    broker: to,
                },
        } => broker::log::verify(export.as_deref(), key.as_deref(), since.as_deref(), &to),
    }
}
