"""The usage-tracking levels accepted by ``Config(usage_tracking=...)`` (what each sends: see the package)."""

DISABLED = 0
LEVEL_1 = 1
LEVEL_2 = 2
LEVEL_3 = 3
