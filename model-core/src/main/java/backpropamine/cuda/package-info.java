/**
 * The project's CUDA implementation: the {@link backpropamine.cuda.Device} the model's host code is written against,
 * the GPU behind it through the NVIDIA driver API and cuBLAS, bound at run time with JNA ({@code CudaDriver},
 * {@code Cublas}, {@link backpropamine.cuda.CudaDevice}), and the kernels' launch contracts. It imports nothing of
 * the project's other packages; {@code train} reaches it.
 */
package backpropamine.cuda;
