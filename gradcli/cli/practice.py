"""`gradcli practice`: a generated circuit's backward pass, asked node by node (the questions,
hints and score are grading/practice.py's); answers are typed, or piped in, so a session is a
test. The backward pass is told in words at the end (--explain's story)."""

from __future__ import annotations

import random
import shutil
import textwrap

import click

from gradcli.cli.io import read_line, write
from gradcli.cli.options import CONTEXT_SETTINGS, Command, option
from gradcli.compute import compute, parse_binding_value
from gradcli.errors import GradcliError
from gradcli.grading.practice import (
    LEVELS,
    Score,
    circuit,
    correct,
    forward_lines,
    gate_title,
    hints,
    questions,
)
from gradcli.render import Settings, render

STOP = ("q", "quit", ":q", ":quit")
WIDTH = 80


@click.command(name="practice", cls=Command, context_settings={**CONTEXT_SETTINGS,
                                                  "auto_envvar_prefix": "GRADCLI_PRACTICE"})
@option("--level", type=click.IntRange(LEVELS.start, LEVELS.stop - 1), default=2,
        show_default=True,
        help="1: one add or mul gate; 2: two gates; 3: three, with max or relu and a fork; "
             "4: four, with sigmoid; 5: five, with two forks.")
@option("--seed", type=click.IntRange(0, 2 ** 32 - 1), default=None, allow_from_autoenv=False,
        help="Which circuit (default: a new one each time; the session says its seed).")
def practice_command(level, seed):
    """Practise the backward pass: gradcli draws a circuit and asks, node by node
    from the output back, for each upstream gradient and each local gradient.
    A wrong answer gets the gate's pattern as a hint, then the number. Answers
    are numbers (3, -0.5, 1/4); ? gives a hint, q stops. Answers may be piped in.

    \b
    Examples:
      gradcli practice
      gradcli practice --level 4 --seed 7
      printf '3\\n2\\n' | gradcli practice --level 1 --seed 1

    \b
    Exit status: 0 ok (whatever the score); 2 bad input (an option);
    130 interrupted.
    """
    if seed is None:
        seed = random.SystemRandom().randrange(1, 100_000)
    drawn = circuit(level, seed)
    report = compute(drawn.program, drawn.values)
    graph = report.graph
    out = report.output_name
    width = min(WIDTH, shutil.get_terminal_size((WIDTH, 24)).columns)

    def say(text: str) -> None:
        """Lines wrapped between words to the terminal (80 columns at most), each continued
        two columns further in than it starts."""
        write("\n".join(textwrap.fill(line, width, subsequent_indent=" " * (len(line) -
                                                                          len(line.lstrip()) + 2))
                        if len(line) > width else line for line in text.split("\n")) + "\n")

    say(f"Practice, level {level}, seed {seed} (gradcli practice --level {level} --seed {seed} "
        "draws it again):")
    say("\n".join("  " + line for line in drawn.program.rstrip("\n").split("\n")))
    say("The forward pass gives these values:")
    say("\n".join(forward_lines(report)))
    say("Give each gradient as a number (3, -0.5, 1/4); ? gives a hint, q stops.")
    say(f"The backward pass starts at the output with ∂{out}/∂{out} = 1.")
    score = Score()
    heading = None
    stopped = False
    for question in questions(report):
        node = question.node
        title = "inputs" if graph.is_input(node) else node
        if title != heading:
            heading = title
            say("\nThe gradients on the inputs:" if title == "inputs" else
                f"\n{gate_title(report, node)}")
        what = "upstream" if question.kind == "upstream" and title != "inputs" else \
            "local" if question.kind == "local" else ""
        prompt = f"  {what + ' ' if what else ''}{question.prompt}? "
        tries = 0
        while True:
            typed = read_line(prompt)
            if typed is None or typed.strip().lower() in STOP:
                stopped = True
                break
            typed = typed.strip()
            if not typed:
                continue
            if typed != "?":
                try:
                    answer = float(parse_binding_value(typed))
                except (GradcliError, TypeError):
                    say("  not a number: write 3, -0.5 or 1/4 (? gives a hint, q stops)")
                    continue
                if correct(answer, question.answer):
                    say("  right.")
                    if tries:
                        score.later += 1
                    else:
                        score.first += 1
                    break
            else:
                answer = float("nan")
            tries += 1
            found = hints(report, question, answer)
            lead = "  " if typed == "?" else "  not quite. "
            if tries <= len(found):
                say(f"{lead}Hint: {found[tries - 1]}")
                continue
            say(f"{lead}It is {question.shown}.")
            score.shown += 1
            break
        if stopped:
            break
    say("")
    say(score.text() if score.asked else "No answers given.")
    say("\nThe whole backward pass, as gradcli --explain tells it:")
    rendered, kind = render(report, "explain", Settings())
    write(rendered, kind=kind)
    return 0

