#!/usr/bin/env bash
# Installs the Debian packages the tests drive for real: socat (pseudo-terminal pairs for serial
# tests), nats-server (the JetStream broker of the scale-out tests), chromium (the live-view browser
# test), the benchmark peers' toolchains, whose output is checked against our decoder (gcc for the C
# reference; Debian's python3 with numpy and h5py), and the RTT test target: qemu-system-arm runs the
# firmware that gcc-arm-none-eabi builds.
# Does nothing when all are present.
set -euo pipefail
missing=()
command -v socat >/dev/null 2>&1 || missing+=(socat)
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v qemu-system-arm >/dev/null 2>&1 || missing+=(qemu-system-arm)
command -v arm-none-eabi-gcc >/dev/null 2>&1 || missing+=(gcc-arm-none-eabi)
/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || missing+=(python3-numpy)
/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1 || missing+=(python3-h5py)
if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies present: socat, nats-server, chromium, gcc, qemu-system-arm, gcc-arm-none-eabi, python3-numpy, python3-h5py"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${missing[*]} with apt-get"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
