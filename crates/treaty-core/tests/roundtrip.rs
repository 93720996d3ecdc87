//! Property: any valid workspace the generator builds stays valid, and
//! reads back as the same model, after it is re-serialised with its keys
//! in another order.

use jiff::civil::{Date, date};
use proptest::prelude::*;
use serde_json::Value;
use treaty_core::model::*;
use treaty_core::{MemorySource, load, validate};
use treaty_syntax::{Span, Spanned};

fn s<T>(v: T) -> Spanned<T> {
    Spanned::new(v, Span::default())
}

const TODAY: Date = date(2026, 11, 24);

#[derive(Debug, Clone)]
struct Generated {
    workspace: WorkspaceFile,
    teams: Vec<Team>,
    interfaces: Vec<Interface>,
    releases: Vec<Release>,
}

fn team(i: usize, n: usize) -> Team {
    Team {
        id: s(format!("team-{i}")),
        name: format!("Team {i}"),
        members: vec![Member {
            id: s("lead".into()),
            name: "Lead".into(),
            email: Some(s(format!("lead{i}@example.com"))),
            role: Some("lead".into()),
        }],
        contacts: Contacts {
            webhook: Some(s(format!("https://hooks.example.com/{i}"))),
            email: None,
            chat: Some(format!("#team-{i}")),
        },
        escalation: vec![
            EscalationStep {
                to: s("lead".into()),
                after: s(Duration::from_minutes(60)),
            },
            EscalationStep {
                to: s(format!("team-{}", (i + 1) % n)),
                after: s(Duration::from_minutes(60 * 24)),
            },
        ],
    }
}

