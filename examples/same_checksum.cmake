# same_checksum.cmake: runs request_server (malloc) and request_server_arena for
# the same --requests/--seed/--threads and fails unless both succeed, print
# "requests=N checksum=0x..." with the right N, and agree; a different seed
# must change the checksum. Variables: MALLOC_BIN, ARENA_BIN, THREADS.
function(run_server bin seed out_var)
  execute_process(COMMAND ${bin} --requests 3000 --seed ${seed} --threads ${THREADS}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${bin} exited ${rc}: ${err}")
  endif()
  if(NOT out MATCHES "^requests=3000 checksum=0x[0-9a-f]+$")
    message(FATAL_ERROR "${bin}: unexpected output '${out}'")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

run_server(${MALLOC_BIN} 7 with_malloc)
run_server(${ARENA_BIN} 7 with_arena)
run_server(${ARENA_BIN} 8 other_seed)
if(NOT with_malloc STREQUAL with_arena)
  message(FATAL_ERROR "checksums differ: malloc '${with_malloc}' arena '${with_arena}'")
endif()
if(other_seed STREQUAL with_arena)
  message(FATAL_ERROR "seed 8 gives the same output as seed 7: '${other_seed}'")
endif()
message(STATUS "both builds: ${with_malloc}")
