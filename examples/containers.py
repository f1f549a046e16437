"""Three steps, each in its own image, then a Python step on the image's own Python.

Run it with `parsl run containers.py` (threads) or `parsl run --config htex-local.toml
containers.py`, after `sudo .ci/services/podman.sh start` (or `charliecloud.sh start` and
`CONTAINER_RUNTIME=charliecloud`), which builds the images it names.
"""

import os
import tempfile

from parsl import File, bash_app, python_app
from parsl.containers import Container

RUNTIME = os.environ.get("CONTAINER_RUNTIME", "podman")
CACHE = os.environ.get("CONTAINER_CI_CACHE", "/var/cache/parsl-ci-containers")


def image(name):
    return f"{CACHE}/images/{name}" if RUNTIME == "charliecloud" else f"localhost/parsl-ci/{name}"


def step(n):
    """A bash app running tool ``stepN``, which only image ``stepN`` has."""
    @bash_app
    @Container(image(f"step{n}"), runtime=RUNTIME).bash
    def run(inputs=(), outputs=()):
        return f"step{n} < {inputs[0]} > {outputs[0]}"

    return run


@python_app
@Container(image("py3"), runtime=RUNTIME).python
def count_words(inputs=()):
    import sys

    with open(inputs[0]) as f:
        return len(f.read().split()), sys.executable


folder = tempfile.mkdtemp(prefix="parsl-containers-")
with open(os.path.join(folder, "in.txt"), "w") as f:
    f.write("alpha\nbeta\n")
data = File(os.path.join(folder, "in.txt"))
for n in (1, 2, 3):
    data = step(n)(inputs=[data], outputs=[File(os.path.join(folder, f"out{n}.txt"))]).outputs[0]
words, python = count_words(inputs=[data]).result()
print(open(data.filepath).read(), end="")
print(f"{words} words, counted by {python} in image {image('py3')}")
