"""One-step families about money, rates, time, shapes, parts of a whole, percent, ages and
missing numbers (registered into ``families.FAMILIES`` like the counting ones)."""
from __future__ import annotations

from .calc import Op
from .families import Draft, family
from .numbers import Numbers
from .words import HABITS, LENGTH_UNITS, SHAPES_RECT, Words


# -- money, rates and time ---------------------------------------------------------------------
@family("unit-total", "money")
def unit_total(w: Words, n: Numbers) -> Draft:
    price, k = n.price(), n.count()
    goods, one = w.goods()
    p = w.person()
    text = w.pick([f"{goods.capitalize()} are {price} dollars apiece. What do {k} {goods} cost?",
                   f"{p.name} buys {k} {goods} at ${price} each. How many dollars does {p.he} spend?",
                   f"One {one} costs ${price}. What is the price of {k} {goods} in dollars?",
                   f"How much do {k} {goods} cost if each {one} is {price} dollars?"])
    return Draft(text, [Op(price, "*", k, price * k, f"{k} {goods} at {price} dollars")], "dollars")


@family("price-of-one", "money")
def price_of_one(w: Words, n: Numbers) -> Draft:
    total, k, each = n.divide()
    goods, one = w.goods()
    text = w.pick([f"{k} {goods} cost {total} dollars altogether. How much does one {one} cost?",
                   f"Mom pays {total} dollars for {k} {goods} that each cost the same. What is the price of one "
                   f"{one} in dollars?",
                   f"If {k} {goods} cost ${total}, how many dollars does each {one} cost?"])
    return Draft(text, [Op(total, "/", k, each, f"{total} dollars for {k}")], "dollars")


@family("need-more", "money")
def need_more(w: Words, n: Numbers) -> Draft:
    cost, have = n.minus()
    goods, one = w.goods()
    p = w.person()
    text = w.pick([f"{p.name} wants a {one} for {cost} dollars but has only {have} dollars. How many dollars is "
                   f"{p.he} short?",
                   f"{p.name} is saving for a {one} that costs ${cost}. {p.He} has saved ${have}. How much more "
                   f"must {p.he} save?"])
    return Draft(text, [Op(cost, "-", have, cost - have, f"{cost} dollars less {have}")], "dollars")


@family("per-day", "rates")
def per_day(w: Words, n: Numbers) -> Draft:
    rate, days = n.factor(), n.count()
    habit, unit = w.pick(HABITS)
    p = w.person()
    span = w.pick([f"{days} days", "a week" if days == 7 else f"{days} days"])
    text = w.pick([f"{p.name} {habit.format(n=rate)} a day. How many {unit} is that in {span}?",
                   f"Every day {p.name} {habit.format(n=rate)}. How many {unit} in {days} days?",
                   f"{p.name} {habit.format(n=rate)} each day for {days} days. How many {unit} in total?"])
    return Draft(text, [Op(rate, "*", days, rate * days, f"{rate} {unit} a day for {days} days")], unit)


@family("speed", "rates")
def speed(w: Words, n: Numbers) -> Draft:
    v, t = n.factor(2) * w.pick([1, 5, 10]), n.factor(2, 9)
    what, unit = w.pick([("A car", "km"), ("A train", "miles"), ("A bus", "km"), ("A boat", "miles"),
                         ("A plane", "km")])
    text = w.pick([f"{what} goes {v} {unit} each hour. How far does it go in {t} hours?",
                   f"{what} travels at {v} {unit} per hour for {t} hours. How many {unit} does it travel?",
                   f"How many {unit} does {what.lower()} cover in {t} hours at {v} {unit} an hour?"])
    return Draft(text, [Op(v, "*", t, v * t, f"{t} hours at {v} {unit} an hour")], unit)


@family("wages", "rates")
def wages(w: Words, n: Numbers) -> Draft:
    pay, h = n.price() + w.pick([0, 3, 5]), n.count()
    p = w.person()
    job = w.pick(["babysitting", "at the shop", "walking dogs", "in the garden", "at the cafe"])
    text = w.pick([f"{p.name} makes {pay} dollars for every hour {job}. What does {p.he} make in {h} hours?",
                   f"{p.name} is paid ${pay} per hour and works {h} hours. How many dollars does {p.he} earn?"])
    return Draft(text, [Op(pay, "*", h, pay * h, f"{h} hours at {pay} dollars")], "dollars")


