"""Fixtures for the panels: a real registry file of the lab's local campaigns, and a results
service over them (both fresh per test, so call counts start at zero)."""

from __future__ import annotations

import pytest

from videorecs_widgets.model_spec import ModelSpec
from videorecs_widgets.registry import ModelRegistry
from videorecs_widgets.results import ResultsService


@pytest.fixture()
def registry(lab_campaigns, tmp_path):
    """models.yaml with two recommendation models, one ranking and one similar-items model."""
    arns = lab_campaigns.campaigns
    reg = ModelRegistry(tmp_path / "models.yaml")
    for spec in (
        ModelSpec("Personal Recommendations", arns["recs"], "recommendations", 1),
        ModelSpec("Most Popular", arns["popularity"], "recommendations", 2),
        ModelSpec("Personal Ranking", arns["rank"], "personal-ranking", 1),
        ModelSpec("Similar Items", arns["sims"], "similar-items", 1),
    ):
        reg.add(spec)
    return reg


@pytest.fixture()
def service(lab_campaigns):
    svc = ResultsService(lab_campaigns.catalog, workspace=lab_campaigns.workspace)
    yield svc
    svc.close()


@pytest.fixture()
def catalog(lab_campaigns):
    return lab_campaigns.catalog
