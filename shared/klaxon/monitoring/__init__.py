"""Monitoring (SPEC §5): what monitoring sources send, parsed into `ExternalEvent`s, and the host board."""
