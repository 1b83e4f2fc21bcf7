"""Problems of two to four steps: two-step classroom families, and stories that chain steps.

* Two- and three-step families (``@family(..., steps=2)``): change from a bill, two kinds of
  goods, the perimeter of a rectangle, a fraction of a quantity, what is left after a part, a
  sale price, weeks of saving, ages, groups plus extras, sharing after putting together,
  earning then spending, times as many then how many more, minutes into hours.
* ``story(words, numbers, moves)``: someone starts with some things (or buys them in packs)
  and then gains, loses, doubles or shares them ``moves`` times; the question asks how many
  are left, how many more are needed for a target, what they sell for, or how many go in each
  bag. Runs of additions and subtractions may be done in any order: those orders are the
  calculation's other paths (``calc.reorderings``).
"""
from __future__ import annotations

from .calc import Op, chain, reorderings
from .families import Draft, family
from .numbers import Numbers
from .words import LENGTH_UNITS, SHAPES_RECT, Words


# -- two- and three-step families --------------------------------------------------------------
@family("change", "money", steps=2)
def change(w: Words, n: Numbers) -> Draft:
    k, price = n.count(2), n.price()
    cost = k * price
    bill = next((b for b in (10, 20, 50, 100, 200, 500, 1000) if b > cost), (cost // 1000 + 1) * 1000)
    goods, one = w.goods()
    p = w.person()
    text = w.pick([f"{p.name} buys {k} {goods} that cost {price} dollars each and pays with a {bill} dollar bill. "
                   "How much change does {p.he} get?".replace("{p.he}", p.he),
                   f"{goods.capitalize()} are ${price} each. {p.name} buys {k} of them with ${bill}. How many "
                   f"dollars are left?",
                   f"I have {bill} dollars. I buy {k} {goods} at {price} dollars each. How much money do I have "
                   "left?"])
    return Draft(text, [Op(k, "*", price, cost, f"{k} {goods} at {price} dollars"),
                        Op(bill, "-", cost, bill - cost, f"{bill} dollars less {cost}")], "dollars")


@family("two-goods", "money", steps=3)
def two_goods(w: Words, n: Numbers) -> Draft:
    (g1, _), (g2, _) = w.goods(), w.goods()
    if g1 == g2:
        g2 = "stickers"
    a, p1, b, p2 = n.count(2), n.price(), n.count(2), n.price()
    p = w.person()
    text = w.pick([f"{g1.capitalize()} cost {p1} dollars each and {g2} cost {p2} dollars each. {p.name} buys {a} "
                   f"{g1} and {b} {g2}. How many dollars does {p.he} spend?",
                   f"{p.name} buys {a} {g1} at ${p1} each and {b} {g2} at ${p2} each. What is the total cost in "
                   "dollars?"])
    x, y = a * p1, b * p2
    return Draft(text, [Op(a, "*", p1, x, f"{a} {g1}"), Op(b, "*", p2, y, f"{b} {g2}"),
                        Op(x, "+", y, x + y, "both together")], "dollars")


@family("rect-perimeter", "measurement", steps=2)
def rect_perimeter(w: Words, n: Numbers) -> Draft:
    a, b = n.factor(2) + w.pick([0, 0, 5, 10]), n.factor(2)
    unit, _ = w.pick(LENGTH_UNITS)
    thing = w.pick(SHAPES_RECT)
    text = w.pick([f"A {thing} is {a} {unit} long and {b} {unit} wide. What is its perimeter?",
                   f"A rectangle has a length of {a} {unit} and a width of {b} {unit}. What is its perimeter in "
                   f"{unit}?",
                   f"How much fence goes around a rectangular {thing} that is {a} {unit} by {b} {unit}?"])
    s, per = a + b, 2 * (a + b)
    alt = [[Op(2, "*", a, 2 * a), Op(2, "*", b, 2 * b), Op(2 * a, "+", 2 * b, per)],
           [Op(a, "+", b, s), Op(s, "*", 2, per)]]
    return Draft(text, [Op(a, "+", b, s, "length and width"), Op(2, "*", s, per, "twice that")], unit,
                 alternatives=alt, constants=(2,))


@family("fraction-many", "fractions", steps=2)
def fraction_many(w: Words, n: Numbers) -> Draft:
    d = w.pick([3, 4, 5, 10])
    k = w.pick([m for m in range(2, d)])
    q = n.factor(2)
    total = d * q
    words_ = {(2, 3): "two thirds", (3, 4): "three quarters", (2, 5): "two fifths", (3, 5): "three fifths",
              (4, 5): "four fifths", (3, 10): "three tenths", (7, 10): "seven tenths"}
    frac = words_.get((k, d), f"{k}/{d}")
    items, _ = w.items()
    text = w.pick([f"Work out {k}/{d} of {total}.",
                   f"There are {total} {items} and {frac} of them are green. How many green {items} are there?",
                   f"{w.person().name} used {k}/{d} of {total} {items}. How many {items} were used?"])
    alt = [[Op(total, "*", k, total * k), Op(total * k, "/", d, q * k)]]
    return Draft(text, [Op(total, "/", d, q, f"one part of {d}"), Op(q, "*", k, q * k, f"{k} parts")], items,
                 alternatives=alt)


@family("fraction-left", "fractions", steps=2)
def fraction_left(w: Words, n: Numbers) -> Draft:
    d = w.pick([2, 3, 4, 5])
    q = n.factor(2)
    total = d * q
    word = {2: "half", 3: "a third", 4: "a quarter", 5: "a fifth"}[d]
    p = w.person()
    items, _ = w.items()
    text = w.pick([f"{p.name} had {total} {items} and gave away {word} of them. How many {items} are left?",
                   f"A ribbon is {total} inches long. {word.capitalize()} of it is cut off. How many inches are "
                   f"left?" if d == 2 else f"{p.name} spent {word} of {total} dollars. How many dollars are left?"])
    unit = items if items in text else "inches" if "inches" in text else "dollars"
    return Draft(text, [Op(total, "/", d, q, f"{word} of {total}"), Op(total, "-", q, total - q, "what is left")],
                 unit, constants=(d,))


@family("sale-price", "percent", steps=2)
def sale_price(w: Words, n: Numbers) -> Draft:
    pct = w.pick([10, 20, 25, 50])
    base = w.pick([20, 40, 60, 80, 100, 120, 200, 300] if n.level < 4 else [120, 160, 240, 300, 400, 500, 800])
    off = base * pct // 100
    goods, one = w.goods()
    text = w.pick([f"A {one} costs {base} dollars and is on sale at {pct}% off. What is the sale price in dollars?",
                   f"A store takes {pct}% off a ${base} {one}. How much does the {one} cost now?"])
    alt = [[Op(100, "-", pct, 100 - pct), Op(base, "*", 100 - pct, base * (100 - pct)),
            Op(base * (100 - pct), "/", 100, base - off)]]
    return Draft(text, [Op(base, "*", pct, base * pct, ""), Op(base * pct, "/", 100, off, f"{pct}% of {base}"),
                        Op(base, "-", off, base - off, "the sale price")], "dollars", alternatives=alt,
                 constants=(100,))


@family("saving-weeks", "money", steps=2)
def saving_weeks(w: Words, n: Numbers) -> Draft:
    per, weeks = n.factor(2), n.factor(2)
    have = n.term(2, 60)
    goal = have + per * weeks
    goods, one = w.goods()
    p = w.person()
    text = w.pick([f"{p.name} wants a {one} that costs {goal} dollars. {p.He} has {have} dollars and saves {per} "
                   f"dollars a week. How many weeks until {p.he} can buy it?",
                   f"A {one} costs ${goal}. {p.name} already has ${have} and puts away ${per} each week. How many "
                   "weeks does it take to have enough?"])
    return Draft(text, [Op(goal, "-", have, goal - have, "still to save"),
                        Op(goal - have, "/", per, weeks, f"{per} dollars a week")], "weeks")


@family("age-later", "ages", steps=2)
def age_later(w: Words, n: Numbers) -> Draft:
    p, q = w.person(), w.person()
    a, d, y = n.rng.randint(3, 14), n.rng.randint(2, 9), n.rng.randint(2, 10)
    text = w.pick([f"{p.name} is {a}. {q.name} is {d} years older than {p.name}. How old will {q.name} be in {y} "
                   "years?",
                   f"{q.name} is {d} years older than {a}-year-old {p.name}. How old will {q.name} be {y} years from "
                   "now?"])
    return Draft(text, [Op(a, "+", d, a + d, f"{q.name} now"), Op(a + d, "+", y, a + d + y, f"in {y} years")],
                 "years", alternatives=[[Op(a, "+", y, a + y), Op(a + y, "+", d, a + d + y)]])


@family("groups-extra", "groups", steps=2)
def groups_extra(w: Words, n: Numbers) -> Draft:
    k, each = n.factor(2), n.factor(2)
    items, _ = w.items()
    cs, c = w.container()
    if w.rng.random() < 0.5:
        e = n.term(1, 20)
        text = w.pick([f"There are {k} {cs} with {each} {items} in each and {e} more {items} on the table. How many "
                       f"{items} are there?",
                       f"How many {items} are in {k} {cs} of {each} and {e} loose ones?"])
        return Draft(text, [Op(k, "*", each, k * each, f"{k} {cs} of {each}"),
                            Op(k * each, "+", e, k * each + e, f"and {e} more")], items)
    e = n.rng.randint(1, k * each - 1)
    text = w.pick([f"{w.person().name} has {k} {cs} of {each} {items} and eats {e} of them. How many {items} are "
                   "left?" if items in ("cookies", "candies", "cupcakes", "muffins") else
                   f"{w.person().name} has {k} {cs} of {each} {items} and gives away {e}. How many {items} are left?",
                   f"There are {k} {cs} with {each} {items} each. {e} {items} are used. How many {items} remain?"])
    return Draft(text, [Op(k, "*", each, k * each, f"{k} {cs} of {each}"),
                        Op(k * each, "-", e, k * each - e, f"less {e}")], items)


@family("combine-share", "sharing", steps=2)
def combine_share(w: Words, n: Numbers) -> Draft:
    k, each = n.factor(2, 9), n.factor(2)
    total = k * each
    a = n.rng.randint(1, total - 1)
    p, q = w.person(), w.person()
    items, _ = w.items()
    text = w.pick([f"{p.name} picks {a} {items} and {q.name} picks {total - a}. They put them equally into {k} "
                   f"bags. How many {items} go in each bag?",
                   f"{p.name} has {a} {items} and {q.name} has {total - a}. They share all of them equally among {k} "
                   "friends. How many does each friend get?"])
    return Draft(text, [Op(a, "+", total - a, total, "all together"), Op(total, "/", k, each, f"shared by {k}")],
                 items)


@family("earn-spend", "rates", steps=2)
def earn_spend(w: Words, n: Numbers) -> Draft:
    rate, days = n.factor(2), n.count(2)
    earned = rate * days
    spend = n.rng.randint(1, earned - 1)
    p = w.person()
    text = w.pick([f"{p.name} earns {rate} dollars a day for {days} days and then spends {spend} dollars. How much "
                   f"does {p.he} have left?",
                   f"{p.name} saves ${rate} every day for {days} days. Then {p.he} buys a gift for ${spend}. How "
                   "many dollars are left?"])
    return Draft(text, [Op(rate, "*", days, earned, f"{days} days at {rate} dollars"),
                        Op(earned, "-", spend, earned - spend, f"less {spend}")], "dollars")


@family("times-then-more", "compare", steps=2)
def times_then_more(w: Words, n: Numbers) -> Draft:
    a, k = n.factor(2), n.factor(2, 5)
    p, q = w.person(), w.person()
    items, _ = w.items()
    text = f"{p.name} has {a} {items}. {q.name} has {k} times as many. How many more {items} does {q.name} have?"
    return Draft(text, [Op(a, "*", k, a * k, f"{q.name}'s {items}"), Op(a * k, "-", a, a * k - a, "the difference")],
                 items, alternatives=[[Op(k, "-", 1, k - 1), Op(a, "*", k - 1, a * k - a)]], constants=(1,))


@family("minutes-to-hours", "time", steps=2)
def minutes_to_hours(w: Words, n: Numbers) -> Draft:
    per = w.pick([15, 20, 30, 45, 60, 90])
    days = w.pick([d for d in range(2, 13) if per * d % 60 == 0])
    p = w.person()
    text = w.pick([f"{p.name} practises {per} minutes a day for {days} days. How many hours is that?",
                   f"A class meets for {per} minutes, {days} times. How many hours does it meet in all?"])
    return Draft(text, [Op(per, "*", days, per * days, f"{days} times {per} minutes"),
                        Op(per * days, "/", 60, per * days // 60, "in hours")], "hours", constants=(60,))


# -- stories: a running total --------------------------------------------------------------------
def _event(w: Words, n: Numbers, p, items: str, total: int, allow_mul: bool) -> tuple | None:
    """One event changing ``total``: (sentence, op, x, phrase for the solution), or None when
    nothing fits."""
    kinds = ["add", "sub", "add", "sub"] + (["mul", "div"] if allow_mul else [])
    kind = w.pick(kinds)
    if kind == "sub" and total < 4:
        kind = "add"
    if kind == "add":
        x = n.term(2)
        return w.pick([(f"{p.He} buys {x} more {items}.", "+", x, f"{p.name} buys {x} more"),
                       (f"{p.He} finds {x} more {items}.", "+", x, f"{p.name} finds {x} more"),
                       (f"A friend gives {p.him} {x} {items}.", "+", x, f"{x} from a friend"),
                       (f"Then {p.he} gets {x} more {items}.", "+", x, f"{x} more"),
                       (f"{p.He} wins {x} {items} at a fair.", "+", x, f"{x} won at the fair")])
    if kind == "sub":
        x = n.rng.randint(2, max(2, min(total - 1, total * 3 // 5)))
        return w.pick([(f"{p.He} gives {x} to a friend.", "-", x, f"{x} to a friend"),
                       (f"{p.He} sells {x} {items}.", "-", x, f"{p.name} sells {x}"),
                       (f"{p.He} loses {x} of them.", "-", x, f"{p.name} loses {x}"),
                       (f"Then {p.he} gives away {x} {items}.", "-", x, f"{x} given away"),
                       (f"{p.He} uses {x}.", "-", x, f"{p.name} uses {x}")])
    if kind == "mul":
        if total > 200:
            return None
        k = w.pick([2, 2, 3])
        word = "twice" if k == 2 else "three times"
        return w.pick([(f"Then {p.his} number of {items} {'doubles' if k == 2 else 'triples'}.", "*", k,
                        f"{word} as many"),
                       (f"Then {p.he} ends up with {word} as many.", "*", k, f"{word} as many")])
    ds = [d for d in (2, 3, 4, 5) if total % d == 0 and total // d >= 2]
    if not ds:
        return None
    d = w.pick(ds)
    friends = "a friend" if d == 2 else f"{d - 1} friends"
    return w.pick([(f"{p.He} shares them equally with {friends} and keeps one share.", "/", d,
                    f"one of {d} equal shares"),
                   (f"{p.He} puts them into {d} equal piles and keeps one pile.", "/", d, f"one of {d} piles")])


def story(w: Words, n: Numbers, moves: int, allow_mul: bool = True) -> Draft:
    """Someone's things, changed ``moves`` times (the last may be the question's own twist)."""
    p = w.person()
    items, _ = w.items()
    packs = allow_mul and w.rng.random() < 0.35
    sentences, ops = [], []
    if packs:
        k, each = n.factor(2, 6), n.factor(2)
        cs, _ = w.container()
        sentences.append(f"{p.name} {p.verb('buys', 'buy')} {k} {cs} of {items} with {each} in each.")
        total = k * each
        ops.append(Op(k, "*", each, total, f"{k} {cs} of {each}"))
        moves -= 1
    else:
        total = n.term(5)
        sentences.append(w.pick([f"{p.name} {p.verb('has', 'have')} {total} {items}.",
                                 f"{p.name} {p.verb('starts', 'start')} with {total} {items}."]))
    start, simple, says = total, [], []
    twist = moves >= 1 and w.rng.random() < 0.3
    for _ in range(moves - (1 if twist else 0)):
        ev = _event(w, n, p, items, total, allow_mul)
        if ev is None:
            ev = _event(w, n, p, items, total, False)
        s, op, x, say = ev
        sentences.append(s)
        simple.append((op, x))
        says.append(say)
        total = chain(total, [(op, x)])[0].c
    ops += chain(start, simple, say=says)
    question = w.pick([f"How many {items} does {p.name} have now?", f"How many {items} {p.verb('does', 'do')} "
                                                                     f"{p.he} have left?",
                       f"How many {items} {p.verb('does', 'do')} {p.name} end up with?"])
    unit = items
    if twist:
        kind = w.pick(["target", "sell", "bags"])
        ds = [d for d in (2, 3, 4, 5, 6) if total % d == 0 and total // d >= 2]
        if kind == "bags" and ds:
            d = w.pick(ds)
            question = f"{p.He} then {p.verb('puts', 'put')} them equally into {d} bags. How many {items} go in each bag?"
            ops.append(Op(total, "/", d, total // d, f"{d} equal bags"))
        elif kind == "sell" and total <= 300:
            price = n.factor(2, 9)
            question = f"{p.He} {p.verb('sells', 'sell')} all of them for {price} dollars each. How many dollars " \
                       f"{p.verb('does', 'do')} {p.he} get?"
            ops.append(Op(total, "*", price, total * price, f"{total} sold at {price} dollars"))
            unit = "dollars"
        else:
            target = total + n.term(2)
            question = f"How many more {items} {p.verb('does', 'do')} {p.he} need to have {target}?"
            ops.append(Op(target, "-", total, target - total, f"still needed for {target}"))
    text = " ".join(sentences + [question])
    alt = [] if packs or twist else reorderings(start, simple)
    return Draft(text, ops, unit, alternatives=alt)


__all__ = ["story"]
