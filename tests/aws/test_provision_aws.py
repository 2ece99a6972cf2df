"""The clean-up of a VIDEO_ON_DEMAND dataset group on AWS: its recommenders go first (they are
billed by the hour), then the datasets and the group (real boto3 client, Stubber answers)."""

from __future__ import annotations

from tests.aws import aws_answers as answer
from tests.aws.stubs import arn
from videorecs_widgets.provision import delete_dataset_group_resources

REGION = "eu-west-1"


def test_domain_group_clean_up_deletes_recommenders_first(aws_clients):
    aws = aws_clients(REGION)
    group = arn(REGION, "dataset-group", "vod-lab")
    dataset = arn(REGION, "dataset", "vod-lab/INTERACTIONS")
    picks, because = arn(REGION, "recommender", "top-picks"), arn(REGION, "recommender", "byw")
    stub = aws.control
    stub.add_response("describe_dataset_group", {"datasetGroup": {
        "name": "vod-lab", "datasetGroupArn": group, "status": "ACTIVE",
        "domain": "VIDEO_ON_DEMAND"}}, {"datasetGroupArn": group})
    stub.add_response("list_recommenders", {"recommenders": [
        {"name": "top-picks", "recommenderArn": picks, "datasetGroupArn": group,
         "recipeArn": answer.recipe("aws-vod-top-picks"), "status": "ACTIVE"},
        {"name": "byw", "recommenderArn": because, "datasetGroupArn": group,
         "recipeArn": answer.recipe("aws-vod-because-you-watched-x"), "status": "ACTIVE"},
    ]}, {"datasetGroupArn": group})
    stub.add_response("delete_recommender", {}, {"recommenderArn": picks})
    stub.add_response("delete_recommender", {}, {"recommenderArn": because})
    # the first is still being deleted at the first look
    stub.add_response("describe_recommender", answer.recommender(
        REGION, "top-picks", "aws-vod-top-picks", status="DELETE IN_PROGRESS"))
    stub.add_client_error("describe_recommender", **answer.not_found(picks))
    stub.add_client_error("describe_recommender", **answer.not_found(because))
    stub.add_response("list_solutions", {"solutions": []}, {"datasetGroupArn": group})
    stub.add_response("list_filters", {"Filters": []}, {"datasetGroupArn": group})
    stub.add_response("list_datasets", {"datasets": [
        {"name": "vod-interactions", "datasetArn": dataset, "datasetType": "INTERACTIONS",
         "status": "ACTIVE"}]}, {"datasetGroupArn": group})
    stub.add_response("delete_dataset", {}, {"datasetArn": dataset})
    stub.add_client_error("describe_dataset", **answer.not_found(dataset))
    stub.add_response("delete_dataset_group", {}, {"datasetGroupArn": group})
    stub.add_client_error("describe_dataset_group", **answer.not_found(group))

    deleted = delete_dataset_group_resources(aws.personalize, group, poll=0.01)

    assert deleted == [picks, because, dataset, group]


def test_clean_up_of_a_group_that_is_gone_deletes_nothing(aws_clients):
    aws = aws_clients(REGION)
    group = arn(REGION, "dataset-group", "gone")
    aws.control.add_client_error("describe_dataset_group", **answer.not_found(group))
    assert delete_dataset_group_resources(aws.personalize, group) == []


def test_ensure_import_job_skips_a_job_older_than_the_dataset(aws_clients):
    # The dataset was deleted and made again under the same ARN; the old job (and its name)
    # are still listed for that ARN, but imported into the old dataset.
    from datetime import datetime, timezone

    from videorecs_widgets.provision import ensure_import_job

    aws = aws_clients(REGION)
    dataset = arn(REGION, "dataset", "lab/INTERACTIONS")
    old_job = arn(REGION, "dataset-import-job", "lab-import")
    created = datetime(2026, 11, 3, 10, 0, tzinfo=timezone.utc)
    stub = aws.control
    stub.add_response("list_dataset_import_jobs", {"datasetImportJobs": [
        {"jobName": "lab-import", "datasetImportJobArn": old_job, "status": "ACTIVE",
         "creationDateTime": datetime(2026, 11, 2, 9, 20, tzinfo=timezone.utc)}]},
        {"datasetArn": dataset})
    stub.add_response("describe_dataset", {"dataset": {
        "name": "lab-interactions", "datasetArn": dataset, "datasetType": "INTERACTIONS",
        "status": "ACTIVE", "creationDateTime": created}}, {"datasetArn": dataset})
    source = {"dataLocation": "s3://bucket/interactions.csv"}
    stub.add_client_error("create_dataset_import_job", "ResourceAlreadyExistsException",
                          f"Resource Arn {old_job} already exists.",
                          expected_params={"jobName": "lab-import", "datasetArn": dataset,
                                           "dataSource": source})
    stub.add_response("describe_dataset", {"dataset": {
        "name": "lab-interactions", "datasetArn": dataset, "status": "ACTIVE",
        "creationDateTime": created}}, {"datasetArn": dataset})
    new_name = f"lab-import-{int(created.timestamp())}"
    new_job = arn(REGION, "dataset-import-job", new_name)
    stub.add_response("create_dataset_import_job", {"datasetImportJobArn": new_job},
                      {"jobName": new_name, "datasetArn": dataset, "dataSource": source})

    assert ensure_import_job(aws.personalize, dataset, "lab-import", source["dataLocation"],
                             wait=False) == new_job
