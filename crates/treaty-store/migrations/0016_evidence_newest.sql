-- Version 16. The records of each newest run, kept apart from the older
-- runs' records. The gate, and a broker's escalation timers and digests
-- when it starts, read every newest record of a train: read through
-- `train_evidence`, each lies among the older runs' records on the same
-- pages, so a train with ten runs per version read (and, with SQLite's
-- memory map, held resident) ten times the pages it needed.
-- Kept in the transaction that records evidence (`record_evidence`): a
-- record joins when its run is the newest of its subject, component and
-- version, and the records of a run that is no longer the newest leave.
CREATE TABLE train_evidence_newest (
    id TEXT PRIMARY KEY REFERENCES train_evidence(id),
    train_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    component TEXT NOT NULL,
    version TEXT NOT NULL,
    run TEXT NOT NULL,
    measurements TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX train_evidence_newest_of ON train_evidence_newest (train_id, subject, component, version);
INSERT INTO train_evidence_newest (id, train_id, subject, component, version, run, measurements, recorded_at, recorded_by)
SELECT e.id, e.train_id, e.subject, e.component, e.version, e.run, e.measurements, e.recorded_at, e.recorded_by
FROM train_evidence_latest l CROSS JOIN train_evidence e
WHERE e.train_id = l.train_id AND e.subject = l.subject AND e.component = l.component AND e.version = l.version AND e.run = l.run;
