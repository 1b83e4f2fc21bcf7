"""Fuzz driver for tests/test_grading_fuzz.py (run as a separate process).

Feeds adversarial strings through every public grading and checking function, times every
call, and prints one JSON summary. A watchdog thread ends the process if a single call
runs past 20 s, so even a call that never returns shows up as a failure.
"""
import builtins
import json
import os
import random
import sys
import threading
import time
import traceback

from ttc_viz import grading
from ttc_viz.grading import (answer_key, equivalent, equivalent_many, extract_answer, grade, grade_many,
                             marked_answer, normalize, states_final_answer)
from ttc_viz.grading.mathparse import parse_number
from ttc_viz.verifiers.symbolic import SymbolicVerifier, check_step

MARKER = sys.argv[1]
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 0
N_RANDOM = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
LIMIT_S = 2.0


def payloads(marker: str) -> list[str]:
    """Strings that would leave a trace (a marker file, a global) if anything evaluated them."""
    m = marker.replace("\\", "/")
    py = [
        f"__import__('os').system('touch {m}')",
        f"open('{m}', 'w').write('x')",
        f"exec(\"open('{m}','w')\")",
        f"eval(\"__import__('os').system('touch {m}')\")",
        "__import__('builtins').__setattr__('FUZZ_PWNED', 1)",
        "globals().__setitem__('FUZZ_PWNED', 1)",
        "setattr(__import__('builtins'), 'FUZZ_PWNED', 1)",
        f"(lambda: __import__('os').system('touch {m}'))()",
        f"Symbol('x').__class__.__mro__[-1].__subclasses__() or open('{m}','w')",
        f"[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen'][0](['touch', '{m}'])",
        f"x if open('{m}','w') else 1",
        f"1 + __import__('os').system('touch {m}')",
    ]
    latex = [
        f"\\input{{{m}}}", f"\\immediate\\write18{{touch {m}}}", "\\def\\x{\\x}\\x", "\\newcommand{\\a}{\\a}\\a",
        f"\\text{{{py[0]}}}", f"\\operatorname{{{py[0]}}}", f"\\boxed{{{py[0]}}}", f"\\mathrm{{{py[4]}}}",
    ]
    out = []
    for p in py + latex:
        out += [p, f"\\boxed{{{p}}}", f"The answer is ${p}$", f"x = {p}", f"{p} = 3", f"\\frac{{{p}}}{{2}}"]
    return out


