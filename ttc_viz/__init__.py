"""ttc-viz: see test-time compute at work (Snell et al. 2024) on a real language model.

The library is pure Python plus the model backends; nothing here imports streamlit, and
torch/transformers are imported only when a model is loaded.
"""
__version__ = "0.1.0"
