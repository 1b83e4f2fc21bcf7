"""How well sequential revisions work (``ttc-viz eval-revise``), on held-out problems by level.

For every problem, chains of attempts by the reviser (``search/revisions.revision_problem``: each
attempt sees the chain's last 4), and N whole samples of the plain generator as the
best-of-N reference. One set of chains serves every split of a budget N = chains × attempts
per chain (seq): chain c is sampled to the longest length any split uses it for (chain 0 to
N, chain 1 to N/2, chains 2-3 to N/4, ...; 3N attempts per problem in all), and a split
reads the first N/seq chains cut to seq attempts. Every attempt is graded by the answer key
(exact labels) and scored by the verifier the search would use.

Reported (with 95% bootstrap intervals over problems):
  * accuracy of the k-th attempt of a chain, k = 1 .. N (does revising help?);
  * right→wrong and wrong→right rates between consecutive attempts;
  * for N = 1, 2, 4, ... and each split, the accuracy of hierarchical selection
    (``search/revisions.hierarchical_pick``), beside the generator's best-of-N (weighted vote);
  * the best split per level.

Sampling here goes through ``transformers``' batched ``generate`` (rows with different
prompts decoded together: the chains of many problems at once), with the same sampling
rule as search (softmax at the temperature, no top-k/top-p) and the same token cap.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from ..grading import extract_answer, grade
from ..io import write_atomic
from ..lm.base import STEP_DELIMITER
from ..metrics import bootstrap, interval_text
from ..problems import LEVELS, Problem, synthetic
from ..scoring import aggregate, vote
from ..search.revisions import hierarchical_pick, revision_problem
from ..seeds import derive, hash_id

FORMAT = "ttc-viz-revise-eval-v1"


@dataclass
class ReviseEvalConfig:
    levels: tuple = (1, 2, 3, 4)
    problems: int = 15            # per level, test split
    n: int = 16                   # the largest budget (a power of two)
    temperature: float = 0.8
    seed: int = 0
    batch_size: int = 32
    max_tokens: int = 256         # per attempt: level-4 solutions take ~100; a batch waits for its longest row
    aggregation: str = "last"
    group: int = 20               # problems sampled together (records are written after each group)

    def check(self) -> None:
        if not isinstance(self.n, int) or self.n < 1 or self.n & (self.n - 1) or self.n > 64:
            raise ValueError(f"N must be a power of two from 1 to 64, got {self.n!r}")
        if not isinstance(self.group, int) or self.group < 1:
            raise ValueError(f"group must be a positive whole number, got {self.group!r}")
        if not isinstance(self.problems, int) or not 1 <= self.problems <= 1000:
            raise ValueError(f"problems per level must be 1-1000, got {self.problems!r}")
        if not self.levels or any(lv not in LEVELS for lv in self.levels):
            raise ValueError(f"levels must be within 1-5, got {self.levels}")
        if not 0.0 <= float(self.temperature) <= 2.0:
            raise ValueError(f"temperature must be between 0 and 2, got {self.temperature!r}")

    def problem_list(self) -> list[Problem]:
        return [synthetic(lv, i, split="test") for lv in self.levels for i in range(self.problems)]


def powers(n: int) -> list[int]:
    return [1 << i for i in range(int(math.log2(n)) + 1)]


def chain_lengths(n: int) -> list[int]:
    """Attempts to sample in chain c so that every split of every budget up to ``n`` can be
    read off: the longest seq with seq * (c + 1) <= n."""
    return [max(s for s in powers(n) if s * (c + 1) <= n) for c in range(n)]


def split_steps(text: str) -> list[str]:
    return [s.strip() for s in text.split(STEP_DELIMITER) if s.strip()]


def sample_texts(gen, texts: list[str], temperature: float, seed: int, batch_size: int,
                 max_tokens: int | None = None) -> list[list[str]]:
    """One whole solution (its steps) per text, the texts' chat prompts decoded together in
    batches (longest first, so a batch holds similar lengths)."""
    import torch

    tok, model = gen.tok, gen.model
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out: list[list[str]] = [[] for _ in texts]
    eos = sorted(gen._eos_ids)
    for b in range(0, len(order), batch_size):
        rows = order[b:b + batch_size]
        enc = tok([gen.prompt(texts[i]) for i in rows], add_special_tokens=False, padding=True,
                  return_tensors="pt").to(gen.device)
        torch.manual_seed(derive(seed, b, modulus=2**31 - 1))
        with torch.inference_mode():
            ids = model.generate(**enc, do_sample=temperature > 0, temperature=max(temperature, 1e-5), top_k=0,
                                 top_p=1.0, max_new_tokens=min(max_tokens or 10**9, gen.cfg.max_solution_tokens), pad_token_id=tok.pad_token_id,
                                 eos_token_id=eos)
        for j, i in enumerate(rows):
            new = ids[j, enc["input_ids"].shape[1]:].tolist()
            out[i] = split_steps(tok.decode(new, skip_special_tokens=True))
    return out


def _graded(steps: list[str], score: float, truth: str) -> dict:
    ans = extract_answer(STEP_DELIMITER.join(steps)) if steps else None
    return {"steps": steps, "answer": ans, "correct": bool(ans is not None and grade(ans, truth)),
            "score": round(float(score), 6)}


def _weights(model) -> dict | str | None:
    """What identifies a model's weights: the SHA-256 of its files where it records them, else its name."""
    w = getattr(model, "weights", None)
    # the embedded generator also names the reviser it carries; its own samples do not depend on it
    return {k: v for k, v in w.items() if k != "reviser_sha256"} if isinstance(w, dict) else getattr(model, "name", None)


