// The TORCH backend of TandemAI: TorchScript models and scripts on libtorch, behind the C
// interface of Sources/CTandemBackend/include/TandemBackend.h. Built as its own shared
// library (`make torch-backend`); the module opens it with dlopen on first use.
//
// Every exported function catches every exception: nothing thrown by libtorch may cross
// into the module (a C++ exception unwinding through Swift or C frames ends the server).
#include "TandemBackend.h"

#include <ATen/Parallel.h>
#include <c10/core/CPUAllocator.h>
#include <torch/csrc/jit/api/compilation_unit.h>
#include <torch/csrc/jit/frontend/resolver.h>
#include <torch/csrc/jit/frontend/sugared_value.h>
#include <torch/script.h>
#include <torch/version.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#define TANDEM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/// Copies `message` into the caller's buffer (truncated, always NUL-terminated).
void setError(char *error, size_t capacity, const std::string &message) {
    if (error == nullptr || capacity == 0) return;
    size_t n = std::min(message.size(), capacity - 1);
    std::memcpy(error, message.data(), n);
    error[n] = 0;
}

/// The text of the exception being handled, without libtorch's C++ backtrace.
std::string describeCurrentException() {
    try {
        throw;
    } catch (const c10::Error &e) {
        return e.what_without_backtrace();
    } catch (const std::exception &e) {
        return e.what();
    } catch (...) {
        return "unknown C++ exception in the TORCH backend";
    }
}

bool toScalarType(int32_t dtype, c10::ScalarType &type) {
    switch (dtype) {
    case TANDEM_DTYPE_FLOAT: type = c10::kFloat; return true;
    case TANDEM_DTYPE_DOUBLE: type = c10::kDouble; return true;
    case TANDEM_DTYPE_INT8: type = c10::kChar; return true;
    case TANDEM_DTYPE_INT16: type = c10::kShort; return true;
    case TANDEM_DTYPE_INT32: type = c10::kInt; return true;
    case TANDEM_DTYPE_INT64: type = c10::kLong; return true;
    case TANDEM_DTYPE_UINT8: type = c10::kByte; return true;
    case TANDEM_DTYPE_UINT16: type = c10::kUInt16; return true;
    case TANDEM_DTYPE_BOOL: type = c10::kBool; return true;
    default: return false;
    }
}

int32_t fromScalarType(c10::ScalarType type) {
    switch (type) {
    case c10::kFloat: return TANDEM_DTYPE_FLOAT;
    case c10::kDouble: return TANDEM_DTYPE_DOUBLE;
    case c10::kChar: return TANDEM_DTYPE_INT8;
    case c10::kShort: return TANDEM_DTYPE_INT16;
    case c10::kInt: return TANDEM_DTYPE_INT32;
    case c10::kLong: return TANDEM_DTYPE_INT64;
    case c10::kByte: return TANDEM_DTYPE_UINT8;
    case c10::kUInt16: return TANDEM_DTYPE_UINT16;
    case c10::kBool: return TANDEM_DTYPE_BOOL;
    default: return -1;
    }
}

/// A libtorch tensor holding a copy of `input` (copied: the module's bytes need not be
/// aligned, and a model may keep or change what it is given).
at::Tensor makeTensor(const TandemBackendTensor &input) {
    c10::ScalarType type;
    if (!toScalarType(input.dtype, type)) throw std::runtime_error("unsupported input tensor type");
    if (input.ndim < 0 || input.ndim > 64 || (input.ndim > 0 && input.shape == nullptr)) {
        throw std::runtime_error("invalid input tensor shape");
    }
    std::vector<int64_t> shape(input.shape, input.shape + input.ndim);
    int64_t count = 1;
    for (int64_t d : shape) {
        if (d < 0 || (d > 0 && count > INT64_MAX / d)) throw std::runtime_error("invalid input tensor shape");
        count *= d;
    }
    at::Tensor tensor = torch::empty(shape, torch::TensorOptions().dtype(type));
    size_t bytes = static_cast<size_t>(count) * tensor.element_size();
    if (bytes != input.byte_count) throw std::runtime_error("input tensor data does not match its shape");
    if (bytes > 0) std::memcpy(tensor.data_ptr(), input.data, bytes);
    return tensor;
}

