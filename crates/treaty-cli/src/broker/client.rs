//! The commands that call a broker: `publish`, `expect`, `verify`,
//! `record-deployment`, `record-undeployment`, `can-i-release`, `token`,
//! `team`, `environment`. Each reads what it needs from the workspace,
//! sends one or a few typed requests and says what happened in one line.

use std::io::Write;
use std::path::Path;

use treaty_compat::Bundle;
use treaty_core::impact::Usage;
use treaty_core::model::{ExpectationKind, Interface};
use treaty_server::api;

use super::http::{Broker, Failure, Result, enc};

use crate::cli::{
    BrokerArgs, CanIReleaseArgs, ExpectArgs, PublishArgs, RecordDeploymentArgs,
    RecordUndeploymentArgs, VerifyArgs,
};
use crate::exit::{self, Exit};
use crate::fs_source::FsSource;

impl From<&BrokerArgs> for Broker {
    fn from(args: &BrokerArgs) -> Broker {
        Broker {
            url: args.broker.clone(),
            token: args.token.clone(),
        }
    }
}

/// The workspace at `dir`, which must have no errors, and its interface `id`.
fn workspace_interface(dir: &Path, id: &str) -> Result<(treaty_core::Workspace, Interface)> {
    let source = FsSource::new(dir);
    let (ws, diags) = treaty_core::load(&source);
    if let Some(d) = diags
        .iter()
        .find(|d| d.unreadable || d.severity == treaty_syntax::Severity::Error)
    {
        return Err(Failure(format!(
            "the workspace at {} has problems ({}: {}); run `treaty validate` and fix them first",
            dir.display(),
            d.code,
            d.message
        )));
    }
    let interface = ws
        .interface(id)
        .cloned()
        .map_err(|unknown| Failure(format!("{unknown} at {}", dir.display())))?;
    Ok((ws, interface))
}

/// The first 12 characters of a bundle hash, for people. The broker sends
/// the hash: a shorter or non-ASCII one is shown as it is, never a panic.
fn short_hash(hash: &str) -> &str {
    match hash.char_indices().nth(12) {
        Some((end, _)) => &hash[..end],
        None => hash,
    }
}

fn ensure_component(broker: &Broker, component: &str, team: &str) -> Result<()> {
    broker.call::<api::Component>(
        "PUT",
        &format!("/api/v1/components/{}", enc(component)),
        Some(&api::NewComponent {
            team: team.to_owned(),
        }),
    )?;
    Ok(())
}

/// `treaty publish`: registers the producer component and the interface
/// when needed, and publishes the schema with every file it reaches.
pub fn publish(args: &PublishArgs) -> Result<String> {
    let PublishArgs {
        interface,
        version,
        component,
        dir,
        broker,
    } = args;
    let broker = Broker::from(broker);
    let (ws, i) = workspace_interface(dir, interface)?;
    let team = i
        .producer
        .as_ref()
        .map(|p| p.value.clone())
        .ok_or_else(|| Failure(format!("interface `{interface}` names no producer")))?;
    let component = component.clone().unwrap_or_else(|| team.clone());
    let includes: Vec<String> = i.include_paths.iter().map(|p| p.value.clone()).collect();
    let source = FsSource::new(dir);
    let format = i.kind.value.format();
    // The broker takes bundle paths in their plain form: `./schemas/x.json`
    // is `schemas/x.json`.
    let entry = treaty_compat::document::join_path("", &i.schema.value);
    let bundle = Bundle::collect(&source, &entry, &includes, format).map_err(|e| {
        Failure(format!(
            "reading `{}`: {}",
            i.schema.value, e.diagnostic.message
        ))
    })?;
    ensure_component(&broker, &component, &team)?;
    let proto_category = (format == treaty_compat::Format::Protobuf)
        .then(|| ws.effective_proto_category(&i).to_string());
    broker.call::<api::Interface>(
        "PUT",
        &format!("/api/v1/interfaces/{}", enc(interface)),
        Some(&api::NewInterface {
            component,
            kind: i.kind.value.as_str().to_owned(),
            compatibility: Some(ws.effective_compatibility(&i).as_str().to_owned()),
            proto_category,
        }),
    )?;
    let files = bundle.files.len();
    let (_, published) = broker.call::<api::Published>(
        "PUT",
        &format!(
            "/api/v1/interfaces/{}/versions/{}",
            enc(interface),
            enc(version)
        ),
        Some(&api::SchemaBundle {
            entry: bundle.entry,
            include_paths: bundle.include_paths,
            files: bundle.files,
        }),
    )?;
    Ok(if published.created {
        format!(
            "published {interface} {version} ({files} file(s), bundle {})",
            short_hash(&published.bundle_hash)
        )
    } else {
        format!("{interface} {version} was already published with this schema: nothing changed")
    })
}

