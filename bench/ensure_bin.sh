# Sourced by the bench/ scripts: uses SPILLWAY_BIN when set, else builds spillway (RelWithDebInfo)
# in build-bench/. Sets SPILLWAY_BIN and SOURCE (what the report says about the binary).
#   ensure_spillway_bin SCRIPT_NAME [EXTRA_NINJA_TARGETS...]
ensure_spillway_bin() {
  local script=$1
  shift
  SOURCE="binary given as SPILLWAY_BIN"
  if [[ -z "${SPILLWAY_BIN:-}" ]]; then
    local build="$ROOT/build-bench"
    echo "# building spillway (RelWithDebInfo) in $build" >&2
    cmake -S "$ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    ninja -C "$build" -j2 spillway "$@" >/dev/null
    SOURCE="commit $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown), built by $script"
    SPILLWAY_BIN=$build/spillway
  fi
}