@family("rate-time", "rates")
def rate_time(w: Words, n: Numbers) -> Draft:
    total, rate, t = n.divide()
    p = w.person()
    text = w.pick([f"{p.name} reads {rate} pages a day. How many days does it take to read a {total} page book?",
                   f"A snail crawls {rate} meters per hour. How many hours does it take to crawl {total} meters?",
                   f"A pump fills {rate} liters a minute. How many minutes does it take to fill {total} liters?"])
    unit = "days" if "days" in text else "hours" if "hours" in text else "minutes"
    return Draft(text, [Op(total, "/", rate, t, f"{total} at {rate} each")], unit)


@family("hours-minutes", "time")
def hours_minutes(w: Words, n: Numbers) -> Draft:
    k = n.factor(2, 9)
    kind = w.pick(["min", "hours", "days", "weeks", "back"])
    if kind == "min":
        return Draft(w.pick([f"Change {k} hours into minutes.", f"A trip takes {k} hours. How many minutes long is "
                                                                      "the trip?"]),
                     [Op(k, "*", 60, 60 * k, f"{k} hours of 60 minutes")], "minutes", constants=(60,))
    if kind == "hours":
        return Draft(w.pick([f"Change {k} days into hours.", f"A camp lasts {k} days. How many hours long is the camp?"]),
                     [Op(k, "*", 24, 24 * k, f"{k} days of 24 hours")], "hours", constants=(24,))
    if kind == "days":
        return Draft(w.pick([f"Change {k} weeks into days.", f"A holiday lasts {k} weeks. How many days long is "
                                                                   "the holiday?"]),
                     [Op(k, "*", 7, 7 * k, f"{k} weeks of 7 days")], "days", constants=(7,))
    if kind == "weeks":
        return Draft(f"Change {7 * k} days into weeks.", [Op(7 * k, "/", 7, k, f"{7 * k} days in weeks")],
                     "weeks", constants=(7,))
    return Draft(w.pick([f"A film runs for {60 * k} minutes. How many hours long is the film?",
                         f"Change {60 * k} minutes into hours."]),
                 [Op(60 * k, "/", 60, k, f"{60 * k} minutes in hours")], "hours", constants=(60,))


# -- shapes, parts of a whole, ages, equations --------------------------------------------------
@family("area", "measurement")
def area(w: Words, n: Numbers) -> Draft:
    a, b = n.factor(2), n.factor(2)
    unit, sq = w.pick(LENGTH_UNITS)
    thing = w.pick(SHAPES_RECT)
    text = w.pick([f"Find the area in {sq} of a rectangle with sides of {a} {unit} and {b} {unit}.",
                   f"A {thing} is {a} {unit} by {b} {unit}. What is its area?",
                   f"What is the area of a {thing} that is {a} {unit} long and {b} {unit} wide?"])
    return Draft(text, [Op(a, "*", b, a * b, f"{a} by {b}")], sq)


@family("square-perimeter", "measurement")
def square_perimeter(w: Words, n: Numbers) -> Draft:
    s = n.factor(2) + w.pick([0, 0, 10])
    unit, _ = w.pick(LENGTH_UNITS)
    text = w.pick([f"A square has sides of {s} {unit}. What is its perimeter?",
                   f"A fence goes around a square pen with sides of {s} {unit}. How many {unit} of fence are needed?",
                   f"What is the distance around a square with {s} {unit} sides?"])
    return Draft(text, [Op(4, "*", s, 4 * s, f"4 sides of {s}")], unit, constants=(4,))


@family("fraction-of", "fractions")
def fraction_of(w: Words, n: Numbers) -> Draft:
    d = w.pick([2, 2, 3, 4, 5, 10])
    q = n.factor(2)
    total = d * q
    word = {2: "half", 3: "a third", 4: "a quarter", 5: "a fifth", 10: "a tenth"}[d]
    items, _ = w.items()
    p = w.person()
    text = w.pick([f"What is {word} of {total}?",
                   f"{p.name} has {total} {items} and gives away {word} of them. How many {items} does {p.he} give "
                   "away?",
                   f"There are {total} {items}. 1/{d} of them are red. How many red {items} are there?",
                   f"{word.capitalize()} of the {total} {items} are broken. How many {items} are broken?"])
    return Draft(text, [Op(total, "/", d, q, f"{word} of {total}")], items, constants=(d,))


