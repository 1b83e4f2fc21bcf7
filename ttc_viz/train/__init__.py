"""How the embedded models are trained: every trainer and the data they draw, in one folder.

* ``loop.py``: what the trainers share (learning-rate schedule, optimiser step, resumable
  checkpoints).
* ``synthetic.py``: step-by-step solutions written from a synthetic problem's own
  calculation, clean or spoiled, with exact step labels.
* ``generator.py``: the generator adapter (``ttc-viz train-gen``).
* ``prm_data.py`` and ``prm.py``: step labels on the generator's own samples (``ttc-viz
  prm-data``) and the project's own PRM (``ttc-viz train-prm``).
* ``reviser.py``: the revision adapter (``ttc-viz train-revise``).

Serving never imports this folder: loading an adapter is ``lm/adapter.py`` and
``verifiers/learned.py``. Nothing here imports ``experiments/``.
"""
