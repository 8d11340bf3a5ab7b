# Sourced by scripts/test.sh and scripts/ct-arm64.sh: what each leaky
# control case of ct-check must produce, so that a control failing for
# another reason (a crash, a report elsewhere, the other kind of leak) is
# not taken for a caught one.

# The memcheck report each control must cause.
ct_control_report() {
  case $1 in
    leaky-control) echo "Use of uninitialised value of size" ;;
    leaky-branch) echo "Conditional jump or move depends on uninitialised value" ;;
  esac
}

# The kind of trace difference each control must cause.
ct_control_difference() {
  case $1 in
    leaky-control) echo "a memory address depends on the secret" ;;
    leaky-branch) echo "the control flow depends on the secret" ;;
  esac
}

# ct_caught_by_memcheck LOG CASE: valgrind's output for CASE holds the
# case's report with the case's function (leaky_control, leaky_branch) on
# its stack.
ct_caught_by_memcheck() {
  awk -v kind="$(ct_control_report "$2")" -v fn="ct_check::cases::${2//-/_} " '
    /^==[0-9]+== [^ ]/ { inrep = index($0, kind) > 0; next }
    inrep && index($0, fn) { found = 1 }
    END { exit !found }' "$1"
}

# ct_caught_by_trace LOG CASE: a trace comparison's output for CASE reports
# the case's kind of difference, in the case's function.
ct_caught_by_trace() {
  grep -q "FAIL: the traces of variants" "$1" &&
    grep -q "$(ct_control_difference "$2"): " "$1" &&
    grep -q "ct_check::cases::${2//-/_} (" "$1"
}

# ct_memcheck_control PREFIX LOG CASE CMD...: CMD (valgrind running CASE)
# must fail, with CASE's own report in LOG; exits the script otherwise.
ct_memcheck_control() {
  local prefix=$1 log=$2 c=$3
  shift 3
  if "$@" >"$log" 2>&1; then
    echo "$prefix: the $c case was NOT caught: the check is broken" >&2
    exit 1
  fi
  if ! ct_caught_by_memcheck "$log" "$c"; then
    echo "$prefix: the $c case failed without a \"$(ct_control_report "$c")\" report in it:" >&2
    cat "$log" >&2
    exit 1
  fi
  echo "$prefix: $c caught by memcheck, as it must be"
}

# ct_trace_control PREFIX LOG CASE CMD...: CMD (a trace comparison of CASE)
# must exit 1 (the traces differ; anything else is a failure of the tool)
# with CASE's own kind of difference, in it; exits the script otherwise.
ct_trace_control() {
  local prefix=$1 log=$2 c=$3 rc
  shift 3
  set +e
  "$@" >"$log" 2>&1
  rc=$?
  set -e
  if [ $rc -ne 1 ] || ! ct_caught_by_trace "$log" "$c"; then
    echo "$prefix: the $c case was NOT caught as \"$(ct_control_difference "$c")\" (exit $rc): the check is broken" >&2
    cat "$log" >&2
    exit 1
  fi
  echo "$prefix: $c caught, as it must be"
}