@family("percent-of", "percent")
def percent_of(w: Words, n: Numbers) -> Draft:
    pct = w.pick([10, 20, 25, 50, 75, 30, 40])
    base = w.pick([20, 40, 60, 80, 100, 120, 200, 300, 400, 500])
    part = base * pct // 100
    p = w.person()
    text = w.pick([f"Find {pct}% of {base}.",
                   f"In a group of {base} people, {pct}% are children. How many children are there?",
                   f"{p.name} answered {pct}% of {base} questions right. How many questions did {p.he} get right?",
                   f"A jacket costs {base} dollars. It is {pct}% off. How many dollars is the discount?"])
    unit = "dollars" if "dollars" in text else "questions" if "questions" in text else "children" \
        if "children" in text else ""
    # one equation: base × pct / 100
    steps = [Op(base, "*", pct, base * pct, ""), Op(base * pct, "/", 100, part, f"{pct}% of {base}")]
    return Draft(text, steps, unit, constants=(100,))


@family("ages", "ages")
def ages(w: Words, n: Numbers) -> Draft:
    p, q = w.person(), w.person()
    a, d = n.rng.randint(3, 15), n.rng.randint(2, 9)
    kind = w.pick(["older", "younger", "future", "past", "times"])
    if kind == "older":
        return Draft(f"{p.name} is {a} years old. {q.name} is {d} years older. How old is {q.name}?",
                     [Op(a, "+", d, a + d, f"{d} years older than {a}")], "years")
    if kind == "younger":
        a = a + d
        return Draft(f"{p.name} is {a}. {q.name} is {d} years younger than {p.name}. How old is {q.name}?",
                     [Op(a, "-", d, a - d, f"{d} years younger than {a}")], "years")
    if kind == "future":
        return Draft(w.pick([f"{p.name} turned {a} this year. What age will {p.he} be {d} years later?",
                             f"How old will {p.name} be {d} years from now if {p.he} is {a} today?"]),
                     [Op(a, "+", d, a + d, f"{a} plus {d} years")], "years")
    if kind == "past":
        a = a + d
        return Draft(f"{p.name} is {a}. How old was {p.he} {d} years ago?",
                     [Op(a, "-", d, a - d, f"{a} less {d} years")], "years")
    k = w.pick([2, 3, 4])
    word = {2: "twice", 3: "three times", 4: "four times"}[k]
    return Draft(f"{q.name} is {word} as old as {p.name}, who is {a}. How old is {q.name}?",
                 [Op(a, "*", k, a * k, f"{word} {a}")], "years")


@family("equation", "equations")
def equation(w: Words, n: Numbers) -> Draft:
    v = w.pick(["x", "n", "y", "k", "m"])
    kind = w.pick(["add", "sub", "mul", "div", "think"])
    if kind == "add":
        x, a = n.pair_sum()
        return Draft(w.pick([f"{v} + {a} = {x + a}. Find the value of {v}.", f"What value of {v} makes {v} + {a} = "
                                                                                 f"{x + a} true?",
                             f"Fill in the box: {a} + [ ] = {x + a}"]),
                     [Op(x + a, "-", a, x, f"{x + a} take away {a}")], "")
    if kind == "sub":
        x, a = n.pair_sum()
        x = x + a
        return Draft(w.pick([f"{v} - {a} = {x - a}. Find the value of {v}.",
                             f"What value of {v} makes {v} - {a} = {x - a} true?"]),
                     [Op(x - a, "+", a, x, f"{x - a} and {a} back")], "")
    if kind == "mul":
        total, a, x = n.divide()
        return Draft(w.pick([f"{a} × {v} = {total}. Find the value of {v}.",
                             f"Which number multiplied by {a} gives {total}?", f"What value of {v} makes {a} × {v} = "
                                                                               f"{total} true?"]),
                     [Op(total, "/", a, x, f"{total} divided by {a}")], "")
    if kind == "div":
        x = n.factor(2) * n.factor(2)
        a = w.pick([d for d in range(2, 10) if x % d == 0] or [1])
        return Draft(f"{v} ÷ {a} = {x // a}. Find the value of {v}.", [Op(x // a, "*", a, x, f"{x // a} times {a}")],
                     "")
    x, a = n.pair_sum()
    return Draft(w.pick([f"When {a} is added to a secret number, the total is {x + a}. Find the secret number.",
                         f"A number plus {a} makes {x + a}. What is the number?"]),
                 [Op(x + a, "-", a, x, f"{x + a} take away {a}")], "")
