"""How well the company works with its base: the five steps (form, record, work, analyse, decide) checked.

One module per step (:mod:`.form`, :mod:`.record`, :mod:`.work`, :mod:`.analyse`, :mod:`.decide`) turns
what the rest of clientbase already measures into indicators; :mod:`.scoring` scores them against their
target ranges (weights and targets in TOML, :mod:`.settings`); :mod:`.service` is the service the CLI, the
API and the page share (docs/health.md).
"""
