"""How a curve is made: sweeps, what they show, and how good the models behind them are.

* ``sweep.py`` runs every (problem, strategy, budget, hyper-parameter) cell into a folder;
  ``cells.py`` reads such a folder back (cell format, checks, rows, difficulty, summary).
* ``pools.py``: best-of-n for every n from one pool of samples.
* ``report.py``: curves, difficulty bins and ratios; ``optimal.py``: the compute-optimal
  selector and its efficiency multiple; ``figures.py``: their plots and figure export.
* ``eval_prm.py`` (``ttc-viz eval-prm``) and ``eval_reviser.py`` (``ttc-viz eval-revise``):
  how good a verifier and the reviser are, measured the way search uses them.
"""
