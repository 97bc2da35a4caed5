#!/usr/bin/env bash
# Installs what Tandem needs from outside SwiftPM, and does nothing when it is all there:
#   - Debian packages: redis-server, OpenBLAS, zlib, and python3-venv for the test peers;
#   - with --python VENV: a virtual environment holding the Python test peers
#     (the SmartRedis client, onnxruntime, onnx, numpy) and the CPU build of PyTorch, whose
#     libtorch the TORCH backend is built against (`make torch-backend`) and whose
#     TorchScript the tests compare with. The main build and `make demo` need none of it;
#   - with --slurm: Slurm (Debian's slurm-wlm: slurmctld, slurmd, the client commands),
#     munge and iproute2 (for its namespace hosts), which scripts/slurm-local.sh runs as a
#     local Slurm for the launcher's tests;
#     --slurm --accounting adds slurmdbd and MariaDB's server and client (the -core packages:
#     the programs without a system service), for slurm-local.sh start --accounting.
# Without root it prints the exact command to run instead of failing obscurely.
set -euo pipefail

debian_packages=(redis-server libopenblas-dev zlib1g-dev)
if [[ ${1:-} == --slurm ]]; then
    # Only Slurm: the rest is `make deps`'s business.
    debian_packages=(slurm-wlm munge iproute2)
    if [[ ${2:-} == --accounting ]]; then debian_packages+=(slurmdbd mariadb-server-core mariadb-client-core); fi
fi
python_peers=(smartredis==0.6.1 onnxruntime onnx numpy)
# The CPU-only wheel (≈190 MB, no CUDA libraries; the default PyPI `torch` is the CUDA
# build, ≈5.5 GB with its NVIDIA wheels). pip must reach it through its configuration
# (PIP_FIND_LINKS or an extra index); TANDEM_TORCH_PIP_ARGS adds arguments, e.g. an index.
torch_requirement=${TANDEM_TORCH_REQUIREMENT:-torch==2.13.0+cpu}

missing=()
for package in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [[ ${1:-} != --slurm ]]; then
    if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then missing+=(python3-venv); fi
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
fi

if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "Tandem needs these Debian packages: ${missing[*]}" >&2
        echo "Install them as root, then run make again:" >&2
        echo "    apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ ${1:-} == --python ]]; then
    venv=${2:?usage: install-deps.sh --python VENV}
    stamp="$venv/.tandem-peers"
    wanted="${python_peers[*]}"
    if [[ ! -f $stamp || $(cat "$stamp") != "$wanted" ]]; then
        echo "Installing the Python test peers into $venv: $wanted"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check "${python_peers[@]}"
        echo "$wanted" > "$stamp"
    fi
    torch_stamp="$venv/.tandem-torch"
    if [[ ! -f $torch_stamp || $(cat "$torch_stamp") != "$torch_requirement" ]]; then
        echo "Installing PyTorch (CPU) into $venv for the TORCH backend and its tests: $torch_requirement"
        # shellcheck disable=SC2086
        if "$venv/bin/pip" install -q --disable-pip-version-check ${TANDEM_TORCH_PIP_ARGS:-} "$torch_requirement"; then
            echo "$torch_requirement" > "$torch_stamp"
        elif [[ -n ${CI:-} ]]; then
            echo "Could not install $torch_requirement, which the TORCH tests need under CI" >&2
            exit 1
        else
            echo "warning: could not install $torch_requirement: the TORCH backend tests will be skipped" >&2
        fi
    fi
fi
