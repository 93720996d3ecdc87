//! Answers that can never change once given, remembered in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::{Component, OwnedInterface};

/// Entries each fact cache holds before it starts over.
const FACTS_CAPACITY: usize = 100_000;

/// Answers that can never change once given: a published version's bundle,
/// a registered interface or component, an environment. Remembered so that
/// a can-i-release question costs fewer round trips.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// By `interface\0version`.
    pub(crate) bundles: Mutex<HashMap<String, String>>,
    pub(crate) interfaces: Mutex<HashMap<String, OwnedInterface>>,
    pub(crate) components: Mutex<HashMap<String, Component>>,
    pub(crate) environments: Mutex<HashMap<String, ()>>,
}

pub(crate) fn remembered<V: Clone>(map: &Mutex<HashMap<String, V>>, key: &str) -> Option<V> {
    map.lock().ok()?.get(key).cloned()
}

pub(crate) fn remember<K: std::hash::Hash + Eq, V>(map: &Mutex<HashMap<K, V>>, key: K, value: V) {
    if let Ok(mut m) = map.lock() {
        if m.len() >= FACTS_CAPACITY {
            m.clear();
        }
        m.insert(key, value);
    }
}
