-- EnterpriseML registry, initial schema (PostgreSQL). Re-runnable: every statement is IF NOT EXISTS.
-- Times are Unix milliseconds (BIGINT); flags are SMALLINT 0/1, so both dialects map the same way.

CREATE TABLE IF NOT EXISTS tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS api_keys (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    key_hash    TEXT NOT NULL UNIQUE,
    key_prefix  TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'data-scientist', 'consumer')),
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT NULL
);

CREATE TABLE IF NOT EXISTS dataset_blobs (
    sha256      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    bytes       BYTEA NOT NULL,
    PRIMARY KEY (sha256, seq)
);

CREATE TABLE IF NOT EXISTS dataset_contents (
    sha256      TEXT PRIMARY KEY,
    size_bytes  BIGINT NOT NULL,
    chunk_count INTEGER NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS datasets (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    name        TEXT NOT NULL,
    sha256      TEXT NOT NULL REFERENCES dataset_contents(sha256),
    row_count   BIGINT NOT NULL,
    column_count INTEGER NOT NULL,
    profile     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_datasets_tenant_name ON datasets (tenant_id, name, created_at);

CREATE TABLE IF NOT EXISTS experiments (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    dataset_id  TEXT NOT NULL,
    model_name  TEXT NOT NULL,
    scenario    TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    request     TEXT NOT NULL,
    progress    TEXT NULL,
    leaderboard TEXT NULL,
    winner      TEXT NULL,
    report      TEXT NULL,
    error       TEXT NULL,
    elapsed_ms  BIGINT NOT NULL DEFAULT 0,
    schedule_name TEXT NULL,
    created_at  BIGINT NOT NULL,
    started_at  BIGINT NULL,
    finished_at BIGINT NULL
);
CREATE INDEX IF NOT EXISTS ix_experiments_tenant_status ON experiments (tenant_id, status, created_at);

CREATE TABLE IF NOT EXISTS experiment_attempts (
    experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    node        TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT NULL,
    outcome     TEXT NULL,
    PRIMARY KEY (experiment_id, attempt)
);

CREATE TABLE IF NOT EXISTS trials (
    experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    trial       INTEGER NOT NULL,
    candidate   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    parameters  TEXT NOT NULL,
    status      TEXT NOT NULL,
    score       DOUBLE PRECISION NULL,
    metrics     TEXT NULL,
    error       TEXT NULL,
    fit_seconds DOUBLE PRECISION NULL,
    elapsed_seconds DOUBLE PRECISION NULL,
    payload     TEXT NULL,
    node        TEXT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (experiment_id, trial)
);

CREATE TABLE IF NOT EXISTS models (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    name        TEXT NOT NULL,
    task        TEXT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE IF NOT EXISTS model_versions (
    tenant_id   TEXT NOT NULL,
    model_name  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    stage       TEXT NOT NULL CHECK (stage IN ('candidate', 'champion', 'archived')),
    artifact    BYTEA NOT NULL,
    artifact_sha256 TEXT NOT NULL,
    metrics     TEXT NOT NULL,
    parameters  TEXT NOT NULL,
    leaderboard TEXT NULL,
    lineage     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, model_name, version),
    FOREIGN KEY (tenant_id, model_name) REFERENCES models(tenant_id, name)
);

CREATE TABLE IF NOT EXISTS model_stage_history (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    model_name  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    from_stage  TEXT NULL,
    to_stage    TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    reason      TEXT NULL,
    changed_at  BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS schedules (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    name        TEXT NOT NULL,
    cron        TEXT NOT NULL,
    time_zone   TEXT NOT NULL,
    experiment  TEXT NOT NULL,
    promotion   TEXT NOT NULL,
    paused      SMALLINT NOT NULL DEFAULT 0,
    pause_reason TEXT NULL,
    paused_by   TEXT NULL,
    last_outcome TEXT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
