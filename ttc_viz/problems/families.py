"""Families of one-step classroom word problems: a problem is one operation, phrased many ways.

Each family is a function ``(words, numbers) -> Draft`` registered with ``@family``: it draws
people and things from ``words``, numbers from ``numbers`` (their size set by the level),
picks one of several phrasings, and says the operation behind it (``calc.Op``, with a short
phrase for the reference solution) and what the answer counts. This file holds the registry and
the counting families (groups, sharing, adding, taking away, comparing); ``measures.py`` the
money, rate, time, shape, fraction, percent, age and equation ones; ``stories.py`` the problems of
two or more steps.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .calc import Op
from .numbers import Numbers
from .words import PLACES, Words


@dataclass
class Draft:
    """A problem before it becomes a ``Problem``: its text, the reference steps, other right
    paths, and the noun the answer counts."""
    text: str
    steps: list
    unit: str = ""
    alternatives: list = field(default_factory=list)
    constants: tuple = ()     # numbers a solution may use that the text does not state (60, 100, ...)


@dataclass(frozen=True)
class Family:
    name: str
    kind: str        # the classroom kind it teaches (groups, sharing, money, ...)
    steps: int       # operations in its reference solution
    write: Callable


FAMILIES: dict[str, Family] = {}


def family(name: str, kind: str, steps: int = 1):
    def register(fn):
        FAMILIES[name] = Family(name, kind, steps, fn)
        return fn
    return register


# -- groups and sharing ----------------------------------------------------------------------
@family("groups", "groups")
def groups(w: Words, n: Numbers) -> Draft:
    each, k = n.factor(), n.factor()
    (items, _), (cs, c) = w.items(), w.container()
    p = w.person()
    text = w.pick([
        f"A {c} holds {each} {items}. How many {items} are in {k} {cs}?",
        f"There are {k} {cs} with {each} {items} in each {c}. How many {items} are there in all?",
        f"{p.name} has {k} {cs} of {items}. Each {c} has {each} {items}. How many {items} does {p.he} "
        f"{p.verb('have', 'have')} altogether?",
        f"How many {items} are in {k} {cs} if every {c} holds {each}?",
        f"{p.name} buys {k} {cs} of {items}, and every {c} has {each} {items} inside. How many {items} did "
        f"{p.he} buy?",
        f"Each {c} has {each} {items}. {p.name} fills {k} {cs}. How many {items} is that?",
    ])
    return Draft(text, [Op(each, "*", k, each * k, f"{k} {cs} of {each}")], items)


@family("rows", "groups")
def rows(w: Words, n: Numbers) -> Draft:
    r, per = n.factor(), n.factor()
    thing, rowword = w.pick([("chairs", "rows"), ("trees", "rows"), ("seats", "rows"), ("desks", "rows"),
                             ("cars", "rows"), ("books", "shelves"), ("plants", "rows")])
    one = rowword[:-1] if rowword != "shelves" else "shelf"
    text = w.pick([
        f"There are {r} {rowword} of {thing} with {per} {thing} in each {one}. How many {thing} are there?",
        f"A hall has {r} {rowword} and {per} {thing} in every {one}. How many {thing} are in the hall?",
        f"{w.adult().capitalize()} puts {per} {thing} in each of {r} {rowword}. How many {thing} is that in total?",
    ])
    return Draft(text, [Op(r, "*", per, r * per, f"{r} {rowword} of {per}")], thing)


@family("legs", "groups")
def legs(w: Words, n: Numbers) -> Draft:
    animal, each = w.pick([("spiders", 8), ("dogs", 4), ("ducks", 2), ("ants", 6), ("cats", 4), ("horses", 4),
                           ("chickens", 2), ("beetles", 6)])
    k = n.count()
    text = w.pick([f"Each of the {animal} has {each} legs. How many legs do {k} {animal} have?",
                   f"How many legs do {k} {animal} have altogether if each has {each} legs?",
                   f"A farm has {k} {animal}. Every one of them has {each} legs. How many legs is that?"])
    return Draft(text, [Op(each, "*", k, each * k, f"{k} {animal} with {each} legs")], "legs")


@family("share", "sharing")
def share(w: Words, n: Numbers) -> Draft:
    total, k, each = n.divide()
    items, _ = w.items()
    p = w.person()
    kids = w.pick(["friends", "children", "students", "cousins", "teams"])
    text = w.pick([
        f"{total} {items} are shared equally among {k} {kids}. How many {items} does each get?",
        f"{p.name} has {total} {items} to give out equally to {k} {kids}. How many {items} will each get?",
        f"{p.name} splits {total} {items} evenly between {k} {kids}. How many {items} are in each share?",
        f"If {total} {items} are put into {k} equal groups, how many {items} are in each group?",
    ])
    return Draft(text, [Op(total, "/", k, each, f"{total} shared by {k}")], items)


@family("how-many-groups", "sharing")
def how_many_groups(w: Words, n: Numbers) -> Draft:
    total, size, groups_ = n.divide()
    if w.rng.random() < 0.25:
        who, ride, rides = w.pick([("students", "van", "vans"), ("players", "team", "teams"),
                                   ("children", "car", "cars"), ("people", "table", "tables")])
        text = w.pick([f"{total} {who} go on a trip. Each {ride} holds {size} {who}. How many {rides} are needed?",
                       f"{total} {who} are split into {rides} of {size}. How many {rides} are there?"])
        return Draft(text, [Op(total, "/", size, groups_, f"{total} in groups of {size}")], rides)
    items, _ = w.items()
    cs, c = w.container()
    text = w.pick([
        f"{w.adult().capitalize()} puts {total} {items} into {cs} of {size}. How many {cs} are filled?",
        f"How many {cs} of {size} can be filled with {total} {items}?",
        f"There are {total} {items}. Each {c} holds {size}. How many {cs} are needed?",
        f"{total} {items} are packed {size} to a {c}. How many {cs} is that?",
    ])
    return Draft(text, [Op(total, "/", size, groups_, f"{total} in groups of {size}")], cs)


# -- adding and taking away ------------------------------------------------------------------
@family("add-on", "add-on")
def add_on(w: Words, n: Numbers) -> Draft:
    a, b = n.pair_sum()
    items, _ = w.items()
    p = w.person()
    giver = w.pick(["a friend", f"{p.his} uncle", f"{p.his} sister", "the teacher", "Grandma"])
    text = w.pick([
        f"{p.name} has {a} {items}. {giver.capitalize()} gives {p.him} {b} more. How many {items} does "
        f"{p.name} have now?",
        f"{p.name} had {a} {items} and found {b} more. How many {items} does {p.he} have?",
        f"There are {a} {items} in one box and {b} {items} in another. How many {items} are there in both?",
        f"{p.name} collected {a} {items} on Monday and {b} {items} on Tuesday. How many {items} did {p.he} "
        "collect in all?",
        f"What is the total of {a} {items} and {b} {items}?",
    ])
    return Draft(text, [Op(a, "+", b, a + b, f"{a} and {b} more")], items)


@family("visitors", "add-on")
def visitors(w: Words, n: Numbers) -> Draft:
    a, b = n.pair_sum()
    place = w.pick(PLACES)
    d1, d2 = w.pick([("on Saturday", "on Sunday"), ("on Monday", "on Tuesday"), ("in the morning", "in the afternoon")])
    text = w.pick([f"{d1.capitalize()} {a} people visited {place} and {d2} {b} people visited. How many visitors were "
                   "there in total?",
                   f"{place.capitalize()} had {a} visitors {d1} and {b} {d2}. How many visitors came?"])
    return Draft(text, [Op(a, "+", b, a + b, f"{a} and {b} visitors")], "people")


@family("take-away", "take-away")
def take_away(w: Words, n: Numbers) -> Draft:
    a, b = n.minus()
    items, _ = w.items()
    p = w.person()
    verb = w.pick(["gives away", "sells", "loses", "uses", "eats"] if items in ("cookies", "candies", "cupcakes",
                                                                               "apples", "oranges", "muffins")
                  else ["gives away", "sells", "loses", "uses"])
    past = {"gives away": "gave away", "sells": "sold", "loses": "lost", "uses": "used", "eats": "ate"}[verb]
    text = w.pick([
        f"{p.name} has {a} {items} and {verb} {b}. How many {items} does {p.name} have left?",
        f"{p.name} had {a} {items}. {p.He} {past} {b} of them. How many {items} are left?",
        f"There were {a} {items} in a jar. {p.name} took {b} out. How many {items} are still in the jar?",
        f"Out of {a} {items}, {b} were {'eaten' if verb == 'eats' else past.replace('gave away', 'given away')}. "
        f"How many {items} remain?",
    ])
    return Draft(text, [Op(a, "-", b, a - b, f"{a} take away {b}")], items)


@family("spent", "take-away")
def spent(w: Words, n: Numbers) -> Draft:
    a, b = n.minus()
    p = w.person()
    thing = w.pick(["a book", "a game", "lunch", "a ticket", "a present", "paint"])
    text = w.pick([f"{p.name} had {a} dollars and spent {b} dollars on {thing}. How many dollars are left?",
                   f"{p.name} takes {a} dollars to the shop and pays {b} dollars for {thing}. How much money does "
                   f"{p.he} have left?",
                   f"After spending ${b} on {thing}, how much is left of {p.name}'s ${a}?"])
    return Draft(text, [Op(a, "-", b, a - b, f"{a} dollars less {b}")], "dollars")


@family("compare-more", "compare")
def compare_more(w: Words, n: Numbers) -> Draft:
    a, b = n.minus()
    items, _ = w.items()
    p, q = w.person(), w.person()
    text = w.pick([
        f"{p.name} has {a} {items} and {q.name} has {b} {items}. How many more {items} does {p.name} have "
        f"than {q.name}?",
        f"{q.name} has {b} {items}. {p.name} has {a}. How many fewer {items} does {q.name} have?",
        f"What is the difference between {p.name}'s {a} {items} and {q.name}'s {b} {items}?",
        f"{p.name} collected {a} {items} and {q.name} collected {b}. How many more did {p.name} collect?",
    ])
    return Draft(text, [Op(a, "-", b, a - b, f"{a} compared with {b}")], items)


@family("taller", "compare")
def taller(w: Words, n: Numbers) -> Draft:
    a, b = n.minus()
    p, q = w.person(), w.person()
    unit, adj, noun = w.pick([("cm", "taller", "tall"), ("kg", "heavier", "heavy"), ("km", "farther", "far")])
    if noun == "far":
        text = f"{p.name} rode {a} km and {q.name} rode {b} km. How much farther did {p.name} ride?"
    else:
        text = w.pick([f"{p.name} is {a} {unit} {noun} and {q.name} is {b} {unit} {noun}. How much {adj} is "
                       f"{p.name}?",
                       f"How many {unit} {adj} is a {a} {unit} box than a {b} {unit} box?" if unit == "kg" else
                       f"A tree is {a} {unit} {noun} and a bush is {b} {unit} {noun}. How much {adj} is the tree?"])
    return Draft(text, [Op(a, "-", b, a - b, f"{a} against {b}")], unit)


@family("more-than", "compare")
def more_than(w: Words, n: Numbers) -> Draft:
    a, b = n.pair_sum()
    items, _ = w.items()
    p, q = w.person(), w.person()
    text = w.pick([f"{p.name} owns {a} {items}, and {q.name} owns {b} more than that. How many {items} does "
                   f"{q.name} own?",
                   f"{q.name} has {b} more {items} than {p.name}, who has {a}. How many does {q.name} have?"])
    return Draft(text, [Op(a, "+", b, a + b, f"{b} more than {a}")], items)


@family("times-as-many", "compare")
def times_as_many(w: Words, n: Numbers) -> Draft:
    a, k = n.factor(), n.factor(2, 6)
    items, _ = w.items()
    p, q = w.person(), w.person()
    word = {2: "twice", 3: "three times"}.get(k, f"{k} times")
    text = w.pick([f"{p.name} has {a} {items}. {q.name} has {word} as many {items}. How many {items} does "
                   f"{q.name} have?",
                   f"{q.name} has {word} as many {items} as {p.name}, who has {a}. How many {items} does {q.name} "
                   f"have?"])
    return Draft(text, [Op(a, "*", k, a * k, f"{word} {a}")], items)


__all__ = ["Draft", "Family", "FAMILIES", "family"]
