"""`gradcli gen PROBLEMS.toml --roster students.csv --seed S -o OUT/`: one variant of the
problem set per student, with its key and its handout."""

from __future__ import annotations

import os

import click

from gradcli.cli.io import read_document, write
from gradcli.cli.options import CONTEXT_SETTINGS, Command, option
from gradcli.errors import InputError
from gradcli.grading.variants import generate, key_file, read_roster, student_file
from gradcli.render.handout import latex, markdown

# The folders of OUT/, and what each holds per student.
FOLDERS = {"problems": "what the student fills in and hands back (ID.toml)",
           "keys": "the keys, for gradcli check --problems OUT/keys (ID.toml)",
           "handouts": "the questions as Markdown and LaTeX (ID.md, ID.tex)"}


@click.command(cls=Command, context_settings=CONTEXT_SETTINGS)
@click.argument("problems", metavar="PROBLEMS.toml")
@option("--roster", metavar="STUDENTS.csv", required=True, allow_from_autoenv=False,
        help="A CSV whose header names an id column (id, student, sid, email, ...) and "
             "optionally a name column.")
@option("--seed", type=click.IntRange(0, None), required=True, allow_from_autoenv=False,
        help="The class's seed: the same seed, roster and problems give the same files.")
@option("-o", "--out", "out", required=True, metavar="OUT/", allow_from_autoenv=False,
        help="The folder to write problems/, keys/ and handouts/ into.")
@option("--student", "only", metavar="ID", allow_from_autoenv=False,
        help="Write only this student's files (the class is still drawn, so they are the "
             "same files).")
@option("--title", default="Backpropagation", show_default=True,
        help="The handouts' title.")
def gen_command(problems, roster, seed, out, only, title):
    """One variant of PROBLEMS.toml per student of the roster, each checked
    (its key computed, its constraints met, no two students alike) before it
    is written: OUT/problems/ID.toml for the student to fill in, OUT/keys/ID.toml
    for grading, OUT/handouts/ID.md and .tex.

    \b
    [[problem]]
    id = "1a"
    program = "q = x + y; f = q * z + x"
    at = {x = {min = -5, max = 5, step = 1}, y = [2, -3, 0.5], z = 4}
    fork = true
    no_kinks = true
    nice = true

    A variant depends only on the seed, the student's id and the problem's id
    (a student whose draw would repeat another's, earlier in id order, draws
    again).

    Exit status: 0 written; 2 a problem file, roster or option is wrong, or a
    problem has no variant meeting its constraints (its maths failing at every
    draw included); 74 a file could not be written.
    """
    students = read_roster(*read_document(roster, "a CSV roster"))
    if only is not None and only not in {s.id for s in students}:
        raise InputError(f"--student {only!r} is not in {roster}")
    text, source = read_document(problems, "a TOML file of problems")
    data, variants = generate(text, source, students, seed)
    if os.path.exists(out) and not os.path.isdir(out):
        raise InputError(f"-o {out} is a file: gen writes a folder")
    for folder in FOLDERS:
        try:
            os.makedirs(os.path.join(out, folder), exist_ok=True)
        except OSError as error:
            raise InputError(f"cannot make the folder {os.path.join(out, folder)}: "
                             f"{error.strerror or error}") from None
    written = 0
    for student in students:
        if only is not None and student.id != only:
            continue
        mine = variants[student.id]
        write(student_file(data, student, mine), os.path.join(out, "problems", f"{student.id}.toml"))
        write(key_file(data, student, mine, seed), os.path.join(out, "keys", f"{student.id}.toml"))
        write(markdown(data, student, mine, title), os.path.join(out, "handouts", f"{student.id}.md"))
        write(latex(data, student, mine, title), os.path.join(out, "handouts", f"{student.id}.tex"))
        written += 1
    count = len(data["problem"])
    write(f"{out}: {written} student{'s' * (written != 1)} × {count} "
          f"problem{'s' * (count != 1)} (seed {seed}): problems/, keys/, handouts/\n")
    return 0
