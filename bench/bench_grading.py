"""Grading benchmark: agreement with Math-Verify, extraction from solutions, grades per second.

    python bench/bench_grading.py            # everything (~3-4 minutes on 2 CPU cores)
    python bench/bench_grading.py --only agreement|extraction|speed

1. Agreement. A broad sample of answer pairs is generated here (no data download): values of
   every MATH answer kind (integers, fractions, radicals, pi, decimals, percentages, degrees,
   text, polynomials, trig identities, equations, assignments, inequalities, intervals,
   unions, sets, tuples, matrices, +-), each written in several spellings, paired with each
   other (should be equal) and with near misses (should not). Math-Verify judges every pair
   as it is normally used on bare answers, ``verify(parse("$gold$"), parse("$pred$"))`` with
   its default extraction, in a separate process (the pairs are ours, so its eval-based
   fallback is harmless there); ttc-viz's ``equivalent_many`` judges the same pairs.
2. Extraction. ~200 competition-style reference solutions are written programmatically
   (several steps of prose and LaTeX, the answer boxed in one of several styles and often
   in another spelling than the stated answer). ``grade(solution, stated answer)`` must be
   True; ``grade(solution, another problem's answer)`` is the false-positive rate.
3. Speed: grades per second on the numeric fast path, on the symbolic path (distinct pairs,
   nothing cached), and a sweep-sized accuracy pass (10k mostly numeric samples).

One script, over 300 lines on purpose: it runs as a file, and most of it is the test data it
writes for itself (``value_classes``: every answer kind and its spellings).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ttc_viz.grading import equivalent, equivalent_many, grade, grade_many, warm_up  # noqa: E402

# ---------------------------------------------------------------- answer pairs

def _frac(p: int, q: int) -> str:
    s = "-" if p * q < 0 else ""
    return f"{s}\\frac{{{abs(p)}}}{{{abs(q)}}}"


def value_classes(rng: random.Random) -> list[tuple[str, str, list[str], list[str]]]:
    """(kind, gold, equal spellings, near misses)."""
    out = []
    for n in rng.sample(range(2, 5000), 40) + [0, 1, -7, 1000, 123456, 10**12]:
        same = [str(n), f"{n}.0", f"\\text{{{n}}}", f"{n}\\text{{ cm}}", f"\\${n}" if n >= 0 else str(n),
                f"{n}\\,\\text{{units}}", f"{{{n}}}"]
        if abs(n) >= 1000:
            same.append(f"{n:,}")
        out.append(("integer", str(n), same, [str(n + 1), str(n - 1), str(-n - 1), str(10 * n + 1), f"{n}.5"]))
    for _ in range(35):
        q = rng.choice([2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 16, 25])
        p = rng.choice([x for x in range(-20, 40) if x and Fraction(x, q).denominator == q])
        f = Fraction(p, q)
        same = [_frac(p, q), f"{p}/{q}", f"\\dfrac{{{p}}}{{{q}}}" if p > 0 else f"-\\dfrac{{{-p}}}{{{q}}}",
                f"\\tfrac{{{p}}}{{{q}}}" if p > 0 else f"-\\tfrac{{{-p}}}{{{q}}}", _frac(2 * p, 2 * q),
                f"{float(f):.10f}".rstrip("0")]
        if 0 < p < 10 and q < 10:
            same.append(f"\\frac{p}{q}")
        near = [_frac(p + 1, q), _frac(q, p) if p else "1", f"{float(f):.2f}", _frac(-p, q)]
        out.append(("fraction", _frac(p, q), same, near))
    for _ in range(20):
        a, b = rng.randint(2, 9), rng.choice([2, 3, 5, 6, 7, 10, 11])
        same = [f"{a}\\sqrt{{{b}}}", f"\\sqrt{{{a * a * b}}}", f"\\sqrt{{{b}}} \\cdot {a}"]
        if b < 10:  # "\sqrt 10" is sqrt(1) * 0 in LaTeX
            same += [f"{a} \\sqrt {b}", f"{a}\\sqrt{b}"]
        near = [f"{a}\\sqrt{{{b + 1}}}", f"{a + 1}\\sqrt{{{b}}}", f"\\sqrt{{{a * b}}}", f"{a * b}"]
        out.append(("radical", f"{a}\\sqrt{{{b}}}", same, near))
    for _ in range(15):
        p, q = rng.randint(1, 9), rng.choice([2, 3, 4, 6])
        if Fraction(p, q).denominator != q:
            continue
        same = [f"\\frac{{{p}\\pi}}{{{q}}}", f"\\frac{{{p}}}{{{q}}}\\pi", f"\\frac{p}{q}\\pi", f"{p}\\pi/{q}"]
        out.append(("pi", f"\\frac{{{p}\\pi}}{{{q}}}", same, [f"\\frac{{{p}}}{{{q}}}", f"\\frac{{{p + 1}\\pi}}{{{q}}}"]))
    for _ in range(12):
        v = rng.choice([5, 10, 12.5, 20, 25, 40, 75])
        out.append(("percent", f"{v}\\%", [f"{v}\\%", f"{v}%", f"{v}"], [f"{v + 1}\\%", f"{v * 2}"]))
    for d in (30, 45, 60, 90, 120, 135):
        out.append(("degrees", f"{d}^\\circ", [f"{d}^\\circ", f"{d}^{{\\circ}}", f"{d}", f"{d}\\text{{ degrees}}"],
                    [f"{d + 15}^\\circ", f"{d + 1}"]))
    for w, miss in (("Monday", "Tuesday"), ("even", "odd"), ("(C)", "(D)")):
        out.append(("text", f"\\text{{{w}}}", [f"\\text{{{w}}}", w, f"\\textbf{{{w}}}"], [f"\\text{{{miss}}}", miss]))
    for _ in range(20):
        a, b = rng.randint(-6, 6), rng.randint(1, 7)
        s1, s2 = a + b, a * b
        exp = f"x^2{s1:+d}x{s2:+d}".replace("+1x", "+x").replace("-1x", "-x").replace("+0x", "")
        same = [exp, f"(x{a:+d})(x{b:+d})", f"(x{b:+d})(x{a:+d})", f"{s2}{s1:+d}x+x^2".replace("+0x", "")]
        near = [f"(x{a:+d})(x{-b:+d})", f"x^2{s1 + 1:+d}x{s2:+d}", f"(x{a:+d})^2"]
        out.append(("polynomial", exp, same, near))
    trig = [("\\tan^2(y)+1", ["\\sec^2(y)", "1+\\tan^2 y"], ["\\tan^2(y)", "\\sec(y)"]),
            ("1", ["\\sin^2 x+\\cos^2 x", "\\cos^2 x + \\sin^2 x"], ["\\sin^2 x"]),
            ("\\sin(2x)", ["2\\sin x\\cos x", "2\\cos(x)\\sin(x)"], ["\\sin x\\cos x", "2\\sin x"]),
            ("\\cos(2x)", ["\\cos^2 x-\\sin^2 x", "1-2\\sin^2 x", "2\\cos^2 x - 1"], ["\\cos^2 x+\\sin^2 x"]),
            ("\\frac{\\sqrt{3}}{2}", ["\\sin 60^\\circ", "\\cos(\\pi/6)", "0.8660254"], ["\\frac{1}{2}", "0.866"]),
            ("\\ln 8", ["3\\ln 2", "\\ln(2^3)"], ["\\ln 6"]), ("e^{2}", ["e^2", "e\\cdot e"], ["2e"])]
    for gold, same, near in trig:
        out.append(("identity", gold, [gold] + same, near))
    for _ in range(15):
        m, c = rng.randint(-5, 5) or 2, rng.randint(-9, 9)
        gold = f"y={m}x{c:+d}"
        same = [gold, f"y = {c}{m:+d}x", f"y-{m}x={c}".replace("--", "+"), f"{m}x{c:+d}=y", f"{m}x-y={-c}"]
        near = [f"y={m}x{c + 1:+d}", f"y={-m}x{c:+d}", f"y={m}x"]
        out.append(("equation", gold, same, near))
    for _ in range(15):
        v = rng.choice([2, 3, 5, -4, 7]) if rng.random() < 0.5 else Fraction(rng.randint(1, 9), rng.choice([2, 3, 4]))
        vs = _frac(v.numerator, v.denominator) if isinstance(v, Fraction) and v.denominator > 1 else str(v)
        out.append(("assignment", vs, [f"x = {vs}", f"x={vs}", vs, f"y = {vs}"],
                    [f"x = {vs}+1", f"{vs}+1"]))
    for _ in range(15):
        a = rng.randint(-9, 9)
        same = [f"x < {a}", f"{a} > x", f"-x > {-a}", f"x<{a}"]
        out.append(("inequality", f"x < {a}", same, [f"x > {a}", f"x \\le {a}", f"x < {a + 1}"]))
        b = a + rng.randint(1, 6)
        same = [f"[{a}, {b})", f"[{a},{b})", f"\\left[{a}, {b}\\right)", f"[{a}, {b})"]
        out.append(("interval", f"[{a},{b})", same, [f"({a},{b})", f"[{a},{b}]", f"[{a},{b + 1})"]))
        same = [f"(-\\infty,{a})\\cup({b},\\infty)", f"(-\\infty, {a}) \\cup ({b}, \\infty)",
                f"({b},\\infty)\\cup(-\\infty,{a})"]
        out.append(("union", f"(-\\infty,{a})\\cup({b},\\infty)", same,
                    [f"(-\\infty,{a}]\\cup({b},\\infty)", f"(-\\infty,{a})\\cup({b + 1},\\infty)"]))
    for _ in range(15):
        xs = rng.sample(range(-9, 12), 3)
        perm = xs[:]
        rng.shuffle(perm)
        gold = "\\{" + ", ".join(map(str, xs)) + "\\}"
        same = [gold, "\\{" + ",".join(map(str, perm)) + "\\}", ", ".join(map(str, perm))]
        near = ["\\{" + ", ".join(map(str, xs[:2])) + "\\}", "\\{" + ", ".join(map(str, xs[:2] + [xs[2] + 1])) + "\\}"]
        out.append(("set", gold, same, near))
        a, b = xs[0], Fraction(xs[1], 2)
        bs = _frac(b.numerator, b.denominator) if b.denominator > 1 else str(b)
        same = [f"({a}, {bs})", f"({a},{float(b)})", f"\\left({a}, {bs}\\right)"]
        out.append(("tuple", f"({a},{bs})", same, [f"({bs},{a})" if bs != str(a) else f"({a},{a + 1})",
                                                    f"({a},{float(b) + 1})"]))
        m = [rng.randint(-5, 5) for _ in range(4)]
        gold = f"\\begin{{pmatrix}}{m[0]}&{m[1]}\\\\{m[2]}&{m[3]}\\end{{pmatrix}}"
        same = [gold, f"\\begin{{bmatrix}} {m[0]} & {m[1]} \\\\ {m[2]} & {m[3]} \\end{{bmatrix}}",
                f"\\begin{{pmatrix}}{m[0]}&{m[1]}\\\\ {m[2]}&{m[3]}\\end{{pmatrix}}"]
        near = [f"\\begin{{pmatrix}}{m[1]}&{m[0]}\\\\{m[2]}&{m[3]}\\end{{pmatrix}}" if m[0] != m[1] else
                f"\\begin{{pmatrix}}{m[0] + 1}&{m[1]}\\\\{m[2]}&{m[3]}\\end{{pmatrix}}",
                f"\\begin{{pmatrix}}{m[0]}\\\\{m[2]}\\end{{pmatrix}}"]
        out.append(("matrix", gold, same, near))
    for _ in range(10):
        a, b = rng.randint(-5, 5), rng.choice([2, 3, 5, 7])
        gold = f"{a}\\pm\\sqrt{{{b}}}"
        same = [gold, f"\\{{{a}+\\sqrt{{{b}}}, {a}-\\sqrt{{{b}}}\\}}", f"{a}-\\sqrt{b}, {a}+\\sqrt{b}"]
        out.append(("plus-minus", gold, same, [f"{a}+\\sqrt{{{b}}}", f"{a}\\pm\\sqrt{{{b + 1}}}"]))
    for _ in range(10):
        m, e = rng.randint(11, 99), rng.randint(3, 8)
        v = m * 10 ** (e - 1)
        out.append(("scientific", str(v), [f"{m / 10} \\times 10^{{{e}}}", f"{m / 10}\\cdot 10^{e}", str(v)],
                    [f"{m / 10} \\times 10^{{{e + 1}}}", str(v + 10)]))
    for _ in range(8):
        a, b = rng.randint(-9, 9), rng.choice([x for x in range(-9, 10) if x])
        gold = f"{a}{b:+d}i"
        out.append(("complex", gold, [gold, f"{b}i{a:+d}", f"{a} {'+' if b > 0 else '-'} {abs(b)}i"],
                    [f"{a}{-b:+d}i", f"{a + 1}{b:+d}i"]))
    for gold, same, near in (("\\infty", ["\\infty", "+\\infty"], ["-\\infty"]),
                             ("\\emptyset", ["\\emptyset", "\\varnothing", "\\{\\}"], ["\\{0\\}"]),
                             ("\\frac{\\sqrt{2}}{2}", ["\\frac{1}{\\sqrt{2}}", "\\frac{\\sqrt2}{2}", "\\sqrt{2}/2"],
                              ["\\sqrt{2}", "\\frac{1}{2}"]),
                             ("\\log_2 8", ["3", "\\log_{2}8"], ["4"]),
                             ("-0.25", ["-\\frac{1}{4}", "-\\frac14", "-.25", "\\frac{-1}{4}"], ["0.25", "-0.2"])):
        out.append(("special", gold, [gold] + same, near))
    for n in (1000, 25000, 1234567):
        out.append(("number spelling", str(n), [f"{n:,}".replace(",", " "), f"{n:,}".replace(",", "{,}")], []))
    out.append(("number spelling", "1000.99", ["1000,99", "1000.99"], ["1000,9"]))
    return out


def answer_pairs(seed: int = 0) -> list[tuple[str, str, str, bool]]:
    """(kind, pred, gold, meant to be equal)."""
    rng = random.Random(seed)
    pairs = []
    for kind, gold, same, near in value_classes(rng):
        pairs += [(kind, s, gold, True) for s in dict.fromkeys(same)]
        pairs += [(kind, s, gold, False) for s in dict.fromkeys(near) if s not in same]
    return pairs


_MV_SCRIPT = r"""
import json, sys, logging
logging.disable(logging.CRITICAL)
from math_verify import parse, verify
pairs = json.load(sys.stdin)
out = []
for pred, gold in pairs:
    try:
        out.append(bool(verify(parse("$" + gold + "$"), parse("$" + pred + "$"))))
    except Exception:
        out.append(False)
