"""The qsub script every Grid Engine block is submitted with (``$$`` is a literal ``$``)."""

template_string = """#!/bin/bash
#$$ -S /bin/bash
#$$ -N ${jobname}
#$$ -o ${job_stdout_path}
#$$ -e ${job_stderr_path}
#$$ -cwd
#$$ -l h_rt=${walltime}
${scheduler_options}

${worker_init}

export JOBNAME="${jobname}"

${user_script}
"""
