-- Version 3. The order in which the verifications of a pair were recorded,
-- as the database saw it: 1, 2, 3... per interface, provider version,
-- consumer and consumer version. The latest is the highest, whatever the
-- clocks of the brokers that recorded them said; recorded_at stays, for
-- display. A writer holds the pair's lock while it takes the next number.
ALTER TABLE verifications ADD COLUMN seq BIGINT;

-- Rows from before are numbered in the order earlier builds read them: by
-- time, and within one millisecond a failure counts as later (then by id,
-- which is arbitrary but fixed).
UPDATE verifications SET seq = ranked.n FROM (
    SELECT id, ROW_NUMBER() OVER (
        PARTITION BY interface_id, provider_version, consumer_id, consumer_version
        ORDER BY recorded_at, success DESC, id
    ) AS n FROM verifications
) ranked WHERE ranked.id = verifications.id;

-- The latest of a pair, found in its index; and two writers never give a
-- pair one number twice. (Rows without a number, written by a broker of
-- an older build during an upgrade, do not collide: NULLs are distinct.)
CREATE UNIQUE INDEX verifications_order ON verifications (interface_id, provider_version, consumer_id, consumer_version, seq);
DROP INDEX verifications_pair;
