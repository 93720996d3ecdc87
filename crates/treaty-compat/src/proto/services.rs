//! Services and their methods, and which methods reach each message.

use std::collections::{BTreeSet, HashMap, HashSet};

use prost_reflect::{DescriptorPool, Kind, ServiceDescriptor};

use super::{Category, Found, Walk};

impl Walk<'_> {
    /// Services added, removed, and the methods of those kept.
    pub(super) fn services(&mut self) {
        let (old, new) = (self.old, self.new);
        for ns in new
            .pool
            .services()
            .filter(|s| new.owns(s.parent_file().name()))
        {
            if old.pool.get_service_by_name(ns.full_name()).is_none() {
                self.push(
                    Found {
                        rule: "proto-service-added",
                        category: None,
                        message: format!("service `{}` was added", ns.full_name()),
                        old: None,
                        new: new.side(&ns.parent_file(), ns.path()),
                        field: ns.full_name(),
                    },
                    "",
                );
            }
        }
        // Services and methods.
        for s in old
            .pool
            .services()
            .filter(|s| old.owns(s.parent_file().name()))
        {
            let name = s.full_name().to_owned();
            let Some(ns) = new.pool.get_service_by_name(&name) else {
                // gRPC clients call `/package.Service/Method`: a service
                // removed, renamed or moved to another package answers
                // none of its calls.
                self.push(
                    Found {
                        rule: "proto-service-removed",
                        category: Some(Category::Wire),
                        message: format!(
                            "service `{name}` was removed: calls to `/{name}/...` fail"
                        ),
                        old: old.side(&s.parent_file(), s.path()),
                        new: None,
                        field: &name,
                    },
                    "",
                );
                self.reached_by_last(s.methods().map(|m| format!("{}.{}", s.name(), m.name())));
                continue;
            };
            self.methods(&s, &ns);
        }
    }

    /// The methods of a service kept in both versions, by name.
    fn methods(&mut self, s: &ServiceDescriptor, ns: &ServiceDescriptor) {
        let (old, new) = (self.old, self.new);
        for m in s.methods() {
            let label = format!("{}.{}", s.name(), m.name());
            let Some(nm) = ns.methods().find(|x| x.name() == m.name()) else {
                // Its clients call a path that no longer exists.
                self.push(
                    Found {
                        rule: "proto-method-removed",
                        category: Some(Category::Wire),
                        message: format!(
                            "method `{label}` was removed: calls to `/{}/{}` fail",
                            s.full_name(),
                            m.name()
                        ),
                        old: old.side(&s.parent_file(), m.path()),
                        new: new.side(&ns.parent_file(), ns.path()),
                        field: &label,
                    },
                    "",
                );
                self.reached_by_last([label]);
                continue;
            };
            let before = self.changes.len();
            let (os, ns_) = (
                old.side(&s.parent_file(), m.path()),
                new.side(&ns.parent_file(), nm.path()),
            );
            if m.input().full_name() != nm.input().full_name() {
                self.push(
                    Found {
                        rule: "proto-method-request-changed",
                        category: Some(Category::Wire),
                        message: format!(
                            "request of `{label}` changed from `{}` to `{}`",
                            m.input().full_name(),
                            nm.input().full_name()
                        ),
                        old: os.clone(),
                        new: ns_.clone(),
                        field: &label,
                    },
                    "",
                );
            }
            if m.output().full_name() != nm.output().full_name() {
                self.push(
                    Found {
                        rule: "proto-method-response-changed",
                        category: Some(Category::Wire),
                        message: format!(
                            "response of `{label}` changed from `{}` to `{}`",
                            m.output().full_name(),
                            nm.output().full_name()
                        ),
                        old: os.clone(),
                        new: ns_.clone(),
                        field: &label,
                    },
                    "",
                );
            }
            if m.is_client_streaming() != nm.is_client_streaming()
                || m.is_server_streaming() != nm.is_server_streaming()
            {
                self.push(
                    Found {
                        rule: "proto-method-streaming-changed",
                        category: Some(Category::Wire),
                        message: format!("streaming of `{label}` changed"),
                        old: os,
                        new: ns_,
                        field: &label,
                    },
                    "",
                );
            }
            // Each change of the method reaches it.
            for change in &mut self.changes[before..] {
                change.operations.insert(label.clone());
            }
        }
        self.added_methods(s, ns);
    }

    /// Methods only the new version of a service has.
    fn added_methods(&mut self, s: &ServiceDescriptor, ns: &ServiceDescriptor) {
        let (old, new) = (self.old, self.new);
        for nm in ns.methods() {
            if s.methods().all(|m| m.name() != nm.name()) {
                let label = format!("{}.{}", s.name(), nm.name());
                self.push(
                    Found {
                        rule: "proto-method-added",
                        category: None,
                        message: format!("method `{label}` was added"),
                        old: old.side(&s.parent_file(), s.path()),
                        new: new.side(&ns.parent_file(), nm.path()),
                        field: &label,
                    },
                    "",
                );
                self.reached_by_last([label]);
            }
        }
    }
}

