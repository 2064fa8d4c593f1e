-- One row per fire of a scheduled refresh: which experiment and dataset it used and what it decided (the outcome
-- JSON holds both holdout scores, their difference, the threshold and the sentence that explains the decision).
CREATE TABLE IF NOT EXISTS schedule_refreshes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     TEXT NOT NULL,
    schedule_name TEXT NOT NULL,
    experiment_id TEXT NULL,
    dataset_id    TEXT NULL,
    status        TEXT NOT NULL CHECK (status IN ('promoted', 'kept', 'failed', 'skipped')),
    outcome       TEXT NOT NULL,
    started_at    BIGINT NOT NULL,
    finished_at   BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_schedule_refreshes_schedule ON schedule_refreshes (tenant_id, schedule_name, id);
