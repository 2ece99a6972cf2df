"""StatusLine: messages as escaped text, busy while working, failures caught and logged."""

from __future__ import annotations

import logging

import pytest

from videorecs_widgets.widgets.status import StatusLine


def test_status_message_is_escaped_text():
    status = StatusLine()
    status.error("Film '<b>x</b>' & co")
    assert status.message == "Film '<b>x</b>' & co" and status.kind == "error"
    assert "&lt;b&gt;x&lt;/b&gt;&#x27; &amp; co" in status.widget.value
    assert "<b>" not in status.widget.value
    status.clear()
    assert status.message == "" and status.widget.value == ""


def test_run_shows_busy_while_working_and_returns_the_value():
    status = StatusLine()
    seen = []

    def work(x, y=1):
        seen.append((status.busy, status.message))
        return x + y

    assert status.run(work, 2, y=3, busy="Adding…") == 5
    assert seen == [(True, "Adding…")]
    assert status.message == "" and not status.busy


def test_run_catches_logs_the_traceback_and_shows_one_line(caplog):
    status = StatusLine()

    def broken():
        raise RuntimeError("disk full\nsecond line")

    with caplog.at_level(logging.ERROR, logger="videorecs_widgets"):
        assert status.run(broken, busy="Saving the registry…") is None
    assert status.message == "Saving the registry failed: disk full"
    assert status.kind == "error"
    record = caplog.records[-1]
    assert record.name == "videorecs_widgets" and record.exc_info[0] is RuntimeError


def test_a_message_shown_by_the_work_itself_stays():
    status = StatusLine()
    status.run(lambda: status.error("Model 'x' failed."))
    assert status.message == "Model 'x' failed."


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="Invalid status kind: 'loud'"):
        StatusLine().show("hello", "loud")
