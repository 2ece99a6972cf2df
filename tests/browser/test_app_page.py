"""The app as a web page, driven in headless Chromium as a person would: served by
``videorecs-widgets app`` (Voila), then notebook 03 in JupyterLab.

Every step checks what the page shows against the library's own answer for the same question
(the results layer, the catalog), saves a screenshot of each panel under build/screenshots/,
and fails with the page's own words when it shows a widget error. The Voila page must not ask
anything of the internet.
"""

from __future__ import annotations

import pytest
from page_checks import ERROR_SELECTORS, SCREENSHOTS, assert_no_widget_error, is_local_url

USER = "196"
GENRE = "Horror"
RECOMMENDERS = ("Personal Recommendations", "Most Popular")
ERROR_OUTPUT = ERROR_SELECTORS["a cell's error or stderr output"]


def _shot(page, name: str) -> None:
    """The top of the page (Voila scrolls inside #rendered_cells, so scroll that back first)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => { const cells = document.querySelector('#rendered_cells');"
                  " if (cells) cells.scrollTop = 0; window.scrollTo(0, 0); }")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _visible_titles(scope) -> list[str]:
    return [t.strip() for t in scope.locator(".videorecs-title:visible").all_inner_texts()]


def _statuses(page) -> str:
    return " | ".join(t.strip() for t in page.locator(".videorecs-status").all_inner_texts()
                      if t.strip())


def _wait_for_titles(page, scope, expected: list[str], what: str) -> None:
    """Wait until ``scope`` shows exactly ``expected`` (in order); fail saying what it shows."""
    try:
        page.wait_for_function(
            """([el, expected]) => {
                const shown = [...el.querySelectorAll('.videorecs-title')]
                    .filter(t => t.offsetParent !== null).map(t => t.innerText.trim());
                return JSON.stringify(shown) === JSON.stringify(expected);
            }""",
            arg=[scope.element_handle(), expected], timeout=30_000,
        )
    except Exception:  # noqa: BLE001 - Playwright's timeout: fail with what the page shows
        assert_no_widget_error(page, f"while waiting for {what}")
        pytest.fail(f"{what}: the page shows {_visible_titles(scope)!r}, expected "
                    f"{expected!r}. Status lines: {_statuses(page)!r}", pytrace=False)


def _choose(page, scope, description: str, label: str) -> None:
    """Pick ``label`` in the drop-down described ``description`` (as a person would)."""
    select = scope.locator(".widget-dropdown", has=page.locator(
        f"label:text-is('{description}')")).locator("select")
    select.select_option(label=label)


def _panel(page, marker_text: str):
    """The explorer's visible panel: the innermost box holding ``marker_text``."""
    return page.locator(".widget-vbox:visible", has=page.get_by_text(marker_text)).last


