"""Words the problem writers draw from: people, things, containers, units.

``Words(rng)`` hands out a fresh person (name and pronouns), things that can be counted,
containers and units, so that one template reads many ways. Nothing here decides numbers.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

# (name, subject pronoun, object pronoun, possessive)
_SHE = ("she", "her", "her")
_HE = ("he", "him", "his")
PEOPLE = [(n, *_SHE) for n in ("Ana", "Mia", "Lena", "Gita", "Ines", "Zoe", "Priya", "Fatima", "Sofia", "Emma",
                               "Hana", "Chloe", "Amara", "Lucia", "Nora", "Yuki", "Maya", "Ivy", "Rosa", "Kate")] + \
         [(n, *_HE) for n in ("Ben", "Dev", "Finn", "Hugo", "Jon", "Kemal", "Omar", "Liam", "Noah", "Mateo", "Kai",
                              "Sam", "Tariq", "Leo", "Jamal", "Ravi", "Tom", "Max", "Luis", "Ethan")]
ADULTS = ["Mr. Lopez", "Ms. Kim", "Mrs. Diaz", "Mr. Okafor", "Ms. Novak", "the teacher", "Grandma", "Dad", "Mom",
          "the coach", "the baker", "the farmer", "the librarian"]

# (plural, singular) of things that come in whole numbers
ITEMS = [("apples", "apple"), ("marbles", "marble"), ("stickers", "sticker"), ("books", "book"),
         ("pencils", "pencil"), ("cards", "card"), ("shells", "shell"), ("coins", "coin"), ("stamps", "stamp"),
         ("eggs", "egg"), ("cookies", "cookie"), ("oranges", "orange"), ("crayons", "crayon"), ("beads", "bead"),
         ("balloons", "balloon"), ("muffins", "muffin"), ("toy cars", "toy car"), ("flowers", "flower"),
         ("candies", "candy"), ("buttons", "button"), ("cupcakes", "cupcake"), ("carrots", "carrot"),
         ("markers", "marker"), ("rocks", "rock"), ("tickets", "ticket"), ("lemons", "lemon"), ("plums", "plum")]
# (plural, singular) of things that hold a number of items
CONTAINERS = [("boxes", "box"), ("bags", "bag"), ("packs", "pack"), ("crates", "crate"), ("jars", "jar"),
              ("baskets", "basket"), ("trays", "tray"), ("cartons", "carton"), ("buckets", "bucket"),
              ("tins", "tin")]
# things sold at a price (plural, singular)
GOODS = [("notebooks", "notebook"), ("pens", "pen"), ("tickets", "ticket"), ("sandwiches", "sandwich"),
         ("books", "book"), ("toys", "toy"), ("shirts", "shirt"), ("mugs", "mug"), ("plants", "plant"),
         ("games", "game"), ("hats", "hat"), ("kites", "kite"), ("pies", "pie"), ("comics", "comic")]
# something done every day (verb phrase with {n} and the unit, the unit's plural)
HABITS = [("reads {n} pages", "pages"), ("walks {n} km", "km"), ("runs {n} km", "km"), ("swims {n} laps", "laps"),
          ("practises the piano for {n} minutes", "minutes"), ("saves {n} dollars", "dollars"),
          ("drinks {n} glasses of water", "glasses"), ("writes {n} lines of a story", "lines"),
          ("rides {n} km on a bike", "km"), ("does {n} push-ups", "push-ups")]
PLACES = ["the zoo", "the museum", "the fair", "the library", "the park", "the pool", "the school play"]
LENGTH_UNITS = [("cm", "square cm"), ("m", "square m"), ("meters", "square meters"), ("feet", "square feet"),
                ("inches", "square inches")]
SHAPES_RECT = ["garden", "room", "rug", "poster", "field", "table top", "playground", "photo", "tile", "window"]


@dataclass
class Person:
    name: str
    he: str
    him: str
    his: str

    @property
    def He(self) -> str:
        return self.he.capitalize()

    @property
    def His(self) -> str:
        return self.his.capitalize()

    def verb(self, singular: str, plural: str) -> str:
        """The verb agreeing with the pronoun (every person here is "he" or "she": singular)."""
        return singular


class Words:
    """Fresh words from ``rng``; two people drawn from one Words are different people."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._used: set = set()

    def person(self) -> Person:
        while True:
            p = self.rng.choice(PEOPLE)
            if p[0] not in self._used:
                self._used.add(p[0])
                return Person(*p)

    def adult(self) -> str:
        return self.rng.choice(ADULTS)

    def items(self) -> tuple[str, str]:
        return self.rng.choice(ITEMS)

    def container(self) -> tuple[str, str]:
        return self.rng.choice(CONTAINERS)

    def goods(self) -> tuple[str, str]:
        return self.rng.choice(GOODS)

    def pick(self, options):
        return self.rng.choice(options)


__all__ = ["Words", "Person", "PEOPLE", "ITEMS", "CONTAINERS", "GOODS", "HABITS", "PLACES", "LENGTH_UNITS",
           "SHAPES_RECT", "ADULTS"]
