#!/usr/bin/env bash
# Builds the RTT test target (firmware/rtt-target) for qemu-system-arm -M mps2-an385 with Debian's
# gcc-arm-none-eabi. Output: build/firmware/rtt-target.elf (a build output, never committed).
# Rebuilds only when a source is newer than the ELF. Usage: scripts/build-firmware.sh [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/firmware/rtt-target"
out="${1:-$root/build/firmware}"
elf="$out/rtt-target.elf"
mkdir -p "$out"
if [ -f "$elf" ] && [ -z "$(find "$src" -newer "$elf" -type f)" ]; then
  echo "$elf is up to date"
  exit 0
fi
command -v arm-none-eabi-gcc >/dev/null || { echo "arm-none-eabi-gcc not found: run npm run test:deps" >&2; exit 1; }
arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -O2 -g -std=c11 -Wall -Wextra -Werror \
  -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns -nostdlib \
  -T "$src/link.ld" -Wl,--gc-sections -ffunction-sections -fdata-sections \
  -o "$elf.tmp.$$" "$src"/*.c -lgcc
mv "$elf.tmp.$$" "$elf"  # atomic: test files may build at the same time
echo "built $elf"