def test_app_page_modes_in_chromium(page, app_url, lab):
    from videorecs_widgets.results import ResultsService

    service = ResultsService(lab.catalog, workspace=lab.workspace)
    registry = lab.registry
    page.goto(app_url)
    page.get_by_text("Video Recommendations").first.wait_for(timeout=60_000)
    page.locator(".lm-TabBar-tab", has_text="Models").wait_for()
    page.get_by_text("1,682").first.wait_for()  # the data summary, computed from the catalog
    assert_no_widget_error(page, "after loading")
    summary = page.locator(".lm-TabPanel-tabContents, .widget-tab-contents").first
    for name in registry.names:
        assert summary.get_by_text(name, exact=True).count() >= 1, name
    _shot(page, "summary")

    # Explorer, Recommendations: a user, then two models side by side
    page.locator(".lm-TabBar-tab", has_text="Explorer").click()
    user_box = page.locator(".widget-text", has=page.locator("label:text-is('User id')"))
    user_box.locator("input").fill(USER)
    user_box.locator("input").press("Enter")
    profile = lab.catalog.user_profile(USER)
    page.get_by_text(f"User {USER} · age {profile['age']}").first.wait_for()
    explorer = page.locator(".widget-vbox:visible", has=page.locator(".widget-toggle-buttons"))
    explorer = explorer.last
    _choose(page, explorer, "Model 1", RECOMMENDERS[0])
    _choose(page, explorer, "Model 2", RECOMMENDERS[1])
    expected = [service.recommend(registry.get(name), USER).titles for name in RECOMMENDERS]
    assert all(len(titles) == 25 for titles in expected)
    assert expected[0] != expected[1]
    _wait_for_titles(page, explorer, expected[0] + expected[1], "the two models' lists")
    assert_no_widget_error(page, "in Recommendations")
    # Every card has one height (Most Popular's cards have no score, their score line stays
    # blank), so the two lists line up row by row; the cards share the width: the gap
    # between the two lists is no wider than the gaps between cards.
    cards = explorer.locator(".videorecs-card:visible").evaluate_all(
        "cards => cards.map(c => { const r = c.getBoundingClientRect();"
        " return [r.left, r.right, r.top, r.height]; })")
    assert len(cards) == 50
    assert {round(c[3]) for c in cards} == {round(cards[0][3])}, cards
    first_row = sorted((c for c in cards if abs(c[2] - cards[0][2]) < 1), key=lambda c: c[0])
    assert len(first_row) == 8  # four cards of each list, side by side, at 1400 px wide
    gaps = [b[0] - a[1] for a, b in zip(first_row, first_row[1:], strict=False)]
    assert max(gaps) <= 3 * min(gaps) + 4, gaps
    _shot(page, "recommendations")

    # Personal Ranking: a genre's popular films, re-ranked for the user
    explorer.locator(".widget-toggle-button", has_text="Personal Ranking").click()
    page.locator("label:text-is('Genre')").first.wait_for()
    _choose(page, explorer, "Genre", GENRE)
    popular = lab.catalog.popular(genre=GENRE)
    assert popular["title"].iloc[0] and len(popular) == 25
    _wait_for_titles(page, explorer, popular["title"].tolist(), f"the popular {GENRE} films")
    horror = popular["title"].iloc[0]
    assert GENRE in popular["genres"].iloc[0]
    assert explorer.get_by_text(horror, exact=True).first.is_visible()
    _choose(page, explorer, "Model 1", "Personal Ranking")
    ranked = service.rank(registry.get("Personal Ranking"), USER, popular["item_id"]).titles
    assert sorted(ranked) == sorted(popular["title"]) and ranked != popular["title"].tolist()
    _wait_for_titles(page, explorer, popular["title"].tolist() + ranked,
                     f"the {GENRE} films re-ranked for user {USER}")
    assert_no_widget_error(page, "in Personal Ranking")
    _shot(page, "ranking")

    # Similar Items: the user's top-rated film starts; a card's button makes a new start;
    # then the list is re-ranked for the user
    explorer.locator(".widget-toggle-button", has_text="Similar Items").click()
    start_card = explorer.locator(".widget-html", has=page.get_by_text("Starting film"))
    top = lab.catalog.movie(lab.catalog.top_rated(USER, n=1)["item_id"].iloc[0])
    start_card.locator(".videorecs-title", has_text=top["title"]).wait_for()
    _choose(page, explorer, "Model 1", "Similar Items")
    similar = service.similar(registry.get("Similar Items"), top["item_id"], user_id=USER)
    assert top["title"] not in similar.titles
    _wait_for_titles(page, explorer, [top["title"]] + similar.titles,
                     f"films similar to {top['title']!r}")
    explorer.get_by_role("button", name="Start here").nth(2).click()
    new_start = similar.titles[2]
    start_card.locator(".videorecs-title", has_text=new_start).wait_for()
    after = service.similar(registry.get("Similar Items"), similar.item_ids[2], user_id=USER)
    _wait_for_titles(page, explorer, [new_start] + after.titles,
                     f"films similar to the new starting film {new_start!r}")
    _choose(page, explorer, "Ordering", f"re-ranked for user {USER} by Personal Ranking")
    reranked = service.rank(registry.get("Personal Ranking"), USER, after.item_ids).titles
    assert sorted(reranked) == sorted(after.titles) and reranked != after.titles
    _wait_for_titles(page, explorer, [new_start] + reranked,
                     f"films similar to {new_start!r} re-ranked for user {USER}")
    assert_no_widget_error(page, "in Similar Items")
    _shot(page, "similar")

    page.locator(".lm-TabBar-tab", has_text="Administration").click()
    page.get_by_text(RECOMMENDERS[0], exact=True).filter(visible=True).first.wait_for()
    assert_no_widget_error(page, "in Administration")
    _shot(page, "editor")

    outside = sorted({url for url in page.requests if not is_local_url(url)})
    assert not outside, f"The app page asked the internet for: {outside}"
    assert any(url.startswith(app_url) for url in page.requests)
    service.close()


