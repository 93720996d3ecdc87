//! The `treaty` command-line tool: argument parsing, reading the working
//! tree, and rendering results. The logic lives in `treaty-core`.

mod broker;
mod changelog;
mod check;
mod diff;
mod fs_source;
mod git_source;
mod init;
mod render;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use jiff::civil::Date;
use treaty_syntax::{Diagnostic, Severity};

use crate::fs_source::FsSource;

/// Treaty: the agreements between teams that ship software together, as
/// code that machines check.
#[derive(Debug, Parser)]
#[command(name = "treaty", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check every contract file of a workspace and every reference between them.
    Validate {
        /// The workspace directory (the one holding `treaty.yaml`).
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// The date deadlines are judged against (YYYY-MM-DD); defaults to today.
        #[arg(long)]
        today: Option<Date>,
        /// Exit with 1 on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Create a commented workspace that validates, to start from.
    Init {
        /// Where to create it; must not hold a `treaty.yaml` yet.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The organization's name (defaults to the directory's name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Compare two versions of a schema: every change with its rule id and
    /// level, and whether the policy allows it.
    Diff {
        /// The old version: OpenAPI 3.0/3.1, JSON Schema, Avro or AsyncAPI (YAML or JSON), or a .proto file or a directory of them.
        old: PathBuf,
        /// The new version.
        new: PathBuf,
        /// backward (the new version serves old clients), forward, full or none.
        #[arg(long, default_value = "backward")]
        policy: treaty_compat::Policy,
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// The format of the schemas; detected from their content by default.
        #[arg(long, value_enum)]
        kind: Option<Kind>,
        /// Protobuf: how strict the check is (wire, wire_json, package, file).
        #[arg(long, default_value = "wire_json")]
        proto_category: treaty_compat::proto::Category,
        /// Protobuf: a further directory imports are resolved against (repeatable).
        #[arg(long = "include", short = 'I')]
        includes: Vec<PathBuf>,
    },
    /// Compare every interface's schema at a git revision with the working
    /// tree, and tell which consumer teams each breaking change affects.
    Check {
        /// The workspace directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The revision to compare with: a branch, tag or commit.
        #[arg(long, default_value = "HEAD")]
        base: String,
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// Compare with every earlier version in the base's history, as if
        /// every interface's policy were transitive.
        #[arg(long)]
        transitive: bool,
    },
    /// The evolution of an interface's schema through the git history,
    /// grouped by version.
    Changelog {
        /// The interface id.
        interface: String,
        /// The workspace directory.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Start after this revision (its version is the baseline).
        #[arg(long)]
        from: Option<String>,
        /// End at this revision.
        #[arg(long, default_value = "HEAD")]
        to: String,
        #[arg(long, value_enum, default_value_t = ChangelogFormat::Markdown)]
        format: ChangelogFormat,
    },
    /// Write the JSON Schemas of the contract files (for editors) to a directory.
    Schema {
        /// Output directory.
        #[arg(long, default_value = "schemas")]
        out: PathBuf,
    },
    /// Run the broker: the HTTP JSON API on SQLite (one file, no set-up) or
    /// PostgreSQL (several brokers on one database).
    Serve {
        #[arg(long, env = "TREATY_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// sqlite://PATH or postgres://USER@HOST/DB.
        #[arg(
            long,
            env = "TREATY_DATABASE_URL",
            default_value = "sqlite://treaty.db"
        )]
        database_url: String,
        /// Largest request body accepted.
        #[arg(long, default_value_t = 32 * 1024 * 1024)]
        max_body_bytes: usize,
        /// Seconds a request may take before it is answered 408.
        #[arg(long, default_value_t = 30)]
        request_timeout: u64,
        /// Let requests without a token read (writes always need one).
        #[arg(long)]
        anonymous_read: bool,
        #[arg(long, value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
    /// Publish a version of an interface to the broker: its schema and every
    /// file the schema reaches. Registers the producer component and the
    /// interface the first time.
    Publish {
        /// The interface id, as in the workspace.
        interface: String,
        /// The producer component's version that provides it.
        #[arg(long)]
        version: String,
        /// The producer component (defaults to the producer team's id).
        #[arg(long)]
        component: Option<String>,
        /// The workspace directory.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Record what a consumer component version was built against; what it
    /// uses, its examples and Pact files come from the workspace.
    Expect {
        /// The interface id.
        interface: String,
        /// The consumer component.
        #[arg(long)]
        component: String,
        /// The consumer component's version.
        #[arg(long)]
        version: String,
        /// The interface version it was built against.
        #[arg(long)]
        built_against: String,
        /// The consumer team (defaults to the token's team).
        #[arg(long)]
        team: Option<String>,
        /// The workspace directory.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Record the result of verifying a consumer version against a
    /// producer version. A failure blocks the pair in can-i-release.
    Verify {
        #[arg(long)]
        interface: String,
        #[arg(long)]
        provider_version: String,
        /// The consumer component.
        #[arg(long)]
        consumer: String,
        #[arg(long)]
        consumer_version: String,
        /// The verification passed.
        #[arg(long, conflicts_with = "failure", required_unless_present = "failure")]
        success: bool,
        /// The verification failed.
        #[arg(long)]
        failure: bool,
        /// What was run, a link to the build.
        #[arg(long)]
        details: Option<String>,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Record that a component version now runs in an environment.
    RecordDeployment {
        #[arg(long)]
        component: String,
        #[arg(long)]
        version: String,
        #[arg(long)]
        environment: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Record that a component no longer runs in an environment.
    RecordUndeployment {
        #[arg(long)]
        component: String,
        #[arg(long)]
        environment: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// May this component version go to this environment? Exit 0 yes, 1 no
    /// (with every reason), 2 on errors.
    CanIRelease {
        #[arg(long)]
        component: String,
        #[arg(long)]
        version: String,
        #[arg(long)]
        environment: String,
        #[arg(long, value_parser = ["text", "json"], default_value = "text")]
        format: String,
        #[command(flatten)]
        broker: BrokerArgs,
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
}

/// Where the broker is and the token to call it with.
#[derive(Debug, clap::Args)]
struct BrokerArgs {
    /// The broker's URL.
    #[arg(long, env = "TREATY_BROKER", default_value = "http://127.0.0.1:8080")]
    broker: String,
    /// A token the broker issued.
    #[arg(long, env = "TREATY_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

impl BrokerArgs {
    fn broker(&self) -> broker::Broker {
        broker::Broker {
            url: self.broker.clone(),
            token: self.token.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Issue a token; the secret is printed once, on stdout.
    Create {
        #[arg(long)]
        team: String,
        /// read, publish, approve or admin (repeatable).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        #[command(flatten)]
        broker: BrokerArgs,
    },
    /// Revoke a token by its id.
    Revoke {
        id: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
}

#[derive(Debug, Subcommand)]
enum TeamCommand {
    Create {
        id: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
}

#[derive(Debug, Subcommand)]
enum EnvironmentCommand {
    Create {
        id: String,
        #[command(flatten)]
        broker: BrokerArgs,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Prints a broker command's outcome: 0, or 2 with the message.
fn report(r: Result<String, broker::Failure>) -> ExitCode {
    r.map_or_else(broker_failure, |line| {
        println!("{line}");
        ExitCode::SUCCESS
    })
}

fn broker_failure(broker::Failure(message): broker::Failure) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
    Markdown,
    Sarif,
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ChangelogFormat {
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Kind {
    Openapi,
    Jsonschema,
    Avro,
    Asyncapi,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

/// Exit codes: 0 fine, 1 findings, 2 bad input or usage.
const EXIT_FINDINGS: u8 = 1;
const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate {
            dir,
            format,
            today,
            deny_warnings,
        } => validate(&dir, format, today, deny_warnings),
        Command::Init { dir, name } => match init::run(&dir, name.as_deref(), today()) {
            Ok(files) => {
                println!("created a Treaty workspace in {}:", dir.display());
                for f in files {
                    println!("  {f}");
                }
                println!(
                    "next: edit the files, then run `treaty validate {}`",
                    dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(EXIT_BAD_INPUT)
            }
        },
        Command::Diff {
            old,
            new,
            policy,
            format,
            kind,
            proto_category,
            includes,
        } => {
            if diff::is_proto(&old) || diff::is_proto(&new) {
                run_proto_diff(&old, &new, policy, format, proto_category, &includes)
            } else {
                run_diff(&old, &new, policy, format, kind)
            }
        }
        Command::Check {
            dir,
            base,
            format,
            transitive,
        } => run_check(dir, base, format, transitive),
        Command::Changelog {
            interface,
            dir,
            from,
            to,
            format,
        } => match with_big_stack(move || {
            changelog::changelog(&dir, &interface, from.as_deref(), &to)
        }) {
            Some(Ok(c)) => {
                let out = match format {
                    ChangelogFormat::Markdown => changelog::markdown(&c),
                    ChangelogFormat::Json => {
                        serde_json::to_string_pretty(&c).unwrap_or_default() + "\n"
                    }
                };
                let _ = std::io::stdout().lock().write_all(out.as_bytes());
                ExitCode::SUCCESS
            }
            Some(Err(e)) => {
                eprintln!("error: {e}");
                ExitCode::from(EXIT_BAD_INPUT)
            }
            None => ExitCode::from(EXIT_BAD_INPUT),
        },
        Command::Serve {
            listen,
            database_url,
            max_body_bytes,
            request_timeout,
            anonymous_read,
            log_format,
        } => {
            let options = broker::ServeOptions {
                listen,
                database_url,
                json_logs: log_format == LogFormat::Json,
                config: treaty_server::Config {
                    max_body_bytes,
                    request_timeout: std::time::Duration::from_secs(request_timeout),
                    anonymous_read,
                    ..treaty_server::Config::default()
                },
            };
            broker::serve(options).map_or_else(broker_failure, |()| ExitCode::SUCCESS)
        }
        Command::Publish {
            interface,
            version,
            component,
            dir,
            broker,
        } => report(broker::publish(
            &broker.broker(),
            &dir,
            &interface,
            &version,
            component.as_deref(),
        )),
        Command::Expect {
            interface,
            component,
            version,
            built_against,
            team,
            dir,
            broker,
        } => report(broker::expect(
            &broker.broker(),
            &dir,
            &interface,
            &component,
            &version,
            &built_against,
            team.as_deref(),
        )),
        Command::Verify {
            interface,
            provider_version,
            consumer,
            consumer_version,
            success,
            failure: _,
            details,
            broker,
        } => report(broker::verify(
            &broker.broker(),
            &serde_json::json!({
                "interface": interface,
                "provider_version": provider_version,
                "consumer": consumer,
                "consumer_version": consumer_version,
                "success": success,
                "details": details,
            }),
        )),
        Command::RecordDeployment {
            component,
            version,
            environment,
            broker,
        } => report(broker::record_deployment(
            &broker.broker(),
            &component,
            &version,
            &environment,
        )),
        Command::RecordUndeployment {
            component,
            environment,
            broker,
        } => report(broker::record_undeployment(
            &broker.broker(),
            &component,
            &environment,
        )),
        Command::CanIRelease {
            component,
            version,
            environment,
            format,
            broker,
        } => broker::can_i_release(
            &broker.broker(),
            &component,
            &version,
            &environment,
            format == "json",
        )
        .unwrap_or_else(broker_failure),
        Command::Token {
            command:
                TokenCommand::Create {
                    team,
                    scopes,
                    broker,
                },
        } => report(broker::token_create(&broker.broker(), &team, &scopes)),
        Command::Token {
            command: TokenCommand::Revoke { id, broker },
        } => report(broker::token_revoke(&broker.broker(), &id)),
        Command::Team {
            command: TeamCommand::Create { id, name, broker },
        } => report(broker::team_create(&broker.broker(), &id, &name)),
        Command::Environment {
            command: EnvironmentCommand::Create { id, broker },
        } => report(broker::environment_create(&broker.broker(), &id)),
        Command::Schema { out } => match write_schemas(&out) {
            Ok(n) => {
                println!("wrote {n} schemas to {}", out.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot write to {}: {e}", out.display());
                ExitCode::from(EXIT_BAD_INPUT)
            }
        },
    }
}

fn run_proto_diff(
    old: &std::path::Path,
    new: &std::path::Path,
    policy: treaty_compat::Policy,
    format: DiffFormat,
    category: treaty_compat::proto::Category,
    includes: &[PathBuf],
) -> ExitCode {
    let (old, new, includes) = (old.to_owned(), new.to_owned(), includes.to_owned());
    let result = with_big_stack(move || {
        let source = diff::FileDocuments;
        let o = diff::proto_input(&source, &old, &includes)?;
        let n = diff::proto_input(&source, &new, &includes)?;
        treaty_compat::diff_proto(&o, &n, category).map_err(|e| e.diagnostic.message.clone())
    });
    let diff = match result {
        Some(Ok(d)) => d,
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        None => return ExitCode::from(EXIT_BAD_INPUT),
    };
    let title = "protobuf".to_owned();
    emit_diff(&diff, policy, format, &title)
}

fn run_diff(
    old: &std::path::Path,
    new: &std::path::Path,
    policy: treaty_compat::Policy,
    format: DiffFormat,
    kind: Option<Kind>,
) -> ExitCode {
    let kind = kind.map(|k| match k {
        Kind::Openapi => treaty_compat::Format::OpenApi,
        Kind::Jsonschema => treaty_compat::Format::JsonSchema,
        Kind::Avro => treaty_compat::Format::Avro,
        Kind::Asyncapi => treaty_compat::Format::AsyncApi,
    });
    let (old_path, new_path) = (old.display().to_string(), new.display().to_string());
    let result = match with_big_stack(move || {
        let source = diff::FileDocuments;
        treaty_compat::diff(&source, &old_path, &source, &new_path, kind)
    }) {
        Some(result) => result,
        None => {
            eprintln!("error: the comparison stopped unexpectedly");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let diff = match result {
        Ok(d) => d,
        Err(e) => {
            let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal();
            eprint!(
                "{}",
                render::human(
                    std::slice::from_ref(e.diagnostic.as_ref()),
                    &e.sources(),
                    color
                )
            );
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let title = format!("{} → {}", old.display(), new.display());
    emit_diff(&diff, policy, format, &title)
}

/// Prints a diff in the format asked for; the exit code follows the policy.
fn emit_diff(
    diff: &treaty_compat::Diff,
    policy: treaty_compat::Policy,
    format: DiffFormat,
    title: &str,
) -> ExitCode {
    let report = diff::report(diff, policy);
    let title = title.to_owned();
    let out = match format {
        DiffFormat::Text => diff::text(&report),
        DiffFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        DiffFormat::Markdown => diff::markdown(&report, &title),
        DiffFormat::Sarif => diff::sarif(&report) + "\n",
        DiffFormat::Junit => diff::junit(&report, &title),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    if diff.changes.iter().any(|c| c.violates(policy)) {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs `f` on a thread with a large stack: recursive schemas are compared
/// recursively.
fn with_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(f)
        .ok()?
        .join()
        .ok()
}

fn run_check(dir: PathBuf, base: String, format: CheckFormat, transitive: bool) -> ExitCode {
    let report = match with_big_stack(move || check::check(&dir, &base, transitive)) {
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        None => {
            eprintln!("error: the comparison stopped unexpectedly");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let out = match format {
        CheckFormat::Text => check::text(&report),
        CheckFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        CheckFormat::Markdown => check::markdown(&report),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    if report.summary.errors > 0 {
        ExitCode::from(EXIT_BAD_INPUT)
    } else if report.summary.failed > 0 {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

fn today() -> Date {
    jiff::Zoned::now().date()
}

fn write_schemas(out: &std::path::Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(out)?;
    let schemas = treaty_core::schema::json_schemas();
    for (name, schema) in &schemas {
        let text = serde_json::to_string_pretty(schema).map_err(std::io::Error::other)?;
        std::fs::write(out.join(name), text + "\n")?;
    }
    Ok(schemas.len())
}

fn validate(
    dir: &std::path::Path,
    format: Format,
    today_: Option<Date>,
    deny_warnings: bool,
) -> ExitCode {
    if !dir.is_dir() {
        eprintln!("error: `{}` is not a directory", dir.display());
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let source = FsSource::new(dir);
    let (mut ws, mut diags) = treaty_core::load(&source);
    let unreadable = diags.iter().any(|d| d.unreadable);
    if ws.workspace.is_some() || !unreadable {
        diags.extend(treaty_core::validate(
            &mut ws,
            &source,
            today_.unwrap_or_else(today),
        ));
    }
    sort(&mut diags);
    // Show paths as the user can open them from where they stand.
    let prefix = if dir == std::path::Path::new(".") {
        String::new()
    } else {
        format!("{}/", dir.display().to_string().trim_end_matches('/'))
    };
    let mut sources = treaty_syntax::SourceMap::new();
    for (_, f) in ws.sources.files() {
        sources.add(format!("{prefix}{}", f.name()), f.shared_text());
    }
    for d in &mut diags {
        if let Some(f) = d.file.as_mut() {
            *f = format!("{prefix}{f}");
        }
    }
    let out = match format {
        Format::Json => render::json(&diags, &sources) + "\n",
        Format::Human => {
            let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal();
            let mut text = render::human(&diags, &sources, color);
            text.push_str(&render::summary_line(&diags, &sources));
            text.push('\n');
            text
        }
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`treaty validate | head`) is not an error worth a panic.
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    exit_code(&diags, deny_warnings)
}

fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by_key(|d| (d.span.map(|s| (s.file, s.start)), d.severity));
}

fn exit_code(diags: &[Diagnostic], deny_warnings: bool) -> ExitCode {
    if diags.iter().any(|d| d.unreadable) {
        ExitCode::from(EXIT_BAD_INPUT)
    } else if diags.iter().any(|d| {
        d.severity == Severity::Error || (deny_warnings && d.severity == Severity::Warning)
    }) {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}