def fixed_cases() -> list[str]:
    big = 100_000
    return [
        "", " ", "\x00", "\x00" * 100, "1\x002", "\\boxed{\x00}", "\ud800", "\ufeff1", "١٢٣", "²", "½", "∞", "√2", "π",
        "\u202e5\u202c", "e\u0301" * 1000, "🙂" * 1000, "\\boxed{🙂}",
        "(" * 5000 + "1" + ")" * 5000, "{" * 3000 + "1" + "}" * 3000, "\\frac{" * 2000 + "1" + "}{2}" * 2000,
        "\\sqrt{" * 1000 + "2" + "}" * 1000, "\\boxed{" * 1000 + "1" + "}" * 1000, "\\boxed{" + "{" * 10_000,
        "[" * 3000 + "1" + ")" * 3000, "\\left(" * 2000 + "1" + "\\right)" * 2000,
        "9^9^9^9^9", "9^{9^{9^{9}}}", "2**99999999", "10^{10^{10}}", "(10^{60})^{6}", "10^{400}", "\\exp(\\exp(\\exp(100)))",
        "1e999999", "9" * 5000 + "^" + "9" * 5000, "\\frac{1}{" + "9" * 4000 + "}", "0." + "3" * 50_000,
        "1" * big, "1," * (big // 2), "1 " * (big // 2), "x" * big, "\\frac" * (big // 5), "a=" * (big // 2),
        "\\frac{12}{7}\\cdot" * 20_000, "+".join(["1"] * 20_000), "\\boxed{" + "1" * big + "}",
        "The answer is " + "1" * big, "#### " + "x " * (big // 2), "$" * big, "\\" * big, "{}" * (big // 2),
        "x^{100000}", "(x+1)^{10000}", "\\sin(\\sin(\\sin(\\sin(\\sin(x)))))^{99}", "\\int_0^\\infty e^{-x^2}\\,dx",
        "\\sum_{n=1}^{\\infty} n^{-s}", "\\lim_{x\\to0}\\frac{\\sin x}{x}", "\\prod_{k=1}^{10^{9}} k", "10^{9}!",
        "\\begin{pmatrix}" + "1&" * 2000 + "1\\end{pmatrix}", "\\{" + ",".join(map(str, range(3000))) + "\\}",
        "x \\in \\mathbb{R}", "\\emptyset", "\\varnothing", "(-\\infty, \\infty)", "\\infty - \\infty", "0/0", "1/0",
        "\\frac{1}{0}", "0^{-1}", "\\log(0)", "\\sqrt{-1}", "i^i", "a" * 50_000 + "!", "1." * 20_000,
        "%s%s%s%n", "{0.__class__}", "\\x00", "\\u0000", "\r\n" * 1000, "\t" * 1000,
    ] + payloads(MARKER)


def random_cases(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    atoms = ["1", "2", "0", "-", "+", "*", "/", "^", "(", ")", "{", "}", "[", "]", "\\{", "\\}", ",", ".", "=", "<", ">",
             "x", "y", "\\frac", "\\dfrac", "\\sqrt", "\\pi", "\\infty", "\\cup", "\\pm", "\\cdot", "\\le", "\\ge", "\\%",
             "^\\circ", "\\text{", "\\boxed{", "\\fbox{", "\\begin{pmatrix}", "\\end{pmatrix}", "\\\\", "&", "$", " ",
             "\\left(", "\\right)", "9" * 40, "\\sin", "\\log", "e", "i", "!", "|", "\\", "\x00", "é", "π", "∞", "×",
             "The answer is ", "####", "\n", "10^{99}", "\\mathbb{R}", "__import__", "os", "'", '"', ";", "lambda"]
    out = []
    for _ in range(n):
        k = rng.choice([1, 2, 3, 5, 8, 13, 30, 80])
        out.append("".join(rng.choice(atoms) for _ in range(k)))
    return out


def main() -> None:
    cases = fixed_cases() + random_cases(N_RANDOM, SEED)
    grading.warm_up()
    verifier = SymbolicVerifier()
    calls = {"n": 0, "errors": [], "slow": [], "worst": 0.0, "by_fn": {}}
    current = {"t": None, "what": None}

    def watchdog():
        while True:
            time.sleep(0.5)
            t = current["t"]
            if t is not None and time.perf_counter() - t > 20:
                print(json.dumps({"hung": current["what"]}), flush=True)
                os._exit(3)

    threading.Thread(target=watchdog, daemon=True).start()

    def call(name, fn, *args):
        current["what"] = (name, repr(args)[:200])
        current["t"] = t = time.perf_counter()
        try:
            fn(*args)
        except Exception as e:  # noqa: BLE001 - counting escapes is the point
            calls["errors"].append((name, repr(args)[:200], "".join(traceback.format_exception_only(e))[:300]))
        dt = time.perf_counter() - t
        current["t"] = None
        calls["n"] += 1
        calls["worst"] = max(calls["worst"], dt)
        calls["by_fn"][name] = round(calls["by_fn"].get(name, 0.0) + dt, 2)
        if dt > LIMIT_S:
            calls["slow"].append((name, repr(args)[:200], round(dt, 2)))

    t0 = time.perf_counter()
    for s in cases:
        call("extract_answer", extract_answer, s)
        call("marked_answer", marked_answer, s)
        call("states_final_answer", states_final_answer, s)
        call("answer_key", answer_key, s)
        call("normalize", normalize, s)
        call("parse_number", parse_number, s)
        call("check_step", check_step, s)
        call("verifier.score", verifier.score, "problem", [s, s[: len(s) // 2]])
        call("equivalent(s, 2)", equivalent, s, "2")
        call("equivalent(s, s)", equivalent, s, s)
        call("grade", grade, s, "1")
        call("grade(s, truth=s)", grade, "The answer is 3", s)
    for i in range(0, len(cases), 2):  # two items: one per worker, so one deadline bounds the call
        chunk = cases[i:i + 2]
        call("equivalent_many", equivalent_many, [(s, "x+1") for s in chunk])
        call("grade_many", grade_many, chunk, ["1"] * len(chunk))
    print(json.dumps({
        "cases": len(cases), "calls": calls["n"], "errors": calls["errors"][:20], "n_errors": len(calls["errors"]),
        "slow": calls["slow"][:20], "n_slow": len(calls["slow"]), "worst_s": round(calls["worst"], 3),
        "total_s": round(time.perf_counter() - t0, 1), "kills": grading.pool.get_pool().kills,
        "seconds_by_function": calls["by_fn"], "marker": os.path.exists(MARKER), "global": hasattr(builtins, "FUZZ_PWNED") or "FUZZ_PWNED" in globals(),
    }), flush=True)


if __name__ == "__main__":
    main()
