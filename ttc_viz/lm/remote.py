"""A Generator over an OpenAI-compatible *completions* server (vLLM, SGLang, llama.cpp).

Spec: ``openai:<base-url>#<model>[;option=value...]``, e.g.
``openai:http://gpu-box:8000/v1#Qwen/Qwen2.5-Math-1.5B-Instruct;tokenizer=Qwen/Qwen2.5-Math-1.5B-Instruct``.
Options: ``tokenizer`` (a Hugging Face id or folder, or ``embedded``: whose chat template
builds the prompt and whose encoder turns it into token ids), ``prompt`` (``auto``, ``ids``
or ``text``), ``concurrency`` (requests in flight, default 16), ``timeout`` (seconds per
request, default 120), ``retries`` (on 429/5xx/timeouts, default 4).

**What is sent.** The prompt is the in-process backend's (``HFGenerator.prompt``): the
chat-formatted head (system prompt, worked example, problem, generation prompt) followed by
the steps so far, each followed by the step delimiter. The server samples ``n`` next steps
with ``stop=["\\n\\n"]`` (``next_steps``), greedy steps (``rollout``) or whole solutions
(``solutions``, no stop; split into steps here by the same rule as in-process).

**Token-faithfulness.** A remote step carries its text, not its ids (``Step.ids == ()``):
the engine's completion answers say what was written, not how it was tokenised. So when a
search continues a prefix, the text must be tokenised again, and a tokenizer may encode a
*trailing* "\\n\\n" as one token that the model only writes at the very end of a text
(SmolLM2: id 1116 instead of 198 198, see ``HFGenerator.text_ids``). An engine that
tokenises the prompt text does exactly that, and the model then continues an input it
would never have written itself (greedy continuations loop). Where a tokenizer is known
(``tokenizer=``), this backend therefore encodes the prompt itself, each step as running text
followed by the delimiter as the model writes it, and sends the **token ids** as the
prompt (vLLM, SGLang and llama.cpp's ``llama-server`` accept a list of ints as ``prompt``);
``prompt=auto`` falls back to text, once, if the server refuses ids (llama-cpp-python's
server does: its ``prompt`` must be a string). A text prompt that continues a prefix then
stops short of the merge: it holds back the end of the last delimiter that the engine would
encode as a token of its own (SmolLM2: the prompt ends in one "\\n", id 198, which every
engine encodes as the model wrote it), the model writes the rest itself, and it is cut from
the front of each answer (``held_back``). Given half the delimiter, the base SmolLM2 writes
the other half about 9 times in 10 (P = 0.89 on average over 76 step ends, 0.47 at the
least); a sampled answer that begins otherwise is drawn again with a fresh seed
(``_resample``), so what is kept is distributed as in-process, where the model is given the
whole delimiter. Greedy answers are kept as they come: the second newline was the argmax
at all 76 of those step ends.
Without a tokenizer the prompt is text, the plain (non-chat) format, and the merge risk is
the engine's.

**Tokens.** The prompt and completion totals come from ``usage``; a request with ``n``
samples reports one completion total, split over the samples in proportion to their
length (exact when the tokenizer is known). Parameter count: unknown (``num_params = None``);
FLOPs of a remote generator are not counted.

**End of a solution.** A step ends a solution when it states the final answer, when the
engine says it stopped at EOS (vLLM's ``stop_reason`` is null on EOS, the delimiter
otherwise), or, for engines that do not say why they stopped (llama.cpp), when the step
came back empty; and at ``max_steps``.

One module, over 300 lines on purpose: the spec, the prompt's token ids and the steps read
back from the server are one backend and change together; the HTTP client (retries,
timeouts, concurrency) is already apart, in ``openai_client.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from ..grading import states_final_answer
from ..seeds import derive
from .base import (EXAMPLES, STEP_DELIMITER, SYSTEM_PROMPT, GeneratorError, Step, prompt_head, step_by_step,
                   step_text)
from .openai_client import SPEC_PREFIX as PREFIX, ClientConfig, OpenAIClient, ServerError, client_config, split_spec

OPTIONS = ("tokenizer", "prompt", "concurrency", "timeout", "retries")
PROMPT_MODES = ("auto", "ids", "text")
# Sampling as in-process: a draw from softmax(logits / T), nothing cut, nothing penalised.
# OpenAI's API has only top_p for that (default 1); engines add filters of their own, on by
# default in llama.cpp's family (top_k 40, min_p 0.05; llama-cpp-python's server also a
# repeat penalty of 1.1, at temperature 0 too, which penalises the very numbers a solution
# must repeat): each is sent switched off. Engines without such a field ignore it; one that
# refuses top_k=0 (older vLLM: -1 means off there, as it is by default) gets none.
NEUTRAL_SAMPLING = {"top_p": 1.0, "min_p": 0.0, "repeat_penalty": 1.0, "top_k": 0}
RESAMPLE_TRIES = 8      # rounds of fresh samples for answers that skip the held-back newline
RESAMPLE_SALT = 7919    # seeds of those samples: derive(seed, RESAMPLE_SALT * round + sample)


@dataclass
class RemoteConfig:
    max_step_tokens: int = 64        # as HFConfig
    max_solution_tokens: int = 384
    max_steps: int = 12
    system_prompt: str = SYSTEM_PROMPT
    examples: tuple = EXAMPLES


@dataclass(frozen=True)
class RemoteSpec:
    base_url: str
    model: str
    tokenizer: str | None = None
    prompt: str = "auto"
    concurrency: int = 16
    timeout: float = 120.0
    retries: int = 4


def is_remote(spec) -> bool:
    return isinstance(spec, str) and spec.startswith(PREFIX)


def parse_spec(spec: str, error_cls=GeneratorError) -> RemoteSpec:
    """``openai:<base-url>#<model>[;option=value...]`` -> RemoteSpec; ``error_cls`` if malformed.
    Reads nothing and contacts nobody."""
    url, model, opts = split_spec(spec, "remote model", "openai:<base-url>#<model>, e.g. "
                                  "openai:http://127.0.0.1:8000/v1#Qwen/Qwen2.5-Math-1.5B-Instruct", OPTIONS, error_cls)
    if opts.get("prompt", "auto") not in PROMPT_MODES:
        raise error_cls(f"prompt= must be one of {', '.join(PROMPT_MODES)}, got {opts['prompt']!r}")
    c = client_config(opts, error_cls)
    return RemoteSpec(url, model, opts.get("tokenizer"), opts.get("prompt", "auto"), c.concurrency, c.timeout_s,
                      c.retries)


def mid_text_ids(tok, text: str) -> list[int]:
    """``text`` + delimiter encoded as in the middle of a solution (``HFGenerator.text_ids``):
    a probe character after the delimiter keeps the split the model writes, then is dropped."""
    probe = "x"
    full = tok(text + STEP_DELIMITER + probe, add_special_tokens=False)["input_ids"]
    tail = tok(probe, add_special_tokens=False)["input_ids"]
    if full[-len(tail):] == tail:
        return list(full[:-len(tail)])
    return list(tok(text + STEP_DELIMITER, add_special_tokens=False)["input_ids"])


def split_solution(text: str) -> list[str]:
    """A whole solution cut into steps at each delimiter that follows some content (leading
    newlines belong to the step, as in-process)."""
    pieces, rest = [], text
    while True:
        body = rest.lstrip()
        cut = body.find(STEP_DELIMITER)
        if cut < 0:
            if body.strip():
                pieces.append(body.strip())
            return pieces
        pieces.append(body[:cut].strip())
        rest = body[cut + len(STEP_DELIMITER):]


def _shares(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder; sums exactly)."""
    if not weights:
        return []
    w = [max(1, x) for x in weights]
    s = sum(w)
    raw = [total * x / s for x in w]
    out = [int(r) for r in raw]
    for i in sorted(range(len(w)), key=lambda i: raw[i] - out[i], reverse=True)[:total - sum(out)]:
        out[i] += 1
    return out


