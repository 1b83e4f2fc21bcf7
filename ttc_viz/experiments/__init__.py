"""How a curve is made: sweeps, what they show, and how good the models behind them are.

* ``sweep.py`` runs every (problem, strategy, budget, hyper-parameter) cell into a folder, and each
  problem's independent difficulty pool; ``cells.py`` reads such a folder back (cell format,
  checks, rows, difficulty), ``summary.py`` its compact ``summary.json``.
* ``pools.py``: best-of-n for every n from one pool of samples.
* ``report.py``: curves, difficulty bins and ratios; ``optimal.py``: the compute-optimal selector
  (repeated cross-validation), its efficiency multiple on every cost axis and bootstrap intervals
  that redo the selection; ``claims.py``: per-bin comparisons with Holm-adjusted p-values and the
  paper's findings with verdicts; ``figures.py``: their plots and figure export.
* ``eval_gen.py`` (``ttc-viz eval-gen``), ``eval_prm.py`` (``ttc-viz eval-prm``) and
  ``eval_reviser.py`` (``ttc-viz eval-revise``): how good the generator, a verifier and the
  reviser are, measured the way search uses them; ``bench_verifier.py`` (``ttc-viz bench-verifier``):
  how well a verifier finds the first wrong step of labelled solutions (ProcessBench's F1).
"""
