"""AWS only: the S3 bucket, bucket policy and IAM role Personalize needs to import the lab data.

The embedded engine reads files from disk and needs none of this. On AWS, Personalize reads
the interactions file from S3 with a role it assumes, and the bucket must let the service read.
Everything here is create-or-reuse, so a second run changes nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from videorecs_widgets.errors import InvalidParameterError

log = logging.getLogger(__name__)

SERVICE_PRINCIPAL = "personalize.amazonaws.com"
S3_READ_POLICY_NAME = "PersonalizeLabS3Read"


@dataclass(frozen=True)
class S3Access:
    """Where Personalize reads the data, and the role it reads it with."""

    bucket: str
    key: str
    role_arn: str

    @property
    def data_location(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def bucket_policy(bucket: str) -> dict[str, Any]:
    """Lets the Personalize service principal list the bucket and read its objects."""
    return {
        "Version": "2012-10-17",
        "Id": "PersonalizeS3BucketAccessPolicy",
        "Statement": [{
            "Sid": "PersonalizeS3BucketAccessPolicy",
            "Effect": "Allow",
            "Principal": {"Service": SERVICE_PRINCIPAL},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        }],
    }


def trust_policy() -> dict[str, Any]:
    """Lets Personalize assume the lab's role."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": SERVICE_PRINCIPAL},
            "Action": "sts:AssumeRole",
        }],
    }


def ensure_bucket(s3: Any, bucket: str, region: str) -> None:
    """Create ``bucket`` in ``region`` unless this account already owns it."""
    try:
        s3.head_bucket(Bucket=bucket)
        return
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchBucket", "NotFound"):
            raise
    kwargs: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":  # us-east-1 refuses an explicit LocationConstraint
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**kwargs)
    log.info("Created bucket %s in %s", bucket, region)


def ensure_role(iam: Any, role_name: str, bucket: str) -> str:
    """The ARN of ``role_name``, created with Personalize's trust and read access to ``bucket``."""
    try:
        arn = iam.get_role(RoleName=role_name)["Role"]["Arn"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchEntity":
            raise
        arn = iam.create_role(
            RoleName=role_name,
            AssumeRolePolicyDocument=json.dumps(trust_policy()),
            Description="Lets Amazon Personalize read the Video Recommendations lab's data.",
        )["Role"]["Arn"]
        log.info("Created role %s", arn)
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName=S3_READ_POLICY_NAME,
        PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }],
        }),
    )
    return arn


def prepare_s3_access(
    bucket: str,
    role_name: str,
    *,
    region: str,
    upload: str | Path,
    key: str | None = None,
    session: boto3.session.Session | None = None,
) -> S3Access:
    """Bucket, bucket policy, role and the uploaded file: all Personalize needs to import."""
    if not bucket:
        raise InvalidParameterError(
            "Invalid BUCKET: it is empty; name an S3 bucket of yours (it is created if missing)."
        )
    session = session or boto3.session.Session(region_name=region)
    s3 = session.client("s3", region_name=region)
    iam = session.client("iam", region_name=region)
    ensure_bucket(s3, bucket, region)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(bucket_policy(bucket)))
    role_arn = ensure_role(iam, role_name, bucket)
    path = Path(upload)
    key = key or path.name
    s3.upload_file(str(path), bucket, key)
    return S3Access(bucket=bucket, key=key, role_arn=role_arn)
