#!/usr/bin/env bash
# Builds the TORCH backend of TandemAI: backends/torch/tandem_torch.cpp against the libtorch
# of the `torch` Python wheel (CPU build) installed in a Python environment, and beside it
# redisai_torch_check (tandem_torch_check.cpp), which loads model bytes in its own process
# before the server does.
#
#   backends/torch/build.sh <python> <output.so>
#
# The library finds libtorch through an rpath to the wheel's torch/lib, so the wheel must
# stay where it is. Skips the build when the output is newer than its sources.
set -euo pipefail
python=${1:?usage: build.sh <python> <output.so>}
output=${2:?usage: build.sh <python> <output.so>}
here=$(cd "$(dirname "$0")" && pwd)
header="$here/../../Sources/CTandemBackend/include"
torch_dir=$("$python" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
abi=$("$python" -c 'import torch; print(int(torch.compiled_with_cxx11_abi()))')
checker="$(dirname "$output")/redisai_torch_check"
if [[ -f "$output" && "$output" -nt "$here/tandem_torch.cpp" && "$output" -nt "$header/TandemBackend.h" \
      && "$output" -nt "$torch_dir/lib/libtorch_cpu.so" && -f "$checker" && "$checker" -nt "$here/tandem_torch_check.cpp" ]]; then
    exit 0
fi
compiler=${CXX:-}
if [[ -z $compiler ]]; then
    # g++ when installed, else the clang++ that comes with the Swift toolchain.
    compiler=$(command -v g++ || command -v clang++ || true)
fi
[[ -n $compiler ]] || { echo "no C++ compiler found (install g++ or set CXX)" >&2; exit 1; }
mkdir -p "$(dirname "$output")"
echo "building the TORCH backend against $torch_dir"
"$compiler" -std=c++17 -O2 -fPIC -shared -fvisibility=hidden -D_GLIBCXX_USE_CXX11_ABI="$abi" \
    -I"$header" -isystem "$torch_dir/include" -isystem "$torch_dir/include/torch/csrc/api/include" \
    "$here/tandem_torch.cpp" -o "$output.tmp" \
    -L"$torch_dir/lib" -Wl,-rpath,"$torch_dir/lib" -Wl,--no-as-needed -ltorch_cpu -ltorch -lc10 -Wl,--as-needed \
    -Wl,--no-undefined
# The checker loads model bytes in its own process before the server does (see
# tandem_torch_check.cpp); the library finds it beside itself.
"$compiler" -std=c++17 -O2 -D_GLIBCXX_USE_CXX11_ABI="$abi" \
    -isystem "$torch_dir/include" -isystem "$torch_dir/include/torch/csrc/api/include" \
    "$here/tandem_torch_check.cpp" -o "$checker.tmp" \
    -L"$torch_dir/lib" -Wl,-rpath,"$torch_dir/lib" -Wl,--no-as-needed -ltorch_cpu -ltorch -lc10 -Wl,--as-needed
mv "$checker.tmp" "$checker"
mv "$output.tmp" "$output"
