// The one translation unit of the CUDA kernels: built to one PTX module (kernels.ptx in the jar), and, with
// BPM_EMULATION, into the host emulation library. Each file below holds one layer family.
#include "lstm.cu"
#include "hebbian.cu"
#include "neuromodulated.cu"
#include "large.cu"
#include "softmax.cu"
#include "gemm.cu"
#include "vector.cu"