fn generated() -> impl Strategy<Value = Generated> {
    (1usize..6)
        .prop_flat_map(|n| {
            let interfaces = prop::collection::vec(
                (0..n, prop::collection::vec(0..n, 0..4), any::<bool>()),
                0..4,
            );
            let items = prop::collection::vec(
                (
                    0..n,
                    prop::collection::vec(any::<prop::sample::Index>(), 0..3),
                    0.0f64..1.0,
                ),
                0..6,
            );
            (Just(n), interfaces, items, 1i64..60)
        })
        .prop_map(|(n, interfaces, items, offset)| {
            let teams: Vec<Team> = (0..n).map(|i| team(i, n)).collect();
            let interfaces: Vec<Interface> = interfaces
                .into_iter()
                .enumerate()
                .map(|(k, (producer, consumers, full))| {
                    let mut seen = std::collections::BTreeSet::new();
                    Interface {
                        id: s(format!("api-{k}")),
                        name: Some(format!("API {k}")),
                        description: None,
                        kind: s(InterfaceKind::Openapi),
                        schema: s(format!("schemas/api-{k}.yaml")),
                        include_paths: vec![],
                        proto_category: None,
                        undeclared_properties: None,
                        producer: Some(s(format!("team-{producer}"))),
                        consumers: consumers
                            .into_iter()
                            .filter(|c| *c != producer && seen.insert(*c))
                            .map(|c| Consumer {
                                team: s(format!("team-{c}")),
                                uses: Some(Uses {
                                    operations: vec![s("getThing".into())],
                                    ..Uses::default()
                                }),
                                expectations: vec![],
                            })
                            .collect(),
                        compatibility: Some(s(if full {
                            Compatibility::Full
                        } else {
                            Compatibility::BackwardTransitive
                        })),
                        versioning: Some(Versioning {
                            scheme: VersioningScheme::Semver,
                            current: Some(s(format!("1.{k}.0"))),
                        }),
                        deprecation_notice: Some(s(Duration::from_minutes(60 * 24 * 30))),
                        slos: vec![Slo {
                            name: "availability".into(),
                            objective: s(Threshold {
                                metric: "availability".into(),
                                min: Some(99.9),
                                max: None,
                                unit: Some("percent".into()),
                            }),
                            window: s(Duration::from_minutes(60 * 24 * 30)),
                        }],
                        failure_modes: vec![],
                    }
                })
                .collect();
            let scope: Vec<ScopeItem> = items
                .iter()
                .enumerate()
                .map(|(k, (owner, deps, min))| {
                    let mut dep_ids: Vec<usize> = if k == 0 {
                        vec![]
                    } else {
                        deps.iter().map(|d| d.index(k)).collect()
                    };
                    dep_ids.sort_unstable();
                    dep_ids.dedup();
                    ScopeItem {
                        id: s(format!("item-{k}")),
                        title: format!("Item {k}"),
                        owner: Some(s(format!("team-{owner}"))),
                        essential: k % 2 == 0,
                        interfaces: interfaces
                            .first()
                            .map(|i| vec![i.id.clone()])
                            .unwrap_or_default(),
                        done: vec![Criterion {
                            id: s("tests".into()),
                            description: "Tests pass".into(),
                            evidence: Some(Evidence {
                                kind: EvidenceKind::Junit,
                                source: "reports/*.xml".into(),
                            }),
                            threshold: Some(s(Threshold {
                                metric: "pass_rate".into(),
                                min: Some(*min),
                                max: Some(1.0),
                                unit: None,
                            })),
                        }],
                        depends_on: dep_ids
                            .into_iter()
                            .map(|d| Dependency {
                                item: s(format!("item-{d}")),
                                variability: Some(Variability::Medium),
                            })
                            .collect(),
                        mitigations: vec![Mitigation {
                            flag: format!("flag-{k}"),
                            default: FlagState::Off,
                            flippable_by: vec![s("team-0".into())],
                        }],
                    }
                })
                .collect();
            let ship = TODAY
                .checked_add(jiff::Span::new().days(offset + 14))
                .unwrap_or(TODAY);
            let releases = vec![Release {
                id: s("r1".into()),
                name: Some("First".into()),
                status: ReleaseStatus::Planned,
                cadence: Some(Cadence::Monthly),
                milestones: Milestones {
                    feature_freeze: Some(s(CalendarDate(
                        TODAY
                            .checked_add(jiff::Span::new().days(offset))
                            .unwrap_or(TODAY),
                    ))),
                    code_freeze: None,
                    ship: s(CalendarDate(ship)),
                },
                scope,
                debt: vec![Debt {
                    id: s("d1".into()),
                    description: "Later".into(),
                    owner: Some(s("team-0".into())),
                    repay_by: s("r1".into()),
                    repaid: None,
                }],
                commitments: vec![],
            }];
            let workspace = WorkspaceFile {
                version: s(1),
                organization: Organization {
                    id: s("acme".into()),
                    name: "Acme".into(),
                    url: None,
                },
                governance: Governance {
                    steering_group: vec![s("team-0".into())],
                    quorum: Some(s(1)),
                    approvals: vec![ApprovalRule {
                        change: s(ChangeKind::Breaking),
                        require: vec![Approver::Producer, Approver::Team(s("team-0".into()))],
                    }],
                    blocker_slas: BlockerSlas {
                        critical: Some(s(Duration::from_minutes(240))),
                        ..BlockerSlas::default()
                    },
                    freezes: vec![],
                    gate: GateRules {
                        blocking_severity: Severity::Critical,
                        unpaid_debt: DebtPolicy::Block,
                    },
                    triage: Triage {
                        severity_by: vec![s("team-0".into())],
                        tracker_link_from: Some(Severity::High),
                        fix_evidence_from: Some(Severity::Critical),
                    },
                    escalation: EscalationRules {
                        open_dependency_before_feature_freeze: Some(s(Duration::from_minutes(
                            60 * 24 * 7,
                        ))),
                        failing_gate_before_ship: None,
                    },
                    communication: Communication {
                        digest: Some(DigestCadence::Weekly),
                        reviews: vec![],
                        liaisons: vec![],
                    },
                },
                defaults: Defaults {
                    compatibility: Some(Compatibility::Backward),
                    deprecation_notice: None,
                },
                teams: vec![],
            };
            Generated {
                workspace,
                teams,
                interfaces,
                releases,
            }
        })
}

