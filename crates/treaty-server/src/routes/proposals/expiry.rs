//! Telling teams a waiver is about to expire: once per waiver, a week
//! before its last day (or at once for one asked for a shorter time), to
//! the team that asked for it and the teams that approve it. The delivery
//! worker sweeps for them; brokers sharing a database announce each once.

use treaty_store::Store;

use super::judge;

/// How many days before its last day a waiver's expiry is announced.
pub const NOTICE_DAYS: i64 = 7;

/// Queues `waiver.expiring` for every live waiver whose last day is
/// within [`NOTICE_DAYS`] of `now_ms` and not yet announced; answers how
/// many were announced.
pub async fn announce_expiring_waivers(store: &Store, now_ms: i64) -> Result<usize, String> {
    let today = super::today(now_ms).map_err(|e| e.to_string())?.0;
    let horizon = today
        .checked_add(jiff::Span::new().days(NOTICE_DAYS))
        .map_err(|e| e.to_string())?;
    let due = store
        .waivers_expiring(&horizon.to_string())
        .await
        .map_err(|e| e.to_string())?;
    let mut announced = 0;
    for w in due {
        let required = judge::stored_requirements(&w).map_err(|e| e.to_string())?;
        let mut told = judge::asked(&required, &w.proposal.proposer);
        told.push(w.proposal.proposer.clone());
        let expires = w.proposal.expires.clone().unwrap_or_default();
        let text = format!(
            "Treaty: waiver {} on {} ({}) ends on {expires}; after that day the check fails again unless the changes are fixed or a new waiver is approved",
            w.id,
            w.proposal.interface,
            w.proposal.rules.join(", ")
        );
        let mut announce = judge::tell(told, "waiver.expiring", &text, &w);
        for a in &mut announce {
            a.data["expires"] = serde_json::Value::from(expires.clone());
            a.data["rules"] = serde_json::Value::from(w.proposal.rules.clone());
        }
        if store
            .announce_expiry(&w.id, &announce, now_ms)
            .await
            .map_err(|e| e.to_string())?
        {
            announced += 1;
        }
    }
    Ok(announced)
}
