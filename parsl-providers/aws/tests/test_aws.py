"""AWSProvider against moto's EC2 over HTTP with the real boto3: the network Parsl sets up, the
instance request and its user-data, the instance state machine, the state file, and bad input."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import attrs
import pytest
from conftest import KEY_NAME, REGION, image, instances, user_data

from parsl.errors import ConfigurationError
from parsl.jobs.states import JobState
from parsl.launchers.launchers import SingleNodeLauncher
from parsl.providers.cloud import CloudError
from parsl.providers.errors import SubmitException
from parsl_provider_aws.aws import AWSProvider


def make(ami: str, tmp_path: Path, **kwargs: Any) -> AWSProvider:
    """A started provider (connected, its network set up), as ``parsl.load`` leaves it."""
    provider = AWSProvider(ami, KEY_NAME, region=REGION, state_file=str(tmp_path / "aws-state.json"), **kwargs)
    provider.start()
    return provider


def live(ec2: Any) -> dict:
    """Instances moto has that are not terminated."""
    return {i: d for i, d in instances(ec2).items() if d["State"]["Name"] != "terminated"}


def test_keywords_order_and_defaults_are_parsl_s() -> None:
    fields = [(f.name, f.default) for f in attrs.fields(AWSProvider)]
    assert [name for name, _ in fields] == [
        "image_id", "key_name", "init_blocks", "min_blocks", "max_blocks", "nodes_per_block", "parallelism",
        "worker_init", "instance_type", "region", "spot_max_bid", "key_file", "profile",
        "iam_instance_profile_arn", "state_file", "walltime", "linger", "launcher"]
    defaults = dict(fields)
    assert (defaults["max_blocks"], defaults["instance_type"], defaults["region"], defaults["spot_max_bid"],
            defaults["walltime"], defaults["linger"], defaults["iam_instance_profile_arn"]) == (
        10, "t2.small", "us-east-2", 0, "01:00:00", False, "")
    assert isinstance(defaults["launcher"].factory(), SingleNodeLauncher)


def test_network_is_set_up_as_parsl_does(ec2: Any, ami: str, tmp_path: Path) -> None:
    provider = make(ami, tmp_path)
    state = json.loads((tmp_path / "aws-state.json").read_text())
    assert state["instances"] == [] and state["vpcID"] == provider._infrastructure["vpcID"]
    vpc = ec2.describe_vpcs(VpcIds=[state["vpcID"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.0.0.0/16" and {"Key": "Name", "Value": f"parsl.aws.{__import__('os').getpid()}"} \
        in vpc["Tags"]
    (gateway,) = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id",
                                                          "Values": [state["vpcID"]]}])["InternetGateways"]
    table = ec2.describe_route_tables(RouteTableIds=[state["routeTableID"]])["RouteTables"][0]
    assert {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway["InternetGatewayId"]}.items() <= next(
        r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0").items()
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    subnets = ec2.describe_subnets(SubnetIds=state["snIDs"])["Subnets"]
    assert sorted(s["AvailabilityZone"] for s in subnets) == sorted(zones)
    assert sorted(s["CidrBlock"] for s in subnets) == sorted(f"10.0.{16 * n}.0/20" for n in range(len(zones)))
    assert all(s["MapPublicIpOnLaunch"] for s in subnets)
    assert {a["SubnetId"] for a in table["Associations"] if a.get("SubnetId")} == set(state["snIDs"])
    groups = {g["GroupName"]: g for g in ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [state["vpcID"]]}])["SecurityGroups"]}
    assert groups["private-subnet"]["GroupId"] == state["sgID"]
    assert {"Key": "Name", "Value": vpc["Tags"][0]["Value"] + ".default"} in groups["default"]["Tags"]
    ingress = {(p["IpProtocol"].lower(), p.get("FromPort"), p.get("ToPort"), p["IpRanges"][0]["CidrIp"])
               for p in groups["private-subnet"]["IpPermissions"]}
    assert ingress == {("tcp", 0, 65535, "10.0.0.0/16"), ("udp", 0, 65535, "10.0.0.0/16"),
                       ("icmp", -1, -1, "0.0.0.0/0"), ("tcp", 22, 22, "0.0.0.0/0")}


def test_instance_request_and_user_data(ec2: Any, ami: str, tmp_path: Path) -> None:
    provider = make(ami, tmp_path, worker_init="source /opt/venv/bin/activate", instance_type="t3.medium",
                    walltime="00:30:00")
    job = provider.submit("process_worker_pool.py --flag", 4, "parsl.test")
    instance = instances(ec2)[job]
    assert (instance["ImageId"], instance["InstanceType"], instance["KeyName"]) == (ami, "t3.medium", KEY_NAME)
    assert instance["SubnetId"] in provider._infrastructure["snIDs"]
    assert [g["GroupId"] for g in instance["SecurityGroups"]] == [provider._infrastructure["sgID"]]
    assert instance["Tags"][0]["Value"].startswith("parsl.test.")
    assert "InstanceLifecycle" not in instance
    behaviour = ec2.describe_instance_attribute(InstanceId=job, Attribute="instanceInitiatedShutdownBehavior")
    assert behaviour["InstanceInitiatedShutdownBehavior"]["Value"] == "terminate"
    script = user_data(ec2, job)
    assert script.startswith("#!/bin/bash\n")
    assert "source /opt/venv/bin/activate\n" in script and "process_worker_pool.py --flag" in script
    assert "timeout --kill-after=30 1800 " in script and script.rstrip().endswith("shutdown -h now\nexit $status")
    assert json.loads((tmp_path / "aws-state.json").read_text())["instances"] == [job]


def test_spot_request_carries_the_bid(ec2: Any, ami: str, tmp_path: Path) -> None:
    provider = make(ami, tmp_path, spot_max_bid=0.05)
    requests: list = []
    provider.client.meta.events.register("provide-client-params.ec2.RunInstances",
                                         lambda params, **_: requests.append(params))
    job = provider.submit("true", 1)
    assert instances(ec2)[job]["InstanceLifecycle"] == "spot"
    assert requests[0]["InstanceMarketOptions"] == {"MarketType": "spot", "SpotOptions": {
        "MaxPrice": "0.05", "SpotInstanceType": "one-time", "InstanceInterruptionBehavior": "terminate"}}


def test_instance_states(ec2: Any, ami: str, tmp_path: Path) -> None:
    provider = make(ami, tmp_path)
    cancelled, ended, stopped = (provider.submit("sleep 600", 1) for _ in range(3))
    assert [s.state for s in provider.status([cancelled])] in ([JobState.PENDING], [JobState.RUNNING])
    assert provider.status([cancelled])[0].state == JobState.RUNNING  # moto: pending, then running
    assert provider.cancel([cancelled]) == [True]
    ec2.terminate_instances(InstanceIds=[ended])  # behind the provider's back
    ec2.stop_instances(InstanceIds=[stopped])
    statuses = provider.status([cancelled, ended, stopped, "i-0123456789abcdef0"])
    assert [s.state for s in statuses] == [JobState.CANCELLED, JobState.COMPLETED, JobState.COMPLETED,
                                           JobState.MISSING]
    assert "terminated" in (statuses[1].message or "") and "i-0123456789abcdef0" in (statuses[3].message or "")
    assert instances(ec2)[cancelled]["State"]["Name"] == "terminated"
    assert provider.cancel(["i-0123456789abcdef0"]) == [True]  # nothing of that id is running


def test_state_file_reuses_the_network_and_cleans_up_a_previous_run(ec2: Any, ami: str, tmp_path: Path) -> None:
    first = make(ami, tmp_path)
    jobs = [first.submit("sleep 600", 1) for _ in range(2)]
    vpcs = len(ec2.describe_vpcs()["Vpcs"])
    later = make(ami, tmp_path)
    assert len(ec2.describe_vpcs()["Vpcs"]) == vpcs
    assert later._infrastructure == first._infrastructure and later.previous_instances == jobs
    assert later.cleanup_previous() == [True, True]
    assert not live(ec2)
    assert json.loads((tmp_path / "aws-state.json").read_text())["instances"] == []


def test_teardown_removes_instances_network_and_state_file(ec2: Any, ami: str, tmp_path: Path) -> None:
    provider = make(ami, tmp_path)
    provider.submit("sleep 600", 1)
    vpc = provider._infrastructure["vpcID"]
    provider.teardown()
    assert not live(ec2)
    assert vpc not in [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
    assert not (tmp_path / "aws-state.json").exists()


# -- bad input ------------------------------------------------------------------------------------


def test_missing_credentials_are_named_at_start_not_at_construction(ec2: Any, ami: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    provider = AWSProvider(ami, KEY_NAME, region=REGION, state_file=str(tmp_path / "aws-state.json"))
    assert not (tmp_path / "aws-state.json").exists()  # checking a config file makes nothing in the cloud
    with pytest.raises(ConfigurationError, match="AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"):
        provider.start()
    assert not ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.0.0.0/16"]}])["Vpcs"]


def test_unreadable_key_file_is_named(ami: str, tmp_path: Path) -> None:
    (tmp_path / "creds.json").write_text('{"AWSAccessKeyId": "x"}')
    with pytest.raises(ConfigurationError, match=r"key_file='.*creds.json'.*KeyError.*AWSSecretKey"):
        make(ami, tmp_path, key_file=str(tmp_path / "creds.json"))


def test_rejected_credentials_carry_aws_s_code(iam_moto: dict, ami: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", iam_moto["url"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    with pytest.raises(CloudError, match=r"ec2: CreateVpc failed: (AuthFailure|InvalidClientTokenId): ") as info:
        make(ami, tmp_path)
    assert not (tmp_path / "aws-state.json").exists()
    assert info.value.code in ("AuthFailure", "InvalidClientTokenId")


@pytest.mark.parametrize(("change", "code"), [
    ({"image_id": "ami-00000000"}, "InvalidAMIID.NotFound"),
    ({"instance_type": "x9.enormous"}, "InvalidInstanceType.NotFound"),
])
def test_refused_instance_carries_aws_s_code_and_leaves_nothing(ec2: Any, ami: str, tmp_path: Path,
                                                                change: dict, code: str) -> None:
    provider = make(change.get("image_id", ami), tmp_path, **{k: v for k, v in change.items() if k != "image_id"})
    with pytest.raises(SubmitException, match=f"ec2: RunInstances failed: {code}: "):
        provider.submit("true", 1)
    assert not live(ec2)
    assert json.loads((tmp_path / "aws-state.json").read_text())["instances"] == []


RECORDED_CAPACITY_ERROR = (  # AWS's EC2 error document, as RunInstances returns it for refused spot capacity
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InsufficientInstanceCapacity</Code>'
    b"<Message>There is no Spot capacity available that matches your request.</Message></Error></Errors>"
    b"<RequestID>b2f7ba3a-6b4a-4a4b-9a0c-6f0d4f1d5a11</RequestID></Response>")


def test_refused_spot_capacity_carries_aws_s_code_and_leaves_nothing(ec2: Any, ami: str, tmp_path: Path) -> None:
    """moto always has capacity: the refusal is AWS's recorded answer, parsed by the real botocore."""
    from botocore.awsrequest import AWSResponse

    class Raw:
        def stream(self, **_: Any) -> Any:
            yield RECORDED_CAPACITY_ERROR

    provider = make(ami, tmp_path, spot_max_bid=0.001)
    provider.client.meta.events.register(
        "before-send.ec2.RunInstances",
        lambda request, **_: AWSResponse(request.url, 500, {"Content-Type": "text/xml"}, Raw()))
    provider.client.meta.config.retries = {"max_attempts": 0}
    with pytest.raises(SubmitException, match="ec2: RunInstances failed: InsufficientInstanceCapacity: There is no "
                                              "Spot capacity"):
        provider.submit("true", 1)
    assert not live(ec2)


def test_instance_that_cannot_be_terminated_is_named(iam_moto: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", iam_moto["url"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", iam_moto["key"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", iam_moto["secret"])
    ec2 = boto3.session.Session().client("ec2", region_name=REGION)  # not boto3.client: it caches credentials
    ec2.create_key_pair(KeyName=KEY_NAME)
    provider = make(image(ec2), tmp_path)
    job = provider.submit("sleep 600", 1)
    with caplog.at_level(logging.ERROR):
        assert provider.cancel([job]) == [False]
    assert f"instance {job} was not terminated and may still be running" in caplog.text
    assert "UnauthorizedOperation" in caplog.text or "AccessDenied" in caplog.text
    assert json.loads((tmp_path / "aws-state.json").read_text())["instances"] == [job]
    assert provider.status([job])[0].state == JobState.RUNNING
