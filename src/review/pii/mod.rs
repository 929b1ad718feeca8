//! Sensitive-data detection and redaction (being built; see the pii branch).