/// Appends `value` (a tensor, or a tuple or list of tensors, flattened) to `tensors`.
void collectOutputs(const c10::IValue &value, std::vector<at::Tensor> &tensors) {
    if (value.isTensor()) {
        tensors.push_back(value.toTensor());
    } else if (value.isTensorList()) {
        for (const at::Tensor &t : value.toTensorVector()) tensors.push_back(t);
    } else if (value.isTuple()) {
        for (const c10::IValue &element : value.toTupleRef().elements()) {
            if (!element.isTensor()) throw std::runtime_error("Function returned non-tensor values");
            tensors.push_back(element.toTensor());
        }
    } else if (value.isList()) {
        for (const c10::IValue &element : value.toListRef()) {
            if (!element.isTensor()) throw std::runtime_error("Function returned non-tensor values");
            tensors.push_back(element.toTensor());
        }
    } else {
        throw std::runtime_error("Function returned non-tensor values");
    }
}

/// Copies `tensors` into malloc'd output structures owned by the caller until
/// tandem_backend_free_tensors.
void exportOutputs(const std::vector<at::Tensor> &tensors, TandemBackendTensor **outputs, size_t *count) {
    std::vector<at::Tensor> dense;
    for (const at::Tensor &t : tensors) {
        at::Tensor c = t.detach().to(torch::kCPU).contiguous();
        if (fromScalarType(c.scalar_type()) < 0) {
            throw std::runtime_error(std::string("unsupported output tensor type ") + c10::toString(c.scalar_type()));
        }
        dense.push_back(c);
    }
    auto *result = static_cast<TandemBackendTensor *>(std::calloc(dense.size() > 0 ? dense.size() : 1, sizeof(TandemBackendTensor)));
    if (result == nullptr) throw std::bad_alloc();
    for (size_t i = 0; i < dense.size(); i++) {
        const at::Tensor &t = dense[i];
        size_t ndim = static_cast<size_t>(t.dim());
        auto *shape = static_cast<int64_t *>(std::malloc((ndim > 0 ? ndim : 1) * sizeof(int64_t)));
        size_t bytes = static_cast<size_t>(t.numel()) * t.element_size();
        void *data = std::malloc(bytes > 0 ? bytes : 1);
        if (shape == nullptr || data == nullptr) {
            std::free(shape);
            std::free(data);
            for (size_t j = 0; j < i; j++) {
                std::free(const_cast<int64_t *>(result[j].shape));
                std::free(const_cast<void *>(result[j].data));
            }
            std::free(result);
            throw std::bad_alloc();
        }
        for (size_t d = 0; d < ndim; d++) shape[d] = t.size(static_cast<int64_t>(d));
        if (bytes > 0) std::memcpy(data, t.data_ptr(), bytes);
        result[i].dtype = fromScalarType(t.scalar_type());
        result[i].ndim = static_cast<int32_t>(ndim);
        result[i].shape = shape;
        result[i].data = data;
        result[i].byte_count = bytes;
    }
    *outputs = result;
    *count = dense.size();
}

/// Refuses GPU devices: this backend is built on a CPU-only libtorch.
void requireCPU(const char *device) {
    std::string name = device ? device : "CPU";
    for (char &c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (name.rfind("GPU", 0) == 0) {
        throw std::runtime_error("GPU requested but Torch couldn't find CUDA: this machine has no GPU and the TORCH "
                                 "backend runs on CPU only; store it on device CPU");
    }
}

/// Resolves the names a script may use besides its own functions: `torch`, and Python's
/// exception classes (`raise ValueError("…")`), which only Python's resolver knows
/// otherwise. A raised exception's text reaches the client as the run's error.
struct ScriptResolver : torch::jit::Resolver {
    std::shared_ptr<torch::jit::SugaredValue> resolveValue(const std::string &name, torch::jit::GraphFunction &,
                                                           const torch::jit::SourceRange &) override {
        static const char *const exceptions[] = {
            "Exception", "ValueError", "RuntimeError", "TypeError", "KeyError", "IndexError", "AssertionError",
            "NotImplementedError", "ZeroDivisionError", "ArithmeticError", "LookupError", "StopIteration",
        };
        if (name == "torch") return std::make_shared<torch::jit::BuiltinModule>("aten");
        for (const char *exception : exceptions) {
            if (name == exception) return std::make_shared<torch::jit::ExceptionValue>(name);
        }
        return nullptr;
    }

    c10::TypePtr resolveType(const std::string &, const torch::jit::SourceRange &) override { return nullptr; }
};

/// The checker program built beside this library (`redisai_torch_check`), or "" if absent.
std::string checkerPath() {
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(&setError), &info) == 0 || info.dli_fname == nullptr) return "";
    std::string path = info.dli_fname;
    size_t slash = path.rfind('/');
    std::string checker = (slash == std::string::npos ? std::string(".") : path.substr(0, slash)) + "/redisai_torch_check";
    return access(checker.c_str(), X_OK) == 0 ? checker : "";
}

