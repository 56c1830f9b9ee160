"""Step 4: pure analytics, Ibis tables in -> Ibis tables out; no I/O, no execute()."""
