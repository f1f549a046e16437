"""The qsub script every Grid Engine block is submitted with (``$$`` is a literal ``$``)."""

from parsl.providers.scripts import batch_script

template_string = batch_script("""#$$ -S /bin/bash
#$$ -N ${jobname}
#$$ -o ${job_stdout_path}
#$$ -e ${job_stderr_path}
#$$ -cwd
#$$ -l h_rt=${walltime}
${scheduler_options}""")
