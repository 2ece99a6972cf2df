"""Notebook 01's AWS path, executed offline in its own kernel.

The notebook runs unchanged with ``BACKEND = "aws"`` and ``CLEAN_UP = True``. A set-up cell put
before its first cell starts moto (S3, IAM, STS and Personalize schemas) and attaches botocore
Stubbers to the clients ``personalize_clients("aws", ...)`` returns, loaded with
``notebook01_calls.json``: every other Personalize call, in the order the notebook makes it,
with answers botocore validates against the service model. A last cell reports what the
notebook left in S3 and IAM and every call it made.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from tests.aws.stubs import ACCOUNT, REPORT_MARKER
from videorecs_widgets.lab import project_root
from videorecs_widgets.notebook_runner import execute_notebook

HERE = Path(__file__).parent
REGION = "eu-west-1"
BUCKET = "videorecs-lab-test-data"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/PersonalizeLabRole"
SAMPLE_USER = "196"
DATA_FILE = "DEMO-movie-lens-100k.csv"
TOP10 = ["50", "181", "100", "258", "174", "127", "98", "1", "172", "56"]
SOLUTIONS = ["personalize-lab-recs", "personalize-lab-sims", "personalize-lab-rank",
             "personalize-lab-popularity"]


def _setup_cell(fixture: str) -> nbformat.NotebookNode:
    values = {"REGION": REGION, "ACCOUNT": ACCOUNT, "BUCKET": BUCKET, "ROLE_ARN": ROLE_ARN,
              "SAMPLE_USER": SAMPLE_USER}
    source = (
        "# Test set-up, not part of the lab: moto and botocore Stubbers answer the AWS calls.\n"
        "import runpy\n"
        f"_stubs = runpy.run_path({str(HERE / 'stubs.py')!r})\n"
        f"_aws_test = _stubs['start_notebook_stubs']({str(HERE / fixture)!r}, "
        f"{values!r})\n"
    )
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["test-setup"]})


def _run(tmp: Path, fixture: str, clean_up: bool):
    """Notebook 01 with BACKEND "aws", the set-up cell first and the report cell last."""
    # Module scope: the fake environment of conftest is per test, so set it here as well.
    mp = pytest.MonkeyPatch()
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        mp.delenv(name, raising=False)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION, "AWS_CONFIG_FILE": os.devnull,
                        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                        "AWS_EC2_METADATA_DISABLED": "true"}.items():
        mp.setenv(name, value)
    nb = nbformat.read(project_root() / "notebooks" / "01_build_models.ipynb", as_version=4)
    nb.cells.insert(0, _setup_cell(fixture))
    nb.cells.append(nbformat.v4.new_code_cell("_aws_test.report()"))
    source = tmp / "01_build_models.ipynb"
    nbformat.write(nb, source)
    parameters = {"BACKEND": "aws", "REGION": REGION, "BUCKET": BUCKET,
                  "LAB_DATA_DIR": str(tmp / "lab-data"), "WORKSPACE": str(tmp / "unused"),
                  "SAMPLE_USER": SAMPLE_USER, "CLEAN_UP": clean_up}
    try:
        run = execute_notebook(source, tmp / "out.ipynb", parameters=parameters,
                               cwd=project_root() / "notebooks", timeout=300)
    finally:
        mp.undo()
    text = _text(run.notebook.cells[-1])
    report = json.loads(text.split(REPORT_MARKER, 1)[1])
    return run.notebook, report, tmp / "lab-data"


@pytest.fixture(scope="module")
def aws_run(tmp_path_factory):
    """A first run on a fresh account, cleaning up at the end."""
    return _run(tmp_path_factory.mktemp("aws-notebook"), "notebook01_calls.json", True)


@pytest.fixture(scope="module")
def aws_rerun(tmp_path_factory):
    """A second run that finds every Personalize resource in place and keeps it."""
    return _run(tmp_path_factory.mktemp("aws-notebook-rerun"), "notebook01_rerun_calls.json",
                False)


def _text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        parts.append(out.get("data", {}).get("text/plain", ""))
        parts.append(out.get("data", {}).get("text/html", ""))
    return "\n".join(parts)


def _cell(nb, needle: str):
    return next(c for c in nb.cells if c.cell_type == "code" and needle in c.source)


def _calls(report, client="personalize"):
    return [[name, params] for name, params in report["calls"][client]]


def test_every_cell_ran_and_every_stubbed_call_was_made(aws_run):
    nb, report, _ = aws_run
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is not None, cell.source[:60]
            assert not [o for o in cell.outputs if o.output_type == "error"], cell.source[:60]
    expected = json.loads((HERE / "notebook01_calls.json").read_text())["calls"]
    stubbed = [c for c in report["calls"]["personalize"] if not c[0].endswith("Schemas")
               and c[0] not in ("CreateSchema", "DescribeSchema")]
    assert len(stubbed) == sum(c["client"] == "personalize" for c in expected) == 78
    assert report["pending"] == {"personalize": 0, "runtime": 0}


def test_bucket_policy_lets_the_personalize_service_read(aws_run):
    _, report, _ = aws_run
    assert report["buckets"] == [BUCKET]
    assert report["bucket_region"] == REGION
    (statement,) = report["bucket_policy"]["Statement"]
    assert statement["Principal"] == {"Service": "personalize.amazonaws.com"}
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["s3:GetObject", "s3:ListBucket"]
    assert sorted(statement["Resource"]) == [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]


def test_role_is_assumed_by_personalize_and_reads_the_bucket(aws_run):
    _, report, _ = aws_run
    role = report["roles"]["PersonalizeLabRole"]
    assert role["arn"] == ROLE_ARN
    (trust,) = role["trust"]["Statement"]
    assert trust["Principal"] == {"Service": "personalize.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    (read,) = role["inline"]["PersonalizeLabS3Read"]["Statement"]
    assert f"arn:aws:s3:::{BUCKET}/*" in read["Resource"]


def test_the_prepared_file_was_uploaded_and_imported_from_s3(aws_run):
    nb, report, lab_data = aws_run
    local = (lab_data / DATA_FILE).read_bytes()
    uploaded = report["objects"][DATA_FILE]
    assert uploaded["size"] == len(local) and local.startswith(uploaded["head"].encode())
    assert uploaded["head"].startswith("USER_ID,ITEM_ID,TIMESTAMP")
    assert f"Personalize will import s3://{BUCKET}/{DATA_FILE}" in _text(
        _cell(nb, "prepare_s3_access"))
    calls = _calls(report)
    assert calls[:2] == [
        ["ListSchemas", {}],
        ["CreateSchema", {"name": "personalize-lab-recs-schema", "schema": calls[1][1]["schema"]}],
    ]
    assert report["schemas"] == ["personalize-lab-recs-schema"]
    (job,) = [p for n, p in calls if n == "CreateDatasetImportJob"]
    assert job["dataSource"] == {"dataLocation": f"s3://{BUCKET}/{DATA_FILE}"}
    assert job["roleArn"] == ROLE_ARN


def test_solutions_are_created_without_automatic_training_then_trained_once(aws_run):
    nb, report, _ = aws_run
    created = [p for n, p in _calls(report) if n == "CreateSolution"]
    assert [p["name"] for p in created] == SOLUTIONS
    assert all(p["performAutoTraining"] is False for p in created)
    assert [p["recipeArn"].rsplit("/", 1)[1] for p in created] == [
        "aws-user-personalization", "aws-sims", "aws-personalized-ranking",
        "aws-popularity-count"]
    assert sum(n == "CreateSolutionVersion" for n, _ in _calls(report)) == 4
    metrics_html = _text(_cell(nb, "get_solution_metrics"))
    assert "0.2112" in metrics_html and "0.1657" in metrics_html  # recs: precision at 10 / 5


def test_campaigns_are_created_and_the_sample_user_gets_titles(aws_run, catalog):
    nb, report, _ = aws_run
    campaigns = [p["name"] for n, p in _calls(report) if n == "CreateCampaign"]
    assert campaigns == [f"{s}-campaign" for s in SOLUTIONS]
    (ask,) = _calls(report, "runtime")
    assert ask == ["GetRecommendations", {
        "campaignArn": f"arn:aws:personalize:{REGION}:{ACCOUNT}:campaign/"
                       "personalize-lab-recs-campaign",
        "userId": SAMPLE_USER, "numResults": 10}]
    shown = _text(_cell(nb, "get_recommendations("))
    assert f"Top 10 for user {SAMPLE_USER}:" in shown
    for item in TOP10:
        assert catalog.movie(item)["title"] in shown


def test_clean_up_deletes_campaigns_then_solutions_then_dataset_then_group(aws_run):
    nb, report, _ = aws_run
    deletes = [[n, p] for n, p in _calls(report) if n.startswith("Delete")]
    assert [n for n, _ in deletes] == (["DeleteCampaign"] * 4 + ["DeleteSolution"] * 4
                                       + ["DeleteDataset", "DeleteDatasetGroup"])
    # each kind is gone (describe says ResourceNotFoundException) before the next is deleted
    names = [n for n, _ in _calls(report)]
    first_solution_delete = names.index("DeleteSolution")
    assert names[first_solution_delete - 5:first_solution_delete] == (
        ["DescribeCampaign"] * 4 + ["ListFilters"])
    assert "Deleted 10 resources." in _text(_cell(nb, "delete_dataset_group_resources("))


def test_a_second_run_reuses_every_resource_and_keeps_them(aws_rerun):
    nb, report, _ = aws_rerun
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not [o for o in cell.outputs if o.output_type == "error"], cell.source[:60]
    names = [n for n, _ in _calls(report)]
    # moto's schemas start empty in each kernel; every Personalize resource is found instead
    assert [n for n in names if n.startswith(("Create", "Delete"))] == ["CreateSchema"]
    assert report["pending"] == {"personalize": 0, "runtime": 0}
    # the newest ACTIVE version of each solution is scored, not an older or a failed one
    scored = [p["solutionVersionArn"].rsplit(":", 1)[1] for n, p in _calls(report)
              if n == "GetSolutionMetrics"]
    assert scored == ["solution/personalize-lab-recs/4f2a9c10",
                      "solution/personalize-lab-sims/7be31d42",
                      "solution/personalize-lab-rank/19c0e8f3",
                      "solution/personalize-lab-popularity/d6a7b254"]
    assert "Kept everything (CLEAN_UP is False)." in _text(
        _cell(nb, "delete_dataset_group_resources("))
