#!/usr/bin/env bash
# Sourced by the set-up scripts: the Debian mirror this machine's own apt
# configuration uses, so that private apt lists (the sh4 sysroot, musl's
# source, the full-system kernels) go where the user's apt goes: their
# mirror, their proxy. No host name is written into the project.
#
#   debian_mirror    prints the first URI of a source whose suites include
#                    bookworm (deb822 *.sources first, then one-line
#                    sources.list entries); exits 1 with a message if none.

# deb822: "URIs: ..." and "Suites: ..." in one stanza (blank-line separated).
_deb822_bookworm_uri() {
    awk '
        BEGIN { RS = ""; FS = "\n" }
        {
            uris = ""; suites = ""; types = ""
            for (i = 1; i <= NF; i++) {
                if ($i ~ /^URIs:/)   { sub(/^URIs:[ \t]*/, "", $i); uris = $i }
                if ($i ~ /^Suites:/) { sub(/^Suites:[ \t]*/, "", $i); suites = " " $i " " }
                if ($i ~ /^Types:/)  { types = $i }
            }
            if (types ~ /deb/ && suites ~ / bookworm /) { split(uris, u, " "); print u[1]; exit }
        }' "$1"
}

# one-line format: deb [options] URI SUITE COMPONENTS...
_list_bookworm_uri() {
    awk '$1 == "deb" {
              i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
              if ($(i + 1) == "bookworm") { print $i; exit }
          }' "$1"
}

debian_mirror() {
    local f uri=""
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && [ -z "$uri" ] && uri=$(_deb822_bookworm_uri "$f")
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && [ -z "$uri" ] && uri=$(_list_bookworm_uri "$f")
    done
    if [ -z "$uri" ]; then
        echo "no Debian bookworm source in /etc/apt/sources.list{,.d/}: cannot tell which mirror to use" >&2
        return 1
    fi
    echo "${uri%/}"
}
