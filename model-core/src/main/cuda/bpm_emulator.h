// The host emulation of a kernel launch (included by bpm_device.h under BPM_EMULATION): every thread of every block
// runs the kernel function in turn, blocks split between host threads. Exact because kernels never communicate
// (see bpm_device.h).
#pragma once
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace bpm_emu {
void parallel_blocks(unsigned blocks, void (*run)(void*, unsigned from, unsigned to), void* ctx);

template <typename... A, std::size_t... I>
inline void call(void (*k)(A...), void** args, std::index_sequence<I...>) {
    k(*static_cast<std::remove_reference_t<A>*>(args[I])...);
}

template <typename... A>
struct Launch {
    void (*k)(A...);
    unsigned gx, gy, bx;
    void** args;
};

template <typename... A>
void run_blocks(void* ctx, unsigned from, unsigned to) {
    Launch<A...>* l = static_cast<Launch<A...>*>(ctx);
    gridDim = {l->gx, l->gy, 1};
    blockDim = {l->bx, 1, 1};
    for (unsigned blk = from; blk < to; blk++) {
        blockIdx = {blk % l->gx, blk / l->gx, 0};
        for (unsigned t = 0; t < l->bx; t++) {
            threadIdx = {t, 0, 0};
            call(l->k, l->args, std::index_sequence_for<A...>{});
        }
    }
}

template <typename... A>
void launch(void (*k)(A...), unsigned gx, unsigned gy, unsigned bx, void** args) {
    Launch<A...> l{k, gx, gy, bx, args};
    parallel_blocks(gx * gy, &run_blocks<A...>, &l);
}
}  // namespace bpm_emu
