"""gradcli -i (cli/prompt.py): scripted sessions reproduce their transcripts (stdout and stderr
as a terminal shows them, one stream); values, definitions and their order; the commands;
errors that never leave the prompt; completion; and the line editor itself (prompt_toolkit,
typed into through a pipe)."""

import io
import subprocess
import sys

from _helpers import assert_snapshot

NOTE_SESSION = """\
x = -2
y = 5
z = -4
q = x + y
f = q * z
:explain
:wrt x
(x+y)*z
:wrt
q = x - y
f
x = 3
f
:program
:why
:quit
this line is never read
"""

ERROR_SESSION = """\
# a comment, and an empty line, do nothing

sinn(x)
x = 2
x * w
q = sinn(x)
q = x +
y = 1 +
pi = 3
a = b + 1
b = a * 2
x = x + 1
q = log(x - 10)
q
x = 20
q
q += 1
:nope
:wrt nothing
:forward
:graph picture.txt
:help
"""


def session(monkeypatch, text: str, *words: str) -> tuple[int, str]:
    """gradcli -i WORDS with `text` piped in: (exit status, stdout and stderr as one text)."""
    from gradcli.cli import main

    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    screen = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    monkeypatch.setattr(sys, "stdout", screen)
    monkeypatch.setattr(sys, "stderr", screen)
    status = main(["-i", *words])
    return status, screen.getvalue()


def test_the_notes_first_example_at_the_prompt(monkeypatch):
    status, text = session(monkeypatch, NOTE_SESSION)
    assert status == 0
    assert "this line is never read" not in text
    assert_snapshot("prompt_note.txt", text)


def test_errors_are_shown_with_their_caret_and_the_session_goes_on(monkeypatch):
    status, text = session(monkeypatch, ERROR_SESSION)
    assert status == 2      # a scripted session exits with its first error's status
    assert "Traceback" not in text
    assert_snapshot("prompt_errors.txt", text)


