"""A person's own data: consents, access history, retention."""
