"""Statistics are refreshed while a large import grows the tables (PostgreSQL plans each chunk's
lookups from them): each time the rows written since the last ANALYZE reach as many as there
were then, never more often than every ANALYZE_AFTER rows."""

from unittest import mock

from app.imports import apply
from app.imports.apply import ANALYZE_AFTER, analyze_while_growing


def test_analyze_runs_when_the_tables_have_doubled(app):
    calls = []
    analyzed = 0
    with app.app_context(), mock.patch.object(apply, "analyze_after", calls.append):
        for written in range(2_000, 100_001, 2_000):
            analyzed = analyze_while_growing(written, analyzed)
    assert calls == [ANALYZE_AFTER, 2 * ANALYZE_AFTER, 4 * ANALYZE_AFTER, 8 * ANALYZE_AFTER]
    assert analyzed == 8 * ANALYZE_AFTER


def test_no_analyze_below_the_threshold(app):
    with app.app_context(), mock.patch.object(apply, "analyze_after") as analyze:
        assert analyze_while_growing(ANALYZE_AFTER - 1, 0) == 0
    analyze.assert_not_called()
