# shellcheck shell=bash
# Progress for long installs, sourced by scripts/_venv.sh. Line-oriented (no carriage
# returns, no TTY needed), so it reads the same in a terminal and in a CI log.

# stdin: `pip install -v` output; stdout: pip's milestones and the llama.cpp compile progress
# in steps of 10% (CMake/Make "[ 45%]" or Ninja "[45/212]" lines), everything else dropped.
progress_filter() {
  awk '
    /^[ \t]*\[ *[0-9]+%\]/ {
      match($0, /[0-9]+%/); p = substr($0, RSTART, RLENGTH - 1) + 0
    }
    /^[ \t]*\[[0-9]+\/[0-9]+\]/ {
      match($0, /[0-9]+\/[0-9]+/); split(substr($0, RSTART, RLENGTH), nm, "/")
      p = int(nm[1] * 100 / nm[2])
    }
    p != "" {
      if (p >= last + 10 || (p == 100 && last < 100)) {
        printf "  compiling llama.cpp: %d%%\n", p; last = p; fflush()
      }
      p = ""; next
    }
    /^(Collecting|Building wheel for|Created wheel for|Successfully installed|ERROR|error:)/ {
      print "  " $0; fflush()
    }
  '
}

# heartbeat_start MESSAGE: print "MESSAGE (N min)" every minute (HEARTBEAT_SECONDS) until
# heartbeat_stop, so that a long silent step (CMake configuring, a large download) shows life.
heartbeat_start() {
  local msg=$1 t0
  t0=$(date +%s)
  ( while sleep "${HEARTBEAT_SECONDS:-60}"; do echo "  $msg ($(( ($(date +%s) - t0) / 60 )) min)"; done ) &
  HEARTBEAT_PID=$!
}

heartbeat_stop() {
  if [[ -n "${HEARTBEAT_PID:-}" ]]; then
    kill "$HEARTBEAT_PID" 2>/dev/null || true
    wait "$HEARTBEAT_PID" 2>/dev/null || true
    HEARTBEAT_PID=
  fi
}
