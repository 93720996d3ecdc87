//! `treaty import backstage` and `treaty export backstage`: a Backstage
//! software catalog read into a workspace (Groups → teams, APIs →
//! interfaces, Components' owners → producers and consumers) and the
//! workspace written back as catalog entities. `entity`, `mapping`,
//! `merge`, `yaml_out` and `export`'s mapping are pure; `catalog` reads
//! files, `import` and `export` run the commands.

mod catalog;
mod entity;
mod export;
mod import;
mod mapping;
mod merge;
mod yaml_out;

use std::path::PathBuf;

pub use export::run as export;
pub use import::run as import;

/// `treaty import ...`.
#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// Read Backstage catalog files into a workspace: Groups become teams,
    /// APIs interfaces, the owners of providing and consuming Components
    /// producers and consumers. What does not map is listed.
    Backstage(ImportArgs),
}

/// `treaty export ...`.
#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    /// Write the workspace's teams and interfaces as Backstage entities
    /// (Group, User, Component, API), each annotated with its Treaty file.
    Backstage(ExportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Catalog files (multi-document YAML); local Locations are followed.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The workspace to write (created if missing; updated if it exists).
    #[arg(long)]
    pub out: PathBuf,
    /// Show what would change, write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The workspace directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// The directory to write `catalog-info.yaml` into.
    #[arg(long)]
    pub out: PathBuf,
}
