//! JSON Schemas of the contract files, generated from the model types, so
//! that editors validate the files as they are typed.

use schemars::generate::SchemaSettings;

use crate::model::{Interface, Proposal, Release, Team, Waiver, WorkspaceFile};

/// `(file name, schema)` for every kind of contract file.
pub fn json_schemas() -> Vec<(&'static str, serde_json::Value)> {
    let settings = SchemaSettings::draft2020_12();
    let schema = |s: schemars::Schema| s.to_value();
    vec![
        (
            "workspace.schema.json",
            schema(
                settings
                    .clone()
                    .into_generator()
                    .into_root_schema_for::<WorkspaceFile>(),
            ),
        ),
        (
            "team.schema.json",
            schema(
                settings
                    .clone()
                    .into_generator()
                    .into_root_schema_for::<Team>(),
            ),
        ),
        (
            "interface.schema.json",
            schema(
                settings
                    .clone()
                    .into_generator()
                    .into_root_schema_for::<Interface>(),
            ),
        ),
        (
            "release.schema.json",
            schema(
                settings
                    .clone()
                    .into_generator()
                    .into_root_schema_for::<Release>(),
            ),
        ),
        (
            "proposal.schema.json",
            schema(
                settings
                    .clone()
                    .into_generator()
                    .into_root_schema_for::<Proposal>(),
            ),
        ),
        (
            "waiver.schema.json",
            schema(settings.into_generator().into_root_schema_for::<Waiver>()),
        ),
    ]
}