/// A small YAML emitter: block mappings and sequences, scalars as JSON
/// (double-quoted strings are YAML). `order` permutes mapping keys.
fn emit(v: &Value, indent: usize, order: u64, out: &mut String) {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            let len = keys.len();
            keys.rotate_left((order as usize) % len);
            if order % 2 == 1 {
                keys.reverse();
            }
            for k in keys {
                let child = &map[k];
                if is_block(child) {
                    out.push_str(&format!("{pad}{k}:\n"));
                    emit(child, indent + 1, order / 3 + 1, out);
                } else {
                    out.push_str(&format!("{pad}{k}: {}\n", inline(child)));
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                if is_block(item) {
                    let mut inner = String::new();
                    emit(item, indent + 1, order / 5 + 2, &mut inner);
                    let trimmed = inner.trim_start();
                    out.push_str(&format!("{pad}- {trimmed}"));
                } else {
                    out.push_str(&format!("{pad}- {}\n", inline(item)));
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", inline(other))),
    }
}

fn is_block(v: &Value) -> bool {
    matches!(v, Value::Object(m) if !m.is_empty()) || matches!(v, Value::Array(a) if !a.is_empty())
}

fn inline(v: &Value) -> String {
    match v {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}

fn files(g: &Generated, order: u64, as_json: bool) -> MemorySource {
    let mut src = MemorySource::new();
    let mut put = |path: String, v: Value| {
        let text = if as_json {
            serde_json::to_string_pretty(&v).unwrap_or_default()
        } else {
            let mut t = String::new();
            emit(&v, 0, order, &mut t);
            t
        };
        src.insert(path, text);
    };
    put(
        "treaty.yaml".into(),
        serde_json::to_value(&g.workspace).unwrap_or_default(),
    );
    for t in &g.teams {
        put(
            format!("teams/{}.yaml", t.id.value),
            serde_json::to_value(t).unwrap_or_default(),
        );
    }
    for i in &g.interfaces {
        put(
            format!("interfaces/{}.yaml", i.id.value),
            serde_json::to_value(i).unwrap_or_default(),
        );
    }
    for r in &g.releases {
        put(
            format!("releases/{}.yaml", r.id.value),
            serde_json::to_value(r).unwrap_or_default(),
        );
    }
    for i in &g.interfaces {
        src.insert(
            i.schema.value.clone(),
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /things:\n    get:\n      operationId: getThing\n      responses: {'200': {description: ok}}\n",
        );
    }
    src
}

fn check(src: &MemorySource) -> Result<treaty_core::Workspace, String> {
    let (mut ws, mut diags) = load(src);
    diags.extend(validate(&mut ws, src, TODAY));
    if diags.is_empty() {
        Ok(ws)
    } else {
        let listed: Vec<String> = diags
            .iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        Err(listed.join("\n"))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn valid_workspaces_stay_valid_when_keys_are_reordered(g in generated(), order in 0u64..1000) {
        let a = check(&files(&g, 0, false)).map_err(TestCaseError::fail)?;
        let b = check(&files(&g, order, false)).map_err(TestCaseError::fail)?;
        let c = check(&files(&g, order, true)).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&a.workspace, &b.workspace);
        prop_assert_eq!(&a.teams, &b.teams);
        prop_assert_eq!(&a.interfaces, &b.interfaces);
        prop_assert_eq!(&a.releases, &b.releases);
        prop_assert_eq!(&a.releases, &c.releases);
        prop_assert_eq!(&a.interfaces, &c.interfaces);
        prop_assert_eq!(a.workspace.as_ref(), Some(&g.workspace));
        prop_assert_eq!(&a.releases, &g.releases);
    }
}

#[test]
fn a_cycle_is_found_whatever_the_key_order() {
    let mut g = None;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    while g
        .as_ref()
        .is_none_or(|g: &Generated| g.releases[0].scope.len() < 2)
    {
        g = generated()
            .new_tree(&mut runner)
            .ok()
            .map(|t| proptest::strategy::ValueTree::current(&t));
    }
    let Some(mut g) = g else { return };
    let first = g.releases[0].scope[0].id.clone();
    let last_index = g.releases[0].scope.len() - 1;
    let last = g.releases[0].scope[last_index].id.clone();
    g.releases[0].scope[last_index].depends_on = vec![Dependency {
        item: first.clone(),
        variability: None,
    }];
    g.releases[0].scope[0].depends_on = vec![Dependency {
        item: last,
        variability: None,
    }];
    for order in [0, 1, 7] {
        let err = check(&files(&g, order, false)).err().unwrap_or_default();
        assert!(err.contains("dependency-cycle"), "{err}");
    }
}
