"""The network Parsl's AWSProvider runs its instances in, set up once and reused through the state file.

As in Parsl: a VPC 10.0.0.0/16 with an internet gateway and a default route, one /20 subnet per
available zone (public addresses on launch), the VPC's default security group named, and a
"private-subnet" security group open to TCP/UDP within the VPC, ICMP and SSH from anywhere, and
TCP out. Every resource carries a ``Name`` tag. A set-up that fails half way deletes what it made.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable, Dict, List, Tuple

from parsl_provider_aws.errors import aws_call

logger = logging.getLogger(__name__)

VPC_CIDR = "10.0.0.0/16"
ANYWHERE = [{"CidrIp": "0.0.0.0/0"}]
IN_VPC = [{"CidrIp": VPC_CIDR}]

INGRESS = [
    {"IpProtocol": "TCP", "FromPort": 0, "ToPort": 65535, "IpRanges": IN_VPC},
    {"IpProtocol": "UDP", "FromPort": 0, "ToPort": 65535, "IpRanges": IN_VPC},
    {"IpProtocol": "ICMP", "FromPort": -1, "ToPort": -1, "IpRanges": ANYWHERE},
    {"IpProtocol": "TCP", "FromPort": 22, "ToPort": 22, "IpRanges": ANYWHERE},
]
EGRESS = [
    {"IpProtocol": "TCP", "FromPort": 0, "ToPort": 65535, "IpRanges": ANYWHERE},
    {"IpProtocol": "TCP", "FromPort": 0, "ToPort": 65535, "IpRanges": IN_VPC},
    {"IpProtocol": "UDP", "FromPort": 0, "ToPort": 65535, "IpRanges": IN_VPC},
]


def name_tag(resource_type: str, name: str) -> List[Dict[str, Any]]:
    """A ``TagSpecifications`` value giving the new resource the ``Name`` tag ``name``."""
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


class Network:
    """Creates the VPC and what goes with it through ``client`` (a boto3 EC2 client)."""

    def __init__(self, client: Any):
        self.client = client
        self._undo: List[Tuple[str, Callable[[], Any]]] = []

    def create(self, name: str) -> Dict[str, Any]:
        """Make the network; return its ids under Parsl's state-file keys (``vpcID``, ``sgID``, ``snIDs``)."""
        try:
            return self._create(name)
        except Exception:
            self._rollback()
            raise

    def _create(self, name: str) -> Dict[str, Any]:
        c = self.client
        vpc_id = aws_call("CreateVpc", c.create_vpc, CidrBlock=VPC_CIDR, AmazonProvidedIpv6CidrBlock=False,
                          TagSpecifications=name_tag("vpc", name))["Vpc"]["VpcId"]
        self._undo.append((vpc_id, lambda: c.delete_vpc(VpcId=vpc_id)))
        gateway = aws_call("CreateInternetGateway", c.create_internet_gateway,
                           TagSpecifications=name_tag("internet-gateway", name))["InternetGateway"]
        gateway_id = gateway["InternetGatewayId"]
        self._undo.append((gateway_id, lambda: c.delete_internet_gateway(InternetGatewayId=gateway_id)))
        aws_call("AttachInternetGateway", c.attach_internet_gateway, InternetGatewayId=gateway_id, VpcId=vpc_id)
        self._undo.append((gateway_id, lambda: c.detach_internet_gateway(InternetGatewayId=gateway_id,
                                                                         VpcId=vpc_id)))
        table_id = aws_call("CreateRouteTable", c.create_route_table, VpcId=vpc_id,
                            TagSpecifications=name_tag("route-table", name))["RouteTable"]["RouteTableId"]
        self._undo.append((table_id, lambda: c.delete_route_table(RouteTableId=table_id)))
        aws_call("CreateRoute", c.create_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0",
                 GatewayId=gateway_id)
        subnets = self._subnets(vpc_id, table_id, name)
        default_groups = aws_call("DescribeSecurityGroups", c.describe_security_groups,
                                  Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
        aws_call("CreateTags", c.create_tags, Resources=[g["GroupId"] for g in default_groups],
                 Tags=[{"Key": "Name", "Value": f"{name}.default"}])
        group_id = aws_call("CreateSecurityGroup", c.create_security_group, GroupName="private-subnet",
                            Description="security group for remote executors", VpcId=vpc_id,
                            TagSpecifications=name_tag("security-group", name))["GroupId"]
        self._undo.append((group_id, lambda: c.delete_security_group(GroupId=group_id)))
        aws_call("AuthorizeSecurityGroupIngress", c.authorize_security_group_ingress, GroupId=group_id,
                 IpPermissions=INGRESS)
        aws_call("AuthorizeSecurityGroupEgress", c.authorize_security_group_egress, GroupId=group_id,
                 IpPermissions=EGRESS)
        self._undo.clear()
        return {"vpcID": vpc_id, "sgID": group_id, "snIDs": subnets, "internetGatewayID": gateway_id,
                "routeTableID": table_id}

    def _subnets(self, vpc_id: str, table_id: str, name: str) -> List[str]:
        c = self.client
        subnets = []
        zones = aws_call("DescribeAvailabilityZones", c.describe_availability_zones)["AvailabilityZones"]
        for number, zone in enumerate(zones):
            if zone["State"] != "available":
                continue
            subnet = aws_call("CreateSubnet", c.create_subnet, VpcId=vpc_id, CidrBlock=f"10.0.{16 * number}.0/20",
                              AvailabilityZone=zone["ZoneName"],
                              TagSpecifications=name_tag("subnet", f"{name}.{zone['ZoneName']}"))["Subnet"]
            subnet_id = subnet["SubnetId"]
            self._undo.append((subnet_id, functools.partial(c.delete_subnet, SubnetId=subnet_id)))
            aws_call("ModifySubnetAttribute", c.modify_subnet_attribute, SubnetId=subnet_id,
                     MapPublicIpOnLaunch={"Value": True})
            association = aws_call("AssociateRouteTable", c.associate_route_table, RouteTableId=table_id,
                                   SubnetId=subnet_id)["AssociationId"]
            self._undo.append((association, functools.partial(c.disassociate_route_table, AssociationId=association)))
            subnets.append(subnet_id)
        return subnets

    def _rollback(self) -> None:
        """Delete, newest first, what a failed set-up made; what cannot be deleted is logged by id."""
        left = []
        for resource, undo in reversed(self._undo):
            try:
                undo()
            except Exception as e:
                left.append(f"{resource} ({e})")
        self._undo.clear()
        if left:
            logger.error("ec2: the failed network set-up could not delete %s", ", ".join(left))


def delete(client: Any, state: Dict[str, Any]) -> None:
    """Delete the network recorded in ``state`` (its instances must be terminated first)."""
    c = client
    vpc_id = state["vpcID"]
    tables = aws_call("DescribeRouteTables", c.describe_route_tables,
                      Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    for table in tables:
        for association in table.get("Associations", []):
            if not association.get("Main"):
                aws_call("DisassociateRouteTable", c.disassociate_route_table,
                         AssociationId=association["RouteTableAssociationId"])
    for subnet_id in state.get("snIDs", []):
        aws_call("DeleteSubnet", c.delete_subnet, SubnetId=subnet_id, resource=subnet_id)
    if state.get("routeTableID"):
        aws_call("DeleteRouteTable", c.delete_route_table, RouteTableId=state["routeTableID"])
    if state.get("internetGatewayID"):
        aws_call("DetachInternetGateway", c.detach_internet_gateway, InternetGatewayId=state["internetGatewayID"],
                 VpcId=vpc_id)
        aws_call("DeleteInternetGateway", c.delete_internet_gateway, InternetGatewayId=state["internetGatewayID"])
    aws_call("DeleteSecurityGroup", c.delete_security_group, GroupId=state["sgID"], resource=state["sgID"])
    aws_call("DeleteVpc", c.delete_vpc, VpcId=vpc_id, resource=vpc_id)
