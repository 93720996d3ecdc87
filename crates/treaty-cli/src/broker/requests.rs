//! Request bodies the CLI sends, typed. The broker's own request types in
//! `treaty_server::api` (`NewTeam`, `NewToken`, ...) only derive
//! `Deserialize` today, so each is mirrored here field for field; a test
//! reads every mirror back as the server's type, which refuses unknown
//! fields, so a mirror cannot drift from the wire.
//! `SchemaBundle`, `Uses` and `Artifact` already serialize and are used as
//! they are.

use serde::Serialize;
use treaty_server::api;

// TODO(integrator): use treaty_server::api::NewTeam
#[derive(Debug, Serialize)]
pub struct NewTeam {
    pub id: String,
    pub name: String,
}

// TODO(integrator): use treaty_server::api::NewToken
#[derive(Debug, Serialize)]
pub struct NewToken {
    pub team: String,
    pub scopes: Vec<String>,
}

// TODO(integrator): use treaty_server::api::NewComponent
#[derive(Debug, Serialize)]
pub struct NewComponent {
    pub team: String,
}

// TODO(integrator): use treaty_server::api::NewInterface
#[derive(Debug, Serialize)]
pub struct NewInterface {
    pub component: String,
    pub kind: String,
    pub compatibility: Option<String>,
    pub proto_category: Option<String>,
}

// TODO(integrator): use treaty_server::api::NewExpectation
#[derive(Debug, Serialize)]
pub struct NewExpectation {
    pub built_against: String,
    pub uses: api::Uses,
    pub artifacts: Vec<api::Artifact>,
}

// TODO(integrator): use treaty_server::api::NewVerification
#[derive(Debug, Serialize)]
pub struct NewVerification {
    pub interface: String,
    pub provider_version: String,
    pub consumer: String,
    pub consumer_version: String,
    pub success: bool,
    pub details: Option<String>,
}

// TODO(integrator): use treaty_server::api::NewDeployment
#[derive(Debug, Serialize)]
pub struct NewDeployment {
    pub component: String,
    pub version: String,
    pub environment: String,
}

// TODO(integrator): use treaty_server::api::NewUndeployment
#[derive(Debug, Serialize)]
pub struct NewUndeployment {
    pub component: String,
    pub environment: String,
}

/// What a consumer uses, in the broker's form. (Both types are foreign to
/// this crate, so this is a function rather than a `From` impl.)
pub fn wire_uses(usage: &treaty_core::impact::Usage) -> api::Uses {
    api::Uses {
        operations: usage.operations.clone(),
        messages: usage.messages.clone(),
        channels: usage.channels.clone(),
        fields: usage.fields.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;

    use super::*;

    /// The server reads `body` as `T`, which refuses unknown fields.
    fn server_reads<T: DeserializeOwned>(body: &impl Serialize) {
        let json = serde_json::to_string(body).unwrap_or_else(|e| panic!("{e}"));
        if let Err(e) = serde_json::from_str::<T>(&json) {
            panic!("the server cannot read {json}: {e}");
        }
    }

    #[test]
    fn every_mirror_reads_as_the_servers_type() {
        let s = |v: &str| v.to_owned();
        server_reads::<api::NewTeam>(&NewTeam {
            id: s("t"),
            name: s("T"),
        });
        server_reads::<api::NewToken>(&NewToken {
            team: s("t"),
            scopes: vec![s("read")],
        });
        server_reads::<api::NewComponent>(&NewComponent { team: s("t") });
        for proto_category in [None, Some(s("wire"))] {
            server_reads::<api::NewInterface>(&NewInterface {
                component: s("c"),
                kind: s("protobuf"),
                compatibility: Some(s("backward")),
                proto_category,
            });
        }
        server_reads::<api::NewExpectation>(&NewExpectation {
            built_against: s("1"),
            uses: wire_uses(&treaty_core::impact::Usage {
                operations: vec![s("getThing")],
                ..Default::default()
            }),
            artifacts: vec![api::Artifact {
                name: s("a.json"),
                kind: s("example"),
                content: s("{}"),
            }],
        });
        for details in [None, Some(s("ci run"))] {
            server_reads::<api::NewVerification>(&NewVerification {
                interface: s("i"),
                provider_version: s("1"),
                consumer: s("c"),
                consumer_version: s("2"),
                success: true,
                details,
            });
        }
        server_reads::<api::NewDeployment>(&NewDeployment {
            component: s("c"),
            version: s("1"),
            environment: s("e"),
        });
        server_reads::<api::NewUndeployment>(&NewUndeployment {
            component: s("c"),
            environment: s("e"),
        });
    }
}
