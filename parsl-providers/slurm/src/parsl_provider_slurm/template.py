"""The sbatch script every Slurm block is submitted with."""

from parsl.providers.scripts import batch_script

template_string = batch_script("""#SBATCH --job-name=${jobname}
#SBATCH --output=${job_stdout_path}
#SBATCH --error=${job_stderr_path}
#SBATCH --nodes=${nodes}
#SBATCH --time=${walltime}
#SBATCH --ntasks-per-node=${tasks_per_node}
${scheduler_options}""")
