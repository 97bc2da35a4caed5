// redisai_torch_check: loads a TorchScript file with libtorch in its own process.
//
//     redisai_torch_check <file>
//
// The TORCH backend runs it before loading model bytes into the server: libtorch's loader
// can crash (a segmentation fault, not an exception) on some malformed files, and a crash
// inside redis-server would end the server with every key. Exit status 0: loads; 1: libtorch
// refused it with an exception (the backend then reports libtorch's own message); killed by
// a signal: it would have crashed the server.
#include <torch/script.h>

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    try {
        torch::jit::Module module = torch::jit::load(argv[1], torch::kCPU);
        return 0;
    } catch (...) {
        return 1;
    }
}