/// Loads `blob` in a separate process first (the checker), so that a file that crashes
/// libtorch's loader ends that process, not the server. Throws when it crashed, or when the
/// check could not be made. Without a checker, nothing is checked.
void checkInSeparateProcess(const void *blob, size_t length) {
    static const std::string checker = checkerPath();
    if (checker.empty()) return;
    const char *folder = std::getenv("TMPDIR");
    std::string pattern = std::string(folder && *folder ? folder : "/tmp") + "/tandem-torch-XXXXXX";
    std::vector<char> path(pattern.begin(), pattern.end());
    path.push_back(0);
    int fd = mkstemp(path.data());
    if (fd < 0) throw std::runtime_error("could not write the model to a temporary file to check it");
    const char *bytes = static_cast<const char *>(blob);
    size_t written = 0;
    while (written < length) {
        ssize_t n = write(fd, bytes + written, length - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            close(fd);
            unlink(path.data());
            throw std::runtime_error("could not write the model to a temporary file to check it");
        }
        written += static_cast<size_t>(n);
    }
    close(fd);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    // The caller may be a worker thread with every signal blocked; the checker starts clean.
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = {const_cast<char *>(checker.c_str()), path.data(), nullptr};
    pid_t pid = 0;
    int spawned = posix_spawn(&pid, checker.c_str(), &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (spawned != 0) {
        unlink(path.data());
        throw std::runtime_error("could not start " + checker + " to check the model: " + std::strerror(spawned));
    }
    int status = 0;
    pid_t waited;
    do {
        waited = waitpid(pid, &status, 0);
    } while (waited < 0 && errno == EINTR);
    unlink(path.data());
    if (waited != pid) {
        throw std::runtime_error("could not check the TorchScript model in a separate process (its exit status was lost); try again");
    }
    if (WIFSIGNALED(status)) {
        throw std::runtime_error("malformed TorchScript model: loading it crashed libtorch (signal " + std::to_string(WTERMSIG(status))
                                 + ") in a separate checking process, so it was not loaded into the server");
    }
}

/// libtorch's CPU allocator while the backend is loaded: large blocks freed by one run are
/// kept and handed to the next run that asks for the same size class, instead of going back
/// to the process's malloc.
///
/// Why: a model run allocates and frees the same large buffers every time (activations,
/// oneDNN's blocked-layout copies: a batch of 50 one-channel 64x64 images padded to 16
/// channels is 13 MB). In redis-server, malloc is jemalloc, which returns such blocks to the
/// system and takes them back with fresh zeroed pages on the next run: thousands of page
/// faults per run, a fifth to a third slower than the same model in a Python process. Kept blocks stay
/// mapped, so a run after the first touches no new page.
///
/// Blocks below `smallest` go straight to malloc (small sizes are cheap there). At most
/// `capacity` bytes are kept idle; beyond that freed blocks go back to malloc. Every block
/// carries a 64-byte header with its size class, so the deleter needs no lookup and blocks
/// keep libtorch's 64-byte alignment. Thread-safe: runs on several worker threads share it.
class BlockCache final : public c10::Allocator {
public:
    static constexpr size_t alignment = 64;
    static constexpr size_t smallest = 64 * 1024;

    explicit BlockCache(size_t capacity) : capacity_(capacity) {}

    c10::DataPtr allocate(size_t bytes) override {
        void *data = obtain(bytes);
        return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
    }

    c10::DeleterFnPtr raw_deleter() const override { return &release; }

    void copy_data(void *destination, const void *source, size_t count) const override {
        default_copy_data(destination, source, count);
    }

    /// Frees every kept block (a model was deleted: its run sizes may not come back).
    void clear() {
        std::map<size_t, std::vector<void *>> kept;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            kept.swap(free_);
            idle_ = 0;
        }
        for (auto &entry : kept) {
            for (void *base : entry.second) std::free(base);
        }
    }

    /// Bytes kept for reuse.
    size_t idleBytes() {
        std::lock_guard<std::mutex> lock(mutex_);
        return idle_;
    }

    static BlockCache &shared() {
        // Never destroyed: tensors may outlive static destruction at exit.
        static BlockCache *cache = new BlockCache(defaultCapacity());
        return *cache;
    }

private:
    /// The size a request of `bytes` is rounded up to: eight classes per power of two
    /// (at most 12.5% larger), in whole 4 KiB pages.
    static size_t sizeClass(size_t bytes) {
        if (bytes < smallest) return bytes;
        size_t power = size_t(1) << (63 - __builtin_clzll(bytes));
        size_t step = std::max<size_t>(power / 8, 4096);
        return (bytes + step - 1) / step * step;
    }

    /// A quarter of the machine's memory, at most 1 GiB.
    static size_t defaultCapacity() {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        size_t physical = pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : 0;
        size_t limit = size_t(1) << 30;
        return physical > 0 ? std::min(limit, physical / 4) : limit;
    }

    static size_t &header(void *base) { return *static_cast<size_t *>(base); }

    void *obtain(size_t bytes) {
        if (bytes == 0) return nullptr;
        size_t size = sizeClass(bytes);
        if (size >= smallest) {
            std::lock_guard<std::mutex> lock(mutex_);
            auto found = free_.find(size);
            if (found != free_.end() && !found->second.empty()) {
                void *base = found->second.back();
                found->second.pop_back();
                idle_ -= size;
                return static_cast<char *>(base) + alignment;
            }
        }
        if (size > SIZE_MAX - alignment) throw std::bad_alloc();
        void *base = nullptr;
        if (posix_memalign(&base, alignment, size + alignment) != 0 || base == nullptr) {
            // Memory is short: give back what is kept and try once more.
            clear();
            if (posix_memalign(&base, alignment, size + alignment) != 0 || base == nullptr) throw std::bad_alloc();
        }
        header(base) = size;
        return static_cast<char *>(base) + alignment;
    }

    static void release(void *data) {
        if (data == nullptr) return;
        void *base = static_cast<char *>(data) - alignment;
        size_t size = header(base);
        if (size >= smallest) {
            BlockCache &cache = shared();
            std::lock_guard<std::mutex> lock(cache.mutex_);
            if (cache.idle_ + size <= cache.capacity_) {
                try {
                    cache.free_[size].push_back(base);
                    cache.idle_ += size;
                    return;
                } catch (...) {
                }
            }
        }
        std::free(base);
    }

    const size_t capacity_;
    std::mutex mutex_;
    std::map<size_t, std::vector<void *>> free_;
    size_t idle_ = 0;
};