@dataclass
class _Choice:
    text: str
    tokens: int
    prompt_tokens: int
    eos: bool          # the engine ended the text (EOS), not the stop string or the token cap
    length: bool       # the token cap was hit
    fits: bool = True  # it began with the held-back end of the delimiter (text prompts)


class RemoteGenerator:
    """The Generator protocol over ``/v1/completions`` (see the module docstring)."""

    num_params = None  # unknown: a remote engine does not say

    def __init__(self, base_url: str, model: str, *, tokenizer=None, config: RemoteConfig | None = None,
                 prompt: str = "auto", client: OpenAIClient | None = None, client_config: ClientConfig | None = None):
        self.client = client or OpenAIClient(base_url, client_config, error_cls=GeneratorError)
        self.base_url = self.client.base_url
        self.model = model
        self.tok = tokenizer
        self.cfg = config or RemoteConfig()
        self.name = f"{PREFIX}{self.base_url}#{model}"
        if prompt not in PROMPT_MODES:
            raise GeneratorError(f"prompt must be one of {', '.join(PROMPT_MODES)}")
        if prompt == "ids" and tokenizer is None:
            raise GeneratorError("prompt=ids needs a tokenizer (tokenizer=<id or folder>)")
        # token-id prompts: True / False, or None = not known yet (learnt from the first answer)
        self._ids_ok = False if (tokenizer is None or prompt == "text") else (True if prompt == "ids" else None)
        self._n_ok = None
        self._heads: dict = {}
        self._held: str | None = None
        self._top_k_ok: bool | None = None

    @property
    def prompt_mode(self) -> str:
        return {True: "token ids", False: "text", None: "token ids (if the server takes them)"}[self._ids_ok]

    def close(self) -> None:
        self.client.close()

    # -- prompts ----------------------------------------------------------------------------
    def head(self, problem: str) -> str:
        """System prompt, examples and problem: the chat template's text when a tokenizer with
        one is known (as HFGenerator.prompt), else the plain format."""
        return prompt_head(self.tok, self.cfg.system_prompt, self.cfg.examples, problem)

    def prompt(self, problem: str, steps: Sequence = ()) -> str:
        return self.head(problem) + "".join(step_text(s) + STEP_DELIMITER for s in steps)

    @property
    def held_back(self) -> str:
        """The end of the step delimiter a text prompt leaves out after the last step: the
        shortest tail whose removal makes the text's encoding a prefix of the ids the model
        writes mid-solution ("" without a tokenizer, or where "\\n\\n" does not merge)."""
        if self._held is None:
            held = ""
            if self.tok is not None:
                probe = "Step one."
                want = mid_text_ids(self.tok, probe)
                for k in range(len(STEP_DELIMITER), -1, -1):
                    got = list(self.tok(probe + STEP_DELIMITER[:k], add_special_tokens=False)["input_ids"])
                    if want[:len(got)] == got:
                        held = STEP_DELIMITER[k:]
                        break
            self._held = held
        return self._held

    def prompt_text(self, problem: str, steps: Sequence = ()) -> tuple[str, str]:
        """(the text prompt sent, what of it was held back for the model to write)."""
        text = self.prompt(problem, steps)
        held = self.held_back if steps else ""
        return (text[:len(text) - len(held)] if held else text), held

    def prompt_ids(self, problem: str, steps: Sequence = ()) -> list[int]:
        key = (problem, self.cfg.system_prompt, self.cfg.examples)
        if key not in self._heads:
            self._heads = {key: list(self.tok(self.head(problem), add_special_tokens=False)["input_ids"])}
        ids = list(self._heads[key])
        for s in steps:
            ids.extend(mid_text_ids(self.tok, step_text(s)))
        return ids

    # -- one prompt, n samples ---------------------------------------------------------------
    def _post(self, prompt, n: int, *, temperature: float, seed: int, max_tokens: int, stop: bool) -> dict:
        body = {"model": self.model, "prompt": prompt, "max_tokens": int(max_tokens), "n": int(n),
                "temperature": float(temperature), "seed": int(seed), **NEUTRAL_SAMPLING}
        if self._top_k_ok is False:
            body.pop("top_k")
        if stop:
            body["stop"] = [STEP_DELIMITER]
        return self.client.post("/completions", body)

    def _complete(self, problem: str, prefix: Sequence, n: int, *, temperature: float, seed: int,
                  max_tokens: int, stop: bool) -> list[_Choice]:
        kw = dict(temperature=temperature, max_tokens=max_tokens, stop=stop)
        while True:
            use_ids = self._ids_ok is not False
            prompt, held = (self.prompt_ids(problem, prefix), "") if use_ids else self.prompt_text(problem, prefix)
            together = n == 1 or self._n_ok is not False
            try:
                if together:
                    answers = [self._post(prompt, n, seed=seed, **kw)]
                    if len(answers[0].get("choices") or []) < n:  # n ignored (some llama.cpp builds)
                        self._n_ok = False
                        continue
                else:
                    answers = self.client.map(lambda j: self._post(prompt, 1, seed=derive(seed, j), **kw), range(n))
            except ServerError as e:
                if e.status in (400, 422):
                    if "top_k" in e.message and self._top_k_ok is None:
                        self._top_k_ok = False  # top_k=0 refused: leave it to the engine's default
                        continue
                    if together and n > 1 and self._n_ok is None:
                        self._n_ok = False  # maybe n > 1 is what it refuses: n separate requests
                        continue
                    if use_ids and self._ids_ok is None:
                        self._ids_ok, self._n_ok = False, None  # token-id prompts refused: text
                        continue
                raise self.client.refused(e, "completions", self.model) from None
            if use_ids:
                self._ids_ok = True
            if self._top_k_ok is None:
                self._top_k_ok = True
            if together and n > 1:
                self._n_ok = True
            out = self._choices(answers, n, held)
            if held and temperature > 0:
                out = self._resample(out, prompt, held, seed, kw)
            return out

    def _resample(self, out: list[_Choice], prompt, held: str, seed: int, kw: dict) -> list[_Choice]:
        """Sample again, with fresh seeds, each answer that did not begin with the held-back
        text: what is kept is then drawn as in-process, where the model is given the whole
        delimiter (a draw from the model conditioned on its first token being the held-back
        newline). The discarded samples' tokens are charged to the one that replaces them;
        after ``RESAMPLE_TRIES`` rounds an answer is kept as it is."""
        for attempt in range(1, RESAMPLE_TRIES + 1):
            bad = [i for i, c in enumerate(out) if not c.fits]
            if not bad:
                break
            try:
                again = self.client.map(
                    lambda i: self._post(prompt, 1, seed=derive(seed, RESAMPLE_SALT * attempt + i), **kw), bad)
            except ServerError as e:
                raise self.client.refused(e, "completions", self.model) from None
            for i, ans in zip(bad, again):
                new = self._choices([ans], 1, held)[0]
                out[i] = replace(new, tokens=new.tokens + out[i].tokens,
                                 prompt_tokens=new.prompt_tokens + out[i].prompt_tokens)
        return out

    def _choices(self, answers: list[dict], n: int, held: str = "") -> list[_Choice]:
        out: list[_Choice] = []
        for ans in answers:
            choices = sorted(ans.get("choices") or [], key=lambda c: c.get("index", 0))[:n if len(answers) == 1 else 1]
            usage = ans.get("usage") or {}
            texts = [str(c.get("text") or "") for c in choices]
            fits = [t.startswith(held) for t in texts]
            if held:  # the held-back end of the last delimiter, as the model wrote it
                texts = [t[len(held):] if f else t for t, f in zip(texts, fits)]
            weights = [len(self.tok(t, add_special_tokens=False)["input_ids"]) + 1 if self.tok is not None
                       else len(t) + 1 for t in texts]
            total = usage.get("completion_tokens")
            shares = _shares(int(total), weights) if isinstance(total, int) else weights
            p_tok = int(usage.get("prompt_tokens") or 0)
            for c, t, k, f in zip(choices, texts, shares, fits):
                reason = c.get("finish_reason")
                if "stop_reason" in c:  # vLLM / SGLang say which stop it was: null = EOS
                    eos = reason == "stop" and c.get("stop_reason") is None
                else:
                    eos = reason == "stop" and not t.strip()
                out.append(_Choice(t, max(1, int(k)), p_tok, eos, reason == "length", f))
        if len(out) < n:
            raise GeneratorError(f"the server at {self.base_url} returned {len(out)} samples where {n} were asked")
        return out

    # -- steps ------------------------------------------------------------------------------
    def _as_step(self, c: _Choice, prefix: Sequence) -> Step:
        body = c.text.lstrip()
        cut = body.find(STEP_DELIMITER)  # an engine that ignores stop: the step is what precedes it
        text = (body[:cut] if cut >= 0 else body).strip()
        finished = (c.eos and cut < 0) or states_final_answer(text) or not text
        if not finished and len(prefix) + 1 >= self.cfg.max_steps:
            finished = True
        return Step(text=text, tokens=c.tokens, prompt_tokens=c.prompt_tokens, finished=finished)

    def next_steps(self, problem, prefixes, n, *, temperature, seed):
        prefixes = [list(p) for p in prefixes]

        def one(i):
            cs = self._complete(problem, prefixes[i], n, temperature=temperature, seed=derive(seed, i),
                                max_tokens=self.cfg.max_step_tokens, stop=True)
            return [self._as_step(c, prefixes[i]) for c in cs]

        return self.client.map(one, range(len(prefixes)))

    def rollout(self, problem, prefixes, k):
        return step_by_step(lambda _, cur: [out[0] for out in self.next_steps(problem, cur, 1, temperature=0.0,
                                                                              seed=0)], prefixes, k)

    def solutions(self, problem, n, *, temperature, seed):
        cs = self._complete(problem, [], n, temperature=temperature, seed=seed,
                            max_tokens=self.cfg.max_solution_tokens, stop=False)
        return [self._split(c) for c in cs]

    def _split(self, c: _Choice) -> list[Step]:
        pieces = split_solution(c.text) or [""]
        tokens = _shares(c.tokens, [len(p) + len(STEP_DELIMITER) for p in pieces])
        steps: list[Step] = []
        for j, (piece, k) in enumerate(zip(pieces, tokens)):
            last = j == len(pieces) - 1
            finished = states_final_answer(piece) or (last and c.eos) or len(steps) + 1 >= self.cfg.max_steps
            steps.append(Step(piece, max(1, k), c.prompt_tokens if j == 0 else 0, finished))
            if finished:
                break
        # what followed the answer still cost tokens: the last step carries the remainder
        used = sum(s.tokens for s in steps[:-1])
        steps[-1] = replace(steps[-1], tokens=max(1, c.tokens - used))
        return steps


