"""The HQ station's client for the municipal server: enrollment, outbox, retries, resume."""
