"""``AWSProvider``: blocks as Amazon EC2 instances; Parsl's keywords, order and defaults.

Each block is one instance (``nodes_per_block`` instances are not started as one block, as in
Parsl) whose user-data is the core's start-up script. The network is made once and recorded in
the state file (Parsl's ``vpcID``/``sgID``/``snIDs``/``instances`` keys), so a later run reuses it
and can terminate instances a run left behind (``cleanup_previous``). With ``spot_max_bid`` the
instance is a one-time spot request at that price. boto3 is imported when a provider is built.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, ClassVar, Dict, List, Mapping, Optional, Sequence

import attrs

from parsl.errors import ConfigurationError
from parsl.jobs.states import JobState
from parsl.launchers.base import Launcher
from parsl.launchers.launchers import SingleNodeLauncher
from parsl.plugins.settings import fspath, settings
from parsl.providers.cloud import CloudError, CloudProvider, InstanceState
from parsl_provider_aws import network
from parsl_provider_aws.errors import LABEL, aws_call

logger = logging.getLogger(__name__)

#: EC2 instance states (Parsl's table); an instance that shut down counts as a completed block.
EC2_STATES: Mapping[str, JobState] = {
    "pending": JobState.PENDING,
    "running": JobState.RUNNING,
    "shutting-down": JobState.COMPLETED,
    "terminated": JobState.COMPLETED,
    "stopping": JobState.COMPLETED,
    "stopped": JobState.COMPLETED,
}

#: The AWS error codes that mean "that instance does not exist (any more)".
GONE = ("InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed")


@settings
class AWSProvider(CloudProvider):
    """EC2 instances as blocks. Credentials: ``key_file`` (JSON with ``AWSAccessKeyId`` and
    ``AWSSecretKey``), ``profile``, or the ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` variables."""

    state_table: ClassVar[Mapping[str, JobState]] = EC2_STATES

    image_id: str
    key_name: str
    init_blocks: int = 1
    min_blocks: int = 0
    max_blocks: int = 10
    nodes_per_block: int = 1
    parallelism: float = 1
    worker_init: str = ""
    instance_type: str = "t2.small"
    region: str = "us-east-2"
    spot_max_bid: float = 0
    key_file: Optional[str] = attrs.field(default=None, converter=fspath)
    profile: Optional[str] = None
    iam_instance_profile_arn: str = ""
    state_file: Optional[str] = attrs.field(default=None, converter=fspath)
    walltime: str = "01:00:00"
    linger: bool = False
    launcher: Launcher = attrs.field(factory=SingleNodeLauncher)

    @property
    def label(self) -> str:
        return LABEL

    def __attrs_post_init__(self) -> None:
        if self.state_file is None:
            self.state_file = "awsproviderstate.json"  # Parsl's default, in the working directory
        super().__attrs_post_init__()

    # -- CloudProvider hooks -------------------------------------------------------------------

    def _connect(self, state: Mapping[str, Any]) -> Dict[str, Any]:
        self.session = self._session()
        self.client = self.session.client("ec2")
        if state.get("vpcID"):
            logger.info("ec2: reusing the network of state file %s (VPC %s)", self.state_file, state["vpcID"])
            return {k: v for k, v in state.items() if k != "instances"}
        return network.Network(self.client).create(f"parsl.aws.{os.getpid()}")

    def _session(self) -> Any:
        try:
            import boto3
        except ImportError as e:
            raise ConfigurationError("AWSProvider needs boto3: pip install parsl-provider-aws") from e
        if self.key_file is not None:
            return boto3.session.Session(region_name=self.region, **self._key_file_credentials())
        if self.profile is not None:
            from botocore.exceptions import ProfileNotFound

            try:
                return boto3.session.Session(profile_name=self.profile, region_name=self.region)
            except ProfileNotFound as e:
                raise ConfigurationError(f"AWSProvider profile={self.profile!r}: {e}") from e
        if not (os.getenv("AWS_ACCESS_KEY_ID") and os.getenv("AWS_SECRET_ACCESS_KEY")):
            raise ConfigurationError("AWSProvider needs credentials: set key_file or profile, or the "
                                     "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables")
        return boto3.session.Session(region_name=self.region)

    def _key_file_credentials(self) -> Dict[str, str]:
        path = os.path.expandvars(os.path.expanduser(str(self.key_file)))
        try:
            with open(path) as f:
                creds = json.load(f)
            return {"aws_access_key_id": creds["AWSAccessKeyId"], "aws_secret_access_key": creds["AWSSecretKey"]}
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ConfigurationError(f"AWSProvider key_file={self.key_file!r}: cannot read AWSAccessKeyId and "
                                     f"AWSSecretKey from it ({type(e).__name__}: {e})") from e

    def _create_instance(self, name: str, script: str) -> str:
        request: Dict[str, Any] = dict(
            MinCount=1, MaxCount=1, InstanceType=self.instance_type, ImageId=self.image_id, SubnetId=self._subnet(),
            SecurityGroupIds=[self._connected()["sgID"]],
            TagSpecifications=network.name_tag("instance", name), InstanceInitiatedShutdownBehavior="terminate",
            UserData=script)
        if self.key_name:  # "" (a site template's unset key pair): instances without SSH access
            request["KeyName"] = self.key_name
        if self.iam_instance_profile_arn:
            request["IamInstanceProfile"] = {"Arn": self.iam_instance_profile_arn}
        if float(self.spot_max_bid) > 0:
            request["InstanceMarketOptions"] = {"MarketType": "spot", "SpotOptions": {
                "MaxPrice": str(self.spot_max_bid), "SpotInstanceType": "one-time",
                "InstanceInterruptionBehavior": "terminate"}}
        reply = aws_call("RunInstances", self.client.run_instances, **request)
        return str(reply["Instances"][0]["InstanceId"])

    def _subnet(self) -> str:
        """The first subnet in a zone that offers ``instance_type`` (else the first: EC2 then says why)."""
        offerings = aws_call("DescribeInstanceTypeOfferings", self.client.describe_instance_type_offerings,
                             LocationType="availability-zone",
                             Filters=[{"Name": "instance-type", "Values": [self.instance_type]}])
        zones = {o["Location"] for o in offerings["InstanceTypeOfferings"]}
        subnets = aws_call("DescribeSubnets", self.client.describe_subnets,
                           SubnetIds=list(self._connected()["snIDs"]))["Subnets"]
        if not subnets:
            raise CloudError(LABEL, "DescribeSubnets", "InvalidSubnetID.NotFound",
                             f"no subnet of state file {self.state_file} exists")
        return str(next((s["SubnetId"] for s in subnets if s["AvailabilityZone"] in zones), subnets[0]["SubnetId"]))

    def _instance_states(self, ids: Sequence[str]) -> Mapping[str, InstanceState]:
        reply = aws_call("DescribeInstances", self.client.describe_instances,
                         Filters=[{"Name": "instance-id", "Values": list(ids)}])
        return {i["InstanceId"]: InstanceState(i["State"]["Name"], (i.get("StateReason") or {}).get("Message"))
                for r in reply["Reservations"] for i in r["Instances"]}

    def _terminate_instances(self, ids: Sequence[str]) -> Mapping[str, str]:
        try:
            aws_call("TerminateInstances", self.client.terminate_instances, InstanceIds=list(ids))
            return {}
        except CloudError:
            if len(ids) == 1:
                return self._terminate_one(ids[0])
        failed: Dict[str, str] = {}
        for instance_id in ids:  # one bad id fails the whole call: find which ones are left
            failed.update(self._terminate_one(instance_id))
        return failed

    def _terminate_one(self, instance_id: str) -> Dict[str, str]:
        try:
            aws_call("TerminateInstances", self.client.terminate_instances, InstanceIds=[instance_id])
        except CloudError as e:
            if e.code in GONE:
                return {}
            return {instance_id: f"{e.code}: {e.message}"}
        return {}

    # -- Parsl's AWSProvider methods -----------------------------------------------------------

    def teardown(self) -> None:
        """Terminate every instance in the state file, delete the network, and remove the state file."""
        infrastructure = self._connected()
        instances = list(dict.fromkeys([*self.previous_instances, *self.resources]))
        left = self._terminate_instances(instances) if instances else {}
        if left:
            raise CloudError(LABEL, "teardown", "InstancesLeft", f"instances not terminated: {left}")
        if instances:
            aws_call("wait for termination", self.client.get_waiter("instance_terminated").wait, InstanceIds=instances)
        network.delete(self.client, infrastructure)
        self.resources.clear()
        self.previous_instances.clear()
        if self.state_file and os.path.exists(self.state_file):
            os.remove(self.state_file)

    def show_summary(self) -> str:
        """A readable summary of the network and the instances' states (also logged)."""
        infrastructure = self._connected()
        ids: List[str] = list(dict.fromkeys([*self.previous_instances, *self.resources]))
        states = self._instance_states(ids) if ids else {}
        lines = [f"EC2 summary: VPC {infrastructure.get('vpcID')}, subnets {infrastructure.get('snIDs')}, "
                 f"security group {infrastructure.get('sgID')}"]
        lines += [f"  instance {i}: {states[i].name if i in states else 'unknown'}" for i in ids]
        summary = "\n".join(lines)
        logger.info(summary)
        return summary
