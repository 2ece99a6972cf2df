"""Shared fixtures: the real MovieLens 100k, fetched once per session by the project's fetcher."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def ml100k_dir():
    """The folder holding verified MovieLens 100k (fetched on first use)."""
    from videorecs_widgets import movielens

    return movielens.fetch()


LAB_RECIPES = {
    "recs": "arn:aws:personalize:::recipe/aws-user-personalization",
    "sims": "arn:aws:personalize:::recipe/aws-sims",
    "rank": "arn:aws:personalize:::recipe/aws-personalized-ranking",
    "popularity": "arn:aws:personalize:::recipe/aws-popularity-count",
}


@pytest.fixture(scope="session")
def lab_campaigns(ml100k_dir, tmp_path_factory):
    """Real local campaigns trained on the lab's ML-100k interactions, built once (~6 s).

    A namespace with ``workspace`` (the engine folder: pass it as ``workspace=``), ``catalog``
    and ``campaigns`` (``LAB_RECIPES`` key -> campaign ARN). Treat it as read-only.
    """
    from types import SimpleNamespace

    from videorecs_widgets import personalize_data
    from videorecs_widgets.catalog import Catalog
    from videorecs_widgets.clients import personalize_clients
    from videorecs_widgets.provision import (
        ensure_campaign,
        ensure_dataset,
        ensure_dataset_group,
        ensure_import_job,
        ensure_schema,
        ensure_solution,
        ensure_solution_version,
    )

    root = tmp_path_factory.mktemp("lab")
    catalog = Catalog.from_movielens(ml100k_dir.parent)
    files = personalize_data.write_lab_files(catalog, root / "data")
    workspace = root / "engine"
    personalize, _ = personalize_clients("local", workspace=workspace)
    schema = ensure_schema(personalize, "lab-schema", personalize_data.INTERACTIONS_SCHEMA)
    group = ensure_dataset_group(personalize, "lab-group")
    dataset = ensure_dataset(personalize, group, "Interactions", schema, "lab-interactions")
    ensure_import_job(personalize, dataset, "lab-import", str(files["interactions"].resolve()))
    campaigns = {}
    for name, recipe in LAB_RECIPES.items():
        version = ensure_solution_version(
            personalize, ensure_solution(personalize, group, f"lab-{name}", recipe))
        campaigns[name] = ensure_campaign(personalize, f"lab-{name}-campaign", version)
    return SimpleNamespace(workspace=workspace, catalog=catalog, campaigns=campaigns)


@pytest.fixture()
def no_aws_credentials(monkeypatch, tmp_path):
    """No AWS credentials anywhere botocore looks (environment, files, instance metadata), and
    no clients made earlier in the session that might still hold some. A notebook kernel
    started in the test inherits this environment."""
    from videorecs_widgets import clients

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(clients, "_cache", {})
