"""ttc-viz web app: type a problem, watch a PRM-guided search grow, step through its tree.

A thin UI over ``ttc_viz`` (pages in ui/): every number shown is read from a SearchTree;
the search runs in a background thread (ttc_viz.jobs) so the page stays live and Stop
ends it cleanly. The model is loaded once per process (st.cache_resource) and shared by
all browser tabs; the generator serialises its own decoding, so concurrent searches stay
seed-reproducible. Start it with `make run` (or `streamlit run app.py`).
"""
import streamlit as st

st.set_page_config(page_title="ttc-viz: test-time compute, visible", page_icon="🌳", layout="wide")

pg = st.navigation([
    st.Page("ui/explore.py", title="Explore", icon=":material/account_tree:", default=True),
    st.Page("ui/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("ui/curves.py", title="Curves", icon=":material/show_chart:"),
    st.Page("ui/learn.py", title="Learn", icon=":material/school:"),
])
pg.run()
