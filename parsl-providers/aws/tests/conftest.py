"""Fixtures: moto's EC2 over HTTP (started by .ci/services/moto.sh), a boto3 client of our own to
check what the provider did, and the local start-up runner that plays the instances."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping

import pytest

from parsl.testing.startup import EmulatedInstance, StartupRunner

MOTO_URL = os.environ.get("PARSL_TEST_MOTO_URL", "http://127.0.0.1:5055")
MOTO_SERVER = os.environ.get("PARSL_TEST_MOTO_SERVER", "/var/lib/ci-moto-parsl/moto_server")
REGION = "us-east-1"
KEY_NAME = "parsl-test-key"


def _reachable(url: str) -> bool:
    try:
        urllib.request.urlopen(f"{url}/moto-api/", timeout=5)
        return True
    except OSError:
        return False


def reset(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30)


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> str:
    """moto's endpoint, emptied, with boto3 pointed at it and test credentials in the environment."""
    if not _reachable(MOTO_URL):
        pytest.fail(f"moto is not reachable at {MOTO_URL}: run `bash .ci/services/moto.sh start`", pytrace=False)
    reset(MOTO_URL)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", MOTO_URL)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")  # no profile of this machine's user leaks in
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    return MOTO_URL


@pytest.fixture
def ec2(moto: str) -> Any:
    """Our own boto3 EC2 client on moto, for checking what the provider made."""
    import boto3

    return boto3.client("ec2", region_name=REGION, endpoint_url=moto)


@pytest.fixture
def ami(ec2: Any) -> str:
    """An image moto knows, and the key pair the provider's instances name."""
    ec2.create_key_pair(KeyName=KEY_NAME)
    return image(ec2)


def image(ec2: Any) -> str:
    """moto's Amazon Linux 2 image (asked by name: listing all of moto's images takes seconds)."""
    found = ec2.describe_images(Filters=[{"Name": "name", "Values": ["amzn2-ami-hvm-2.0.20180810-x86_64-gp2"]}])
    return str(found["Images"][0]["ImageId"])


def instances(ec2: Any, **filters: Any) -> Dict[str, Dict[str, Any]]:
    reply = ec2.describe_instances(**filters)
    return {i["InstanceId"]: i for r in reply["Reservations"] for i in r["Instances"]}


def user_data(ec2: Any, instance_id: str) -> str:
    value = ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="userData")["UserData"]["Value"]
    return base64.b64decode(value).decode()


@pytest.fixture
def runner(ec2: Any, tmp_path: Path) -> Iterator[StartupRunner]:
    """Runs each instance's user-data locally while moto says it is running; a shutdown terminates it."""
    scripts: Dict[str, str] = {}

    def poll() -> Mapping[str, EmulatedInstance]:
        found = {}
        for instance_id, i in instances(ec2).items():
            running = i["State"]["Name"] == "running"
            if running and instance_id not in scripts:
                scripts[instance_id] = user_data(ec2, instance_id)
            found[instance_id] = EmulatedInstance(running, scripts.get(instance_id))
        return found

    with StartupRunner(poll, str(tmp_path / "instances"),
                       on_shutdown=lambda i: ec2.terminate_instances(InstanceIds=[i])) as r:
        yield r
    assert not r.errors, r.errors


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def iam_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, str]]:
    """A second moto that checks credentials and IAM policies. Its first three requests need none:
    they create a user whose policy allows EC2 except TerminateInstances, and that user's key."""
    if not os.path.exists(MOTO_SERVER):
        pytest.fail(f"{MOTO_SERVER} is missing: run `bash .ci/services/moto.sh start`", pytrace=False)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("iam-moto") / "moto.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=out,
                                env=dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3"), start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not _reachable(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the IAM-checking moto did not start: {log.read_text()}", pytrace=False)
            time.sleep(0.2)
        import boto3

        iam = boto3.client("iam", region_name=REGION, endpoint_url=url, aws_access_key_id="setup",
                           aws_secret_access_key="setup")
        iam.create_user(UserName="parsl")
        iam.put_user_policy(UserName="parsl", PolicyName="no-terminate", PolicyDocument=(
            '{"Version": "2012-10-17", "Statement": ['
            '{"Effect": "Allow", "Action": ["ec2:*"], "Resource": "*"},'
            '{"Effect": "Deny", "Action": ["ec2:TerminateInstances"], "Resource": "*"}]}'))
        key = iam.create_access_key(UserName="parsl")["AccessKey"]
        yield {"url": url, "key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
    finally:
        proc.terminate()
        proc.wait()
