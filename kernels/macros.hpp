#pragma once
/// @file macros.hpp
/// @brief Lets one function serve both backends: `CLEAVE_HD` is
/// `__host__ __device__` under nvcc and vanishes under a host compiler.
#if defined(__CUDACC__)
#define CLEAVE_HD __host__ __device__
#define CLEAVE_INLINE __forceinline__
#else
#define CLEAVE_HD
#define CLEAVE_INLINE inline
#endif