struct Model {
    torch::jit::Module module;
};

/// For the run on this thread, one OpenMP thread when the run holds a single sample; the
/// thread's setting (INTRA_OP_PARALLELISM, or libtorch's default of every core) comes back
/// afterwards. INTRA_OP_PARALLELISM stays the most threads one operator uses.
///
/// A team of threads is a loss for one sample: the operators on a single small input are
/// too short to share, and waking the team's threads for each one costs more than they
/// save (on 2 shared cores a one-sample DiffusionResNet run took about 1.4 ms with two
/// threads and 0.8 ms with one). TandemAI's own ONNX runtime runs one sample on the calling
/// thread alone for the same reason. Set per thread (OpenMP's thread-local setting), so
/// runs on other workers keep theirs, and libtorch's global count is not touched.
class SingleSampleThreads {
public:
    explicit SingleSampleThreads(bool single) {
        if (!single) return;
        static const auto setThreads = openMPSetter();
        static const auto setMKLThreads = mklSetter();
        if (setThreads == nullptr) return;
        // Reading the count first lets libtorch make this thread's setting its own first.
        int threads = at::get_num_threads();
        if (threads <= 1) return;
        setThreads(1);
        restore_ = threads;
        set_ = setThreads;
        // libtorch also fixes MKL's count on this thread when INTRA_OP_PARALLELISM is
        // given; MKL's matrix products would otherwise still start a team of their own.
        if (setMKLThreads != nullptr) {
            restoreMKL_ = setMKLThreads(1);
            setMKL_ = setMKLThreads;
        }
    }
    ~SingleSampleThreads() {
        if (setMKL_ != nullptr) setMKL_(restoreMKL_);
        if (set_ != nullptr) set_(restore_);
    }
    SingleSampleThreads(const SingleSampleThreads &) = delete;
    SingleSampleThreads &operator=(const SingleSampleThreads &) = delete;

private:
    using Setter = void (*)(int);

