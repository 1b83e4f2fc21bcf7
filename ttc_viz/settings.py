"""What the operator of an app server allows, fixed when the server starts.

A visitor of the page picks among these and nothing else: no free-typed model id or
folder (loading one runs the model's files on the server and keeps it in memory), no
"trust remote code" box (it runs Python shipped with a model), no server URL (the app
would send requests wherever a visitor points it: server-side request forgery); the
serving engines it may use are the ones the operator names in ``--models``/``--verifiers``.
Each setting comes from the command line after ``--`` (``streamlit run app.py -- --models qwen2.5-math-1.5b-instruct``)
or, failing that, from an environment variable:

  --models M1,M2        TTC_VIZ_MODELS           generators offered besides the embedded
                                                 model: preset names (``ttc-viz models``),
                                                 Hugging Face ids or local folders, or
                                                 models on a serving engine,
                                                 openai:<base-url>#<model>[;options]
  --verifiers V1,V2     TTC_VIZ_VERIFIERS        verifiers offered besides symbolic, prm, answer-key
                                                 e.g. hf:peiyi9979/math-shepherd-mistral-7b-prm:math-shepherd
                                                 or openai:<base-url>#<model>:math-shepherd
  --trust-remote-code   TTC_VIZ_TRUST_REMOTE_CODE=1   let the allowed models run their own code
  --sweeps D1,D2        TTC_VIZ_SWEEPS           sweep folders the Curves page may open
                                                 (the shipped sweep always)
  --max-jobs N          TTC_VIZ_MAX_JOBS         searches running at once (default 4)
  --max-queued N        TTC_VIZ_MAX_QUEUED       searches waiting for a slot (default 8)
  --jobs-per-session N  TTC_VIZ_JOBS_PER_SESSION per browser tab (default 1)
  --max-tokens N        TTC_VIZ_MAX_TOKENS       generated tokens per search job (default 200000)

``load(environ, argv)`` is pure; the app calls it with ``os.environ`` and ``sys.argv``.
"""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from .jobs import Limits

ALWAYS_MODELS = ("embedded", "embedded-base")
# the first is the default; the answer key knows the answer (synthetic problems only) and
# is offered, clearly labelled, to show what a perfect PRM would do
ALWAYS_VERIFIERS = ("symbolic", "prm", "answer-key")
MAX_RESCORE_STEPS = 2_000     # Re-score reads every recorded step through the verifier
MAX_EXPORT_NODES = 5_000      # HTML / PNG export of larger trees is refused (slow, huge files)


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class ServerSettings:
    models: tuple = ALWAYS_MODELS
    verifiers: tuple = ALWAYS_VERIFIERS
    trust_remote_code: bool = False
    sweeps: tuple = ()
    limits: Limits = field(default_factory=Limits)

    def model_spec(self, choice: str) -> str:
        """The generator spec to load for an allowed choice (a preset name resolves)."""
        if choice not in self.models:
            raise SettingsError(f"the model {choice!r} is not offered on this server")
        from .presets import resolve

        return choice if choice in ALWAYS_MODELS else resolve(choice)[0]

    def check_verifier(self, spec: str) -> str:
        if spec not in self.verifiers:
            raise SettingsError(f"the verifier {spec!r} is not offered on this server")
        return spec


def _split(s: str | None) -> list[str]:
    return [x.strip() for x in (s or "").split(",") if x.strip()]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="app.py", allow_abbrev=False, add_help=False)
    p.add_argument("--models")
    p.add_argument("--verifiers")
    p.add_argument("--sweeps")
    p.add_argument("--trust-remote-code", action="store_true", default=None)
    for opt in ("--max-jobs", "--max-queued", "--jobs-per-session", "--max-tokens"):
        p.add_argument(opt)
    return p


def _int(value, name: str, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {str(value)[:40]!r}") from None


def load(environ=None, argv=None) -> ServerSettings:
    """Settings from the command line (after ``--``) over the environment over defaults."""
    env = os.environ if environ is None else environ
    args, unknown = _parser().parse_known_args(list(argv or []))
    if unknown:
        raise SettingsError(f"unknown app option(s): {' '.join(unknown)[:80]}")

    def pick(opt, var):
        return opt if opt is not None else env.get(var)

    from .verifiers import VerifierError, check_spec

    models = list(dict.fromkeys([*ALWAYS_MODELS, *_split(pick(args.models, "TTC_VIZ_MODELS"))]))
    verifiers = list(dict.fromkeys([*ALWAYS_VERIFIERS, *_split(pick(args.verifiers, "TTC_VIZ_VERIFIERS"))]))
    for m in models:
        if m.startswith("openai:"):  # a served model: its URL is the operator's, checked here
            from .lm.base import GeneratorError
            from .lm.remote import parse_spec as parse_remote

            try:
                parse_remote(m)
            except GeneratorError as e:
                raise SettingsError(f"allowed model {m[:80]!r}: {e}") from None
    for v in verifiers:
        try:
            check_spec(v)
        except VerifierError as e:
            raise SettingsError(f"allowed verifier {v!r}: {e}") from None
    sweeps = [str(Path(d).expanduser().resolve()) for d in _split(pick(args.sweeps, "TTC_VIZ_SWEEPS"))]
    trust = args.trust_remote_code if args.trust_remote_code is not None else \
        env.get("TTC_VIZ_TRUST_REMOTE_CODE", "").strip().lower() in ("1", "true", "yes")
    d = Limits()
    limits = Limits(max_running=_int(pick(args.max_jobs, "TTC_VIZ_MAX_JOBS"), "max jobs", d.max_running),
                    max_queued=_int(pick(args.max_queued, "TTC_VIZ_MAX_QUEUED"), "max queued", d.max_queued),
                    per_session=_int(pick(args.jobs_per_session, "TTC_VIZ_JOBS_PER_SESSION"), "jobs per session",
                                     d.per_session),
                    max_tokens=_int(pick(args.max_tokens, "TTC_VIZ_MAX_TOKENS"), "max tokens", d.max_tokens))
    try:
        limits.check()
    except ValueError as e:
        raise SettingsError(str(e)) from None
    return ServerSettings(models=tuple(models), verifiers=tuple(verifiers), trust_remote_code=bool(trust),
                          sweeps=tuple(sweeps), limits=limits)


def sweep_folders(settings: ServerSettings, shipped: Path) -> list[Path]:
    """The sweep folders a visitor may open: the shipped one, then each allowed folder that
    is a sweep itself or holds sweeps one level down (sweep.json or summary.json)."""
    out: list[Path] = [shipped] if shipped.is_dir() else []
    for root in map(Path, settings.sweeps):
        cands = [root] + (sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else [])
        for c in cands:
            if (c / "sweep.json").is_file() or (c / "summary.json").is_file():
                if c.resolve() not in [o.resolve() for o in out]:
                    out.append(c)
    return out
