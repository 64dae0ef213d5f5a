#!/usr/bin/env bash
# Build vnet and run every test: unit, conformance (libvirt's own data, read
# from ../shared/conformance/libvirt) and end-to-end (root, in network
# namespaces the tests create and delete). Then all of it again under
# AddressSanitizer + UndefinedBehaviorSanitizer: unit, conformance and the
# end-to-end scenarios against the sanitized vnetd and vnet (meson sets
# VNET_BUILD_DIR=build-asan for them). Any sanitizer report fails the run:
# the sanitized programs abort on it, and the e2e harness also reads vnetd's
# log and every command's output for reports (tests/e2e/lib.sh).
# Last, the libFuzzer targets of tests/fuzz for FUZZ_SECONDS (60) each, built
# with clang in build-fuzz.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh || exit 1

run_meson_tests() { # BUILDDIR [meson test args...]
  local dir=$1
  shift
  meson test -C "$dir" --print-errorlogs "$@" > "$dir/test-output.txt" 2>&1
  local rc=$?
  cat "$dir/test-output.txt"
  return $rc
}

count() { # BUILDDIR KEY -> number from meson's summary
  sed -n "s/^$2: *\([0-9]\+\).*/\1/p" "$1/test-output.txt" | tail -n1
}

status=0
passed=0
failed=0

echo "== build (debugoptimized, -Werror)"
if [ ! -f build/build.ninja ]; then
  meson setup build >/dev/null || exit 1
fi
# The e2e tests expect the layout of prefix /usr (/etc, /run, /var under their
# ROOT); an older build directory may have been set up with /usr/local.
prefix_of() { meson introspect "$1" --buildoptions | jq -r '.[] | select(.name=="prefix") | .value'; }
if [ "$(prefix_of build)" != /usr ]; then
  echo "build: prefix set to /usr (the layout the tests expect)"
  meson configure build -Dprefix=/usr >/dev/null || exit 1
fi
ninja -C build || exit 1

echo "== tests: unit, conformance, e2e"
run_meson_tests build || status=1
passed=$((passed + $(count build Ok) + $(count build 'Expected Fail')))
failed=$((failed + $(count build Fail) + $(count build 'Unexpected Pass') + $(count build Timeout)))

echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer"
if [ ! -f build-asan/build.ninja ]; then
  meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 1
fi
if [ "$(prefix_of build-asan)" != /usr ]; then
  echo "build-asan: prefix set to /usr (the layout the tests expect)"
  meson configure build-asan -Dprefix=/usr >/dev/null || exit 1
fi
ninja -C build-asan || exit 1
echo "== tests under ASan+UBSan: unit, conformance, e2e (sanitized vnetd)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run_meson_tests build-asan --suite unit --suite conformance --suite e2e || status=1
passed=$((passed + $(count build-asan Ok)))
failed=$((failed + $(count build-asan Fail) + $(count build-asan Timeout)))

echo "== package: dpkg-buildpackage, install, e2e scenarios against the installed binaries, purge"
# The two passes above already run every scenario (gcc and ASan). Against the installed
# package run those that depend on what the package puts in place: the paths and the unit's
# layout (nat, destroy, restart with autostart), the dnsmasq user it creates (leases,
# dnsmasq-health), forwards and doctor (the firewall from the installed binary), the CLI and
# completion (virsh-compat), the libvirt RPC socket (libvirt-virsh). Set PACKAGE_E2E=all for
# every scenario.
pkg_scenarios=()
if [ "${PACKAGE_E2E:-}" != all ]; then
  for s in 01-nat 06-destroy 07-restart 10-forwards 14-doctor 17-virsh-compat 22-leases \
      24-dnsmasq-health 40-libvirt-virsh; do
    pkg_scenarios+=("$PWD/tests/e2e/$s.sh")
  done
fi
tests/package/check-deb.sh . "${pkg_scenarios[@]}" > build/package-output.txt 2>&1
rc=$?
cat build/package-output.txt
[ "$rc" -eq 0 ] || status=1
pkg_pass=$(sed -n 's/^package: \([0-9]*\) passed.*/\1/p' build/package-output.txt | tail -n1)
pkg_fail=$(sed -n 's/^package: .*passed, \([0-9]*\) failed.*/\1/p' build/package-output.txt | tail -n1)
if [ -z "$pkg_pass" ]; then # it stopped before counting
  pkg_pass=0
  pkg_fail=1
fi
passed=$((passed + pkg_pass))
failed=$((failed + pkg_fail))

echo "== fuzzers (libFuzzer, clang): ${FUZZ_SECONDS:-60} s each"
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined \
    -Db_lundef=false -Dwerror=false >/dev/null || exit 1
fi
# target -> its binary and committed corpus (seeds + findings)
declare -A fuzz_bin=([netdef-xml]=tests/fuzz/fuzz-netdef-xml [proto-request]=tests/fuzz/fuzz-proto-request
  [rpc]=tests/fuzz/rpc/fuzz-rpc)
declare -A fuzz_corpus=([netdef-xml]=tests/fuzz/corpus/netdef-xml
  [proto-request]=tests/fuzz/corpus/proto-request [rpc]=tests/fuzz/rpc/corpus)
ninja -C build-fuzz "${fuzz_bin[@]}" >/dev/null || exit 1
for target in netdef-xml proto-request rpc; do
  # new inputs go to a scratch corpus; the committed one (seeds + findings) is read only
  scratch=$(mktemp -d /tmp/vnet-fuzz.XXXXXX)
  if (cd "$scratch" && "$OLDPWD/build-fuzz/${fuzz_bin[$target]}" \
      -max_total_time="${FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$OLDPWD/build-fuzz/fuzz-$target-" \
      "$scratch" "$OLDPWD/${fuzz_corpus[$target]}" >"$OLDPWD/build-fuzz/fuzz-$target.log" 2>&1); then
    echo "fuzz-$target: OK ($(grep -o 'Done [0-9]* runs' "build-fuzz/fuzz-$target.log"))"
    passed=$((passed + 1))
  else
    echo "fuzz-$target: FAILED; the input is build-fuzz/fuzz-$target-*; log:"
    tail -n 40 "build-fuzz/fuzz-$target.log"
    failed=$((failed + 1))
    status=1
  fi
  rm -rf -- "$scratch"
done

echo
echo "tests: $passed passed, $failed failed"
exit $status
