-- Built without blocking writes; runs outside a transaction.
CREATE INDEX CONCURRENTLY scores_model_version_created_idx ON scores (model_version, created_at);