print(json.dumps(out))
"""


def math_verify_judgments(pairs: list[tuple[str, str]]) -> list[bool]:
    """Math-Verify on trusted pairs, in its own process (its time-outs need the main thread)."""
    res = subprocess.run([sys.executable, "-c", _MV_SCRIPT], input=json.dumps(pairs), capture_output=True,
                         text=True, timeout=1800)
    if res.returncode:
        raise RuntimeError(res.stderr[-2000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def bench_agreement() -> dict:
    pairs = answer_pairs()
    pg = [(p, g) for _, p, g, _ in pairs]
    t = time.perf_counter()
    mv = math_verify_judgments(pg)
    t_mv = time.perf_counter() - t
    t = time.perf_counter()
    ours = equivalent_many(pg)
    t_ours = time.perf_counter() - t
    agree = sum(a == b for a, b in zip(mv, ours))
    by_kind: dict[str, list[int]] = {}
    for (kind, _, _, _), a, b in zip(pairs, mv, ours):
        k = by_kind.setdefault(kind, [0, 0])
        k[0] += a == b
        k[1] += 1
    diffs = [(k, p, g, m, o) for (k, p, g, _), m, o in zip(pairs, mv, ours) if m != o]
    print(f"\n== agreement with Math-Verify: {agree}/{len(pairs)} = {100 * agree / len(pairs):.1f}% "
          f"(Math-Verify {t_mv:.0f} s, ttc-viz {t_ours:.0f} s)")
    for kind, (a, n) in by_kind.items():
        print(f"  {kind:16s} {a:4d}/{n:<4d}")
    print("  disagreements (kind, pred, gold, Math-Verify, ttc-viz):")
    for d in diffs:
        print("   ", d)
    intended = sum(o == want for (_, _, _, want), o in zip(pairs, ours))
    mv_intended = sum(m == want for (_, _, _, want), m in zip(pairs, mv))
    print(f"  against the intended labels: ttc-viz {100 * intended / len(pairs):.1f}%, "
          f"Math-Verify {100 * mv_intended / len(pairs):.1f}%")
    return {"pairs": len(pairs), "agreement": agree / len(pairs)}


# ---------------------------------------------------------------- reference solutions

def reference_solutions(seed: int = 1, n: int = 200) -> list[tuple[str, str, str]]:
    """(solution text, stated answer, value id): competition-style solutions written here."""
    rng = random.Random(seed)
    classes = [c for c in value_classes(random.Random(seed)) if c[0] != "number spelling"]
    openers = ["We begin by rewriting the expression.", "Let $x$ be the unknown quantity.",
               "Note that $a^2 - b^2 = (a-b)(a+b)$.", "By Vieta's formulas, the roots satisfy $r_1 + r_2 = 5$.",
               "Squaring both sides gives $x^2 = 4$, so we must check both signs.",
               "Multiplying through by $12$ clears the denominators: $3x + 4 = 12$.",
               "The area of the triangle is $\\frac{1}{2} \\cdot 6 \\cdot 4 = 12$."]
    middles = ["Substituting back, we find that the condition holds.", "Hence the two cases agree.",
               "Simplifying, $\\frac{6}{8} = \\frac{3}{4}$, and the remaining terms cancel.",
               "Therefore the only candidates are those listed below.", "This gives $2 + 3 = 5$ as expected."]
    endings = ["Therefore, the answer is $\\boxed{{{a}}}$.", "So the answer is $\\boxed {{{a}}}$.",
               "Thus we obtain \\[\\boxed{{{a}}}.\\]", "The final answer is $\\boxed{{{a}}}$. I hope it is correct.",
               "Our answer is \\fbox{{${a}$}}.", "Hence $\\boxed{{{a}}}$ is the result, as claimed.",
               "The final answer is ${a}$. I hope it is correct.", "#### {a}"]
    out = []
    for i in range(n):
        kind, gold, same, _ = classes[i % len(classes)]
        boxed = rng.choice(same)
        ending = rng.choice(endings)
        if ending.startswith("####") or "I hope" in ending and "boxed" not in ending:
            boxed = gold  # unboxed styles carry the answer as written
        body = " ".join([rng.choice(openers), rng.choice(middles)])
        out.append((body + "\n\n" + ending.format(a=boxed), gold, f"{kind}:{gold}"))
    return out


def bench_extraction() -> dict:
    sols = reference_solutions()
    right = grade_many([s for s, _, _ in sols], [a for _, a, _ in sols])
    misses = [(s[-80:], a) for (s, a, _), r in zip(sols, right) if not r]
    rng = random.Random(2)
    wrong_pairs = []
    for s, _, vid in sols:
        for _ in range(5):
            _, other, ovid = sols[rng.randrange(len(sols))]
            if ovid != vid:
                wrong_pairs.append((s, other))
    fp = grade_many([s for s, _ in wrong_pairs], [a for _, a in wrong_pairs])
    fps = [(s[-60:], a) for (s, a), r in zip(wrong_pairs, fp) if r]
    print(f"\n== reference solutions: boxed answer judged equal to the stated answer "
          f"{sum(right)}/{len(sols)} = {100 * sum(right) / len(sols):.1f}%")
    for m in misses:
        print("   missed:", m)
    print(f"   false positives on mismatched pairs: {sum(fp)}/{len(fp)} = {100 * sum(fp) / len(fp):.2f}%")
    for f in fps:
        print("   false positive:", f)
    return {"solutions": len(sols), "recall": sum(right) / len(sols), "fp": sum(fp) / len(fp)}


# ---------------------------------------------------------------- speed

def bench_speed() -> dict:
    rng = random.Random(3)
    warm_up()
    n = 20_000
    sols = [f"Step 1: {rng.randint(1, 99)} + {rng.randint(1, 99)} = {rng.randint(1, 200)}.\n\n"
            f"The answer is {rng.choice([str(rng.randint(0, 500)), f'{rng.randint(1, 9)}/{rng.randint(2, 9)}', f'{rng.random():.3f}'])}."
            for _ in range(n)]
    truths = [str(rng.randint(0, 500)) for _ in range(n)]
    t = time.perf_counter()
    for s, a in zip(sols, truths):
        grade(s, a)
    numeric_rate = n / (time.perf_counter() - t)
    m = 300
    sym = [(f"(x+{i})(x-{i + 1})", f"x^2 - x - {i * (i + 1)}") for i in range(m)]
    t = time.perf_counter()
    for p, g in sym[: m // 2]:
        equivalent(p, g)
    sym_single = (m // 2) / (time.perf_counter() - t)
    t = time.perf_counter()
    equivalent_many(sym[m // 2:])
    sym_batch = (m - m // 2) / (time.perf_counter() - t)
    # a sweep's accuracy pass: 10k samples, 95% numeric, 5% expressions (distinct, uncached)
    k = 10_000
    samples, sample_truths = [], []
    for i in range(k):
        if i % 20 == 0:
            samples.append(f"... so the answer is $\\boxed{{(y+{i})^2}}$")
            sample_truths.append(f"y^2+{2 * i}y+{i * i}")
        else:
            samples.append(f"... The answer is {rng.randint(0, 300)}.")
            sample_truths.append(str(rng.randint(0, 300)))
    t = time.perf_counter()
    grade_many(samples, sample_truths)
    sweep_s = time.perf_counter() - t
    print("\n== speed (grades per second)")
    print(f"   numeric fast path, grade() one at a time: {numeric_rate:,.0f}/s")
    print(f"   symbolic path, equivalent() one at a time: {sym_single:,.1f}/s")
    print(f"   symbolic path, equivalent_many() over the worker pool: {sym_batch:,.1f}/s")
    print(f"   sweep accuracy pass, 10k samples (5% symbolic): {sweep_s:.1f} s ({k / sweep_s:,.0f}/s)")
    return {"numeric": numeric_rate, "symbolic_single": sym_single, "symbolic_batch": sym_batch, "sweep_10k_s": sweep_s}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["agreement", "extraction", "speed"])
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} CPU cores, {platform.machine()}, Python {platform.python_version()}")
    warm_up()
    if args.only in (None, "speed"):
        bench_speed()
    if args.only in (None, "extraction"):
        bench_extraction()
    if args.only in (None, "agreement"):
        bench_agreement()


if __name__ == "__main__":
    main()