def _local_copy(model: str) -> bool:
    """Is ``model`` a local folder or already in the Hugging Face cache? (no import, no network)"""
    import os
    from pathlib import Path

    if Path(model).is_dir():
        return True
    hub = Path(os.environ.get("HF_HUB_CACHE") or Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface")) / "hub")
    return (hub / ("models--" + model.replace("/", "--"))).is_dir()


def load_tokenizer(name: str | None, model: str):
    """The tokenizer named by ``tokenizer=`` (``embedded``: the embedded model's), or, when
    none is named, the served model's own if it is already on this machine (no download)."""
    if not name and not _local_copy(model):
        return None
    from transformers import AutoTokenizer

    if name == "embedded":
        from .embedded import converted_dir, ensure_converted

        target = converted_dir()
        ensure_converted(target)
        return AutoTokenizer.from_pretrained(target)
    if name:
        try:
            return AutoTokenizer.from_pretrained(name)
        except (OSError, ValueError) as e:
            raise GeneratorError(f"could not load the tokenizer {name!r}: {str(e).splitlines()[0]}") from None
    try:
        return AutoTokenizer.from_pretrained(model, local_files_only=True)
    except Exception:  # noqa: BLE001 - no local copy: the plain text prompt
        return None


def load_remote(spec: str, *, config=None, check: bool = True) -> RemoteGenerator:
    """A RemoteGenerator for ``openai:<base-url>#<model>[;options]``; with ``check``, asks the
    server which models it serves and fails with the list if this one is not among them."""
    s = parse_spec(spec)
    cfg = RemoteConfig()
    if config is not None:  # an HFConfig from the CLI: the fields both share
        cfg = RemoteConfig(**{k: getattr(config, k) for k in RemoteConfig.__dataclass_fields__ if hasattr(config, k)})
    client = OpenAIClient(s.base_url, ClientConfig(concurrency=s.concurrency, timeout_s=s.timeout, retries=s.retries),
                          error_cls=GeneratorError)
    if check:
        client.check_model(s.model)
    tok = load_tokenizer(s.tokenizer, s.model)
    return RemoteGenerator(s.base_url, s.model, tokenizer=tok, config=cfg, prompt=s.prompt, client=client)
