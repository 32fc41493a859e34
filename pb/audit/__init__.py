"""The append-only audit log: every state change that matters, written without a lock and sealed in hash-chained
blocks by a background job, so that any change, removal or reordering can be detected (docs/audit-log.md)."""