    /// omp_set_num_threads of the OpenMP runtime libtorch loaded, or null.
    static Setter openMPSetter() {
        void *runtime = dlopen("libgomp.so.1", RTLD_LAZY | RTLD_NOLOAD);
        return runtime ? reinterpret_cast<Setter>(dlsym(runtime, "omp_set_num_threads")) : nullptr;
    }

    using MKLSetter = int (*)(int);

    /// MKL_Set_Num_Threads_Local (the C entry, by value) of the MKL inside libtorch, or
    /// null: sets this thread's count and answers the one it replaces (0: process-wide).
    static MKLSetter mklSetter() {
        void *torch = dlopen("libtorch_cpu.so", RTLD_LAZY | RTLD_NOLOAD);
        return torch ? reinterpret_cast<MKLSetter>(dlsym(torch, "MKL_Set_Num_Threads_Local")) : nullptr;
    }

    Setter set_ = nullptr;
    int restore_ = 0;
    MKLSetter setMKL_ = nullptr;
    int restoreMKL_ = 0;
};

/// Whether `inputs` hold one sample: every input has at most one row.
bool holdsOneSample(const TandemBackendTensor *inputs, size_t count) {
    if (count == 0) return false;
    for (size_t i = 0; i < count; i++) {
        if (inputs[i].ndim > 0 && inputs[i].shape[0] > 1) return false;
    }
    return true;
}

struct Script {
    std::shared_ptr<torch::jit::CompilationUnit> unit;
};

bool isTensorList(const c10::TypePtr &type) {
    auto list = type->cast<c10::ListType>();
    return list && list->getElementType()->kind() == c10::TypeKind::TensorType;
}

bool isStringList(const c10::TypePtr &type) {
    auto list = type->cast<c10::ListType>();
    return list && list->getElementType()->kind() == c10::TypeKind::StringType;
}

/// Whether `schema` is the entry-point signature (List[Tensor], List[str], List[str]).
bool isEntryPointSchema(const c10::FunctionSchema &schema) {
    const auto &arguments = schema.arguments();
    return arguments.size() == 3 && isTensorList(arguments[0].type()) && isStringList(arguments[1].type())
        && isStringList(arguments[2].type());
}

}  // namespace

TANDEM_EXPORT uint32_t tandem_backend_abi_version(void) { return TANDEM_BACKEND_ABI_VERSION; }

TANDEM_EXPORT const char *tandem_backend_name(void) { return "TORCH"; }

TANDEM_EXPORT const char *tandem_backend_version(void) { return TORCH_VERSION; }

TANDEM_EXPORT int32_t tandem_backend_init(int32_t intra, int32_t inter, char *error, size_t capacity) {
    try {
        // Before any tensor exists, so that every block the cache frees is one of its own.
        c10::SetCPUAllocator(&BlockCache::shared(), std::numeric_limits<uint8_t>::max());
        if (intra > 0) at::set_num_threads(intra);
        if (inter > 0) at::set_num_interop_threads(inter);
        return 0;
    } catch (...) {
        setError(error, capacity, describeCurrentException());
        return 1;
    }
}

TANDEM_EXPORT void *tandem_backend_model_load(const void *blob, size_t length, const char *device,
                                             TandemBackendModelInfo *info, char *error, size_t capacity) {
    try {
        requireCPU(device);
        if (blob == nullptr || length == 0) throw std::runtime_error("empty model blob");
        checkInSeparateProcess(blob, length);
        std::string bytes(static_cast<const char *>(blob), length);
        std::istringstream stream(bytes, std::ios_base::binary);
        auto model = std::make_unique<Model>();
        model->module = torch::jit::load(stream, torch::kCPU);
        model->module.eval();
        auto method = model->module.find_method("forward");
        if (!method) throw std::runtime_error("the TorchScript model has no forward method");
        const c10::FunctionSchema &schema = method->function().getSchema();
        // The first argument is the module itself.
        size_t inputs = schema.arguments().empty() ? 0 : schema.arguments().size() - 1;
        size_t outputs = 1;
        if (schema.returns().size() == 1) {
            const c10::TypePtr &type = schema.returns()[0].type();
            if (auto tuple = type->cast<c10::TupleType>()) outputs = tuple->elements().size();
            else if (type->cast<c10::ListType>()) outputs = 0;
        }
        if (info) {
            info->input_count = inputs;
            info->output_count = outputs;
        }
        return model.release();
    } catch (...) {
        setError(error, capacity, describeCurrentException());
        return nullptr;
    }
}