/// `treaty expect`: records what a consumer version was built against and,
/// from the workspace, what it uses and its example payloads and Pact files.
pub fn expect(args: &ExpectArgs) -> Result<String> {
    let ExpectArgs {
        interface,
        component,
        version,
        built_against,
        team,
        dir,
        broker,
    } = args;
    let broker = Broker::from(broker);
    let (_, i) = workspace_interface(dir, interface)?;
    let team = match team {
        Some(t) => t.clone(),
        None => broker.get::<api::WhoAmI>("/api/v1/whoami")?.team,
    };
    let consumer = i.consumers.iter().find(|c| c.team.value == team);
    if consumer.is_none() {
        eprintln!(
            "warning: team `{team}` is not a consumer of `{interface}` in the workspace; recorded as using all of it"
        );
    }
    let usage = consumer
        .and_then(|c| c.uses.as_ref())
        .map(Usage::from)
        .unwrap_or_default();
    let source = FsSource::new(dir);
    let mut artifacts = Vec::new();
    for e in consumer
        .map(|c| c.expectations.as_slice())
        .unwrap_or_default()
    {
        let bytes = treaty_core::DocumentSource::read(&source, &e.file.value, 64 * 1024 * 1024)
            .map_err(|err| Failure(format!("reading `{}`: {err:?}", e.file.value)))?;
        let content = String::from_utf8(bytes)
            .map_err(|_| Failure(format!("`{}` is not UTF-8 text", e.file.value)))?;
        artifacts.push(api::Artifact {
            name: e.file.value.clone(),
            kind: match e.kind {
                ExpectationKind::Pact => "pact",
                _ => "example",
            }
            .into(),
            content,
        });
    }
    ensure_component(&broker, component, &team)?;
    let body = api::NewExpectation {
        built_against: built_against.clone(),
        uses: api::Uses::from(usage.clone()),
        artifacts,
    };
    let (_, e) = broker.call::<api::Expectation>(
        "PUT",
        &format!(
            "/api/v1/components/{}/versions/{}/expectations/{}",
            enc(component),
            enc(version),
            enc(interface)
        ),
        Some(&body),
    )?;
    Ok(if e.created == Some(false) {
        format!("{component} {version} already expects this of {interface}: nothing changed")
    } else {
        format!(
            "recorded: {component} {version} was built against {interface} {built_against}{}",
            if usage.is_everything() {
                " and uses all of it".to_owned()
            } else {
                format!(
                    " and uses {} operation(s), {} channel(s), {} message(s), {} field(s)",
                    usage.operations.len(),
                    usage.channels.len(),
                    usage.messages.len(),
                    usage.fields.len()
                )
            }
        )
    })
}

/// `treaty verify`.
pub fn verify(args: &VerifyArgs) -> Result<String> {
    let body = api::NewVerification {
        interface: args.interface.clone(),
        provider_version: args.provider_version.clone(),
        consumer: args.consumer.clone(),
        consumer_version: args.consumer_version.clone(),
        // `--success` and `--failure` exclude each other and one is required.
        success: args.success,
        details: args.details.clone(),
    };
    let (_, v) = Broker::from(&args.broker).call::<api::Verification>(
        "POST",
        "/api/v1/verifications",
        Some(&body),
    )?;
    Ok(format!(
        "recorded verification {}: {} {} against {} {}: {}",
        v.id,
        v.consumer,
        v.consumer_version,
        v.interface,
        v.provider_version,
        if v.success { "success" } else { "failure" }
    ))
}

/// `treaty record-deployment`.
pub fn record_deployment(args: &RecordDeploymentArgs) -> Result<String> {
    let (_, d) = Broker::from(&args.broker).call::<api::Deployment>(
        "POST",
        "/api/v1/deployments",
        Some(&api::NewDeployment {
            component: args.component.clone(),
            version: args.version.clone(),
            environment: args.environment.clone(),
        }),
    )?;
    Ok(format!(
        "recorded: {} {} runs in {} ({})",
        d.component, d.version, d.environment, d.id
    ))
}

