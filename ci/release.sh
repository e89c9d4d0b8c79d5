#!/usr/bin/env bash
# ci/release.sh [ARCH...]: the release, in dist/ (all arches by default):
#   ptear-ARCH                  stripped static binaries (README "Release
#                               binaries" says which CPUs each runs on)
#   ptear.1                     the man page (`ptear man`)
#   ptear.bash, .zsh, .fish     completions (`ptear completions SHELL`)
#   ptear_VERSION_DEBARCH.deb   Debian packages: amd64, i386, mipsel (ci/deb.sh)
#   ptear-kmod-VERSION.tar.gz   the kernel module's source, when kmod/ exists
#   SHA256SUMS                  of every file above: `sha256sum -c --ignore-missing SHA256SUMS`
# The man page and completions come from the first Rust binary given that
# runs here (natively, or under qemu-user); a release of sh4 alone (the C
# port) has none, nor packages. The tag job of .github/workflows/ci.yml
# runs this same script.
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

gen=()
for want in x86_64 i686 i586 mipsel mipsel-r1; do
    for arch in "$@"; do
        [ "$arch" = "$want" ] || continue
        case $arch in
            x86_64|i686) gen=("dist/ptear-$arch") ;;
            i586) gen=(qemu-i386 -cpu pentium dist/ptear-i586) ;;
            mipsel) gen=(qemu-mipsel dist/ptear-mipsel) ;;
            mipsel-r1) gen=(qemu-mipsel -cpu 4Kc dist/ptear-mipsel-r1) ;;
        esac
    done
    [ ${#gen[@]} -eq 0 ] || break
done
if [ ${#gen[@]} -gt 0 ]; then
    "${gen[@]}" man >dist/ptear.1
    for sh in bash zsh fish; do
        "${gen[@]}" completions "$sh" >"dist/ptear.$sh"
    done
    echo "release: dist/ptear.1, dist/ptear.{bash,zsh,fish} (from ${gen[*]})"
    bash ci/deb.sh build "$@"
else
    echo "release: no Rust binary among $*: no man page, completions or packages"
fi

# The kernel module's source (kmod/), as git knows it (no build
# products), with what it includes from outside: its Kbuild takes the C
# port's headers from ../c and compiles c/samples.c into the module, so
# those come along at the same place, and its document (ci/system.sh
# builds the x86-kernel guest's module from this tarball). Unpacked: ptear-kmod-VERSION/kmod, make -C KDIR M=$PWD/kmod.
if [ -d kmod ]; then
    version=$(awk '/^\[/ { pkg = ($0 == "[package]") } pkg && /^[ \t]*version[ \t]*=/ { sub(/^[^=]*=[ \t]*"/, ""); sub(/".*$/, ""); print; exit }' Cargo.toml)
    mapfile -t files < <(git ls-files kmod 2>/dev/null || true)
    [ ${#files[@]} -gt 0 ] || mapfile -t files < <(find kmod -type f ! -name '*.o' ! -name '*.ko' ! -name '*.mod' \
        ! -name '*.mod.c' ! -name '.*' ! -name modules.order ! -name Module.symvers | sort)
    files+=(c/*.h c/samples.c)
    [ ! -f docs/kernel-engine.md ] || files+=(docs/kernel-engine.md)
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$(git log -1 --format=%ct 2>/dev/null || echo 0)" \
        --transform "s,^,ptear-kmod-$version/," -cf - "${files[@]}" | gzip -9n >"dist/ptear-kmod-$version.tar.gz"
    echo "release: dist/ptear-kmod-$version.tar.gz (${#files[@]} files)"
fi

(cd dist && find . -maxdepth 1 -type f ! -name SHA256SUMS ! -name '.*' -printf '%P\n' | LC_ALL=C sort | xargs sha256sum >SHA256SUMS)
echo "release: dist/SHA256SUMS ($(wc -l <dist/SHA256SUMS) files)"
