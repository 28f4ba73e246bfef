"""gradcli practice (grading/practice.py, cli/practice.py): circuits by level, the questions in
reverse order, hints then the number, the score, and the replay; sessions piped in reproduce
their transcripts."""

import io
import sys

import pytest
from _helpers import assert_snapshot

from gradcli.compute import compute
from gradcli.grading import practice
from gradcli.grading.practice import circuit, correct, hints, questions


def play(monkeypatch, answers: str, *words: str) -> tuple[int, str]:
    from gradcli.cli import main

    monkeypatch.setenv("COLUMNS", "80")
    screen = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(answers))
    monkeypatch.setattr(sys, "stdout", screen)
    monkeypatch.setattr(sys, "stderr", screen)
    status = main(["practice", *words])
    return status, screen.getvalue()


def longest_path(report) -> int:
    graph = report.graph
    depth = [0] * len(graph.ops)
    for node in range(len(graph.ops)):
        args = list(graph.args(node))
        if args:
            depth[node] = 1 + max(depth[a] for a in args)
    return depth[graph.output]


def test_a_session_with_wrong_answers_hints_and_the_numbers(monkeypatch):
    status, text = play(monkeypatch, "-4\n4\n5\n?\n?\n1\n2\n0\nabc\n-1\n4\n2\n-2\n",
                        "--level", "2", "--seed", "1")
    assert status == 0
    assert_snapshot("practice_level2.txt", text)


def test_a_session_answered_right_with_a_fork(monkeypatch):
    drawn = circuit(3, 1)
    report = compute(drawn.program, drawn.values)
    assert any(len(report.contributions(node)) > 1 for node in range(len(report.graph.ops)))
    answers = "".join(f"{q.answer!r}\n" for q in questions(report))
    status, text = play(monkeypatch, answers, "--level", "3", "--seed", "1")
    assert status == 0 and "not quite" not in text
    count = len(questions(report))
    assert f"Score: {count} of {count} right at the first try, 0 after a hint, 0 shown." in text
    assert_snapshot("practice_level3.txt", text)


def test_q_stops_and_the_replay_follows(monkeypatch):
    drawn = circuit(1, 4)
    first = questions(compute(drawn.program, drawn.values))[0]
    status, text = play(monkeypatch, f"{first.answer}\nq\n", "--level", "1", "--seed", "4")
    assert status == 0 and "Score: 1 of 1 right" in text and "The whole backward pass" in text
    status, text = play(monkeypatch, "", "--level", "1", "--seed", "4")
    assert "No answers given." in text and "Step 1." in text


@pytest.mark.parametrize("level", range(1, 6))
def test_each_level_draws_clean_circuits_of_its_depth(level):
    programs = set()
    for seed in range(12):
        drawn = circuit(level, seed)
        assert circuit(level, seed) == drawn        # the same seed, the same circuit
        report = compute(drawn.program, drawn.values)
        programs.add((drawn.program, tuple(drawn.values.items())))
        assert longest_path(report) == level
        assert not report.warnings
        ops = {node.op for node in report.nodes}
        if level >= 3:
            assert ops & {"max", "relu"}
            assert any(len(report.contributions(n)) > 1 for n in range(len(report.graph.ops)))
        if level >= 4:
            assert "sigmoid" in ops
        asked = questions(report)
        # From the output back: the gates' questions in reverse order, then the inputs'.
        gates = [q.node for q in asked if not report.graph.is_input(q.node)]
        assert gates == sorted(gates, reverse=True)
        inputs = [q.node for q in asked if report.graph.is_input(q.node)]
        assert inputs == list(report.graph.inputs.values())
        for q in asked:
            assert correct(q.answer, q.answer) and not correct(q.answer + 1, q.answer)
    assert len(programs) >= 6


def diagnosis(report, question, answer):
    return [f"you may have forgotten the upstream gradient ({answer:g})"] if answer == 7 else []


def test_hints_give_the_gate_first_then_each_diagnosis(monkeypatch):
    drawn = circuit(2, 1)
    report = compute(drawn.program, drawn.values)
    first = questions(report)[0]
    assert hints(report, first, 5) == [
        "A mul gate swaps its inputs: each receives the other's value times the gradient."]
    monkeypatch.setattr(practice, "DIAGNOSES", ["test_practice:diagnosis"])
    assert hints(report, first, 7)[1] == "you may have forgotten the upstream gradient (7)"
    status, text = play(monkeypatch, "5\n7\n", "--level", "2", "--seed", "1")
    assert "not quite. Hint: you may have forgotten the upstream gradient (7)" in text
