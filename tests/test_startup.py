"""Start-up: what a run imports. numpy loads only for array programs: the scalar one-liner in
every format, every scalar view and command, verify, --gradcheck and batch never import it."""

import subprocess
import sys

from _helpers import DATA


def test_scalar_one_liner_never_imports_numpy():
    code = ("import sys\n"
            "from gradcli.cli import main\n"
            "for fmt in ('table', 'json', 'csv', 'markdown'):\n"
            "    assert main(['(x+y)*z', 'x=-2', 'y=5', 'z=-4', '--format', fmt]) == 0\n"
            "assert main(['c = exp(1); f = c*x', 'x=2']) == 0\n"
            "assert main(['x^2', 'x=3', '--upstream', 'randn']) == 2\n"
            "assert main(['sinn(x)', 'x=3']) == 2\n"
            "print('numpy' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_an_array_program_does_import_numpy():
    code = ("import sys\nfrom gradcli.cli import main\n"
            "assert main(['sum(x)', 'x=[1,2]', '--format', 'json']) == 0\n"
            "print('numpy' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "True"


def test_scalar_views_and_commands_never_import_numpy(tmp_path):
    (tmp_path / "p.toml").write_text('[[problem]]\nprogram = "x*y"\nat = {x = 2, y = 3}\n')
    code = ("import sys, os\n"
            f"os.chdir({str(tmp_path)!r})\n"
            "from gradcli.cli import main\n"
            "for fmt in ('dot', 'mermaid', 'tree', 'explain', 'python', 'latex'):\n"
            "    assert main(['(x+y)*z', 'x=-2', 'y=5', 'z=-4', '--format', fmt]) == 0, fmt\n"
            "assert main(['(x+y)*z', 'x=-2', 'y=5', 'z=-4', '--exact']) == 0\n"
            "assert main(['(x+y)*z', 'x=-2', 'y=5', 'z=-4', '--mode', 'forward', '--wrt', 'x']) == 0\n"
            "assert main(['(x+y)*z', 'x=-2', 'y=5', 'z=-4', '--expect', 'value=-12']) == 0\n"
            "assert main(['diff', '(x+y)*z']) == 0\n"
            "assert main(['key', 'p.toml']) == 0\n"
            "print('numpy' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_scalar_verify_gradcheck_and_batch_never_import_numpy(tmp_path):
    (tmp_path / "lines.txt").write_text("x*y\n")
    code = ("import sys\nfrom gradcli.cli import main\n"
            f"assert main(['verify', {str(DATA / 'note_simple.py')!r}]) == 0\n"
            "assert main(['(x+y)*z', 'x=-2', 'y=5', 'z=-4', '--gradcheck']) == 0\n"
            f"assert main(['batch', {str(tmp_path / 'lines.txt')!r}, 'x=1', 'y=2']) == 0\n"
            "print('numpy' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