/// `treaty record-undeployment`.
pub fn record_undeployment(args: &RecordUndeploymentArgs) -> Result<String> {
    let RecordUndeploymentArgs {
        component,
        environment,
        broker,
    } = args;
    let (_, d) = Broker::from(broker).call::<api::Undeployed>(
        "POST",
        "/api/v1/undeployments",
        Some(&api::NewUndeployment {
            component: component.clone(),
            environment: environment.clone(),
        }),
    )?;
    Ok(if d.undeployed {
        format!("recorded: {component} no longer runs in {environment}")
    } else {
        format!("{component} was not deployed in {environment}: nothing changed")
    })
}

/// `treaty can-i-release`: 0 when it may go, 1 when not, with every reason.
pub fn can_i_release(args: &CanIReleaseArgs) -> Result<Exit> {
    let CanIReleaseArgs {
        component,
        version,
        environment,
        format,
        broker,
    } = args;
    let v: api::ReleaseVerdict = Broker::from(broker).get(&format!(
        "/api/v1/can-i-release?component={}&version={}&environment={}",
        enc(component),
        enc(version),
        enc(environment)
    ))?;
    let mut out = std::io::stdout().lock();
    if format == "json" {
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        if v.release {
            writeln!(
                out,
                "yes: {component} {version} may be released to {environment}"
            )?;
        } else {
            writeln!(
                out,
                "no: {component} {version} may not be released to {environment}"
            )?;
            for r in &v.reasons {
                writeln!(out, "  - {r}")?;
            }
        }
        if !v.pairs.is_empty() {
            writeln!(out, "checked:")?;
            for p in &v.pairs {
                writeln!(
                    out,
                    "  {} {} {} ← {} {} (built against {}): {}",
                    p.interface,
                    p.producer,
                    p.producer_version,
                    p.consumer,
                    p.consumer_version,
                    p.built_against,
                    p.outcome
                )?;
                for c in &p.changes {
                    writeln!(out, "      {} {}", c.rule, c.message)?;
                }
            }
        }
    }
    Ok(exit::of_release(v.release))
}

/// `treaty token create`: the secret goes to stdout, the rest to stderr.
pub fn token_create(args: &BrokerArgs, team: &str, scopes: &[String]) -> Result<String> {
    let (_, t) = Broker::from(args).call::<api::IssuedToken>(
        "POST",
        "/api/v1/tokens",
        Some(&api::NewToken {
            team: team.to_owned(),
            scopes: scopes.to_vec(),
        }),
    )?;
    if let Some(log) = &t.log {
        eprintln!("recorded as decision {} of the log", log.index);
    }
    eprintln!(
        "token {} for team {} [{}]; the secret below is shown this once:",
        t.id,
        t.team,
        t.scopes.join(", ")
    );
    Ok(t.token)
}

/// `treaty token revoke`.
pub fn token_revoke(args: &BrokerArgs, id: &str) -> Result<String> {
    // Brokers before the decision log answered 204 without a body.
    let (_, revoked) = Broker::from(args).call::<Option<api::RevokedToken>>(
        "DELETE",
        &format!("/api/v1/tokens/{}", enc(id)),
        None::<&()>,
    )?;
    match revoked.and_then(|r| r.log) {
        Some(log) => Ok(format!(
            "revoked token {id} (decision {} of the log)",
            log.index
        )),
        None => Ok(format!("revoked token {id}")),
    }
}

/// `treaty team create`.
pub fn team_create(
    args: &BrokerArgs,
    id: &str,
    name: &str,
    webhook: Option<String>,
) -> Result<String> {
    Broker::from(args).call::<api::Team>(
        "POST",
        "/api/v1/teams",
        Some(&api::NewTeam {
            id: id.to_owned(),
            name: name.to_owned(),
            webhook,
        }),
    )?;
    Ok(format!("created team {id}"))
}

/// `treaty environment create`: the broker takes no body.
pub fn environment_create(args: &BrokerArgs, id: &str) -> Result<String> {
    let (_, e) = Broker::from(args).call::<api::Environment>(
        "PUT",
        &format!("/api/v1/environments/{}", enc(id)),
        None::<&()>,
    )?;
    Ok(if e.created == Some(false) {
        format!("environment {id} already exists")
    } else {
        format!("created environment {id}")
    })
}

#[cfg(test)]
mod tests {
    use super::short_hash;

    #[test]
    fn a_hash_is_shortened_without_panicking() {
        assert_eq!(short_hash("0123456789abcdef"), "0123456789ab");
        assert_eq!(short_hash("0123456789ab"), "0123456789ab");
        assert_eq!(short_hash("abc"), "abc");
        assert_eq!(short_hash(""), "");
        // Twelve characters, not twelve bytes: never a cut inside one.
        assert_eq!(short_hash("ééééééééééééé"), "éééééééééééé");
    }
}
