ALTER TABLE scores DROP COLUMN model_version;
