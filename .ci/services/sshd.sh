#!/usr/bin/env bash
# A private sshd on 127.0.0.1 for the rsync staging tests, without systemd.
#   .ci/services/sshd.sh start   install openssh + rsync if missing, start sshd on
#                                127.0.0.1:${SSHD_CI_PORT:-2222} accepting root with a
#                                dedicated key, add the ssh config entry "ci-localhost"
#                                to root's ~/.ssh/config (idempotent)
#   .ci/services/sshd.sh stop    stop only the sshd that `start` recorded (idempotent)
# Debian, run as root. Based on the project's shared CI recipe for sshd.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
STATE=${SSHD_CI_DIR:-/var/lib/ci-sshd}
PORT=${SSHD_CI_PORT:-2222}

stop() {
  stop_pid "$STATE/sshd.pid" sshd
  echo "sshd stopped"
}

start() {
  mkdir -p "$STATE"; chmod 700 "$STATE"
  if [ ! -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null || ! command -v rsync >/dev/null; then
    apt_install openssh-server openssh-client rsync
  fi
  # Own host and client keys: nothing in /etc/ssh or the user's keys is used or changed.
  [ -s "$STATE/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$STATE/host_ed25519"
  [ -s "$STATE/id_ed25519" ]   || ssh-keygen -q -t ed25519 -N '' -C ci-localhost -f "$STATE/id_ed25519"
  cp "$STATE/id_ed25519.pub" "$STATE/authorized_keys"; chmod 600 "$STATE/authorized_keys"
  mkdir -p /run/sshd; chmod 755 /run/sshd
  cat > "$STATE/sshd_config" <<CONF
Port $PORT
ListenAddress 127.0.0.1
HostKey $STATE/host_ed25519
PidFile $STATE/sshd.pid
AuthorizedKeysFile $STATE/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 100:30:200
MaxSessions 100
# bash skips ~/.bashrc for commands over ssh when SHLVL is already set: the tests must not
# depend on (or wait for) what root's interactive shell set-up does, such as pyenv rehash.
SetEnv SHLVL=1
Subsystem sftp /usr/lib/openssh/sftp-server
CONF
  if ! alive "$STATE/sshd.pid" sshd; then
    rm -f "$STATE/sshd.pid"
    /usr/sbin/sshd -t -f "$STATE/sshd_config"
    /usr/sbin/sshd -f "$STATE/sshd_config" -E "$STATE/sshd.log"
  fi
  cat > "$STATE/ssh_config" <<CONF
Host ci-localhost
  HostName 127.0.0.1
  Port $PORT
  User root
  IdentityFile $STATE/id_ed25519
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  BatchMode yes
CONF
  mkdir -p /root/.ssh; chmod 700 /root/.ssh
  touch /root/.ssh/config
  if ! grep -qF "Include $STATE/ssh_config" /root/.ssh/config; then
    { printf 'Include %s\n' "$STATE/ssh_config"; cat /root/.ssh/config; } > /root/.ssh/config.new
    mv /root/.ssh/config.new /root/.ssh/config
  fi
  chmod 600 /root/.ssh/config
  for _ in $(seq 50); do
    ssh -o ConnectTimeout=2 ci-localhost true 2>/dev/null && break
    sleep 0.2
  done
  ssh ci-localhost rsync --version >/dev/null
  echo "sshd ready on 127.0.0.1:$PORT (ssh ci-localhost; key $STATE/id_ed25519; config $STATE/ssh_config)"
}

service_main "$@"
