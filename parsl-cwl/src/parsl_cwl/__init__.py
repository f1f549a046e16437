"""Common Workflow Language tools and workflows on Parsl.

- :func:`load` turns a CWL document into an app (``parsl_cwl.load("tool.cwl")(x=File(...))``);
- the ``parsl-cwl`` command is a ``cwl-runner`` whose commands run as Parsl tasks on any config.

cwltool, the CWL reference runner, supplies the CWL semantics as a library; this package supplies
the executor that turns each command into a Parsl task. Importing it imports neither cwltool nor
node.js: workers only need :mod:`parsl_cwl.command`.
"""

from parsl_cwl.app import CWLApp, load, validate
from parsl_cwl.errors import CWLError, CWLInputError, CWLRunError, CWLValidationError

__all__ = ["CWLApp", "CWLError", "CWLInputError", "CWLRunError", "CWLValidationError", "load", "validate"]
