#!/usr/bin/env bash
# ci/release.sh [ARCH...]: stripped static binaries dist/ptear-ARCH (all
# arches by default). See README "Release binaries" for which CPUs each runs on.
set -euo pipefail
cd "$(dirname "$0")/.."
ALL=(x86_64 i686 i586 mipsel mipsel-r1 sh4)
[ $# -gt 0 ] || set -- "${ALL[@]}"
bash ci/build.sh "$@"
mkdir -p dist
for arch in "$@"; do
    case $arch in
        x86_64) strip=strip ;;
        i686|i586) strip=i686-linux-gnu-strip ;;
        mipsel|mipsel-r1) strip=mipsel-linux-gnu-strip ;;
        sh4) strip=sh4-linux-gnu-strip ;;
    esac
    "$strip" -o "dist/ptear-$arch" "target/bin/ptear-$arch"
    printf 'release: dist/ptear-%-10s %8d bytes\n' "$arch" "$(stat -c %s "dist/ptear-$arch")"
done
