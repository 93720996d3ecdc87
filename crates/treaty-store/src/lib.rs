//! Treaty's persistence: one [`Store`] over SQLite (one file, the embedded
//! default; WAL with synchronous writes, so an acknowledged write survives
//! a crash) or PostgreSQL (for several brokers behind a load balancer),
//! with the same migrations. Every write that touches several rows runs in
//! one transaction. Brokers sharing one PostgreSQL database answer as
//! one would: writes that read what they then change (the current
//! deployment, a pair's last verification) serialize per thing, and a
//! registration repeated at the same moment is answered as a repeat.
//!
//! It is storage only: who may do what is decided by the server, and what
//! is compatible by `treaty-compat`. Time is passed in, never read here.
//! Kinds and policies are stored as the server wrote them, uninterpreted;
//! the values the store itself reads back into types (token scopes) are
//! checked, and an unknown one is [`StoreError::Corrupt`].
//!
//! Each resource's queries are one `impl Store` block in their own module:
//! teams, tokens, the registry (components and interfaces), versions,
//! expectations, verifications, deployments and released versions (several
//! versions supported side by side in one environment). On PostgreSQL a token's
//! revocation is also announced to every broker ([`Store::revocations`]).
//! `notifications` is the outbox of webhook events and their delivery log;
//! `pacts` what the Pact Broker API publishes (pacts by content hash,
//! branches and tags of versions, environments' Pact details);
//! `sessions` the dashboard's sign-in sessions (kept by the hash of their
//! id, ended by expiry, sign-out or the revocation of their token);
//! `release_pairs` what can-i-release reads (the pairs a version would
//! form in an environment, each with its deciding verification);
//! `catalog` the dashboard catalog's reads (an interface's consumers and
//! its latest versions);
//! `proposals` the change proposals and waivers, their decisions and
//! moves, each written with its log entry and announcements;
//! `trains` the release trains' revisions and the evidence pushed for them;
//! `escalations` each train's escalation timer (claimed like notifications)
//! and the steps sent, each recorded with its log entry and notifications;
//! `blockers` the trains' blockers with the history of their changes, and
//! `overrides` the gate overrides asked for and each team's decision on
//! them (written with their log entries);
//! `proposal_batch` writes the updates that arrive together in one
//! transaction with one log append (group commit). On SQLite other
//! writes are grouped too (`group_commit`): the writes waiting at one
//! moment share one transaction and one commit, each under a savepoint of
//! its own, and each is answered once the commit has returned.
//!
//! Decisions (token issued or revoked today; approvals and the like as
//! they come) are appended to the decision log in the transaction that
//! makes them (`decision_log`): the leaf and the subtree hashes it
//! completes; tree heads and proofs are read back from those rows. The
//! tree arithmetic is `treaty-log`'s; signing checkpoints is the server's.

#![warn(missing_docs)]

mod blockers;
mod catalog;
mod decision_log;
mod deployments;
mod digests;
mod error;
mod escalations;
mod expectations;
mod facts;
mod group_commit;
mod grouped_statements;
mod ids;
mod migrate;
mod notifications;
mod notify;
mod overrides;
mod pact_details;
mod pacts;
mod proposal_batch;
mod proposals;
mod registry;
mod release_pairs;
mod released;
mod scratch;
mod sessions;
mod store;
mod teams;
mod tokens;
mod trains;
mod verifications;
mod versions;
mod wal_checkpoint;
mod write;

pub use blockers::{
    BlockerChange, BlockerEvent, BlockerRecord, BlockerState, MAX_BLOCKERS, NewBlocker,
};
pub use catalog::{ConsumerOf, ConsumingTeam};
pub use decision_log::{AppendedDecision, MAX_LOG_PAGE, NewDecision, TreeHead};
pub use deployments::{DeployedConsumer, Deployment};
pub use digests::{DigestRecord, MAX_DIGEST_PAGE, NewDigest};
pub use error::StoreError;
pub use escalations::{MAX_STEP_PAGE, NewStep, Recipient, StepRecord};
pub use expectations::ExpectationRecord;
pub use ids::{content_hash, random_id};
pub use notifications::{
    AfterAttempt, Attempt, ClaimedNotification, DeliveryState, MAX_EVENT_TYPE, MAX_PAYLOAD,
    NewEvent, NotificationRecord, Webhook,
};
pub use notify::{Revocation, Revocations};
pub use overrides::{MAX_OVERRIDES, NewOverride, OverrideDecision, OverrideRecord};
pub use pact_details::PacticipantDetails;
pub use pacts::{MAX_PACTS, NewPact, PactRecord};
pub use proposals::{
    Announcement, DecisionRow, MAX_PROPOSAL_PAGE, NewProposal, ProposalFilter, ProposalRecord,
    ProposalUpdate, TransitionRow,
};
pub use registry::{Component, InterfaceRecord, OwnedInterface};
pub use release_pairs::{ConsumerPair, DecidingVerification, ProducerPair, ReleasePairs};
pub use released::{Recorded, Release};
pub use scratch::{drop_scratch_postgres, scratch_postgres_url};
pub use sessions::{MAX_SESSION_SECRET, OpenedSession};
pub use store::{Store, Table, Written};
pub use teams::{ADMIN_TEAM, Team};
pub use tokens::{CreatedToken, Principal, Scope};
pub use trains::{EvidenceRow, MAX_TRAIN_PAGE, NewEvidence, TrainRevision, TrainSummary};
pub use treaty_log;
pub use verifications::{Verification, VerificationRecord};
pub use versions::VersionRecord;
