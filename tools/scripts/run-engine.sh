# Sourced by lab.sh: runs the Pulumi CLI for an update or destroy, and passes a cancel on to it.
#
# npm forwards SIGINT and SIGTERM to the script's process, which `exec` in package.json makes
# lab.sh itself (without it, npm's `sh -c` died of the signal and lab.sh and pulumi went on).

# lab_signal_exit INT|TERM: the exit status of a shell stopped by that signal.
lab_signal_exit() { [[ $1 == INT ]] && echo 130 || echo 143; }

# Outside the engine, a signal stops lab.sh once the command under way has ended.
lab_stop() {
  printf 'lab: stopped by SIG%s\n' "$1" >&2
  exit "$(lab_signal_exit "$1")"
}
trap 'lab_stop INT' INT
trap 'lab_stop TERM' TERM

# run_engine ARGS…: `pulumi ARGS…` in a session of its own: when pulumi itself dies (kill -9),
# its language host, provider plugins and step shells (each plugin in a process group of its
# own, all in pulumi's session) are stopped instead of living on under pid 1. SIGINT or SIGTERM
# to lab.sh is passed on as SIGINT, pulumi's clean cancel (the operations under way finish,
# nothing new starts, the state is written), and lab.sh waits for it, then exits 130 (143): the
# next lab:up goes on from there. A second signal is passed on too (pulumi then stops at once).
run_engine() {
  local pid status=0 signalled=""
  setsid pulumi "$@" &
  pid=$!
  trap 'signalled=INT; kill -INT "$pid" 2>/dev/null' INT
  trap 'signalled=${signalled:-TERM}; kill -INT "$pid" 2>/dev/null' TERM
  wait "$pid" || status=$?
  while kill -0 "$pid" 2>/dev/null; do wait "$pid" || status=$?; done
  trap 'lab_stop INT' INT
  trap 'lab_stop TERM' TERM
  if pkill -TERM -s "$pid" 2>/dev/null; then
    for _ in 1 2 3 4 5 6 7 8 9 10; do pgrep -s "$pid" >/dev/null || break; sleep 0.3; done
    pkill -KILL -s "$pid" 2>/dev/null || true
  fi
  if [[ -n $signalled ]]; then
    printf 'lab: cancelled by SIG%s: pulumi %s stopped cleanly (exit %s); the next lab:up goes on from there\n' "$signalled" "$1" "$status" >&2
    exit "$(lab_signal_exit "$signalled")"
  fi
  return "$status"
}
