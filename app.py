"""ttc-viz web app: type a problem, watch a PRM-guided search grow, step through its tree.

A thin UI over ``ttc_viz`` (pages in ui/): every number shown is read from a SearchTree;
the search runs in a background thread (ttc_viz.jobs) so the page stays live and Stop
ends it cleanly. The model is loaded once per process (st.cache_resource) and shared by
all browser tabs; the generator serialises its own decoding, so concurrent searches stay
seed-reproducible. Start it with `make run` (local only) or `make serve` (a network);
what visitors may use is fixed at start-up (ttc_viz/settings.py), e.g.
`streamlit run app.py -- --models qwen2.5-math-1.5b-instruct --max-jobs 2`.
"""
import pandas  # noqa: F401  (see below)
import streamlit as st

# pandas is imported here, by the import statement (which holds the import lock), before any page
# draws a figure: plotly fetches its optional pandas from sys.modules without that lock, so a page
# drawing its first figure while a rerun's thread is still importing pandas saw a half-made module
# ("partially initialized module 'pandas' has no attribute 'Series'") on a busy server.

from ttc_viz.settings import SettingsError
from ui.common import settings

st.set_page_config(page_title="ttc-viz: test-time compute, visible", page_icon="🌳", layout="wide")
try:
    settings()
except (SettingsError, ValueError) as e:  # the operator's start-up options, not a visitor's input
    st.error(f"The server's settings are wrong: {e}")
    st.stop()

pg = st.navigation([
    st.Page("ui/explore.py", title="Explore", icon=":material/account_tree:", default=True),
    st.Page("ui/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("ui/curves.py", title="Curves", icon=":material/show_chart:"),
    st.Page("ui/learn.py", title="Learn", icon=":material/school:"),
    st.Page("ui/verifiers.py", title="Verifiers", icon=":material/fact_check:"),
    st.Page("ui/verifier_game.py", title="Be the verifier", icon=":material/how_to_vote:"),
    st.Page("ui/lessons.py", title="Lessons", icon=":material/co_present:"),
])
pg.run()
