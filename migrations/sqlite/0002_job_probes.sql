-- Rows written by the trivial probe job that proves the scheduler plumbing end to end (and by `eml` health checks).
CREATE TABLE IF NOT EXISTS job_probes (
    id      TEXT PRIMARY KEY,
    node    TEXT NOT NULL,
    ran_at  BIGINT NOT NULL
);
