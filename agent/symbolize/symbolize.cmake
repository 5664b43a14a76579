# symbolize.cmake: the ap_symbolize static library (symbolize.c: ELF file offset -> function,
# source file, line, inlined frames, via elfutils libdwfl; kallsyms.c: kernel addresses to names).
# Included from agent/CMakeLists.txt; expects find_package(PkgConfig) to have run.
pkg_check_modules(AP_SYM_LIBDW REQUIRED IMPORTED_TARGET GLOBAL libdw)
pkg_check_modules(AP_SYM_LIBELF REQUIRED IMPORTED_TARGET GLOBAL libelf)

add_library(ap_symbolize STATIC ${CMAKE_CURRENT_LIST_DIR}/symbolize.c
  ${CMAKE_CURRENT_LIST_DIR}/dwarf_cu_index.c ${CMAKE_CURRENT_LIST_DIR}/gopclntab.c
  ${CMAKE_CURRENT_LIST_DIR}/kallsyms.c)
target_include_directories(ap_symbolize PUBLIC ${CMAKE_CURRENT_LIST_DIR})
# stdc++: __cxa_demangle for C++ names.
target_link_libraries(ap_symbolize PUBLIC PkgConfig::AP_SYM_LIBDW PkgConfig::AP_SYM_LIBELF stdc++ ap_common)
