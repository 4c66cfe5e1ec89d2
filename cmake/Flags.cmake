# Warning and code-generation flags as INTERFACE targets, linked where wanted.
add_library(cleave_warnings INTERFACE)
target_compile_options(cleave_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wno-unknown-pragmas>
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${CLEAVE_WERROR}>>:-Werror>)

add_library(cleave_cuda_flags INTERFACE)
target_compile_options(cleave_cuda_flags INTERFACE
  $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr --extended-lambda -Xcompiler=-fopenmp>)