impl Walk<'_> {
    /// Names the methods (`Service.Method`) the last change reaches.
    fn reached_by_last(&mut self, methods: impl IntoIterator<Item = String>) {
        if let Some(last) = self.changes.last_mut() {
            last.operations.extend(methods);
        }
    }
}

/// Which methods reach each message through their request and response.
pub(super) fn reachability(pool: &DescriptorPool) -> HashMap<String, BTreeSet<String>> {
    let mut out: HashMap<String, BTreeSet<String>> = HashMap::new();
    for s in pool.services() {
        for m in s.methods() {
            let label = format!("{}.{}", s.name(), m.name());
            let mut seen = HashSet::new();
            let mut todo = vec![m.input(), m.output()];
            while let Some(msg) = todo.pop() {
                if !seen.insert(msg.full_name().to_owned()) {
                    continue;
                }
                out.entry(msg.full_name().to_owned())
                    .or_default()
                    .insert(label.clone());
                for f in msg.fields() {
                    if let Kind::Message(inner) = f.kind() {
                        todo.push(inner);
                    }
                }
            }
        }
    }
    out
}

/// For each message, the messages that hold it and the fields they hold it
/// by (`Shipment`, `Shipment.destination`), through any depth of nesting:
/// a consumer that uses one of them reads the message too.
pub(super) fn containment(pool: &DescriptorPool) -> HashMap<String, BTreeSet<String>> {
    // Each message's direct holders: (holder's full name, its labels).
    let mut holders: HashMap<String, Vec<(String, [String; 2])>> = HashMap::new();
    for m in pool.all_messages().filter(|m| !m.is_map_entry()) {
        for f in m.fields() {
            let inner = match f.kind() {
                // A map's values are held by the map field itself.
                Kind::Message(inner) if inner.is_map_entry() => {
                    match inner.map_entry_value_field().kind() {
                        Kind::Message(value) => value,
                        _ => continue,
                    }
                }
                Kind::Message(inner) => inner,
                _ => continue,
            };
            holders
                .entry(inner.full_name().to_owned())
                .or_default()
                .push((
                    m.full_name().to_owned(),
                    [m.name().to_owned(), format!("{}.{}", m.name(), f.name())],
                ));
        }
    }
    let mut out = HashMap::new();
    for start in holders.keys() {
        let mut seen: HashSet<&str> = HashSet::from([start.as_str()]);
        let mut labels = BTreeSet::new();
        let mut todo = vec![start.as_str()];
        while let Some(at) = todo.pop() {
            for (holder, names) in holders.get(at).into_iter().flatten() {
                labels.extend(names.iter().cloned());
                if seen.insert(holder) {
                    todo.push(holder);
                }
            }
        }
        out.insert(start.clone(), labels);
    }
    out
}
