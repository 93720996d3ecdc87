//! `treaty record-release` and `treaty record-support-ended`: versions of
//! a component released to an environment and supported there side by
//! side (a mobile app, a library), each counting in can-i-release until
//! its support ends.

use treaty_server::api;

use super::http::{Broker, Failure, Result, enc};
use crate::cli::{RecordReleaseArgs, RecordSupportEndedArgs};

/// `treaty record-release`.
pub fn record_release(args: &RecordReleaseArgs) -> Result<String> {
    let (status, r) = Broker::from(&args.broker).call::<api::Release>(
        "POST",
        "/api/v1/releases",
        Some(&api::NewRelease {
            component: args.component.clone(),
            version: args.version.clone(),
            environment: args.environment.clone(),
        }),
    )?;
    Ok(if status == 201 {
        format!(
            "recorded: {} {} is released to {} ({})",
            r.component, r.version, r.environment, r.id
        )
    } else {
        format!(
            "{} {} was released to {} already: supported there ({})",
            r.component, r.version, r.environment, r.id
        )
    })
}

/// `treaty record-support-ended`: finds the supported release of the
/// version in the environment and ends its support.
pub fn record_support_ended(args: &RecordSupportEndedArgs) -> Result<String> {
    let RecordSupportEndedArgs {
        component,
        version,
        environment,
        broker,
    } = args;
    let broker = Broker::from(broker);
    let mut after: Option<String> = None;
    let release = loop {
        let mut path = format!(
            "/api/v1/environments/{}/releases?component={}&limit=1000",
            enc(environment),
            enc(component)
        );
        if let Some(a) = &after {
            path.push_str(&format!("&after={}", enc(a)));
        }
        let page: api::Page<api::Release> = broker.get(&path)?;
        if let Some(r) = page.items.into_iter().find(|r| r.version == *version) {
            break r;
        }
        match page.next {
            Some(next) => after = Some(next),
            None => {
                return Err(Failure(format!(
                    "{component} {version} is not released to {environment} and supported there: nothing to end"
                )));
            }
        }
    };
    let (_, r) = broker.call::<api::Release>(
        "POST",
        &format!("/api/v1/releases/{}/support-ended", enc(&release.id)),
        None::<&()>,
    )?;
    Ok(format!(
        "recorded: support of {} {} in {} ended ({})",
        r.component, r.version, r.environment, r.id
    ))
}
