"""The English catalogue is whole and compiled from its sources."""

from app.tools.translations import MO_PATH, compiled_catalogue, english, used_msgids


def test_every_text_in_the_code_has_english():
    assert sorted(used_msgids() - set(english())) == []


def test_compiled_catalogue_matches_its_sources():
    # Run `python -m app.tools.translations` after changing app/translations/en/*.json.
    assert MO_PATH.read_bytes() == compiled_catalogue()
