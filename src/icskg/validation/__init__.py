"""The pieces behind :func:`icskg.validate`: reading uploads safely, regimes and snapshots,
the board CSV template, and the report with its renderings."""
