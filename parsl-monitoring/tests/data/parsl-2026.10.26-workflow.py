import parsl
from parsl import python_app
from parsl.config import Config
from parsl.executors import ThreadPoolExecutor
from parsl.monitoring import MonitoringHub


@python_app
def inc(x):
    return x + 1

@python_app
def add(a, b):
    return a + b

@python_app
def boom(x):
    raise ValueError(f"boom {x}")

if __name__ == "__main__":
    config = Config(executors=[ThreadPoolExecutor(max_threads=2)],
                    monitoring=MonitoringHub(workflow_name="real-parsl", resource_monitoring_interval=1))
    with parsl.load(config):
        a = [inc(i) for i in range(4)]
        b = add(a[0], a[1])
        c = boom(b)
        print(b.result(), c.exception())
