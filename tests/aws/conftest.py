"""The AWS backend, tested offline: real boto3 clients for real regions, answered by botocore's
``Stubber`` (responses validated against the service model) and moto; nothing reaches the
network and no real credentials are ever read.

``aws_clients(region)`` gives the clients :func:`videorecs_widgets.clients.clients_for_arn`
serves for that region (the very objects the results layer and the registry check use), with a
``Stubber`` attached to each; every queued answer must be used by the end of the test.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from botocore.stub import Stubber

from tests.aws.stubs import arn
from videorecs_widgets import clients as clients_module


@pytest.fixture(autouse=True)
def fake_aws_environment(monkeypatch):
    """Fake credentials, no profile or config files, no instance metadata lookups."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN",
                 "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # clients_for_arn caches clients per region: each test starts with none.
    monkeypatch.setattr(clients_module, "_cache", {})


@pytest.fixture()
def aws_clients():
    """``aws_clients(region)`` -> namespace with ``personalize``, ``runtime`` (the clients
    ``clients_for_arn`` returns for that region) and their activated ``Stubber``s
    ``control`` and ``runtime_stub``."""
    made = []

    def for_region(region: str) -> SimpleNamespace:
        pair = clients_module.clients_for_arn(arn(region, "campaign", "any"))
        control, runtime_stub = Stubber(pair.personalize), Stubber(pair.runtime)
        control.activate()
        runtime_stub.activate()
        made.append((control, runtime_stub))
        return SimpleNamespace(personalize=pair.personalize, runtime=pair.runtime,
                               control=control, runtime_stub=runtime_stub)

    yield for_region
    for control, runtime_stub in made:
        control.assert_no_pending_responses()
        runtime_stub.assert_no_pending_responses()
        control.deactivate()
        runtime_stub.deactivate()


@pytest.fixture(scope="session")
def catalog(ml100k_dir):
    from videorecs_widgets.catalog import Catalog

    return Catalog.from_movielens(ml100k_dir.parent)
