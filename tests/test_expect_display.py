"""--expect, batch and check show the claim as typed and enough digits to tell it from the result."""

import pytest

from gradcli.checks.results import claim_texts
from _helpers import run_cli


@pytest.mark.parametrize("point, claim, shown", [
    ("x=1", "1.00011", "expected 1.00011, got 1, error 0.00011"),
    ("x=1000", "1000.2", "expected 1000.2, got 1000, error 0.2"),
    ("x=1.00011", "1", "expected 1, got 1.0001, error 0.00011"),
    ("x=1", "1/3", "expected 1/3, got 1, error 0.667"),
])
def test_the_one_liner_tells_expected_and_got_apart(point, claim, shown):
    result = run_cli("x", point, "--expect", f"value={claim}")
    assert result.code == 1
    assert f"FAIL  value  {shown}" in result.out


def test_batch_shows_the_same():
    result = run_cli("batch", "-", "x=1000", "--expect", "value=1000.2", stdin="x\n")
    assert result.code == 1
    assert "FAIL value (expected 1000.2, got 1000)" in " ".join(result.out.split())


def test_check_shows_the_same(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[[problem]]\nid = "1a"\nprogram = "x"\nat = {x = 1000.0002}\n'
                    "expect = {value = 1000}\n")
    result = run_cli("check", str(path), "--rtol", "0", "--atol", "0")
    assert result.code == 1
    assert "FAIL  1a  value  expected 1000, got 1000.0002" in result.out


def test_claim_texts():
    # A passing item keeps the usual precision; a failing one gets digits until it differs.
    assert claim_texts(0.1, 0.1000001, 4, True) == ("0.1", "0.1")
    assert claim_texts(0.1, 0.1000001, 4, False) == ("0.1", "0.1000001")
    assert claim_texts(-12.0, -12.0, 4, True, "-3*4") == ("-3*4", "-12")
    assert claim_texts(float("inf"), 1.0, 4, False) == ("inf", "1")
    assert claim_texts(1e20, 1e20 * (1 + 1e-15), 4, False)[1] == "1.000000000000001e+20"


def test_an_untyped_claim_is_exact_when_it_fails_and_rounded_when_it_passes():
    assert claim_texts(0.006692850924284856, 0.006692850924284856, 6, True) == \
        ("0.00669285", "0.00669285")
    assert claim_texts(1.00011, 1.0, 4, False) == ("1.00011", "1")
