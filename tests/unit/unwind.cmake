# unwind.cmake: the unwind_dwarf unit test (tests/unit/test_unwind_dwarf.c), which unwinds
# snapshots of its own -O2 -fomit-frame-pointer stack and compares with backtrace(). The same
# source, built with UNWIND_TEST_BUILD_DSO, is the library the test dlopen()s after attaching.
add_library(unwind_test_dso MODULE ${CMAKE_CURRENT_LIST_DIR}/test_unwind_dwarf.c)
target_compile_definitions(unwind_test_dso PRIVATE UNWIND_TEST_BUILD_DSO)
# Appended after the global options, so these win over e.g. the sanitizer build's frame pointers.
target_compile_options(unwind_test_dso PRIVATE -O2 -g -fomit-frame-pointer)

add_executable(test_unwind_dwarf ${CMAKE_CURRENT_LIST_DIR}/test_unwind_dwarf.c)
target_compile_definitions(test_unwind_dwarf PRIVATE
  UNWIND_TEST_DSO_PATH="$<TARGET_FILE:unwind_test_dso>")
target_link_libraries(test_unwind_dwarf PRIVATE ap_unwind ${CMAKE_DL_LIBS})
target_compile_options(test_unwind_dwarf PRIVATE -O2 -g -fomit-frame-pointer)
add_dependencies(test_unwind_dwarf unwind_test_dso)
add_test(NAME unwind_dwarf COMMAND test_unwind_dwarf)
