"""The Streamlit pages of ttc-viz (UI only; logic lives in ttc_viz)."""
