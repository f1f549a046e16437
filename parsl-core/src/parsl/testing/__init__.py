"""Test kits that plugin distributions run against themselves (they need pytest)."""
