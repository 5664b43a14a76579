# libfuzzer.cmake: finds a clang that builds libFuzzer targets with ASan and UBSan
# (-fsanitize=fuzzer,address,undefined). Sets AP_FUZZ_CLANG and AP_FUZZ_OK; included by the
# fuzz tests of tests/arena and tests/fuzz. Without one the configure fails: scripts/setup
# installs clang and its libFuzzer runtime, so a missing one is a broken machine, and the fuzz
# tests must not vanish from the suite.
if(NOT DEFINED AP_FUZZ_OK)
  find_program(AP_FUZZ_CLANG NAMES clang clang-14)
  set(AP_FUZZ_OK OFF)
  if(AP_FUZZ_CLANG)
    set(probe ${CMAKE_BINARY_DIR}/fuzzer_probe.c)
    file(WRITE ${probe} "#include <stddef.h>\n#include <stdint.h>\n"
      "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
    execute_process(COMMAND ${AP_FUZZ_CLANG} -fsanitize=fuzzer,address,undefined ${probe}
      -o ${CMAKE_BINARY_DIR}/fuzzer_probe RESULT_VARIABLE probe_rc OUTPUT_QUIET ERROR_QUIET)
    if(probe_rc EQUAL 0)
      set(AP_FUZZ_OK ON)
    endif()
  endif()
endif()
if(NOT AP_FUZZ_OK)
  message(FATAL_ERROR "tests: no clang builds libFuzzer targets (clang -fsanitize=fuzzer,address,"
    "undefined failed); scripts/setup installs clang and libclang-rt-14-dev")
endif()
