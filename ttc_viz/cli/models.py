"""``ttc-viz models``: the model presets this install ships, and whether each can run here now."""
from __future__ import annotations

NAME = "models"


def add_parser(sub):
    return sub.add_parser(NAME, help="list the models this install can use",
                          description="List the model presets (models/*.json): each one's generator and default "
                                      "verifier, and whether it can run on this machine now without a download.")


def run(a) -> int:
    from ..presets import available, load_presets

    for p in load_presets():
        ok, where = available(p)
        print(f"{p['name']:<30} {'available' if ok else 'not available':<14} generator={p['generator']} "
              f"verifier={p['verifier']}")
        print(f"{'':<30} {where}")
    print("\nAny other Hugging Face causal LM: --model <hub id or local folder> (downloaded beforehand).")
    return 0
