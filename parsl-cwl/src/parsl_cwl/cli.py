"""``parsl-cwl [--config FILE] [--outdir DIR] [--quiet] TOOL_OR_WORKFLOW [JOB]``: a ``cwl-runner`` on Parsl.

The command line is cwltool's (every option of the reference runner works, so conformance
runners and CWL tooling can drive it) plus ``--config``: any Parsl config file, TOML or YAML;
without it, local threads; and ``--container-runtime NAME``: the container-runtime plugin that
runs DockerRequirement tools (``--no-container`` is cwltool's). The output object is printed as
JSON on stdout; the exit code is the one the CWL specification defines: 0 success, 33 an
unsupported requirement, 1 any other failure.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

#: Exit code of a failure that is neither the workflow's nor an unsupported feature (bad config).
EXIT_FAILURE = 1


def build_parser() -> argparse.ArgumentParser:
    """cwltool's parser, renamed, with ``--config`` and Parsl's defaults."""
    from cwltool.argparser import arg_parser

    from parsl_cwl.containers import DEFAULT_RUNTIMES

    parser = arg_parser()
    parser.prog = "parsl-cwl"
    parser.description = "Run a CWL tool or workflow with each command as a Parsl task."
    parser.add_argument("--config", metavar="FILE", default=None,
                        help="a Parsl config file (TOML or YAML); default: local threads")
    parser.add_argument("--container-runtime", metavar="NAME", default=None,
                        help="the Parsl container-runtime plugin that runs DockerRequirement tools "
                             f"(podman, docker, apptainer, ...); default: the first installed of "
                             f"{', '.join(DEFAULT_RUNTIMES)}. Images are never pulled.")
    # A failed step fails what depends on it; independent branches keep running, as Parsl's apps do.
    parser.set_defaults(on_error="continue")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command; return its exit code."""
    import cwltool.main
    from cwltool.context import LoadingContext

    import parsl
    from parsl.config import Config
    from parsl.errors import ConfigurationError
    from parsl_cwl.containers import choose_runtime, tool_maker
    from parsl_cwl.executor import ParslJobExecutor
    from parsl_cwl.tasks import ParslTasks

    args = build_parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    try:
        runtime = choose_runtime(args.container_runtime) if args.use_container else None
    except ConfigurationError as e:
        print(f"parsl-cwl: --container-runtime {args.container_runtime}: {e}", file=sys.stderr)
        return EXIT_FAILURE
    try:
        config = parsl.config.load_config_file(args.config) if args.config else Config()
    except (ConfigurationError, OSError) as e:
        print(f"parsl-cwl: --config {args.config}: {e}", file=sys.stderr)
        return EXIT_FAILURE
    loading_context = LoadingContext(vars(args))
    loading_context.construct_tool_object = tool_maker(runtime)
    with parsl.load(config) as dfk:
        return cwltool.main.main(args=args, executor=ParslJobExecutor(ParslTasks(dfk)),
                                 loadingContext=loading_context)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
