// The host side of the emulation: thread-local CUDA indices and the block scheduler. Compiled only into the
// emulation library (libbpm_emulator.so), together with every kernel file.
#ifndef BPM_EMULATION
#define BPM_EMULATION
#endif
#include "bpm_device.h"
#include <algorithm>
#include <thread>
#include <vector>

thread_local bpm_dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace bpm_emu {
static unsigned workers() {
    static unsigned n = [] {
        const char* env = getenv("BPM_EMULATION_THREADS");
        unsigned hw = std::thread::hardware_concurrency();
        return env ? (unsigned) std::max(1, atoi(env)) : std::max(1u, hw);
    }();
    return n;
}

void parallel_blocks(unsigned blocks, void (*run)(void*, unsigned, unsigned), void* ctx) {
    unsigned n = std::min(workers(), blocks);
    if (n <= 1 || blocks < 8) {
        run(ctx, 0, blocks);
        return;
    }
    std::vector<std::thread> pool;
    unsigned per = (blocks + n - 1) / n;
    for (unsigned w = 1; w < n; w++) {
        unsigned from = w * per, to = std::min(blocks, from + per);
        if (from < to) pool.emplace_back(run, ctx, from, to);
    }
    run(ctx, 0, std::min(blocks, per));
    for (auto& t : pool) t.join();
}
}  // namespace bpm_emu

// Memory of the emulated device: plain host memory.
extern "C" void* emu_alloc(size_t bytes) { return calloc(1, bytes ? bytes : 1); }
extern "C" void emu_free(void* p) { free(p); }
extern "C" void emu_zero(void* p, size_t bytes) { memset(p, 0, bytes); }
extern "C" void emu_copy(void* dst, const void* src, size_t bytes) { memmove(dst, src, bytes); }
