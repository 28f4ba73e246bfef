"""Warnings and gradcheck rows name nodes the way the table shows them, so each is findable."""

from _helpers import run


def test_gradcheck_rows_show_the_text_beside_a_bare_id(capsys):
    status, out, _ = run(["1/(1+exp(-(w0*x0+w1*x1+w2)))", "w0=2", "x0=-1", "w1=-3", "x1=-2",
                          "w2=-3", "--gradcheck"], capsys)
    assert status == 0
    labels = [line.split("  ")[0] for line in out.splitlines()]
    assert "#10 w0*x0+w1*x1+w2" in labels
    assert not any(label.strip().startswith("#") and " " not in label.strip()
                   for label in labels)
