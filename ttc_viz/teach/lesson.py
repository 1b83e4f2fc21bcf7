"""A lesson: a small JSON file of slides a teacher steps through.

    {"format": "ttc-viz-lesson", "version": 1, "title": "...", "description": "...",
     "trees": {"mine": {... a ttc-viz tree ...}},
     "slides": [{"title": "...", "caption": "...", "tree": "example:beam", "round": 2,
                 "highlight": [4, 18], "quiz": false},
                {"title": "...", "caption": "...", "view": "curves", "bin": "1", "x": "generations"}]}

A slide shows a recorded tree (``"tree"``: a tree shipped with the package, ``example:<name>``,
or one of the lesson's own ``trees``, e.g. one a teacher added from Explore) at a round, with
nodes highlighted, a caption, and optionally a quiz on that round ("you be the verifier",
quiz.py); or (``"view": "curves"``) the shipped sweep's accuracy curves for one difficulty bin.

A lesson file may come from anyone (an upload), so ``parse_lesson`` checks every field before
anything is built from it: known keys only, plain text of bounded length (shown as text, never
as HTML or links: the app escapes it), bounded counts, every embedded tree checked by the tree
format's own loader, every slide's tree, round and highlighted nodes present. A wrong file fails
with ``LessonFormatError`` and a one-line message.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..examples import NAMES as EXAMPLES, load_example
from ..io import read_json, read_limited, write_atomic
from ..tree import SearchTree, TreeFormatError
from ..views import tree_fingerprint
from .quiz import quiz_rounds

FORMAT, VERSION = "ttc-viz-lesson", 1
HERE = Path(__file__).resolve().parent / "lessons"
SHIPPED = tuple(sorted(p.stem for p in HERE.glob("*.json")))  # the lessons shipped with the package

MAX_LESSON_BYTES = 8 * 1024 * 1024    # the app's upload limit; a lesson with its own trees fits
MAX_SLIDES = 60
MAX_TREES = 8                         # trees a lesson file carries itself
MAX_TITLE = 120                       # characters
MAX_CAPTION = 1_500
MAX_HIGHLIGHT = 40
TREE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
BIN = re.compile(r"all|[1-9][0-9]?")
X_AXES = ("generations", "computed", "flops", "seconds")   # the Curves page's axes (experiments/figures.py X_AXES)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")  # not newline, tab; no bidi overrides
_SLIDE_KEYS = {"title", "caption", "view", "tree", "round", "highlight", "quiz", "bin", "x"}
_KEYS = {"format", "version", "title", "description", "trees", "slides"}


class LessonFormatError(ValueError):
    """A file that is not a lesson; the message says what is wrong."""


@dataclass
class Slide:
    title: str = ""
    caption: str = ""
    view: str = "tree"                 # "tree" or "curves"
    tree: str | None = None            # "example:<name>" or a key of the lesson's ``trees``
    round: int | None = None           # the round to show; None: the last
    highlight: list[int] = field(default_factory=list)
    quiz: bool = False                 # ask "you be the verifier" on this round
    bin: str = "all"                   # curves: "all" or a difficulty bin ("1" = easiest)
    x: str = "generations"             # curves: the cost axis

    def to_dict(self) -> dict:
        d = asdict(self)
        if self.view == "tree":
            d.pop("bin"), d.pop("x")
        else:
            for k in ("tree", "round", "highlight", "quiz"):
                d.pop(k)
        return d


@dataclass
class Lesson:
    title: str
    slides: list[Slide] = field(default_factory=list)
    description: str = ""
    trees: dict[str, SearchTree] = field(default_factory=dict)

    def tree(self, name: str) -> SearchTree:
        """The tree a slide names: a shipped example, or one of the lesson's own."""
        if name.startswith("example:"):
            return load_example(name.split(":", 1)[1])
        if name not in self.trees:
            raise LessonFormatError(f"the lesson has no tree {name!r}")
        return self.trees[name]

    def to_json(self) -> str:
        d = {"format": FORMAT, "version": VERSION, "title": self.title, "description": self.description,
             "trees": {k: t.to_dict() for k, t in self.trees.items()},
             "slides": [s.to_dict() for s in self.slides]}
        return json.dumps(d, indent=1, ensure_ascii=False, allow_nan=False)

    def save(self, path: str | Path) -> None:
        write_atomic(path, self.to_json())


