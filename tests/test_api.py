"""gradcli's Python API (gradcli/api.py): grad, expect, gradcheck, verify, batch and check take
a program as a string and bindings as a dict or keywords, and return results as data."""

import gradcli


def test_python_api_expect():
    result = gradcli.expect("q = x + y; f = q * z", {"value": -12, "d/dq": -4},
                            {"x": -2, "y": 5, "z": -4})
    assert result.passed
    assert [item.item for item in result.items] == ["value", "d/dq"]
    assert not gradcli.expect("x", ["value=2"], {"x": 1}).passed
