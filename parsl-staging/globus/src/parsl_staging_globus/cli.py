"""``parsl globus login|logout|status`` (through the ``parsl_cli_commands`` hook), and Parsl's
``parsl-globus-auth`` command."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from parsl_staging_globus import auth


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("globus", help="log in to Globus for globus:// staging")
    sub = p.add_subparsers(dest="globus_command", required=True)
    sub.add_parser("login", help="authorize Parsl to use Globus Transfer (interactive, once)"
                   ).set_defaults(handler=_login)
    sub.add_parser("logout", help="forget the stored Globus tokens").set_defaults(handler=_logout)
    sub.add_parser("status", help="say whether a Globus login is stored").set_defaults(handler=_status)


def _login(args: argparse.Namespace) -> int:
    try:
        auth.login()
    except auth.GlobusAuthError as e:
        print(f"parsl globus login: {e}", file=sys.stderr)
        return 1
    print(f"Logged in; tokens stored in {auth.token_file()}")
    return 0


def _logout(args: argparse.Namespace) -> int:
    print("Logged out" if auth.logout() else "Was not logged in")
    return 0


def _status(args: argparse.Namespace) -> int:
    try:
        auth.load_tokens()
    except auth.GlobusAuthError as e:
        print(e)
        return 1
    print(f"Logged in to Globus Transfer (tokens in {auth.token_file()})")
    return 0


def legacy_main() -> int:
    """``parsl-globus-auth``: Parsl's command, which logs in when no login is stored."""
    try:
        auth.load_tokens()
        print("Already logged in to Globus")
        return 0
    except auth.GlobusAuthError:
        return _login(argparse.Namespace())
