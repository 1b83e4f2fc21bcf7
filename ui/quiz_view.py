"""One round of "you be the verifier" (``ttc_viz.teach.quiz``), drawn for the Verifier page
and for a lesson's quiz slides: the candidates' text without scores, the student's picks,
then the reveal. What the student revealed is kept in the session under ``key``, so the
running score (``score_of``) counts every round once."""
from __future__ import annotations

import streamlit as st

from ttc_viz.search import strategies
from ttc_viz.teach.quiz import QuizRound, Score, check_picks, reveal
from ttc_viz.tree import SearchTree
from ttc_viz.views import verdict
from ui.common import md_code, md_escape

_DONE = "quiz_revealed"   # session: {quiz key: {round number: the student's picks}}


def _revealed(key: str) -> dict:
    return st.session_state.setdefault(_DONE, {}).setdefault(key, {})


def score_of(tree: SearchTree, rounds: list[QuizRound], key: str) -> Score:
    """Student against verifier over the rounds revealed so far under ``key``."""
    s = Score()
    done = _revealed(key)
    for q in rounds:
        if q.number in done:
            s = s.add(reveal(tree, q, done[q.number]))
    return s


def picks_of(key: str, number: int):
    """The picks the student revealed round ``number`` with, or None while it is open."""
    return _revealed(key).get(number)


def forget(key: str) -> None:
    st.session_state.setdefault(_DONE, {}).pop(key, None)


def _short(text: str, n: int = 220) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[:n - 1] + "…"


def quiz_round(tree: SearchTree, q: QuizRound, key: str) -> None:
    done = _revealed(key)
    wkey = f"{key}_q{q.number}"
    if q.kind == "answer":
        _answer_round(tree, q, key, wkey, done)
    else:
        _keep_round(tree, q, key, wkey, done)


def _reveal_button(label: str, q: QuizRound, wkey: str, done: dict, picks) -> None:
    """The button that locks the student's ``picks()`` in (checked first: a wrong count is
    said, and nothing is revealed) and reveals the round."""
    if st.button(label, key=f"{wkey}_reveal", type="primary"):
        try:
            done[q.number] = check_picks(q, picks())
        except ValueError as e:
            st.warning(f"Not yet: {e}.")
        else:
            st.rerun()


def _keep_round(tree: SearchTree, q: QuizRound, key: str, wkey: str, done: dict) -> None:
    parents = list(dict.fromkeys(tree.nodes[i].parent for i in q.candidates))
    st.markdown(f"**Round {q.round}: {len(q.candidates)} candidate steps. Keep {q.to_keep}**"
                + (" (one in each subtree)." if len(q.cuts) > 1 else ".") + " Scores are hidden.")
    if parents != [0]:
        label = {p: chr(ord("A") + k) if k < 26 else str(k) for k, p in enumerate(parents)}
        with st.container(border=True):
            st.caption("The paths kept so far, which these steps continue:")
            for p in parents:
                st.markdown(f"**{label[p]}** · " + md_escape(" ▸ ".join(_short(s, 90) for s in tree.steps(p))))
    else:
        label = {0: ""}
    locked = q.number in done
    for c in q.cuts:
        if len(q.cuts) > 1:
            st.markdown(f"*Subtree {c.group + 1}: keep {c.keep}*")
        for i in c.candidates:
            n = tree.nodes[i]
            cont = f"after {label[n.parent]} · " if label.get(n.parent) else ""
            st.checkbox(f"#{i} · {cont}{md_escape(_short(n.text))}", key=f"{wkey}_c{i}", disabled=locked)
    if not locked:
        _reveal_button("Reveal the verifier's choice", q, wkey, done,
                       lambda: [i for i in q.candidates if st.session_state.get(f"{wkey}_c{i}")])
        return
    rv = reveal(tree, q, done[q.number])
    kept = ", ".join(f"#{i}" for i in rv.verifier)
    right = (f" On a path to the right answer: **your picks {rv.student_right}**, the verifier's "
             f"**{rv.verifier_right}**." if rv.known else "")
    st.markdown(f"The verifier kept {kept}. You agreed on **{rv.agree} of {len(rv.student)}**.{right}")
    st.dataframe([{**r, "right path": {True: "✓ yes", False: "✗ no", None: "?"}[r["right path"]]} for r in rv.rows],
                 hide_index=True, width="stretch", key=f"{wkey}_table",
                 column_config={"text": st.column_config.TextColumn(width="large")})
    st.caption("right path: ✓ its steps so far are the start of a solution in this tree that reached the right "
               "answer; ✗ only of solutions that reached wrong answers; ? cut before any answer (nobody knows). "
               "The recorded search goes on from the verifier's choice, whatever you picked.")


def _answer_round(tree: SearchTree, q: QuizRound, key: str, wkey: str, done: dict) -> None:
    leaves = tree.leaves("finished")
    st.markdown(f"**{len(leaves)} solutions, scores hidden. Which answer do you believe?**")
    spec = strategies.REGISTRY.get(tree.strategy)
    attempts = bool(spec and spec.whole_attempts)
    with st.container(height=420, border=True):
        for k, leaf in enumerate(leaves, 1):
            who = f"chain {leaf.group + 1}, attempt {leaf.depth}" if attempts else f"solution {k}"
            steps = [leaf.text] if attempts else tree.steps(leaf.id)
            st.markdown(f"**{who}** (#{leaf.id}): " + md_escape(" ▸ ".join(" ".join(s.split()) for s in steps)[:1200])
                        + f" → {md_code(leaf.answer)}")
    locked = q.number in done
    pick = st.radio("Your answer", q.options, index=None, key=f"{wkey}_answer", horizontal=True, disabled=locked)
    if not locked:
        _reveal_button("Reveal the votes", q, wkey, done, lambda: pick)
        return
    rv = reveal(tree, q, done[q.number][0])
    rule = tree.config.get("voting", "weighted")
    truth = tree.problem.get("answer")
    st.markdown(f"You picked {md_code(rv.student[0])}"
                + (f" {verdict(bool(rv.student_right))}" if rv.known else "")
                + f"; the {rule} vote picked {md_code(tree.selected_answer)} {verdict(tree.correct)}"
                + (f". The truth is {md_code(truth)}." if truth is not None else "."))
    st.dataframe([{**r, "right?": verdict(r["right?"], "mark", unknown="?")} for r in rv.rows], hide_index=True,
                 width="stretch", key=f"{wkey}_table")


__all__ = ["forget", "picks_of", "quiz_round", "score_of"]
