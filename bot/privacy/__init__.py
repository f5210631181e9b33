"""Privacy by design: redaction before storage, retention, and deleting a conversation."""
