-- Temporary Access Pass secrets: whether each pass signs in once only (NULL for a
-- password secret). The kind itself is `credential_kind`.
ALTER TABLE dynamic_secrets ADD COLUMN usable_once boolean;
