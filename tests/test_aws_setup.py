import json

import boto3
import pytest
from moto import mock_aws

from videorecs_widgets.aws_setup import SERVICE_PRINCIPAL, prepare_s3_access


@pytest.fixture
def aws_env(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.session.Session(region_name="eu-west-1")


def test_prepare_s3_access_creates_bucket_policy_role_and_uploads(aws_env, tmp_path):
    data = tmp_path / "DEMO-movie-lens-100k.csv"
    data.write_text("USER_ID,ITEM_ID,TIMESTAMP\n196,242,1541684567\n")
    access = prepare_s3_access("lab-bucket", "LabRole", region="eu-west-1", upload=data,
                               session=aws_env)
    s3 = aws_env.client("s3")
    assert access.data_location == "s3://lab-bucket/DEMO-movie-lens-100k.csv"
    body = s3.get_object(Bucket="lab-bucket", Key="DEMO-movie-lens-100k.csv")["Body"].read()
    assert body.decode().splitlines()[1] == "196,242,1541684567"
    location = s3.get_bucket_location(Bucket="lab-bucket")["LocationConstraint"]
    assert location == "eu-west-1"
    policy = json.loads(s3.get_bucket_policy(Bucket="lab-bucket")["Policy"])
    assert policy["Statement"][0]["Principal"] == {"Service": SERVICE_PRINCIPAL}
    role = aws_env.client("iam").get_role(RoleName="LabRole")["Role"]
    assert role["Arn"] == access.role_arn
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": SERVICE_PRINCIPAL}


def test_prepare_s3_access_twice_reuses_everything(aws_env, tmp_path):
    data = tmp_path / "x.csv"
    data.write_text("USER_ID,ITEM_ID,TIMESTAMP\n")
    first = prepare_s3_access("lab-bucket", "LabRole", region="eu-west-1", upload=data,
                              session=aws_env)
    second = prepare_s3_access("lab-bucket", "LabRole", region="eu-west-1", upload=data,
                               session=aws_env)
    assert first == second
    assert len(aws_env.client("iam").list_roles()["Roles"]) == 1


def test_prepare_s3_access_refuses_empty_bucket_name(tmp_path):
    with pytest.raises(ValueError, match="Invalid BUCKET: it is empty"):
        prepare_s3_access("", "LabRole", region="eu-west-1", upload=tmp_path / "x.csv")
