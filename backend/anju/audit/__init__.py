"""The audit log: an append-only, hash-chained record of who did what to whose
data. Domains call :func:`anju.audit.service.record`; see ``docs/audit.md``."""
