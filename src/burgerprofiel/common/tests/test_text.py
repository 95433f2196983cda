"""Text a database cannot store (NUL, lone surrogates) is found wherever it hides in parsed input."""

from __future__ import annotations

import json

import pytest

from burgerprofiel.common.text import UnstorableText, check_storable, may_hold_unstorable


@pytest.mark.parametrize("bad", ["a\x00b", "\ud800", {"k": ["ok", {"diep": "\udfff"}]}, {"sleutel\x00": 1}])
def test_a_nul_or_a_lone_surrogate_anywhere_is_unstorable(bad):
    with pytest.raises(UnstorableText):
        check_storable(bad)


def test_ordinary_text_numbers_and_nesting_pass_unchanged():
    value = {"naam": "Zoë", "lijst": [1, 2.5, None, True, "😀"]}
    assert check_storable(value) is value


def test_json_without_a_suspect_escape_needs_no_walk_and_json_with_one_does():
    assert not may_hold_unstorable(json.dumps({"naam": "Zoë", "emoji": "😀"}, ensure_ascii=False).encode())
    assert may_hold_unstorable(b'{"x": "\\u0000"}')
    assert may_hold_unstorable(b'{"x": "\\uD83D"}')
    assert may_hold_unstorable("{}".encode("utf-16"))
