#!/usr/bin/env bash
# Single-node (Son of) Grid Engine 8.1.9 cell from Debian's packages, without systemd:
# sge_qmaster + sge_execd on this host, queue all.q (slots = nproc), PE "smp", root jobs allowed.
#   .ci/services/gridengine.sh start   install if needed, start and configure (idempotent)
#   .ci/services/gridengine.sh stop    stop only the daemons `start` recorded (idempotent)
# Clients need:  export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
# Based on the project's shared CI recipes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
STATE=${SGE_CI_DIR:-/var/lib/ci-gridengine}

stop() {
  set +e
  stop_pid "$STATE/execd.pid" sge_execd
  stop_pid "$STATE/qmaster.pid" sge_qmaster
  echo "gridengine stopped"
}

start() {
H=$(hostname)
SLOTS=$(nproc)
mkdir -p "$STATE"

if ! command -v sge_qmaster >/dev/null || ! command -v qsub >/dev/null || [ ! -x /usr/sbin/sge_execd ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  for pkg in gridengine-common gridengine-master; do
    printf '%s\n' "$pkg shared/gridengineconfig boolean true" \
                  "$pkg shared/gridenginecell string default" \
                  "$pkg shared/gridenginemaster string $H" | debconf-set-selections
  done
  # policy-rc.d (if present) keeps the package from starting daemons; we start them below
  apt-get install -y -qq --no-install-recommends gridengine-master gridengine-exec gridengine-client >/dev/null
fi

# The package's postinst normally creates the cell; do it if it did not.
if [ ! -s "$SGE_ROOT/$SGE_CELL/common/bootstrap" ]; then
  for d in /var/spool/gridengine/qmaster /var/spool/gridengine/qmaster/job_scripts /var/spool/gridengine/spooldb; do
    mkdir -p "$d"; chown sgeadmin:sgeadmin "$d"
  done
  su -s /bin/sh -c "/usr/share/gridengine/scripts/init_cluster $SGE_ROOT $SGE_CELL /var/spool/gridengine/spooldb sgeadmin" sgeadmin
fi
echo "$H" > "$SGE_ROOT/$SGE_CELL/common/act_qmaster"
# hostname resolves to 127.0.0.1, whose reverse name is "localhost": make them one host
echo "$H localhost" > "$SGE_ROOT/$SGE_CELL/common/host_aliases"
mkdir -p /run/gridengine /var/spool/gridengine/execd
chown sgeadmin:sgeadmin /run/gridengine /var/spool/gridengine/execd

QM_PID=/var/spool/gridengine/qmaster/qmaster.pid
# execd's spool dir is named after its own idea of the host name ("localhost" here)
ex_pidfile() { for f in /var/spool/gridengine/execd/*/execd.pid; do alive "$f" sge_execd && { echo "$f"; return 0; }; done; return 1; }

if ! alive "$QM_PID" sge_qmaster; then
  rm -f "$QM_PID"
  /usr/sbin/sge_qmaster            # daemonizes, drops to sgeadmin, writes $QM_PID
  for _ in $(seq 100); do [ -s "$QM_PID" ] && break; sleep 0.1; done
  cp "$QM_PID" "$STATE/qmaster.pid"
fi
for _ in $(seq 100); do qconf -sh >/dev/null 2>&1 && break; sleep 0.2; done
qconf -sh >/dev/null

# --- one-time cell configuration (each step checks first) -------------------
tmp=$(mktemp -d); trap "rm -rf $tmp" EXIT
if qconf -sconf global | grep -qE '^min_uid +[1-9]'; then      # allow root jobs
  qconf -sconf global | sed -e 's/^min_uid .*/min_uid 0/' -e 's/^min_gid .*/min_gid 0/' \
    -e 's/^load_report_time .*/load_report_time 00:00:05/' > "$tmp/global"
  qconf -Mconf "$tmp/global" >/dev/null
fi
# Job shells are not login shells (as under Slurm): a login bash reads this machine's root
# profile, whose `pyenv rehash` waits 60 s on a stale lock and held every job that long.
if ! qconf -sconf global | grep -qE '^login_shells +none$'; then
  qconf -sconf global | sed -e 's/^login_shells .*/login_shells none/' > "$tmp/global"
  qconf -Mconf "$tmp/global" >/dev/null
fi
# Accounting (qacct, which tells how a job ended) written at once, not every 15 s.
if ! qconf -sconf global | grep -q 'accounting_flush_time=00:00:00'; then
  qconf -sconf global | awk '/^reporting_params/ {print "reporting_params accounting=true reporting=false" \
    " flush_time=00:00:15 joblog=false sharelog=00:00:00 accounting_flush_time=00:00:00"; skip=1; next}
    skip && /^[ \t]/ {next} {skip=0; print}' > "$tmp/global"
  qconf -Mconf "$tmp/global" >/dev/null
fi
if ! qconf -ssconf | grep -qE '^schedule_interval +0:0:1$'; then  # dispatch fast
  qconf -ssconf | sed -e 's/^schedule_interval .*/schedule_interval 0:0:1/' \
    -e 's/^flush_submit_sec .*/flush_submit_sec 1/' -e 's/^flush_finish_sec .*/flush_finish_sec 1/' > "$tmp/sconf"
  qconf -Msconf "$tmp/sconf" >/dev/null
fi
qconf -ss 2>/dev/null | grep -qx "$H" || qconf -as "$H" >/dev/null
if ! qconf -sel 2>/dev/null | grep -qx "$H"; then
  printf 'hostname %s\nload_scaling NONE\ncomplex_values NONE\nuser_lists NONE\nxuser_lists NONE\nprojects NONE\nxprojects NONE\nusage_scaling NONE\nreport_variables NONE\n' "$H" > "$tmp/host"
  qconf -Ae "$tmp/host" >/dev/null
fi
if ! qconf -spl 2>/dev/null | grep -qx smp; then
  cat > "$tmp/pe" <<EOF
pe_name            smp
slots              9999
user_lists         NONE
xuser_lists        NONE
start_proc_args    NONE
stop_proc_args     NONE
allocation_rule    \$pe_slots
control_slaves     FALSE
job_is_first_task  TRUE
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
EOF
  qconf -Ap "$tmp/pe" >/dev/null
fi
if ! qconf -sql 2>/dev/null | grep -qx all.q; then
  cat > "$tmp/q" <<EOF
qname                 all.q
hostlist              $H
seq_no                0
load_thresholds       NONE
suspend_thresholds    NONE
nsuspend              1
suspend_interval      00:05:00
priority              0
min_cpu_interval      00:05:00
processors            UNDEFINED
qtype                 BATCH INTERACTIVE
ckpt_list             NONE
pe_list               smp
rerun                 FALSE
slots                 $SLOTS
tmpdir                /tmp
shell                 /bin/sh
prolog                NONE
epilog                NONE
shell_start_mode      posix_compliant
starter_method        NONE
suspend_method        NONE
resume_method         NONE
terminate_method      NONE
notify                00:00:60
owner_list            NONE
user_lists            NONE
xuser_lists           NONE
subordinate_list      NONE
complex_values        NONE
projects              NONE
xprojects             NONE
calendar              NONE
initial_state         default
s_rt                  INFINITY
h_rt                  INFINITY
s_cpu                 INFINITY
h_cpu                 INFINITY
s_fsize               INFINITY
h_fsize               INFINITY
s_data                INFINITY
h_data                INFINITY
s_stack               INFINITY
h_stack               INFINITY
s_core                INFINITY
h_core                INFINITY
s_rss                 INFINITY
h_rss                 INFINITY
s_vmem                INFINITY
h_vmem                INFINITY
EOF
  qconf -Aq "$tmp/q" >/dev/null
fi

# --- execution daemon ------------------------------------------------------
if ! ex_pidfile >/dev/null; then
  /usr/sbin/sge_execd              # daemonizes, writes execd/<name>/execd.pid
  for _ in $(seq 100); do ex_pidfile >/dev/null && break; sleep 0.1; done
  cp "$(ex_pidfile)" "$STATE/execd.pid"
fi
# ready when the queue instance reports load and is not in an error/unknown state
for _ in $(seq 150); do
  st=$(qstat -f -q "all.q@$H" 2>/dev/null | awk -v q="all.q@$H" '$1==q{print ($6==""?"ok":$6)}')
  [ "$st" = ok ] && break
  qmod -c "all.q@$H" >/dev/null 2>&1 || true   # clear a stale E state
  sleep 0.2
done
[ "$st" = ok ] || { echo "all.q@$H state: ${st:-missing}" >&2; qstat -f >&2; exit 1; }
echo "gridengine ready: all.q@$H, $SLOTS slots (export SGE_ROOT=$SGE_ROOT SGE_CELL=$SGE_CELL)"
}

service_main "$@"
