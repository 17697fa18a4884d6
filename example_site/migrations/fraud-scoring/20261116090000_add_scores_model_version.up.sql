-- Nullable, no default: a metadata-only change; 4.0 never reads the column.
ALTER TABLE scores ADD COLUMN model_version text NULL;