# ---------------------------------------------------------------------------------------
# Reading a lesson, checking every field

def _text(where: str, v, cap: int) -> str:
    if not isinstance(v, str):
        raise LessonFormatError(f"{where} must be text")
    if len(v) > cap:
        raise LessonFormatError(f"{where} is {len(v)} characters; at most {cap}")
    return _CONTROL.sub("", v)


def _check_slide(i: int, d, lesson: Lesson) -> Slide:
    where = f"slide {i + 1}"
    if not isinstance(d, dict):
        raise LessonFormatError(f"{where} must be an object")
    extra = set(d) - _SLIDE_KEYS
    if extra:
        raise LessonFormatError(f"{where} has unknown fields {sorted(extra)[:5]}")
    s = Slide(title=_text(f"{where} title", d.get("title", ""), MAX_TITLE),
              caption=_text(f"{where} caption", d.get("caption", ""), MAX_CAPTION))
    s.view = d.get("view", "tree")
    if s.view not in ("tree", "curves"):
        raise LessonFormatError(f"{where} view must be 'tree' or 'curves'")
    if s.view == "curves":
        s.bin, s.x = d.get("bin", "all"), d.get("x", "generations")
        if not isinstance(s.bin, str) or not BIN.fullmatch(s.bin):
            raise LessonFormatError(f"{where} bin must be 'all' or a bin number such as '1'")
        if s.x not in X_AXES:
            raise LessonFormatError(f"{where} x must be one of {', '.join(X_AXES)}")
        return s
    name = d.get("tree")
    if not isinstance(name, str) or not name:
        raise LessonFormatError(f"{where} must name a tree ('example:<name>' or one of the lesson's trees)")
    if name.startswith("example:"):
        if name.split(":", 1)[1] not in EXAMPLES:
            raise LessonFormatError(f"{where} names {name[:60]!r}; the shipped trees are "
                                    + ", ".join(f"example:{e}" for e in EXAMPLES))
    elif name not in lesson.trees:
        raise LessonFormatError(f"{where} names the tree {name[:60]!r}, which the lesson does not carry")
    tree = lesson.tree(name)
    s.tree = name
    r = d.get("round")
    if r is not None and (not isinstance(r, int) or isinstance(r, bool) or not 1 <= r <= max(1, tree.iterations)):
        raise LessonFormatError(f"{where} round must be a whole number 1-{max(1, tree.iterations)} or null")
    s.round = r
    hl = d.get("highlight", [])
    if not isinstance(hl, list) or len(hl) > MAX_HIGHLIGHT:
        raise LessonFormatError(f"{where} highlight must be a list of at most {MAX_HIGHLIGHT} node ids")
    for h in hl:
        if not isinstance(h, int) or isinstance(h, bool) or not 0 <= h < len(tree.nodes):
            raise LessonFormatError(f"{where} highlights {str(h)[:20]}, not a node of its tree "
                                    f"(0-{len(tree.nodes) - 1})")
    s.highlight = list(dict.fromkeys(hl))
    q = d.get("quiz", False)
    if not isinstance(q, bool):
        raise LessonFormatError(f"{where} quiz must be true or false")
    if q:
        rounds = quiz_rounds(tree)
        if not rounds:
            raise LessonFormatError(f"{where} asks a quiz, but its tree has no decision to quiz on")
        if rounds[0].kind == "keep" and s.round is not None and s.round not in {x.round for x in rounds}:
            raise LessonFormatError(f"{where} asks a quiz on round {s.round}, where nothing was cut; rounds with a "
                                    "choice: " + ", ".join(str(x.round) for x in rounds))
    s.quiz = q
    return s