def test_notebook_03_renders_the_app_in_jupyterlab(page, jupyterlab_url, lab):
    page.goto(f"{jupyterlab_url.url}lab/tree/{jupyterlab_url.notebook}")
    notebook = page.locator(".jp-NotebookPanel")
    notebook.wait_for(timeout=90_000)
    # the status bar says "<kernel name> | Idle" once the kernel is up ("No Kernel" before)
    page.wait_for_function(
        """() => { const text = document.querySelector('#jp-main-statusbar')?.innerText || '';
                   return /[|] Idle/.test(text) && !/No Kernel/.test(text); }""",
        timeout=90_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    # the last cell prints the number of runtime calls: every cell before it has run
    last = notebook.locator(".jp-OutputArea-output",
                            has_text="Runtime calls made by the panels of this notebook:")
    try:
        last.wait_for(timeout=120_000)
    except Exception:  # noqa: BLE001 - fail with what the notebook shows
        assert_no_widget_error(page, "while notebook 03 ran in JupyterLab")
        raise
    assert_no_widget_error(page, "after running notebook 03 in JupyterLab")
    app = notebook.locator(".widget-vbox", has=page.get_by_text("Video Recommendations")).first
    app.locator(".lm-TabBar-tab", has_text="Explorer").wait_for()
    for name in lab.registry.names:
        assert app.get_by_text(name, exact=True).count() >= 1, name
    # the panels after the app: two lists of 25, 25 popular films twice, the similar films
    assert notebook.locator(".videorecs-title:visible").count() >= 4 * 25
    app.scroll_into_view_if_needed()
    # The models table is wider than JupyterLab's output area: its box scrolls sideways (no
    # column is cut off for good) and no cell wraps (recipe names keep their hyphens whole).
    box = app.locator(".videorecs-models-box").first
    geometry = box.evaluate(
        """el => { const t = el.querySelector('table'); const out = el.closest('.jp-OutputArea');
                   const cells = [...t.querySelectorAll('td')];
                   const row = t.querySelector('tbody tr').getBoundingClientRect().height;
                   return {scroll: el.scrollWidth, client: el.clientWidth,
                           overflow: getComputedStyle(el).overflowX,
                           right: el.getBoundingClientRect().right,
                           outRight: out.getBoundingClientRect().right,
                           tallest: Math.max(...cells.map(c => c.getBoundingClientRect().height)),
                           row}; }""")
    assert geometry["overflow"] == "auto" and geometry["right"] <= geometry["outRight"], geometry
    assert geometry["tallest"] <= geometry["row"] + 0.5, geometry  # one line per cell
    box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    coverage = box.locator("th", has_text="coverage")
    assert coverage.is_visible()
    inside = coverage.evaluate(
        """(th, ) => { const b = th.closest('.videorecs-models-box').getBoundingClientRect();
                        const r = th.getBoundingClientRect();
                        return r.left >= b.left - 1 && r.right <= b.right + 1; }""")
    assert inside, geometry  # scrolled to the end, the last column shows inside the box
    box.evaluate("el => { el.scrollLeft = 0; }")
    _shot(page, "jupyterlab")


def test_a_page_that_fails_is_reported_with_its_error(page, lab, tmp_path):
    """The error check the tests above rely on finds a real failure: the app's cell raising
    on an unreadable models.yaml, as Voila shows it."""
    from page_checks import widget_errors

    from videorecs_widgets.serve import AppServer

    broken = tmp_path / "models.yaml"
    broken.write_text("models:\n  - name: no\n")
    with AppServer(lab.workspace, broken, log_path=tmp_path / "voila.log") as server:
        page.goto(server.url)
        page.locator(ERROR_OUTPUT).first.wait_for(timeout=60_000)
        problems = widget_errors(page)
    assert problems, "a failing page was not noticed"
    assert any("RegistryValidationError" in p or "RegistryError" in p for p in problems), problems
    assert any("boolean" in p for p in problems), problems
