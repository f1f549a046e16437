"""OpenStackProvider as a plugin distribution (``parsl.providers.openstack`` resolves here)."""