def parse_lesson(data) -> Lesson:
    """A lesson from JSON text, UTF-8 bytes or a parsed dict; LessonFormatError if it is not one."""
    d = data
    if isinstance(data, (bytes, bytearray, str)):
        d = read_json(data, limit=MAX_LESSON_BYTES, error=LessonFormatError, what="a lesson")
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise LessonFormatError(f"not a lesson: expected an object with \"format\": \"{FORMAT}\"")
    if d.get("version", VERSION) != VERSION:
        raise LessonFormatError(f"lesson version {str(d.get('version'))[:20]} is not one this app reads ({VERSION})")
    extra = set(d) - _KEYS
    if extra:
        raise LessonFormatError(f"the lesson has unknown fields {sorted(extra)[:5]}")
    lesson = Lesson(title=_text("title", d.get("title", ""), MAX_TITLE),
                    description=_text("description", d.get("description", ""), MAX_CAPTION))
    trees = d.get("trees", {})
    if not isinstance(trees, dict) or len(trees) > MAX_TREES:
        raise LessonFormatError(f"trees must be an object of at most {MAX_TREES} named trees")
    for name, t in trees.items():
        if not TREE_NAME.fullmatch(name):
            raise LessonFormatError(f"tree name {name[:60]!r}: lower-case letters, digits, '-' and '_', "
                                    "at most 40 characters")
        try:
            lesson.trees[name] = SearchTree.from_dict(t)
        except TreeFormatError as e:
            raise LessonFormatError(f"tree {name!r}: {e}") from None
    slides = d.get("slides")
    if not isinstance(slides, list) or not 1 <= len(slides) <= MAX_SLIDES:
        raise LessonFormatError(f"slides must be a list of 1-{MAX_SLIDES} slides")
    lesson.slides = [_check_slide(i, s, lesson) for i, s in enumerate(slides)]
    return lesson


def load_lesson(path: str | Path) -> Lesson:
    return parse_lesson(read_limited(path, limit=MAX_LESSON_BYTES, error=LessonFormatError, what="lesson"))


def shipped_lesson(name: str) -> Lesson:
    if name not in SHIPPED:
        raise ValueError(f"no shipped lesson {name!r}; there are {', '.join(SHIPPED)}")
    return load_lesson(HERE / f"{name}.json")


# ---------------------------------------------------------------------------------------
# A teacher's lesson, slide by slide

def tree_name(lesson: Lesson, tree: SearchTree) -> str:
    """The name a slide uses for ``tree``: a shipped example by name when it is one, else the
    lesson's own copy (added once, named by the tree's id)."""
    fp = tree_fingerprint(tree)
    for e in EXAMPLES:
        if tree_fingerprint(load_example(e)) == fp:
            return f"example:{e}"
    name = f"t{fp}"
    if name not in lesson.trees:
        if len(lesson.trees) >= MAX_TREES:
            raise LessonFormatError(f"a lesson carries at most {MAX_TREES} trees of its own")
        lesson.trees[name] = tree.copy()
    return name


def add_slide(lesson: Lesson, tree: SearchTree, *, title: str = "", caption: str = "", round: int | None = None,
              highlight=(), quiz: bool = False) -> Slide:
    """Append a slide showing ``tree`` (checked as a loaded slide would be); returns it."""
    if len(lesson.slides) >= MAX_SLIDES:
        raise LessonFormatError(f"a lesson has at most {MAX_SLIDES} slides")
    trees_before = dict(lesson.trees)
    name = tree_name(lesson, tree)
    d = {"title": title, "caption": caption, "tree": name, "round": round, "highlight": list(highlight), "quiz": quiz}
    try:
        slide = _check_slide(len(lesson.slides), d, lesson)
        lesson.slides.append(slide)
        size = len(lesson.to_json().encode("utf-8"))
        if size > MAX_LESSON_BYTES:
            lesson.slides.pop()
            raise LessonFormatError(f"with this slide the lesson would be {size / 1e6:.1f} MB; a lesson file may be "
                                    f"at most {MAX_LESSON_BYTES / 1e6:.0f} MB (its own trees make it large)")
    except LessonFormatError:
        lesson.trees = trees_before   # a refused slide leaves the lesson as it was
        raise
    return slide


__all__ = ["FORMAT", "Lesson", "LessonFormatError", "MAX_LESSON_BYTES", "SHIPPED", "Slide", "X_AXES", "add_slide",
           "load_lesson", "parse_lesson", "shipped_lesson", "tree_name"]
