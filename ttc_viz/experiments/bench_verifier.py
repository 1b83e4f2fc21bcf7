"""How good is a verifier at finding the first wrong step? (``ttc-viz bench-verifier``)

ProcessBench's measure (Zheng et al., 2024), on any file in its format, for any verifier the
project can load:

* every solution carries ``label``: the index of its earliest wrong step, or -1 when every
  step is right (and so is the final answer);
* a verifier *predicts* the first step whose score is below a threshold ``tau`` (-1 when no
  step is);
* **accuracy on erroneous** solutions (prediction = label, among label >= 0), **accuracy on
  correct** ones (prediction = -1, among label = -1), and their harmonic mean, **F1**;
* ``tau`` is chosen (highest F1) on a *separate* split, never on the scored pool: the shipped
  set's ``dev`` file, a ``--dev`` file, or, for a lone file, a half of its problems that is
  then left out of the scoring (``split_by_problem``);
* beside it, measured the way search uses a verifier (it only compares candidates of one
  problem): **step AUROC** (every step's score against "is this prefix still on track",
  pooled), **within-problem final AUROC** (the last step's score against the solution's
  correctness, averaged over problems with both) and **pick accuracy** (in those problems,
  is the highest-scored solution a right one; ties share).

Every figure has a 95% bootstrap interval over *problems* (solutions of one problem are not
independent). A file is read whole and checked before anything is scored: a malformed line,
a missing label or an oversized step is refused with one line naming the file and line.

With ``records`` (``Records``), every problem's scores are kept as they are made and a rerun
reads them back. Nothing here imports torch: the app's Verifiers page reads the results.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from ..metrics import auroc, bootstrap, interval_text

MAX_FILE_BYTES = 200 * 2**20
MAX_LINE_BYTES = 1 * 2**20
MAX_STEP_CHARS = 20_000
MAX_PROBLEM_CHARS = 20_000
MAX_STEPS = 200
MAX_ITEMS = 200_000
SHIPPED = "processbench-smollm2"   # folder under data/: dev.jsonl (thresholds), test.jsonl (scored), bench.json
CURVE_POINTS = 41                  # thresholds 0, 0.025, ..., 1 for the accuracy-versus-threshold figure


class BenchDataError(ValueError):
    """A labelled file that cannot be used; the message names the file, the line and the fix."""


@dataclass
class Item:
    id: str
    problem: str
    steps: list
    label: int                       # earliest wrong step, -1: all right
    final_answer_correct: bool | None = None
    meta: dict = field(default_factory=dict)

    @property
    def correct(self) -> bool:
        """The whole solution is right (its final answer, where the file says; else its label)."""
        return self.label == -1 if self.final_answer_correct is None else bool(self.final_answer_correct)

    def to_dict(self) -> dict:
        d = {"id": self.id, "problem": self.problem, "steps": self.steps, "label": self.label}
        if self.final_answer_correct is not None:
            d["final_answer_correct"] = self.final_answer_correct
        d.update(self.meta)
        return d


# ---------------------------------------------------------------------------------------
# reading ProcessBench-format JSONL

def _check_item(d, where: str) -> Item:
    if not isinstance(d, dict):
        raise BenchDataError(f"{where}: expected a JSON object, got {type(d).__name__}")
    for k in ("problem", "steps", "label"):
        if k not in d:
            raise BenchDataError(f"{where}: no {k!r} field (each line needs id, problem, steps and label)")
    sid = d.get("id", None)
    if sid is None or isinstance(sid, (bool, dict, list)) or len(str(sid)) > 500:
        raise BenchDataError(f"{where}: 'id' must be a short string or number")
    prob = d["problem"]
    if not isinstance(prob, str) or not prob.strip():
        raise BenchDataError(f"{where}: 'problem' must be a non-empty string")
    if len(prob) > MAX_PROBLEM_CHARS:
        raise BenchDataError(f"{where}: the problem is {len(prob):,} characters; at most {MAX_PROBLEM_CHARS:,}")
    steps = d["steps"]
    if not isinstance(steps, list) or not steps or not all(isinstance(s, str) for s in steps):
        raise BenchDataError(f"{where}: 'steps' must be a non-empty list of strings")
    if len(steps) > MAX_STEPS:
        raise BenchDataError(f"{where}: {len(steps)} steps; at most {MAX_STEPS}")
    for j, s in enumerate(steps):
        if len(s) > MAX_STEP_CHARS:
            raise BenchDataError(f"{where}: step {j} is {len(s):,} characters; at most {MAX_STEP_CHARS:,}")
    lab = d["label"]
    if isinstance(lab, bool) or not isinstance(lab, int) or not -1 <= lab < len(steps):
        raise BenchDataError(f"{where}: 'label' must be -1 (all steps right) or a step index 0-{len(steps) - 1}, "
                             f"got {str(lab)[:40]!r}")
    fac = d.get("final_answer_correct")
    if fac is not None and not isinstance(fac, bool):
        raise BenchDataError(f"{where}: 'final_answer_correct' must be true or false")
    if fac is True and lab != -1:
        raise BenchDataError(f"{where}: a solution with a wrong step (label {lab}) is marked final_answer_correct; "
                             "ProcessBench counts it erroneous: drop the field or fix the label")
    meta = {k: d[k] for k in ("level", "split", "generator") if k in d and isinstance(d[k], (str, int))}
    return Item(str(sid), prob, list(steps), int(lab), fac, meta)


def load_items(path: str | Path, limit: int | None = None) -> list[Item]:
    """Every solution of a ProcessBench-format JSONL file, all checked before any is returned."""
    path = Path(path)
    if not path.is_file():
        raise BenchDataError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise BenchDataError(f"{path}: {size / 2**20:.0f} MB; at most {MAX_FILE_BYTES // 2**20} MB")
    out, seen = [], set()
    with path.open("rb") as f:
        n = 0
        while True:
            raw = f.readline(MAX_LINE_BYTES + 1)
            if not raw:
                break
            n += 1
            where = f"{path.name} line {n}"
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                raise BenchDataError(f"{where}: longer than {MAX_LINE_BYTES // 2**20} MB (a step may be at most "
                                     f"{MAX_STEP_CHARS:,} characters)")
            if not raw.strip():
                continue
            try:
                d = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise BenchDataError(f"{where}: not valid JSON ({str(e)[:80]})") from None
            it = _check_item(d, where)
            if it.id in seen:
                raise BenchDataError(f"{where}: id {it.id[:60]!r} appears twice")
            seen.add(it.id)
            out.append(it)
            if len(out) > MAX_ITEMS:
                raise BenchDataError(f"{path.name}: more than {MAX_ITEMS:,} solutions")
    if not out:
        raise BenchDataError(f"{path}: no solutions in the file")
    return subsample(out, limit) if limit else out


def subsample(items: list[Item], limit: int, seed: int = 0) -> list[Item]:
    """At most ``limit`` solutions, whole problems kept together, problems in a fixed random order."""
    groups = group_by_problem(items)
    keys = sorted(groups, key=lambda k: _h(f"{seed}:{k}"))
    out = []
    for k in keys:
        if out and len(out) + len(groups[k]) > limit:
            break
        out += [items[i] for i in groups[k]]
    return out


def _h(s: str) -> str:
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def group_by_problem(items: Sequence[Item]) -> dict[str, list[int]]:
    g: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        g.setdefault(it.problem, []).append(i)
    return g


def split_by_problem(items: list[Item], seed: int = 0) -> tuple[list[Item], list[Item]]:
    """(calibration half, scored half) of a lone file's problems, by a hash of each problem:
    a threshold chosen on the first is measured on the second."""
    cal, test = [], []
    for it in items:
        (cal if int(_h(f"{seed}:{it.problem}")[:8], 16) % 2 == 0 else test).append(it)
    if not cal or not test:
        raise BenchDataError("the file has too few problems to split into a calibration and a scored half; "
                             "give --dev FILE or --threshold")
    return cal, test


# ---------------------------------------------------------------------------------------
# labelling our own solutions: the answer key's earliest wrong step

def label_of(calc, steps: Sequence[str]) -> int | None:
    """ProcessBench's label of a solution by the answer key: the first step off track, -1 when
    all are on track and the last announces the right answer, None for a solution that never
    announces an answer (not a finished solution: left out)."""
    from ..grading import marked_answer
    from ..verifiers.oracle import step_labels

    labels = step_labels(calc, steps)
    for j, ok in enumerate(labels):
        if not ok:
            return j
    return -1 if steps and marked_answer(steps[-1] or "") is not None else None


def from_prm_data(folder: str | Path) -> list[Item]:
    """The shards of a ``ttc-viz prm-data`` folder (every step labelled), as ProcessBench items."""
    from ..verifiers.oracle import chain_of

    out = []
    for f in sorted(Path(folder, "shards").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            calc = chain_of(r["problem"])
            lab = label_of(calc, r["steps"]) if calc is not None else None
            if lab is None:
                continue
            out.append(Item(f"{r['problem_id']}-s{r['sample']}", r["problem"], list(r["steps"]), lab, lab == -1,
                            {"level": r.get("level"), "split": "train"}))
    return out


def from_sweep_cells(folder: str | Path) -> list[Item]:
    """The best-of-N pools kept in a sweep's ``cells/`` (held-out test problems), as items."""
    from ..tree import SearchTree
    from ..verifiers.oracle import chain_of

    out = []
    for f in sorted(Path(folder, "cells").glob("*--best_of_n-*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        tree = SearchTree.from_dict(d["tree"])
        calc = chain_of(tree.problem["text"])
        if calc is None:
            continue
        parents = {n.parent for n in tree.nodes}
        for j, leaf in enumerate(n for n in tree.nodes if n.id not in parents and n.parent is not None):
            steps = tree.steps(leaf.id)
            lab = label_of(calc, steps)
            if lab is None:
                continue
            out.append(Item(f"{d['cell']['problem_id']}-s{j}", tree.problem["text"], steps, lab, lab == -1,
                            {"level": d["cell"]["level"], "split": "test"}))
    return out


# ---------------------------------------------------------------------------------------
# scoring

def score_items(verifier, items: Sequence[Item], progress: Callable | None = None, records: "Records | None" = None,
                name: str = "") -> list[list[float]]:
    """Each solution's step scores (one ``score_batch`` call per problem). With ``records``, a
    problem already scored by this verifier is read back, and each new one is kept as soon as
    it is scored."""
    scores: list = [None] * len(items)
    groups = group_by_problem(items)
    t0 = time.perf_counter()
    for k, (prob, idx) in enumerate(groups.items()):
        known = [records.get(name, items[i]) for i in idx] if records else [None] * len(idx)
        if all(x is not None for x in known):
            got = known
        else:
            got = verifier.score_batch(prob, [items[i].steps for i in idx])
        for i, sc in zip(idx, got):
            sc = [float(x) for x in sc]
            if len(sc) != len(items[i].steps) or not all(math.isfinite(x) for x in sc):
                raise ValueError(f"verifier {getattr(verifier, 'name', '?')} gave {len(sc)} scores (or a non-finite "
                                 f"one) for the {len(items[i].steps)} steps of {items[i].id}")
            scores[i] = sc
        if records and got is not known:
            records.add(name, [items[i] for i in idx], [scores[i] for i in idx])
        if progress:
            progress(k + 1, len(groups), time.perf_counter() - t0)
    return scores


class Records:
    """Scores kept in a JSONL file as they are made (one line per verifier and problem), so an
    interrupted run resumes where it stopped. A line is keyed by the verifier spec and a hash
    of the solution (problem and steps): a changed file is scored afresh, never mixed up."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.known: dict = {}
        if self.path.exists():
            if self.path.stat().st_size > MAX_FILE_BYTES:
                raise BenchDataError(f"{self.path.name}: too large for a records file")
            lines = self.path.read_text(encoding="utf-8").splitlines()
            for n, line in enumerate(lines, 1):
                try:
                    d = json.loads(line)
                    for key, sc in zip(d["keys"], d["scores"], strict=True):
                        self.known[(str(d["verifier"]), str(key))] = [float(x) for x in sc]
                except (ValueError, KeyError, TypeError):
                    if n == len(lines):
                        continue  # a last line cut short by an interruption: scored again
                    raise BenchDataError(f"{self.path.name} line {n}: not a records line; use another --records "
                                         "file") from None

    @staticmethod
    def key(it: Item) -> str:
        return _h(json.dumps([it.problem, it.steps]))[:32]

    def get(self, name: str, it: Item):
        return self.known.get((name, self.key(it)))

    def add(self, name: str, its: Sequence[Item], scores) -> None:
        keys = [self.key(it) for it in its]
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"verifier": name, "keys": keys, "scores": scores}) + "\n")
            f.flush()
        for k, sc in zip(keys, scores):
            self.known[(name, k)] = sc


# ---------------------------------------------------------------------------------------
# ProcessBench's metric

def predict(scores: Sequence[float], tau: float) -> int:
    """The first step scored below ``tau``, or -1."""
    for j, s in enumerate(scores):
        if s < tau:
            return j
    return -1


def _window(label: int, scores: Sequence[float]) -> tuple[float, float]:
    """The thresholds (lo, hi] at which ``predict(scores, tau) == label`` (lo >= hi: none)."""
    if label == -1:
        return -math.inf, min(scores)
    before = min(scores[:label]) if label else math.inf
    return scores[label], before


def hits(items: Sequence[Item], scores: Sequence[Sequence[float]], tau: float) -> list[bool]:
    return [predict(sc, tau) == it.label for it, sc in zip(items, scores)]


def f1_of(acc_err: float | None, acc_cor: float | None) -> float | None:
    if acc_err is None or acc_cor is None:
        return None
    return 0.0 if acc_err + acc_cor == 0 else 2 * acc_err * acc_cor / (acc_err + acc_cor)


def _accuracies(items, hit) -> tuple[float | None, float | None]:
    e = [h for it, h in zip(items, hit) if it.label >= 0]
    c = [h for it, h in zip(items, hit) if it.label == -1]
    return (sum(e) / len(e) if e else None), (sum(c) / len(c) if c else None)


def threshold_curve(items: Sequence[Item], scores, taus: Sequence[float]) -> dict:
    """Accuracy on erroneous and correct solutions and F1 at each threshold (vectorised)."""
    import numpy as np

    win = np.array([_window(it.label, sc) for it, sc in zip(items, scores)], dtype=float).reshape(-1, 2)
    t = np.asarray(taus, dtype=float)[:, None]
    ok = (win[None, :, 0] < t) & (t <= win[None, :, 1])
    err = np.array([it.label >= 0 for it in items])
    ae = ok[:, err].mean(axis=1) if err.any() else np.full(len(taus), np.nan)
    ac = ok[:, ~err].mean(axis=1) if (~err).any() else np.full(len(taus), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(ae + ac > 0, 2 * ae * ac / (ae + ac), 0.0)
    f1 = np.where(np.isnan(ae) | np.isnan(ac), np.nan, f1)
    clean = lambda a: [None if math.isnan(x) else float(x) for x in a]  # noqa: E731
    return {"tau": [float(x) for x in taus], "acc_erroneous": clean(ae), "acc_correct": clean(ac), "f1": clean(f1)}


def choose_threshold(items: Sequence[Item], scores) -> float:
    """The threshold of highest F1 on ``items`` (a split that is not scored): every distinct
    outcome is tried (midpoints between neighbouring scores, and beyond both ends); among
    equally good ones, the middle one."""
    vals = sorted({x for sc in scores for x in sc})
    if not vals:
        raise ValueError("no scores to choose a threshold from")
    if len(vals) > 4000:  # thin to quantiles: the choice moves by less than one solution
        vals = [vals[round(i * (len(vals) - 1) / 3999)] for i in range(4000)]
    cands = [vals[0] - 1e-6] + [(a + b) / 2 for a, b in zip(vals, vals[1:])] + [vals[-1] + 1e-6]
    f1 = threshold_curve(items, scores, cands)["f1"]
    f1 = [-1.0 if x is None else x for x in f1]
    best = max(f1)
    tied = [c for c, x in zip(cands, f1) if x == best]
    return tied[len(tied) // 2]


@dataclass
class BenchConfig:
    bootstrap: int = 500
    seed: int = 0
    threshold: float | None = None   # fixed: no split needed


def _with_interval(keys, stat, cfg: BenchConfig) -> dict:
    lo, hi = bootstrap(keys, stat, resamples=cfg.bootstrap, seed=cfg.seed)
    return {"value": stat(keys), "lo": lo, "hi": hi}


def measure(items: Sequence[Item], scores, tau: float, cfg: BenchConfig) -> dict:
    """Every figure of one verifier on the scored pool at threshold ``tau``, with intervals."""
    groups = group_by_problem(items)
    keys = list(groups)
    hit = hits(items, scores, tau)
    per = {}  # per problem: counts for the accuracies, steps for AUROC, the within-problem figures
    for k, idx in groups.items():
        ne = sum(1 for i in idx if items[i].label >= 0)
        he = sum(1 for i in idx if items[i].label >= 0 and hit[i])
        hc = sum(1 for i in idx if items[i].label == -1 and hit[i])
        ys, ss = [], []
        for i in idx:
            lab = items[i].label
            ys += [int(lab == -1 or j < lab) for j in range(len(scores[i]))]
            ss += scores[i]
        fy = [int(items[i].correct) for i in idx]
        fs = [scores[i][-1] for i in idx]
        within = auroc(fy, fs)
        pick = None
        if within is not None:
            top = max(fs)
            best = [y for y, s in zip(fy, fs) if s == top]
            pick = sum(best) / len(best)
        per[k] = {"ne": ne, "he": he, "nc": len(idx) - ne, "hc": hc, "ys": ys, "ss": ss, "within": within,
                  "pick": pick}

    def acc(ks, n, h):
        tot = sum(per[k][n] for k in ks)
        return sum(per[k][h] for k in ks) / tot if tot else None

    def mean_of(ks, f):
        v = [per[k][f] for k in ks if per[k][f] is not None]
        return sum(v) / len(v) if v else None

    def steps_auroc(ks):
        return auroc([y for k in ks for y in per[k]["ys"]], [s for k in ks for s in per[k]["ss"]])

    stats = {
        "acc_erroneous": lambda ks: acc(ks, "ne", "he"),
        "acc_correct": lambda ks: acc(ks, "nc", "hc"),
        "f1": lambda ks: f1_of(acc(ks, "ne", "he"), acc(ks, "nc", "hc")),
        "step_auroc": steps_auroc,
        "within_auroc": lambda ks: mean_of(ks, "within"),
        "pick_accuracy": lambda ks: mean_of(ks, "pick"),
    }
    out = {name: _with_interval(keys, f, cfg) for name, f in stats.items()}
    out["threshold"] = tau
    out["problems_with_both"] = sum(1 for k in keys if per[k]["within"] is not None)
    return out


def bench(verifiers: dict, test: list[Item], dev: list[Item] | None, cfg: BenchConfig,
          progress: Callable | None = None, log: Callable | None = None, records: str | Path | None = None) -> dict:
    """Score ``test`` (and ``dev``, for the threshold) with each verifier and measure it.
    ``verifiers`` maps a name to a loaded verifier; ``records``, a file that keeps the scores
    as they are made (a rerun resumes)."""
    if dev and cfg.threshold is None:
        shared = set(group_by_problem(dev)) & set(group_by_problem(test))
        if shared:
            raise BenchDataError(f"the threshold split shares {len(shared)} problem(s) with the scored one; a threshold "
                                 "must be chosen on other problems")
    rec = Records(records) if records else None
    if cfg.threshold is None and not dev:
        raise ValueError("a threshold needs a separate split: give dev items or a fixed threshold")
    taus = [i / (CURVE_POINTS - 1) for i in range(CURVE_POINTS)]
    out = {"config": {"bootstrap": cfg.bootstrap, "seed": cfg.seed, "threshold": cfg.threshold},
           "data": describe(test), "dev": describe(dev) if dev else None, "verifiers": list(verifiers),
           "results": {}, "scores": {}, "items": [it.to_dict() for it in test]}
    for name, v in verifiers.items():
        t0 = time.perf_counter()
        tau, dev_curve = cfg.threshold, None
        if tau is None:
            dsc = score_items(v, dev, progress, rec, name)
            tau = choose_threshold(dev, dsc)
            dev_curve = threshold_curve(dev, dsc, taus)
        sc = score_items(v, test, progress, rec, name)
        res = measure(test, sc, tau, cfg)
        res["curve"] = threshold_curve(test, sc, taus)
        res["dev_curve"] = dev_curve
        res["seconds"] = round(time.perf_counter() - t0, 1)
        out["results"][name] = res
        out["scores"][name] = [[round(x, 4) for x in s] for s in sc]
        if log:
            log(f"{name}: F1 {res['f1']['value']} at threshold {tau:.3f} ({res['seconds']} s)")
    return out


def describe(items: Sequence[Item] | None) -> dict:
    items = items or []
    err = sum(1 for it in items if it.label >= 0)
    return {"solutions": len(items), "problems": len(group_by_problem(items)), "erroneous": err,
            "correct": len(items) - err,
            "first_error_at_step_0": sum(1 for it in items if it.label == 0)}


# ---------------------------------------------------------------------------------------
# showing it

ROWS = (("acc_erroneous", "acc. erroneous"), ("acc_correct", "acc. correct"), ("f1", "F1"),
        ("step_auroc", "step AUROC"), ("within_auroc", "within-problem AUROC"), ("pick_accuracy", "pick accuracy"))


def rows(result: dict) -> list[dict]:
    """One row per verifier, each figure as text with its interval (the CLI's and the app's table)."""
    out = []
    for name in result["verifiers"]:
        r = result["results"][name]
        row = {"verifier": name, "threshold": f"{r['threshold']:.3f}"}
        for key, title in ROWS:
            d = r[key]
            pct = key.startswith("acc") or key in ("f1", "pick_accuracy")
            row[title] = interval_text(d["value"], d["lo"], d["hi"], percent=pct, missing="n/a")
        out.append(row)
    return out


def table(result: dict) -> str:
    rs = rows(result)
    cols = list(rs[0]) if rs else []
    width = {c: max(len(c), *(len(r[c]) for r in rs)) for c in cols}
    lines = ["  ".join(c.ljust(width[c]) for c in cols)]
    lines += ["  ".join(r[c].ljust(width[c]) for c in cols) for r in rs]
    d, dev = result["data"], result.get("dev")
    lines.append(f"scored: {d['solutions']} solutions of {d['problems']} problems ({d['erroneous']} with a wrong step, "
                 f"{d['correct']} all right); threshold " +
                 (f"fixed at {result['config']['threshold']}" if dev is None else
                  f"chosen for the best F1 on a separate split of {dev['solutions']} solutions of "
                  f"{dev['problems']} problems"))
    lines.append("prediction: the first step scored below the threshold (-1: none); F1: harmonic mean of the accuracies "
                 "on erroneous and on correct solutions (ProcessBench); [95% bootstrap interval over problems]")
    return "\n".join(lines)


def figure(result: dict, name: str):
    """Accuracy on erroneous and correct solutions and F1 against the threshold, the chosen
    threshold marked (plotly; imported only here)."""
    import plotly.graph_objects as go

    r = result["results"][name]
    c = r["curve"]
    fig = go.Figure()
    for key, title, dash in (("acc_erroneous", "accuracy on erroneous", "dot"),
                             ("acc_correct", "accuracy on correct", "dash"), ("f1", "F1", "solid")):
        fig.add_trace(go.Scatter(x=c["tau"], y=c[key], name=title, mode="lines", line={"dash": dash}))
    if r.get("dev_curve"):
        fig.add_trace(go.Scatter(x=r["dev_curve"]["tau"], y=r["dev_curve"]["f1"], name="F1 on the threshold split",
                                 mode="lines", line={"dash": "dashdot", "color": "grey"}))
    fig.add_vline(x=r["threshold"], line_color="black", annotation_text="chosen threshold")
    fig.update_layout(title=f"{name}: scored pool, by threshold", xaxis_title="threshold (a step below it is flagged)",
                      yaxis_title="accuracy / F1", yaxis_range=[0, 1.02], height=360, margin={"t": 50, "b": 40})
    return fig


def solution_view(result: dict, index: int) -> dict:
    """One scored solution: its steps, the labelled earliest error and each verifier's scores
    and first flagged step (the app's browser)."""
    it = result["items"][index]
    flags = {}
    for name in result["verifiers"]:
        sc = result["scores"][name][index]
        flags[name] = {"scores": sc, "flagged": predict(sc, result["results"][name]["threshold"])}
    return {"item": it, "verifiers": flags}


SHIPPED_SCORED = ("test.jsonl", "classroom.jsonl")  # the scored pool: held-out synthetic and classroom problems


def load_shipped(limit: int | None = None, dev_file: str | Path | None = None,
                 with_dev: bool = True) -> tuple[list[Item], list[Item] | None]:
    """(scored pool, threshold split) of the shipped set (``dev_file`` replaces its dev file)."""
    from ..assets import data_dir

    folder = data_dir() / SHIPPED
    test = [it for name in SHIPPED_SCORED if (folder / name).is_file() for it in load_items(folder / name)]
    if limit:
        test = subsample(test, limit)
    dev = load_items(dev_file or folder / "dev.jsonl", limit) if with_dev else None
    return test, dev


def shipped_result() -> Path:
    """Where the shipped results lie (what the app's Verifiers page shows)."""
    from ..assets import data_dir

    return data_dir() / SHIPPED / "bench.json"


def load_result(path: str | Path) -> dict:
    """A results file written by ``ttc-viz bench-verifier --json``, its shape checked."""
    path = Path(path)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise BenchDataError(f"{path.name}: too large for a results file")
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise BenchDataError(f"{path.name}: not a results file ({str(e)[:80]})") from None
    ok = (isinstance(d, dict) and isinstance(d.get("verifiers"), list) and isinstance(d.get("results"), dict)
          and isinstance(d.get("items"), list) and isinstance(d.get("scores"), dict)
          and all(v in d["results"] and len(d["scores"].get(v, ())) == len(d["items"]) for v in d["verifiers"]))
    if not ok:
        raise BenchDataError(f"{path.name}: not a results file of ttc-viz bench-verifier")
    return d


def sample_items(generator, problems, n: int = 8, temperature: float = 0.8, seed: int = 0,
                 split: str = "test") -> list[Item]:
    """``n`` solutions of each problem from ``generator``, labelled by the answer key (problems
    it cannot check, and solutions that never announce an answer, are left out)."""
    from ..seeds import derive, hash_id
    from ..verifiers.oracle import chain_of

    out = []
    for p in problems:
        calc = chain_of(p)
        if calc is None:
            continue
        sols = generator.solutions(p.text, n, temperature=temperature, seed=derive(seed, hash_id(p.id)))
        for j, sol in enumerate(sols):
            steps = [s.text for s in sol]
            lab = label_of(calc, steps) if steps else None
            if lab is not None:
                out.append(Item(f"{p.id}-s{j}", p.text, steps, lab, lab == -1,
                                {"level": p.level if p.level is not None else p.meta.get("kind", ""), "split": split}))
    return out
