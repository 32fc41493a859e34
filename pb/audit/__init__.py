"""The append-only audit log: every state change that matters, recorded in a hash chain that can be verified."""
