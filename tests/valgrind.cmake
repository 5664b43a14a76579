# valgrind.cmake: the agent's unit tests (unwinder, symbolizer), the analyzer's C unit tests and
# its commands on small real profiles, under Valgrind memcheck: any invalid access, use of
# uninitialised memory or leak fails them. Not in sanitized builds (ASan and Valgrind exclude each other). Included from
# tests/CMakeLists.txt once the test programs are defined.
find_program(VALGRIND_EXECUTABLE valgrind)
if(ARENAPROF_SANITIZE OR CMAKE_C_FLAGS MATCHES "sanitize")
  message(STATUS "tests: sanitized build, no valgrind_* tests")
  return()
endif()
if(NOT VALGRIND_EXECUTABLE)
  message(FATAL_ERROR "valgrind not found (scripts/setup installs it)")
endif()

set(AP_VALGRIND ${VALGRIND_EXECUTABLE} -q --error-exitcode=1 --leak-check=full
  --errors-for-leak-kinds=definite,indirect,possible
  --suppressions=${CMAKE_CURRENT_LIST_DIR}/unit/valgrind.supp)

function(ap_valgrind_test name)
  add_test(NAME valgrind_${name} COMMAND ${AP_VALGRIND} ${ARGN})
  set_tests_properties(valgrind_${name} PROPERTIES LABELS valgrind TIMEOUT 300)
endfunction()

ap_valgrind_test(unwind_dwarf $<TARGET_FILE:test_unwind_dwarf> --valgrind)
ap_valgrind_test(symbolize $<TARGET_FILE:test_symbolize> $<TARGET_FILE:symbolize_fixture>
  ${CMAKE_BINARY_DIR}/tests/unit/symbolize_fixture.stripped ${CMAKE_CURRENT_LIST_DIR}/unit
  ${CMAKE_BINARY_DIR}/tests/unit/symbolize_fixture.minidebug ${CMAKE_BINARY_DIR}/tests/unit/debugroot)
ap_valgrind_test(analyzer_allocator_table $<TARGET_FILE:test_allocator_table>)
ap_valgrind_test(analyzer_pprof_enc $<TARGET_FILE:test_pprof_enc>)

# The analyzer commands on the fuzz seeds (small real profiles, tests/fuzz/db).
set(seeds ${CMAKE_CURRENT_LIST_DIR}/fuzz/db)
set(out ${CMAKE_BINARY_DIR}/tests/valgrind-out)
file(MAKE_DIRECTORY ${out})
ap_valgrind_test(analyzer_report_text $<TARGET_FILE:analyzer_cli> report -o ${out}/report.txt
  ${seeds}/candidates)
ap_valgrind_test(analyzer_report_json $<TARGET_FILE:analyzer_cli> report --json
  -o ${out}/report.json ${seeds}/cpu_families)
ap_valgrind_test(analyzer_folded $<TARGET_FILE:analyzer_cli> folded --metric alloc-cpu
  -o ${out}/folded.txt ${seeds}/cpu_tree)
ap_valgrind_test(analyzer_pprof $<TARGET_FILE:pprof_cli> pprof -o ${out}/profile.pb.gz
  ${seeds}/pprof)
ap_valgrind_test(analyzer_diff $<TARGET_FILE:diff_cli> diff -o ${out}/diff.txt
  ${seeds}/diff_before ${seeds}/diff_after)
