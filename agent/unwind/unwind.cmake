# unwind.cmake: ap_unwind, the user-space DWARF unwinder of stack snapshots (target address-space
# model over /proc/PID/maps + libelf, libunwind remote API). Included from agent/CMakeLists.txt.
pkg_check_modules(AP_UNWIND_LIBELF REQUIRED IMPORTED_TARGET libelf)

add_library(ap_unwind STATIC
  ${CMAKE_CURRENT_LIST_DIR}/eh_frame_check.c
  ${CMAKE_CURRENT_LIST_DIR}/proc_maps.c
  ${CMAKE_CURRENT_LIST_DIR}/target_space.c
  ${CMAKE_CURRENT_LIST_DIR}/unwind_dwarf.c)
target_include_directories(ap_unwind PUBLIC ${CMAKE_CURRENT_LIST_DIR})
# Debian's libunwind (nongnu.org, 1.6.2): the remote x86-64 API lives in libunwind-x86_64,
# headers in /usr/include/x86_64-linux-gnu (a default include dir). Not LLVM's libunwind.so.1.
target_link_libraries(ap_unwind PUBLIC PkgConfig::AP_UNWIND_LIBELF unwind-x86_64 unwind)

if(ARENAPROF_BENCH)
  # bench/unwind_bench: us per unwind, cold and warm, on an -O2 -fomit-frame-pointer chain.
  add_executable(unwind_bench ${CMAKE_SOURCE_DIR}/bench/unwind_bench.c)
  target_link_libraries(unwind_bench PRIVATE ap_unwind)
  target_compile_options(unwind_bench PRIVATE -O2 -g -fomit-frame-pointer)
  set_target_properties(unwind_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endif()
