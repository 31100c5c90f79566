#!/bin/sh
# Installs what warroom needs to build and test, and nothing that is already there.
# On Debian it uses apt-get (through sudo when not root); elsewhere it prints the
# package names, because guessing another system's package manager does more harm
# than telling the user what is missing.
#   tools/deps.sh          install what is missing
#   tools/deps.sh --check  exit 0 when everything is present, 1 otherwise
set -u

libs="ncursesw:libncurses-dev libcurl:libcurl4-openssl-dev jansson:libjansson-dev libgit2:libgit2-dev cmocka:libcmocka-dev yaml-0.1:libyaml-dev"
# alert intake: `listen` is served by libmicrohttpd; PagerDuty signatures are checked with libcrypto
libs="$libs libmicrohttpd:libmicrohttpd-dev libcrypto:libssl-dev"
# libgit2 is linked in whole; GSSAPI, which it calls, is loaded on first use (its header)
libs="$libs krb5-gssapi:libkrb5-dev"
tools="pkg-config:pkg-config cc:gcc clang:clang tmux:tmux jq:jq git:git python3:python3 valgrind:valgrind npm:npm cmark-gfm:cmark-gfm"
# the file-safety tests act as another user, hold a log's lock and trace fsync
# (and the start-up test traces what show and log load)
tools="$tools setpriv:util-linux flock:util-linux strace:strace"
# the sync tests run a real sshd with generated keys
tools="$tools ssh-keygen:openssh-client"
tools="$tools zsh:zsh"   # the zsh completion is loaded by tests/cli/test_layout.sh
# the publishing tests steer their stand-ins with curl
tools="$tools curl:curl"

missing=""
command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"
for pair in $libs; do
    lib=${pair%%:*}; pkg=${pair#*:}
    pkg-config --exists "$lib" 2>/dev/null || missing="$missing $pkg"
done
for pair in $tools; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
done
# libFuzzer and the sanitizers' runtimes come with clang's compiler-rt.
if command -v clang >/dev/null 2>&1; then
    rt=$(clang -print-resource-dir 2>/dev/null)
    ls "$rt"/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 || missing="$missing libclang-rt-dev"
fi
# The publishing tests validate payloads with Debian's jsonschema module.
/usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1 || missing="$missing python3-jsonschema"
# The email tests run a real SMTP server (aiosmtpd) with a certificate made by openssl.
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing="$missing python3-aiosmtpd"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
# The Linear stand-in checks every GraphQL operation against Linear's schema.
/usr/bin/python3 -c 'import graphql' >/dev/null 2>&1 || missing="$missing python3-graphql-core"
# The sync tests run a real sshd on 127.0.0.1 (it lives outside most PATHs).
[ -x /usr/sbin/sshd ] || missing="$missing openssh-server"
missing=$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/^ *//; s/ *$//')

[ -z "$missing" ] && exit 0
[ "${1:-}" = "--check" ] && exit 1

if ! command -v apt-get >/dev/null 2>&1; then
    echo "warroom needs these (Debian package names; install your system's equivalents):" >&2
    echo "  $missing" >&2
    exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: $missing" >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
