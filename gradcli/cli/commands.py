"""The subcommands, by name: each module is imported only when its command runs (or when help
or shell completion lists it)."""

from __future__ import annotations

# name -> ("module:command", one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "batch": ("gradcli.cli.batch:batch_command", "run every line of a file or pipe"),
    "check": ("gradcli.cli.check:check_command", "grade answer files (TOML)"),
    "diff": ("gradcli.cli.diff:diff_command", "the symbolic derivative, as text or LaTeX"),
    "gen": ("gradcli.cli.gen:gen_command", "one variant of a problem set per student"),
    "graph": ("gradcli.cli.graph:graph_command", "draw the circuit (DOT, Mermaid, SVG, PNG, PDF)"),
    "key": ("gradcli.cli.check:key_command", "fill in a problem file's answers"),
    "plot": ("gradcli.cli.plot:plot_command", "draw f and its derivative over a range"),
    "practice": ("gradcli.cli.practice:practice_command",
                 "practise the backward pass, node by node"),
    "verify": ("gradcli.cli.verify:verify_command", "check a hand-written backward pass"),
}


def close_command(word: str) -> str | None:
    """A command name the word is probably a typo of (`verfy`), or None."""
    import difflib

    if len(word) > 40 or not word.isidentifier():
        return None
    close = difflib.get_close_matches(word, list(COMMANDS), n=1, cutoff=0.7)
    return close[0] if close else None
