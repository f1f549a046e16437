"""The script a block's pod runs: the provider's ``worker_init``, then the launch command (Parsl's name)."""

template_string = """{worker_init}

{command}
"""
