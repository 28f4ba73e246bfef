"""Default tolerances and steps of the checking options, importable without any machinery
(the one-liner's option table reads them at start-up)."""

RTOL = 1e-4            # --expect: relative tolerance
ATOL = 1e-8            # --expect: absolute tolerance (relative alone fails answers of 0)
STEP = 1e-5            # --gradcheck: the step h of centered differences
SEED = 0               # --gradcheck: seed of the sample of intermediates
SAMPLE_LIMIT = 200     # --gradcheck: at most this many intermediates in a large graph