TANDEM_EXPORT int32_t tandem_backend_model_run(void *handle, const TandemBackendTensor *inputs, size_t count,
                                              TandemBackendTensor **outputs, size_t *output_count, char *error,
                                              size_t capacity) {
    try {
        if (handle == nullptr || outputs == nullptr || output_count == nullptr || (count > 0 && inputs == nullptr)) {
            throw std::runtime_error("invalid arguments to the TORCH backend");
        }
        auto *model = static_cast<Model *>(handle);
        for (size_t i = 0; i < count; i++) {
            if (inputs[i].ndim < 0 || (inputs[i].ndim > 0 && inputs[i].shape == nullptr)) {
                throw std::runtime_error("invalid input tensor shape");
            }
        }
        SingleSampleThreads threads(holdsOneSample(inputs, count));
        c10::InferenceMode guard;
        std::vector<c10::IValue> stack;
        stack.reserve(count);
        for (size_t i = 0; i < count; i++) stack.emplace_back(makeTensor(inputs[i]));
        c10::IValue result = model->module.forward(std::move(stack));
        std::vector<at::Tensor> tensors;
        collectOutputs(result, tensors);
        exportOutputs(tensors, outputs, output_count);
        return 0;
    } catch (...) {
        setError(error, capacity, describeCurrentException());
        return 1;
    }
}

TANDEM_EXPORT void tandem_backend_model_free(void *handle) {
    try {
        delete static_cast<Model *>(handle);
        BlockCache::shared().clear();
    } catch (...) {
    }
}

TANDEM_EXPORT void *tandem_backend_script_compile(const char *source, size_t length, const char *device, char *error,
                                                 size_t capacity) {
    try {
        requireCPU(device);
        if (source == nullptr) throw std::runtime_error("empty script source");
        auto script = std::make_unique<Script>();
        script->unit = std::make_shared<torch::jit::CompilationUnit>();
        script->unit->define(std::nullopt, std::string(source, length), std::make_shared<ScriptResolver>(), nullptr);
        return script.release();
    } catch (...) {
        setError(error, capacity, describeCurrentException());
        return nullptr;
    }
}

TANDEM_EXPORT int32_t tandem_backend_script_check(void *handle, const char *function, int32_t entry_point, char *error,
                                                 size_t capacity) {
    try {
        if (handle == nullptr || function == nullptr) throw std::runtime_error("invalid arguments to the TORCH backend");
        auto *script = static_cast<Script *>(handle);
        torch::jit::Function *fn = script->unit->find_function(function);
        if (fn == nullptr) throw std::runtime_error(std::string("function ") + function + " does not exist in the script");
        if (entry_point && !isEntryPointSchema(fn->getSchema())) {
            throw std::runtime_error(std::string("Wrong signature of entry point ") + function +
                                     ": it must be (tensors: List[Tensor], keys: List[str], args: List[str])");
        }
        return 0;
    } catch (...) {
        setError(error, capacity, describeCurrentException());
        return 1;
    }
}

