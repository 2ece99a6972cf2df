import inspect
import subprocess
import sys

import videorecs_widgets
from videorecs_widgets import errors, widgets


def test_all_is_sorted_and_every_name_resolves():
    assert videorecs_widgets.__all__ == sorted(videorecs_widgets.__all__)
    for name in videorecs_widgets.__all__:
        assert getattr(videorecs_widgets, name) is not None, name


def test_all_lists_every_error_and_every_panel():
    error_classes = {n for n, v in vars(errors).items()
                     if inspect.isclass(v) and issubclass(v, errors.VideorecsError)}
    panels = {n for n in widgets.__all__ if n[0].isupper() and n.endswith(
        ("Panel", "Summary", "Editor", "App", "Navigator", "Progress", "Grid", "Line"))}
    missing = (error_classes | panels) - set(videorecs_widgets.__all__)
    assert not missing


def test_every_error_derives_from_videorecs_error():
    for name in videorecs_widgets.__all__:
        value = getattr(videorecs_widgets, name)
        if inspect.isclass(value) and issubclass(value, Exception) \
                and not issubclass(value, Warning):
            assert issubclass(value, videorecs_widgets.VideorecsError), name


def test_import_is_cheap_until_a_panel_is_asked_for():
    code = ("import sys, videorecs_widgets; "
            "print('ipywidgets' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


def test_unknown_attribute_says_so():
    try:
        videorecs_widgets.NoSuchThing  # noqa: B018
    except AttributeError as exc:
        assert "no attribute 'NoSuchThing'" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
