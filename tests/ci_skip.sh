# Sourced by the shell tests: skip(REASON) exits 77 (ctest's skip) on a developer's machine, but
# fails under CI (CI set), where every test must run.
skip() {
  if [ -n "${CI:-}" ]; then echo "$(basename "$0" .sh): $1 (CI: this test must run)" >&2; exit 1; fi
  echo "$(basename "$0" .sh): skipped: $1"; exit 77
}
