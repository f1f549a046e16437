"""A small Parsl workflow: a fan-out of Python apps, a bash app that reads their outputs, a reduce.

Run it with `parsl run demo.py` (local threads) or `parsl run --config htex-local.toml demo.py`.
It uses only Parsl's public API, so it runs unchanged on real Parsl too (with parsl.load()).
"""

import os
import tempfile

from parsl import File, bash_app, python_app


@python_app
def square(x):
    import os

    return x * x, os.getpid()


@bash_app
def write_lines(values, outputs=()):
    lines = " ".join(str(v) for v in values)
    return f"printf '%s\\n' {lines} > {outputs[0]}"


@python_app
def total(inputs=()):
    with open(inputs[0]) as f:
        return sum(int(line) for line in f)


def main() -> None:
    squares = [square(i) for i in range(10)]
    results = [f.result() for f in squares]
    values = [value for value, _ in results]
    workers = {pid for _, pid in results}
    out = File(os.path.join(tempfile.mkdtemp(prefix="parsl-demo-"), "squares.txt"))
    written = write_lines(values, outputs=[out])
    answer = total(inputs=[written.outputs[0]]).result()
    print(f"sum of squares 0..9 = {answer} (computed in {len(workers)} process(es))")
    assert answer == 285, answer


if __name__ == "__main__":
    main()
