-- Version 14. A train's evidence generation: one more with each piece of
-- evidence recorded, in the same transaction. A broker keeps the gate's
-- decoded evidence by (train, generation) and reads only this row to know
-- whether what it keeps is still the newest: evidence is never changed or
-- deleted, so an unchanged generation means unchanged evidence.
CREATE TABLE train_evidence_generation (
    train_id TEXT PRIMARY KEY,
    generation BIGINT NOT NULL
);
