"""The audit: sources -> effective permissions -> checks -> findings."""
