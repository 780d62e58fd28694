# Sourced by the table scripts: sets `work` to $KEEP (created if needed), where the runs and
# reports are kept, or to a temporary folder removed when the script exits.
if [ -n "${KEEP:-}" ]; then
  work=$KEEP
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
