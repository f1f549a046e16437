"""The internal executor: where Parsl runs its own tasks (staging, join apps, lifted futures)."""

#: The label of the thread-pool executor every DataFlowKernel adds for its internal tasks; a
#: user's executor may not take it.
INTERNAL_EXECUTOR = "_parsl_internal"
