"""The class view of a graded class (`gradcli check ... --report class.md`): per problem and
item, how many answered, the share right, the most frequent wrong answers with the mistakes
each matches (checks/diagnose.py), and how often each mistake was made, so that a TA reads
"41% of the answers dropped a fork contribution at x" off one page.

It reads finished FileResults and computes nothing: the diagnoses are those grading found.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gradcli.checks.diagnose import CATALOGUE
from gradcli.numbers import is_array, json_value

# Wrong answers the view lists per item, most frequent first.
TOP_WRONG = 3


@dataclass
class WrongAnswer:
    answer: object               # the number (or array) as graded
    typed: str                   # as the first student wrote it, when a string ("-1/3")
    count: int
    diagnosis: tuple             # what the first of them matched

    def to_json(self, hide_answers: bool) -> dict:
        out = {} if hide_answers else {"answer": json_value(self.answer)}
        out.update(count=self.count, diagnosis=[d.to_json() for d in self.diagnosis])
        return out


@dataclass
class Mistakes:
    """Mistakes made by the same answers: one, or several that give the same numbers (the
    whole gradient's sign, and a local gradient's sign on its only path)."""
    count: int                                   # answers matching them
    places: list[tuple[str, str]]                # (kind, node), simplest first

    def words(self) -> str:
        """`dropped a fork contribution at x (fork-dropped), or ...`: the kinds in order,
        each with its nodes."""
        by_kind: dict[str, list[str]] = {}
        for kind, node in self.places:
            by_kind.setdefault(kind, []).append(node)
        parts = []
        for kind, nodes in by_kind.items():
            where = nodes[0] if len(nodes) == 1 else \
                ", ".join(nodes[:-1]) + " or " + nodes[-1]
            parts.append(f"{CATALOGUE[kind].summary} at {where} ({kind})")
        return ", or ".join(parts)


@dataclass
class ItemView:
    problem: str
    item: str
    answers: int = 0             # answers given and read as numbers
    correct: int = 0
    unanswered: int = 0          # no answer, or one that is no number
    wrong: list[WrongAnswer] = field(default_factory=list)
    mistakes: list[Mistakes] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.correct / self.answers if self.answers else 0.0

    def to_json(self, hide_answers: bool) -> dict:
        return {"problem": self.problem, "item": self.item, "answers": self.answers,
                "correct": self.correct, "share_correct": self.share,
                "unanswered": self.unanswered,
                "wrong": [w.to_json(hide_answers) for w in self.wrong[:TOP_WRONG]],
                "mistakes": [{"count": m.count,
                              "share": m.count / self.answers if self.answers else 0.0,
                              "matches": [{"kind": kind, "node": node}
                                          for kind, node in m.places]}
                             for m in self.mistakes]}


@dataclass
class ClassView:
    files: int
    read: int
    items: list[ItemView]
    hide_answers: bool = False

    def to_json(self) -> dict:
        return {"files": self.files, "read": self.read,
                "items": [item.to_json(self.hide_answers) for item in self.items]}


def _key(answer) -> object:
    """Equal answers group together: a number by its value, an array by its shape and
    entries."""
    if is_array(answer):
        return (tuple(answer.shape), tuple(float(v) for v in answer.flat))
    return float(answer) + 0.0


def class_view(results, hide_answers: bool = False) -> ClassView:
    """The view of a class's graded files, items in the order the files first give them."""
    views: dict[tuple[str, str], ItemView] = {}
    wrong: dict[tuple[str, str], dict] = {}
    mistakes: dict[tuple[str, str], dict] = {}
    for result in results:
        for item in result.items:
            if item.item == "gradcheck":
                continue
            at = (item.problem, item.item)
            view = views.get(at)
            if view is None:
                view = views[at] = ItemView(item.problem, item.item)
                wrong[at], mistakes[at] = {}, {}
            if item.answer is None:
                view.unanswered += 1
                continue
            view.answers += 1
            if item.passed:
                view.correct += 1
                continue
            key = _key(item.answer)
            seen = wrong[at].get(key)
            if seen is None:
                wrong[at][key] = WrongAnswer(item.answer, item.typed, 1, tuple(item.diagnosis))
            else:
                seen.count += 1
            for found in dict.fromkeys((d.kind, d.node) for d in item.diagnosis):
                mistakes[at].setdefault(found, []).append(key)
    for at, view in views.items():
        # Most frequent first; among equals, the one met first.
        view.wrong = sorted(wrong[at].values(), key=lambda w: -w.count)
        # Mistakes matched by exactly the same answers are one line: they cannot be told apart.
        groups: dict[tuple, Mistakes] = {}
        for place, keys in mistakes[at].items():
            same = tuple(sorted(map(repr, keys)))
            if same in groups:
                groups[same].places.append(place)
            else:
                groups[same] = Mistakes(len(keys), [place])
        view.mistakes = sorted(groups.values(), key=lambda m: -m.count)
    read = sum(1 for r in results if r.error is None)
    return ClassView(len(results), read, list(views.values()), hide_answers)