TANDEM_EXPORT int32_t tandem_backend_script_run(void *handle, const char *function, const TandemBackendTensor *inputs,
                                               size_t input_count, int64_t variadic_start,
                                               const TandemBackendString *keys, size_t key_count,
                                               const TandemBackendString *args, size_t arg_count,
                                               TandemBackendTensor **outputs, size_t *output_count, char *error,
                                               size_t capacity) {
    try {
        if (handle == nullptr || function == nullptr || outputs == nullptr || output_count == nullptr
            || (input_count > 0 && inputs == nullptr) || (key_count > 0 && keys == nullptr)
            || (arg_count > 0 && args == nullptr)) {
            throw std::runtime_error("invalid arguments to the TORCH backend");
        }
        auto *script = static_cast<Script *>(handle);
        torch::jit::Function *fn = script->unit->find_function(function);
        if (fn == nullptr) throw std::runtime_error(std::string("function ") + function + " does not exist in the script");
        c10::InferenceMode guard;
        std::vector<at::Tensor> tensors;
        tensors.reserve(input_count);
        for (size_t i = 0; i < input_count; i++) tensors.push_back(makeTensor(inputs[i]));
        auto strings = [](const TandemBackendString *items, size_t n) {
            c10::List<std::string> list;
            for (size_t i = 0; i < n; i++) list.push_back(std::string(items[i].data ? items[i].data : "", items[i].length));
            return list;
        };
        const c10::FunctionSchema &schema = fn->getSchema();
        std::vector<c10::IValue> stack;
        if (isEntryPointSchema(schema)) {
            stack.emplace_back(c10::List<at::Tensor>(tensors));
            stack.emplace_back(strings(keys, key_count));
            stack.emplace_back(strings(args, arg_count));
        } else {
            // A function stored without entry points (AI.SCRIPTSET): tensors are given
            // positionally, a List[Tensor] argument takes the `$` group (or every tensor
            // left), List[str] takes KEYS, and int/float/str arguments take ARGS in order.
            size_t nextTensor = 0, nextArg = 0;
            size_t variadic = variadic_start >= 0 ? static_cast<size_t>(variadic_start) : input_count;
            for (const c10::Argument &argument : schema.arguments()) {
                const c10::TypePtr &type = argument.type();
                auto nextString = [&]() -> std::string {
                    if (nextArg >= arg_count) throw std::runtime_error("Wrong number of inputs provided to function " + std::string(function) + ": missing value for argument " + argument.name());
                    const TandemBackendString &s = args[nextArg++];
                    return std::string(s.data ? s.data : "", s.length);
                };
                if (type->kind() == c10::TypeKind::TensorType) {
                    size_t limit = variadic_start >= 0 ? variadic : input_count;
                    if (nextTensor >= limit) {
                        if (argument.default_value()) { stack.push_back(*argument.default_value()); continue; }
                        throw std::runtime_error("Wrong number of inputs provided to function " + std::string(function));
                    }
                    stack.emplace_back(tensors[nextTensor++]);
                } else if (isTensorList(type)) {
                    size_t first = variadic_start >= 0 ? variadic : nextTensor;
                    std::vector<at::Tensor> group(tensors.begin() + std::min(first, input_count), tensors.end());
                    nextTensor = input_count;
                    stack.emplace_back(c10::List<at::Tensor>(group));
                } else if (isStringList(type)) {
                    stack.emplace_back(strings(keys, key_count));
                } else if (type->kind() == c10::TypeKind::IntType) {
                    std::string s = nextString();
                    char *end = nullptr;
                    long long v = std::strtoll(s.c_str(), &end, 10);
                    if (s.empty() || *end != 0) throw std::runtime_error("argument " + argument.name() + " is not an integer: " + s);
                    stack.emplace_back(static_cast<int64_t>(v));
                } else if (type->kind() == c10::TypeKind::FloatType) {
                    std::string s = nextString();
                    char *end = nullptr;
                    double v = std::strtod(s.c_str(), &end);
                    if (s.empty() || *end != 0) throw std::runtime_error("argument " + argument.name() + " is not a number: " + s);
                    stack.emplace_back(v);
                } else if (type->kind() == c10::TypeKind::StringType) {
                    stack.emplace_back(nextString());
                } else {
                    throw std::runtime_error("unsupported argument type " + type->str() + " of " + argument.name()
                                             + " in function " + function);
                }
            }
            if (nextTensor < input_count) {
                throw std::runtime_error("Wrong number of inputs provided to function " + std::string(function));
            }
        }
        c10::IValue result = (*fn)(std::move(stack));
        std::vector<at::Tensor> results;
        collectOutputs(result, results);
        exportOutputs(results, outputs, output_count);
        return 0;
    } catch (...) {
        setError(error, capacity, describeCurrentException());
        return 1;
    }
}

TANDEM_EXPORT void tandem_backend_script_free(void *handle) {
    try {
        delete static_cast<Script *>(handle);
    } catch (...) {
    }
}

TANDEM_EXPORT void tandem_backend_free_tensors(TandemBackendTensor *tensors, size_t count) {
    if (tensors == nullptr) return;
    for (size_t i = 0; i < count; i++) {
        std::free(const_cast<int64_t *>(tensors[i].shape));
        std::free(const_cast<void *>(tensors[i].data));
    }
    std::free(tensors);
}