def run_eval(reviser, generator, verifier, cfg: ReviseEvalConfig, records: str | Path | None = None,
             progress=None) -> list[dict]:
    """Sample, grade and score; one record per problem (kept in ``records``, so a rerun
    resumes). ``generator``: the best-of-N reference (None: left out)."""
    cfg.check()
    problems = cfg.problem_list()
    rec_dir = Path(records) if records else None
    want = json.loads(json.dumps(asdict(cfg)))
    # which weights made the chains and the baseline: a retrained reviser keeps its name, and its
    # chains must never be taken from records of the one before (the baseline may be, if its
    # generator is the same)
    made_by = {"reviser": _weights(reviser), "generator": _weights(generator) if generator is not None else None}
    done: dict = {}
    kept_base: dict = {}
    if rec_dir:
        rec_dir.mkdir(parents=True, exist_ok=True)
        for p in problems:
            f = rec_dir / f"{p.id}.json"
            if f.is_file():
                r = json.loads(f.read_text())
                if r.get("format") != FORMAT or r.get("config") != want:
                    continue
                old = r.get("weights") or {}
                if old.get("reviser") == made_by["reviser"] and old.get("generator") == made_by["generator"]:
                    done[p.id] = r
                elif generator is not None and r.get("baseline") and old.get("generator") == made_by["generator"]:
                    kept_base[p.id] = r["baseline"]
    todo = [p for p in problems if p.id not in done]
    lengths = chain_lengths(cfg.n)
    per_problem = sum(lengths) + (cfg.n if generator is not None else 0)
    total, sampled = per_problem * len(todo) - cfg.n * len(kept_base), 0
    # problems go in groups (records written after each), chains of a group's problems
    # decoded together round by round
    for g in range(0, len(todo), cfg.group):
        group = todo[g:g + cfg.group]
        chains = {p.id: [[] for _ in lengths] for p in group}
        for t in range(max(lengths)):
            rows = [(p, c) for p in group for c, L in enumerate(lengths) if L > t]
            seed = derive(cfg.seed, t, modulus=None)
            if t == 0:  # first attempts see the problem alone: one call per problem shares its prompt
                outs = []
                for p in group:
                    sols = reviser.solutions(p.text, len(lengths), temperature=cfg.temperature,
                                             seed=derive(seed, hash_id(p.id), modulus=None))
                    outs += [[st.text for st in sol] for sol in sols]
            else:
                texts = [revision_problem(p.text, chains[p.id][c]) for p, c in rows]
                outs = sample_texts(reviser, texts, cfg.temperature, seed, cfg.batch_size, cfg.max_tokens)
            for (p, c), steps in zip(rows, outs):
                chains[p.id][c].append(steps)
            sampled += len(rows)
            if progress:
                progress(sampled, total, f"attempt {t + 1} of {max(lengths)}")
        for p in group:
            attempts = [a for ch in chains[p.id] for a in ch]
            base = []
            if p.id in kept_base:   # the same generator's samples, recorded before: scored again below
                base = [b["steps"] for b in kept_base[p.id]]
            elif generator is not None:
                base = [[st.text for st in sol] for sol in
                        generator.solutions(p.text, cfg.n, temperature=cfg.temperature,
                                            seed=derive(cfg.seed + 7, hash_id(p.id), modulus=None))]
                sampled += cfg.n
            scored = verifier.score_batch(p.text, [a or [""] for a in attempts + base])
            it = iter([aggregate(x, cfg.aggregation) for x in scored])
            rec = {"format": FORMAT, "config": want, "weights": made_by, "id": p.id, "level": p.level,
                   "answer": p.answer,
                   "chains": [[_graded(a, next(it), p.answer) for a in ch] for ch in chains[p.id]],
                   "baseline": [_graded(a, next(it), p.answer) for a in base]}
            done[p.id] = rec
            if rec_dir:
                write_atomic(rec_dir / f"{p.id}.json", json.dumps(rec))
            if progress:
                progress(sampled, total, f"scored {p.id}")
    return [done[p.id] for p in problems]


