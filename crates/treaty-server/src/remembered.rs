//! Results remembered by key, the oldest forgotten first past a capacity:
//! for results computed from immutable rows (versions, expectations),
//! which never go stale.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;

/// At most `capacity` values by key, forgotten oldest first.
#[derive(Debug)]
pub struct Remembered<K, V> {
    capacity: usize,
    inner: Mutex<(HashMap<K, V>, VecDeque<K>)>,
}

impl<K: Eq + Hash + Clone, V: Clone> Remembered<K, V> {
    /// Remembers nothing yet, and at most `capacity` values.
    pub fn new(capacity: usize) -> Remembered<K, V> {
        Remembered {
            capacity,
            inner: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }

    /// The value remembered for `key`.
    pub fn get(&self, key: &K) -> Option<V> {
        self.inner.lock().ok()?.0.get(key).cloned()
    }

    /// Remembers `value` for `key`, forgetting the oldest past capacity.
    pub fn put(&self, key: K, value: V) {
        // A poisoned lock only means nothing is remembered.
        let Ok(mut guard) = self.inner.lock() else {
            return;
        };
        let (map, order) = &mut *guard;
        if map.insert(key.clone(), value).is_none() {
            order.push_back(key);
        }
        while order.len() > self.capacity {
            if let Some(old) = order.pop_front() {
                map.remove(&old);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_is_forgotten_first() {
        let r = Remembered::new(2);
        r.put("a", 1);
        r.put("b", 2);
        r.put("a", 3);
        r.put("c", 4);
        assert_eq!(
            (r.get(&"a"), r.get(&"b"), r.get(&"c")),
            (None, Some(2), Some(4))
        );
    }
}
