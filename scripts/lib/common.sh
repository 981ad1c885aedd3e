# Shared by the scripts: the repository root and installing what a fresh machine lacks.
# shellcheck shell=bash

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Installs Debian packages when a command is missing: with apt-get when running as root (CI,
# a fresh machine), otherwise says exactly what to install. Usage: need COMMAND PACKAGE.
need() {
    local command=$1 package=$2
    command -v "$command" >/dev/null && return 0
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "installing $package (for $command) with apt-get" >&2
        if [[ -z "${apt_updated:-}" ]]; then apt-get update -qq >&2; apt_updated=1; fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >&2 &&
            command -v "$command" >/dev/null && return 0
        echo "could not install $package" >&2
        return 1
    fi
    echo "$command is missing: install it with 'sudo apt-get install $package'" >&2
    return 1
}

# The host's target triple, for host-side tests.
host_target() {
    rustc -vV | sed -n 's/^host: //p'
}

# Adds a Rust target to the pinned toolchain when it lacks it: rustup installs the targets of
# rust-toolchain.toml only when it installs the toolchain itself, so a machine that already had
# 1.95.0 without the kernel target failed with "can't find crate for `core`".
# Usage: need_target TRIPLE.
need_target() {
    local triple=$1 sysroot
    sysroot=$(cd "$root" && rustc --print sysroot) || return 1
    [[ -d "$sysroot/lib/rustlib/$triple/lib" ]] && return 0
    if command -v rustup >/dev/null; then
        echo "adding the Rust target $triple to the toolchain (rustup target add)" >&2
        (cd "$root" && rustup target add "$triple" >&2) && return 0
    fi
    echo "the Rust target $triple is missing: install it with 'rustup target add $triple'" >&2
    return 1
}

# The environment variable that names a monitor's binary (FIRECRACKER, CLOUD_HYPERVISOR).
vmm_variable() {
    local name=${1//-/_}
    echo "${name^^}"
}

# Prints the path of monitor $1 (firecracker, cloud-hypervisor): from its environment variable,
# PATH, or ../shared/monitors beside the repository; fails when none is executable.
find_vmm() {
    local vmm=$1 variable candidate
    variable=$(vmm_variable "$vmm")
    for candidate in "${!variable:-}" "$(command -v "$vmm" || true)" "$root/../shared/monitors/$vmm"; do
        if [[ -n "$candidate" && -x "$candidate" ]]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# Sets `cmdline`, the kernel command line, from the caller's arrays `kernel_options`,
# `environment` (KEY=VALUE, each becoming stardust.env=...) and, when `separator` is 1,
# `app_arguments` after a `--`. The kernel splits its command line at white space outside double
# quotes, and reads `\x` as x: an argument with white space, quotes or backslashes, or an empty
# one, goes in quotes, and so does one that the kernel would take for a monitor's word (pci=off,
# virtio_mmio.device=...). (Set in a variable, not printed: command substitution would drop an
# argument's last newlines.)
compose_cmdline() {
    local variable argument quoted
    quote() {
        local argument=$1
        if [[ -n "$argument" && ! "$argument" =~ [[:space:]\"\\] && "$argument" != pci=off &&
            "$argument" != virtio_mmio.device=* ]]; then
            quoted=$argument
            return
        fi
        argument=${argument//\\/\\\\}
        argument=${argument//\"/\\\"}
        quoted="\"$argument\""
    }
    local options=("${kernel_options[@]}")
    for variable in "${environment[@]}"; do
        quote "$variable"
        options+=("stardust.env=$quoted")
    done
    cmdline="${options[*]}"
    if ((separator)); then
        cmdline="$cmdline --"
        for argument in "${app_arguments[@]}"; do
            quote "$argument"
            cmdline+=" $quoted"
        done
    fi
}