# ---------------------------------------------------------------------------------------
# summaries

def attempt_accuracy(rec: dict, k: int) -> float | None:
    """Share of the problem's chains whose k-th attempt is right (chains that long)."""
    xs = [ch[k - 1]["correct"] for ch in rec["chains"] if len(ch) >= k]
    return sum(xs) / len(xs) if xs else None


def transitions(recs: list[dict]) -> dict:
    """Between consecutive attempts of a chain: right→wrong / right, wrong→right / wrong."""
    rr = rw = wr = ww = 0
    for r in recs:
        for ch in r["chains"]:
            for a, b in zip(ch, ch[1:]):
                if a["correct"]:
                    rr, rw = rr + b["correct"], rw + (not b["correct"])
                else:
                    wr, ww = wr + b["correct"], ww + (not b["correct"])
    return {"right_to_wrong": rw / (rr + rw) if rr + rw else None, "right_pairs": rr + rw,
            "wrong_to_right": wr / (wr + ww) if wr + ww else None, "wrong_pairs": wr + ww}


def split_correct(rec: dict, n: int, seq: int, rule: str = "weighted") -> bool:
    chains = [[(a["answer"], a["score"]) for a in ch[:seq]] for ch in rec["chains"][: n // seq]]
    pick = hierarchical_pick(chains, rule)
    return bool(pick is not None and grade(pick, rec["answer"]))


def baseline_correct(rec: dict, n: int, rule: str = "weighted") -> bool | None:
    base = rec["baseline"][:n]
    if len(base) < n:
        return None
    pick = vote([a["answer"] for a in base], [a["score"] for a in base], rule)
    return bool(pick is not None and grade(pick, rec["answer"]))


def _mean(xs) -> float | None:
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def _with_ci(recs: list, stat) -> dict:
    lo, hi = bootstrap(recs, stat, resamples=1000)
    v = stat(recs)
    return {"value": None if v is None else round(v, 4), "low": None if lo is None else round(lo, 4),
            "high": None if hi is None else round(hi, 4), "problems": len(recs)}


def _mean_ci(values: list) -> dict:
    """Mean of per-problem values with its bootstrap interval (resampling the numbers, so
    nothing is graded again per resample)."""
    return _with_ci(values, _mean)


def _rate_ci(pairs: list[tuple[int, int]]) -> dict:
    """A pooled rate sum(hits) / sum(trials) over problems, with its bootstrap interval."""
    def rate(xs):
        trials = sum(t for _, t in xs)
        return sum(h for h, _ in xs) / trials if trials else None

    return _with_ci(pairs, rate)


def summarize(recs: list[dict], n: int) -> dict:
    groups = {f"level {lv}": [r for r in recs if r["level"] == lv] for lv in sorted({r["level"] for r in recs})}
    groups["all"] = recs
    # every per-problem figure once
    per = {id(r): {"attempt": {k: attempt_accuracy(r, k) for k in powers(n)},
                   "split": {(b, s): split_correct(r, b, s) for b in powers(n) for s in powers(b)},
                   "base": {b: baseline_correct(r, b) for b in powers(n)},
                   "trans": transitions([r])} for r in recs}
    out = {}
    for name, rs in groups.items():
        f = [per[id(r)] for r in rs]
        tr = [x["trans"] for x in f]
        g = {"attempt_accuracy": {k: _mean_ci([x["attempt"][k] for x in f]) for k in powers(n)},
             "transitions": transitions(rs),
             "transitions_ci": {
                 "right_to_wrong": _rate_ci([(round((t["right_to_wrong"] or 0) * t["right_pairs"]), t["right_pairs"])
                                             for t in tr]),
                 "wrong_to_right": _rate_ci([(round((t["wrong_to_right"] or 0) * t["wrong_pairs"]), t["wrong_pairs"])
                                             for t in tr])},
             "splits": {}, "best_of_n": {}, "best_split": {}}
        for budget in powers(n):
            row = {seq: _mean_ci([x["split"][(budget, seq)] for x in f]) for seq in powers(budget)}
            g["splits"][budget] = row
            g["best_of_n"][budget] = _mean_ci([x["base"][budget] for x in f])
            best = max(row.items(), key=lambda kv: (kv[1]["value"] or 0.0, -kv[0]))
            g["best_split"][budget] = {"seq": best[0], "chains": budget // best[0], **best[1]}
        out[name] = g
    return {"format": FORMAT, "n": n, "groups": out}


def _pct(d: dict | None) -> str:
    d = d or {}
    return interval_text(d.get("value"), d.get("low"), d.get("high"), percent=True)


def table(summary: dict) -> str:
    """Markdown tables: the k-th attempt's accuracy, transitions, and the splits at the largest N."""
    n = summary["n"]
    ks = powers(n)
    lines = ["| group | " + " | ".join(f"attempt {k}" for k in ks) + " | right→wrong | wrong→right |",
             "|---" * (len(ks) + 3) + "|"]
    for name, g in summary["groups"].items():
        t = g["transitions"]
        rate = lambda v, m: "–" if v is None else f"{100 * v:.0f}% (of {m})"  # noqa: E731
        lines.append(f"| {name} | " + " | ".join(_pct(g["attempt_accuracy"][k]) for k in ks)
                     + f" | {rate(t['right_to_wrong'], t['right_pairs'])} | {rate(t['wrong_to_right'], t['wrong_pairs'])} |")
    lines += ["", f"Budget N = {n}: hierarchical selection (weighted) by attempts per chain, and best-of-{n} of the "
                  "generator (weighted vote)", "",
              "| group | " + " | ".join(f"{n // s}×{s}" for s in powers(n)) + f" | generator best-of-{n} | best split |",
              "|---" * (len(powers(n)) + 3) + "|"]
    for name, g in summary["groups"].items():
        b = g["best_split"][n]
        lines.append(f"| {name} | " + " | ".join(_pct(g["splits"][n][s]) for s in powers(n))
                     + f" | {_pct(g['best_of_n'][n])} | {b['chains']}×{b['seq']} |")
    return "\n".join(lines)


__all__ = ["ReviseEvalConfig", "run_eval", "summarize", "table", "chain_lengths", "sample_texts"]
