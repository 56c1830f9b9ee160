"""Form the base: what each acquisition channel and mode brought in profit, and which prospects are worth
winning (docs/targeting.md).

``history`` reads the store once per call (prospects, what winning them cost, what they brought month by
month after their first order); ``cohorts`` turns that into the acquisition table; ``features``,
``model``, ``validation`` and ``profile`` learn and check who converts and who pays; ``service`` is the
one entry point the CLI and the web share.
"""
