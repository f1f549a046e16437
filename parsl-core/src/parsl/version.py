"""The version of parsl-core, and of the Parsl API it is compatible with."""

VERSION = "2026.11.25"
#: The release of real Parsl whose public API this project follows.
PARSL_COMPAT_VERSION = "2026.10.26"
