"""Defaults every floor may read without importing any machinery: the checking options'
tolerances and steps, and how many digits and rows people are shown."""

RTOL = 1e-4            # --expect: relative tolerance
ATOL = 1e-8            # --expect: absolute tolerance (relative alone fails answers of 0)
STEP = 1e-5            # --gradcheck: the step h of centered differences
SEED = 0               # --gradcheck: seed of the sample of intermediates
SAMPLE_LIMIT = 200     # --gradcheck: at most this many intermediates in a large graph
PRECISION = 4          # significant digits in tables, Markdown and warnings
MAX_ROWS = 60          # rows of a table before its middle is cut (--all shows them)
MAX_NODES = 80         # gates drawn in a picture before the part furthest back is elided
