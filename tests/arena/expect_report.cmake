# expect_report.cmake: runs a program (optionally under a wrapper such as
# valgrind) and checks how it ended. Variables: PROG, ARGS (;-list), WRAPPER
# (;-list, optional), EXPECT ("clean" = exit 0 and no checker report, else a
# regex the first checker report line must match, with a non-zero exit).
# Usage: cmake -DPROG=... -DARGS=... -DEXPECT=... -P expect_report.cmake
execute_process(COMMAND ${WRAPPER} ${PROG} ${ARGS}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCH "[^\n]*(ERROR: AddressSanitizer|Invalid (read|write))[^\n]*" report "${err}")
if(EXPECT STREQUAL "clean")
  if(NOT rc EQUAL 0 OR report)
    message(FATAL_ERROR "expected a clean run of ${PROG} ${ARGS}, got exit ${rc}:\n${err}")
  endif()
  message(STATUS "clean run, exit 0")
  return()
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "expected ${PROG} ${ARGS} to fail with '${EXPECT}', it exited 0:\n${out}${err}")
endif()
if(NOT report MATCHES "${EXPECT}")
  message(FATAL_ERROR "exit ${rc} but the first report does not match '${EXPECT}':\n${err}")
endif()
message(STATUS "reported as expected (exit ${rc}): ${report}")