def test_a_scripted_session_is_the_same_every_time(tmp_path):
    script = "x = -2\ny = 5\nz = -4\nf = (x + y) * z\n:explain\nsinn(x)\n"
    runs = [subprocess.run([sys.executable, "-m", "gradcli", "-i"], input=script, text=True,
                           capture_output=True, timeout=60, cwd=tmp_path,
                           env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"}) for _ in range(2)]
    assert runs[0].stdout == runs[1].stdout and runs[0].stderr == runs[1].stderr
    assert runs[0].returncode == 2 and "∂f/∂z = 3" in runs[0].stdout
    assert runs[0].stderr == ("error: unknown function 'sinn' (did you mean 'sin'?)\n"
                              "    sinn(x)\n    ^^^^\n")


def test_values_and_a_program_from_the_command_line(monkeypatch, tmp_path):
    (tmp_path / "neuron.py").write_text("dot = w0*x0 + w1*x1 + w2\nf = 1/(1 + exp(-dot))\n")
    monkeypatch.chdir(tmp_path)
    status, text = session(monkeypatch, ":wrt w0\n", "-f", "neuron.py", "w0=2", "x0=-1",
                           "w1=-3", "x1=-2", "w2=-3")
    assert status == 0 and text.count("f = 0.7311") == 2 and "∂f/∂w0 = -0.1966\n" in text
    status, text = session(monkeypatch, "", "x*y", "x=2", "y=3")
    assert "∂f/∂y = 2" in text
    status, text = session(monkeypatch, "x*y\n", "x=2", "y=pi")
    assert "∂f/∂x = 3.142" in text


def test_save_writes_a_program_that_gradcli_runs_and_load_reads_it(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    status, text = session(monkeypatch, "x = 1/3\ny = 2\nq = x * y\nsin(q) + x\n"
                           ":save s.py\n:reset\n:program\n:load s.py\n:exact\n")
    assert status == 0
    assert (tmp_path / "s.py").read_text() == "x = 1/3\ny = 2\nq = x * y\nsin(q) + x\n"
    assert "wrote s.py\n" in text and "(nothing yet)" in text
    tables = text.split("gradcli> ")
    assert tables[4].split("\n", 1)[1] == tables[8].split("\n", 1)[1]   # the same table again
    assert "q           mul    2/3 ≈ 0.6667" in tables[9]                # x = 1/3, exactly
    from gradcli.cli import main

    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["-f", "s.py"]) == 0
    assert capsys.readouterr().out == tables[8].split("\n", 1)[1]


def test_graph_writes_the_circuit(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    status, text = session(monkeypatch, "(x+y)*z\n:graph c.dot\n:graph page.html\n:graph\n",
                           "x=-2", "y=5", "z=-4")
    assert status == 0
    assert (tmp_path / "c.dot").read_text().startswith("digraph circuit {")
    assert "<svg" in (tmp_path / "page.html").read_text()
    assert "wrote c.dot\n" in text and "├── x + y  add  value 3  grad -4" in text


def test_forward_mode_and_the_interrupt_of_a_line(monkeypatch):
    from gradcli.cli import prompt

    status, text = session(monkeypatch, "q = x * y\n:forward x\n", "x=2", "y=3")
    assert "∂q/∂x" in text and status == 0

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    real = prompt.Session.compute
    monkeypatch.setattr(prompt.Session, "compute",
                        lambda self, e, n, exact=False: interrupted() if e == "slow" else
                        real(self, e, n, exact))
    status, text = session(monkeypatch, "slow\nx + 1\n", "x=1")
    assert "interrupted\n" in text and "f = 2" in text


def test_i_refuses_the_views_it_has_commands_for(cli):
    run = cli("-i", "x", "--format", "json")
    assert run.status == 2 and run.err.startswith("error: -i and --format cannot be used together")


def test_a_bare_gradcli_at_a_terminal_starts_the_prompt(monkeypatch, cli):
    from gradcli.cli import prompt

    typed = []
    monkeypatch.setattr(prompt, "terminal_lines", lambda session: iter(["x = 2", "x * 3"]))
    run = cli(tty=True)
    assert run.status == 0
    assert "gradcli " in run.out and ":help lists the commands" in run.out and "f = 6" in run.out
    assert typed == []


def test_completion_of_commands_names_and_functions():
    from gradcli.cli.prompt import Session, completions

    s = Session(4, "never")
    s.enter("width = 2")
    s.enter("weight = width * 3")
    assert completions(s, ":ex") == (":ex", [":explain", ":exact", ":exit"])
    assert completions(s, "2 * w") == ("w", ["weight", "width"])
    assert completions(s, "sig") == ("sig", ["sigmoid", "sign"])
    assert completions(s, ":wrt we") == ("we", ["weight"])
    assert completions(s, ":wrt s") == ("s", [])       # :wrt names values, not functions
    assert completions(s, ":save w") == ("w", [])      # files: prompt_toolkit's own completer


def test_the_line_editor(monkeypatch, tmp_path):
    """prompt_toolkit itself, typed into: a line, Ctrl-C cancels a line, Ctrl-D quits, and
    what was typed is kept in the history file; its completer offers names and files."""
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from gradcli.cli.prompt import Session, completer, terminal_lines

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    session = Session(4, "never")
    session.enter("xylophone = 2")
    with create_pipe_input() as typed:
        lines = terminal_lines(session, (typed, DummyOutput()))
        typed.send_text("sigmoid(xylophone)\r")
        assert next(lines) == "sigmoid(xylophone)"
        typed.send_text("half a line\x03")
        typed.send_text(":q\r")
        assert next(lines) == ":q"
        typed.send_text("\x04")
        assert next(lines, None) is None
    assert (tmp_path / "gradcli" / "history").read_text().count("sigmoid(xylophone)") == 1

    def offered(text):
        document = Document(text, len(text))
        return [c.text for c in completer(session).get_completions(document, CompleteEvent())]

    assert offered("sigm") == ["sigmoid"] and offered("1 + xy") == ["xylophone"]
    assert offered(":load gradcli/hi") == ["story"]
