"""Teaching with a search tree: pure functions from recorded trees, no model and no UI.

  rules    how each strategy decided: its cuts (who competed, how many survived), ranked the
           search's own way; a registry a new strategy adds its rule to (``register_rule``)
  why      the why-card: why one node was kept or pruned, and what-ifs computed without generating
  align    two trees of one problem lined up: the steps they share, where they part
  quiz     "you be the verifier": a tree's decisions as rounds a student answers, and the score
  lesson   the lesson file (slides naming recorded trees), checked field by field
  figures  the drawings these need: a merged tree, a slide's tree with nodes highlighted

Nothing here imports a model backend, torch, ``train/`` or ``experiments/``
(tests/test_layout.py holds it).
"""
