//! Trains' newest runs of evidence, decoded once per broker and kept by
//! evidence generation, shared by the gate route, the escalation timers
//! and the status digests.
//!
//! A train's stored evidence changes only by new records, each of which
//! moves its generation, so what was decoded for a generation stays true
//! for it. A train is decoded by one caller at a time: on start-up the
//! timers and the digests ask for the same trains at once, and two decodes
//! of a large train held twice its memory (the broker's peak).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use treaty_core::gate::EvidenceRecord;

use super::gate::stored_evidence;
use crate::remembered::Remembered;
use crate::routes::common::Result;

/// Trains whose decoded evidence a broker keeps, at most.
const KEPT_TRAINS: usize = 16;

/// Turns to decode kept for trains nobody is decoding, at most: past it,
/// the idle ones are forgotten (a turn is made again when needed).
const IDLE_TURNS: usize = 64;

/// Each train's decoded evidence with its evidence generation (one per
/// train: an older generation is never asked for again), and each train's
/// turn to decode.
#[derive(Debug)]
pub(crate) struct EvidenceCache {
    kept: Remembered<String, (i64, Arc<Vec<EvidenceRecord>>)>,
    turns: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Default for EvidenceCache {
    fn default() -> EvidenceCache {
        EvidenceCache {
            kept: Remembered::new(KEPT_TRAINS),
            turns: Mutex::default(),
        }
    }
}

impl EvidenceCache {
    /// `train`'s turn to decode, shared by everyone asking for it now.
    fn turn(&self, train: &str) -> Arc<tokio::sync::Mutex<()>> {
        let fresh = || Arc::new(tokio::sync::Mutex::new(()));
        // A poisoned map only means no turn is shared.
        let Ok(mut turns) = self.turns.lock() else {
            return fresh();
        };
        if turns.len() >= IDLE_TURNS {
            turns.retain(|_, turn| Arc::strong_count(turn) > 1);
        }
        turns.entry(train.to_owned()).or_insert_with(fresh).clone()
    }

    /// The newest runs' records of `train`, decoded, in recorded order:
    /// kept when its generation has not moved (one row read), else read,
    /// decoded and kept. Read after the generation, the records are at
    /// least as new as it says; a later read with a newer generation reads
    /// again.
    pub(crate) async fn newest_runs(
        &self,
        store: &treaty_store::Store,
        train: &str,
    ) -> Result<Arc<Vec<EvidenceRecord>>> {
        let generation = store.evidence_generation(train).await?;
        let kept = || {
            self.kept
                .get(&train.to_owned())
                .filter(|(g, _)| *g == generation)
                .map(|(_, records)| records)
        };
        if let Some(records) = kept() {
            return Ok(records);
        }
        let turn = self.turn(train);
        let _decoding = turn.lock().await;
        // Whoever had the turn before may have decoded this generation.
        if let Some(records) = kept() {
            return Ok(records);
        }
        let mut records = stored_evidence(store.latest_evidence(train).await?)?;
        records.sort_by_key(|r| r.recorded_at);
        let records = Arc::new(records);
        // A newer generation decoded at once by a caller that read the
        // generation later stays: the newer of the two is kept.
        if self
            .kept
            .get(&train.to_owned())
            .is_none_or(|(g, _)| g <= generation)
        {
            self.kept
                .put(train.to_owned(), (generation, records.clone()));
        }
        Ok(records)
    }
}
